import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../core/config.ts';
import { OperatorView, publicHealth } from '../../net/operator-view.ts';
import { backupDirOf, backupIntervalMs, listScheduledBackups } from '../../store/scheduled-backup.ts';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { operatorOnly, overseers, route, TAGS } from './common.ts';

/** Public routes under /api/v1: the API's own description, and the key peers verify tokens with. */
export async function metaRoutes(app: FastifyInstance, { jwks }: AdminDeps): Promise<void> {
  route(app, TAGS.meta, 'getOpenApiDocument', {
    handler: async () => app.swagger(),
  });

  route(app, TAGS.meta, 'getJwks', {
    handler: async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(await jwks()),
  });
}

/** Signed in, operator only: a new token signing key; the old ones keep verifying until their last token expires. */
export async function signingKeyRoutes(app: FastifyInstance, { signingKeys }: AdminDeps): Promise<void> {
  route(app, TAGS.meta, 'rotateSigningKey', {
    onRequest: operatorOnly,
    handler: async (request) => signingKeys.rotate(currentUser(request).id),
  });
}

/**
 * Signed in, operator staff and auditors: R-24's scheduled backups (issue 13) as the console's backup screen shows
 * them. Read from the backup folder, where a backup is kept only once it has read back whole: the files are the
 * record, so a restart or another node holding the job shows the same.
 */
export async function backupRoutes(app: FastifyInstance, { config, clock }: AdminDeps): Promise<void> {
  route(app, TAGS.meta, 'getBackupStatus', {
    onRequest: overseers,
    handler: async () => {
      const dir = backupDirOf(config);
      const intervalMs = backupIntervalMs(config.backup.schedule);
      const files = listScheduledBackups(dir);
      const newest = files.at(-1) ?? null;
      return {
        schedule: config.backup.schedule || null,
        keep: config.backup.keep,
        dir,
        count: files.length,
        newest: newest && { file: newest.file, at: new Date(newest.atMs).toISOString(), bytes: newest.bytes },
        // None yet: the job writes the first one at its next round (within a minute), so it is due now.
        nextDueAt:
          intervalMs === null
            ? null
            : new Date(newest ? newest.atMs + intervalMs : clock.nowMs()).toISOString(),
      };
    },
  });
}

/**
 * Public, at the root: is this node alive and at which config revision (DESIGN.md "Shape"). A node that reports
 * `ready: false` (no snapshot yet) answers 503, so a load balancer keeps traffic away until it has one. The admin port
 * also serves the public portal, so the detail goes only to the operator's side (`OperatorView`).
 */
export async function healthRoutes(app: FastifyInstance, { health, config }: AdminDeps): Promise<void> {
  route(app, TAGS.meta, 'getHealth', { handler: healthHandler(health, config) });
  // Issue 13 item 1: the same answer at the path load balancers and orchestrators ask for readiness.
  route(app, TAGS.meta, 'getReadiness', { handler: healthHandler(health, config) });
}

/** `/healthz` and `/readyz` on an admin port, with or without the admin API (`node-health-server.ts`). */
export function healthHandler(health: () => Record<string, unknown>, config: Config) {
  const view = new OperatorView(config.admin.metricsToken);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const body = health();
    return reply
      .code(body['ready'] === false ? 503 : 200)
      .header('cache-control', 'no-store')
      .send(view.allows(request.raw.socket.remoteAddress, request.headers) ? body : publicHealth(body));
  };
}

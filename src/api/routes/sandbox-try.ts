import type { FastifyInstance } from 'fastify';
import { sandboxCallLimitMs, trySandboxCall } from '../../control/sandbox-try.ts';
import { LgspError } from '../../core/errors.ts';
import { currentUser, requireRole } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { route, TAGS } from './common.ts';

/** The operator's reviewers test what they review; a providing agency its own versions; auditors change nothing. */
const testers = requireRole('operator_admin', 'operator_reviewer', 'agency');

/**
 * The sandbox "try it" (issue 11, R-11): one real call through the gateway with the platform's test client. The
 * answer's body goes back to the person who tried and nowhere else: not stored, not logged — and the answer
 * is never cached.
 */
export async function sandboxTryRoutes(
  app: FastifyInstance,
  { registry, kek, clock, config, sandboxGateway }: AdminDeps,
): Promise<void> {
  const ownership = new Ownership(registry);
  route(app, TAGS.versions, 'trySandboxCall', {
    onRequest: testers,
    preHandler: [ownership.hides('version'), ownership.owns((request, o) => o.ofVersion(paramId(request)))],
    handler: async (request, reply) => {
      if (!sandboxGateway) {
        throw new LgspError(
          'CP_SANDBOX_TRY_FAILED',
          'nút này không chạy cổng kết nối / no gateway on this node',
        );
      }
      const result = await trySandboxCall(
        {
          registry,
          kek,
          clock,
          gateway: sandboxGateway,
          timeoutMs: sandboxCallLimitMs(config.gateway.upstreamTimeoutMs),
          configReloadMs: config.snapshot.pollIntervalMs,
        },
        request.params.id,
        request.body,
        currentUser(request).id,
      );
      return reply.header('cache-control', 'no-store').send(result);
    },
  });
}

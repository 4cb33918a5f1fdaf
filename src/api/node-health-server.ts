import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Config } from '../core/config.ts';
import type { TelemetryMetrics } from '../telemetry/metrics.ts';
import { errorPageRoutes } from './error-pages.ts';
import { installProblemHandlers } from './problems.ts';
import { metricsRoutes } from './routes/metrics.ts';

/**
 * The admin port of a node without the admin API (gateway and worker roles): `/healthz`, `/readyz` and
 * `/metrics` (behind `admin.metricsToken` when set, as on the admin API), and the error-code pages its problems'
 * `type` names when `admin.publicUrl` is not set (error-pages.ts), nothing else.
 */
export async function nodeHealthServer(
  config: Config,
  health: () => Record<string, unknown>,
  metrics: TelemetryMetrics,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  installProblemHandlers(app);
  const answer = async (_request: unknown, reply: FastifyReply) => {
    const body = health();
    return reply
      .code(body['ready'] === false ? 503 : 200)
      .header('cache-control', 'no-store')
      .send(body);
  };
  app.get('/healthz', answer);
  app.get('/readyz', answer);
  await app.register(async (root) => metricsRoutes(root, { metrics, config }));
  await app.register(async (root) => errorPageRoutes(root));
  return app;
}

import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../core/config.ts';
import type { TelemetryMetrics } from '../telemetry/metrics.ts';
import { errorPageRoutes } from './error-pages.ts';
import {
  answerFrameworkError,
  installProblemHandlers,
  installRequestIdHeader,
  REQUEST_ID_OPTIONS,
} from './problems.ts';
import { healthHandler } from './routes/meta.ts';
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
  // Its answers carry a request id like the admin API's (problems.ts); this server logs nothing, so it is not looked up.
  const app = Fastify({ logger: false, ...REQUEST_ID_OPTIONS, frameworkErrors: answerFrameworkError });
  installRequestIdHeader(app);
  installProblemHandlers(app);
  const answer = healthHandler(health, config);
  app.get('/healthz', answer);
  app.get('/readyz', answer);
  await app.register(async (root) => metricsRoutes(root, { metrics, config }));
  await app.register(async (root) => errorPageRoutes(root));
  return app;
}

import type { FastifyInstance } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import { OperatorView } from '../../net/operator-view.ts';
import type { AdminDeps } from '../deps.ts';

/**
 * `GET /metrics`, at the root of the admin port, in the Prometheus text format (docs/monitoring.md). Scrapers have
 * no login session. When `admin.metricsToken` is set, a scraper must send it as `Authorization: Bearer …`
 * (Prometheus `authorization: { credentials: … }`), from anywhere. Without it, only the operator's side reads the
 * metrics (`OperatorView`: this machine, not relayed by a proxy) — the admin port also serves the public portal, and
 * the metrics map the platform (its services, engines, error rates) for whoever can reach it. No label carries a
 * consumer, credential or token.
 *
 * Hidden from the OpenAPI document: it is an operations endpoint in Prometheus' format, not part of the API.
 */
export async function metricsRoutes(
  app: FastifyInstance,
  { metrics, config }: Pick<AdminDeps, 'metrics' | 'config'>,
): Promise<void> {
  if (!metrics) return;
  const view = new OperatorView(config.admin.metricsToken);
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (view.tokenRequired) {
      if (!view.allows(undefined, request.headers)) {
        throw new LgspError('API_UNAUTHORIZED', 'cần token của /metrics / the metrics token is required');
      }
    } else if (!view.allows(request.raw.socket.remoteAddress, request.headers)) {
      throw new LgspError(
        'API_UNAUTHORIZED',
        'từ máy khác, /metrics cần admin.metricsToken (LGSP_ADMIN_METRICS_TOKEN) / from another machine, /metrics needs admin.metricsToken',
      );
    }
    const body = await metrics.scrape();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(body);
  });
}

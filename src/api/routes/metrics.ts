import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import { bearerToken } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest();

/**
 * `GET /metrics`, at the root of the admin port, in the Prometheus text format (docs/monitoring.md). Scrapers have
 * no login session, so it is open by default — the admin port listens on 127.0.0.1 unless the operator says
 * otherwise, and no label carries a consumer, credential or token. When `admin.metricsToken` is set, a scraper
 * must send it as `Authorization: Bearer …` (Prometheus `authorization: { credentials: … }`).
 *
 * Hidden from the OpenAPI document: it is an operations endpoint in Prometheus' format, not part of the API.
 */
export async function metricsRoutes(
  app: FastifyInstance,
  { metrics, config }: Pick<AdminDeps, 'metrics' | 'config'>,
): Promise<void> {
  if (!metrics) return;
  const expected = config.admin.metricsToken ? sha256(config.admin.metricsToken) : null;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (expected) {
      const token = bearerToken(request);
      // Compared as digests, so the comparison takes the same time whatever the length of what was sent.
      if (!token || !timingSafeEqual(sha256(token), expected)) {
        throw new LgspError('API_UNAUTHORIZED', 'cần token của /metrics / the metrics token is required');
      }
    }
    const body = await metrics.scrape();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(body);
  });
}

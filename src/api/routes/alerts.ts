import type { FastifyInstance } from 'fastify';
import { Alerts } from '../../telemetry/alerts.ts';
import type { AdminDeps } from '../deps.ts';
import { AlertQuery, AlertSchema, ListOf } from '../schemas.ts';
import { overseers, readProblems, TAGS } from './common.ts';

/**
 * Operator alerts: what keeps data from flowing — for now dead-lettered async messages — newest
 * first. Read by the operator's staff and auditors; an agency learns of its own messages by webhook.
 */
export async function alertRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const alerts = new Alerts(deps.store, deps.clock, deps.config.alerts.emails, deps.logger);
  app.get<{ Querystring: AlertQuery }>(
    '/alerts',
    {
      onRequest: overseers,
      schema: {
        tags: [TAGS.alerts],
        summary: 'Cảnh báo vận hành / Operator alerts',
        description: 'Mới nhất trước. / Newest first.',
        querystring: AlertQuery,
        response: { 200: ListOf(AlertSchema), ...readProblems },
      },
    },
    async (request) => ({ items: await alerts.list(request.query) }),
  );
}

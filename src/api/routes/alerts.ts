import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { overseers, readProblems, reviewers, route, TAGS, writeProblems } from './common.ts';

/**
 * Operator alerts: what keeps data from flowing — for now dead-lettered async messages — newest
 * first. Read by the operator's staff and auditors; an agency learns of its own messages by webhook.
 */
export async function alertRoutes(app: FastifyInstance, { alerts }: AdminDeps): Promise<void> {
  route(
    app,
    'listAlerts',
    {
      onRequest: overseers,
      schema: {
        tags: [TAGS.alerts],
        summary: 'Cảnh báo vận hành / Operator alerts',
        description: 'Mới nhất trước. / Newest first.',
        response: readProblems,
      },
    },
    async (request) => ({ items: await alerts.list(request.query) }),
  );

  route(
    app,
    'listAlertEvents',
    {
      onRequest: overseers,
      schema: {
        tags: [TAGS.alerts],
        summary: "Lịch sử trạng thái của cảnh báo / An alert's state history",
        response: readProblems,
      },
    },
    async (request) => ({ items: await alerts.history(request.params.id) }),
  );

  // An event-type alert (a dead letter) has no condition that clears by itself: an operator closes it, saying how.
  route(
    app,
    'resolveAlert',
    {
      onRequest: reviewers,
      schema: {
        tags: [TAGS.alerts],
        summary: 'Đóng cảnh báo, ghi cách xử lý / Resolve an alert, saying how',
        response: writeProblems,
      },
    },
    async (request) => {
      const user = currentUser(request);
      return alerts.resolveById(request.params.id, `${request.body.note} (${user.username})`);
    },
  );
}

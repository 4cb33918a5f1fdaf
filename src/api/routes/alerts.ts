import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { overseers, reviewers, routesUnder, TAGS } from './common.ts';

/**
 * Operator alerts: what keeps data from flowing, newest first. Read by the operator's staff and
 * auditors; acknowledged and resolved by its administrators and reviewers; an agency learns of its own by webhook.
 */
export async function alertRoutes(app: FastifyInstance, { alerts }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.alerts);

  route('listAlerts', {
    onRequest: overseers,
    handler: async (request) => alerts.page(request.query),
  });

  route('listAlertEvents', {
    onRequest: overseers,
    handler: async (request) => alerts.pageHistory(request.params.id, request.query),
  });

  // Issue 11: "I am on it" — recorded in the alert's history with who said it; the alert stays open, unescalated.
  route('acknowledgeAlert', {
    onRequest: reviewers,
    handler: async (request) => {
      const user = currentUser(request);
      return alerts.acknowledgeById(request.params.id, `${request.body.note} (${user.username})`);
    },
  });

  // An event-type alert (a dead letter) has no condition that clears by itself: an operator closes it, saying how.
  route('resolveAlert', {
    onRequest: reviewers,
    handler: async (request) => {
      const user = currentUser(request);
      return alerts.resolveById(request.params.id, `${request.body.note} (${user.username})`);
    },
  });
}

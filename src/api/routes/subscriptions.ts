import type { FastifyInstance } from 'fastify';
import { currentUser, organizationScope } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership } from '../ownership.ts';
import { anyRole, operatorOnly, routesUnder, TAGS } from './common.ts';

/**
 * Subscriptions: which consumer system may call which version, where, how often and when. Granting
 * and changing them is the operator's decision; an agency user sees those where its organization is the
 * consumer or the provider.
 */
export async function subscriptionRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.subscriptions);
  const ownership = new Ownership(registry);

  route('listSubscriptions', {
    onRequest: anyRole,
    // An agency user's page holds only its organization's subscriptions, filtered in SQL before paging.
    handler: async (request) =>
      registry.pageSubscriptions(request.query, organizationScope(currentUser(request))),
  });

  route('createSubscription', {
    onRequest: operatorOnly,
    handler: async (request) => registry.createSubscription(request.body, currentUser(request).id),
  });

  route('getSubscription', {
    onRequest: anyRole,
    preHandler: ownership.hides('subscription'),
    handler: async (request) => registry.getSubscription(request.params.id),
  });

  route('updateSubscription', {
    onRequest: operatorOnly,
    handler: async (request) =>
      registry.updateSubscription(request.params.id, request.body, currentUser(request).id),
  });
}

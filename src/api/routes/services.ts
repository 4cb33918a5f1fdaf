import type { FastifyInstance } from 'fastify';
import { currentUser, organizationScope } from '../auth.ts';
import type { ServiceCreate } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Data-sharing services and their technical description. The catalogue is published to every
 * organization; a provider agency describes its own services, those of its provider systems. Another
 * organization's service that is not in the catalogue yet (no version ever published) is answered to an agency
 * user as an unknown id, and left out of its lists.
 */
export async function serviceRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.services);
  const ownership = new Ownership(registry);

  route('listServices', {
    onRequest: anyRole,
    handler: async (request) => registry.pageServices(request.query, organizationScope(currentUser(request))),
  });

  route('createService', {
    onRequest: agencyOrOperator,
    preHandler: ownership.hides('system', (request) => (request.body as ServiceCreate).providerSystemId),
    handler: async (request) => registry.createService(request.body, currentUser(request).id),
  });

  route('getService', {
    onRequest: anyRole,
    preHandler: ownership.hides('service'),
    handler: async (request) => registry.getService(request.params.id),
  });

  route('updateService', {
    onRequest: agencyOrOperator,
    preHandler: [ownership.hides('service'), ownership.owns((request, o) => o.ofService(paramId(request)))],
    handler: async (request) =>
      registry.updateService(request.params.id, request.body, currentUser(request).id),
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { descriptionForConsumers, upstreamsByService } from '../../control/catalogue.ts';
import { currentUser, organizationScope, seesEverything } from '../auth.ts';
import type { Service, ServiceCreate } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, routesUnder, TAGS } from './common.ts';
import { gatewayAddress } from './public.ts';

/**
 * Data-sharing services and their technical description. The catalogue is published to every
 * organization; a provider agency describes its own services, those of its provider systems. Another
 * organization's service that is not in the catalogue yet (no version ever published) is answered to an agency
 * user as an unknown id, and left out of its lists.
 */
export async function serviceRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { registry, store } = deps;
  const route = routesUnder(app, TAGS.services);
  const ownership = new Ownership(registry);

  /**
   * Another agency reads a service's description as the public catalogue shows it: each upstream address the
   * provider wrote there becomes the version's address on the gateway (docs/security.md §2.1). The provider's
   * agency and the operator's staff read it as written, as they see the version's upstreams.
   */
  const shownTo = async (request: FastifyRequest, services: Service[]): Promise<Service[]> => {
    const user = currentUser(request);
    if (seesEverything(user)) return services;
    const owners = new Map<string, Promise<string>>();
    const ownerOf = (systemId: string) => {
      const known = owners.get(systemId) ?? ownership.ofSystem(systemId);
      owners.set(systemId, known);
      return known;
    };
    const others = new Set<string>();
    for (const s of services)
      if ((await ownerOf(s.providerSystemId)) !== user.organizationId) others.add(s.id);
    if (others.size === 0) return services;
    const upstreams = await upstreamsByService(store.db, [...others]);
    const gateway = gatewayAddress(deps);
    return services.map((s) =>
      others.has(s.id)
        ? {
            ...s,
            description: descriptionForConsumers(
              s.description,
              s.context,
              upstreams.get(s.id) ?? [],
              gateway,
            ),
          }
        : s,
    );
  };

  route('listServices', {
    onRequest: anyRole,
    handler: async (request) => {
      const page = await registry.pageServices(request.query, organizationScope(currentUser(request)));
      return { ...page, items: await shownTo(request, page.items) };
    },
  });

  route('createService', {
    onRequest: agencyOrOperator,
    preHandler: ownership.hides('system', (request) => (request.body as ServiceCreate).providerSystemId),
    handler: async (request) => registry.createService(request.body, currentUser(request).id),
  });

  route('getService', {
    onRequest: anyRole,
    preHandler: ownership.hides('service'),
    handler: async (request) => (await shownTo(request, [await registry.getService(request.params.id)]))[0],
  });

  route('updateService', {
    onRequest: agencyOrOperator,
    preHandler: [ownership.hides('service'), ownership.owns((request, o) => o.ofService(paramId(request)))],
    handler: async (request) =>
      registry.updateService(request.params.id, request.body, currentUser(request).id),
  });
}

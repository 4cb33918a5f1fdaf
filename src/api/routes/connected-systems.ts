import type { FastifyInstance } from 'fastify';
import {
  connectionHistory,
  pageConnectedSystems,
  systemConnection,
} from '../../reports/connected-systems.ts';
import { currentUser, listedOrganization } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership } from '../ownership.ts';
import { anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Connected systems: first and last connection, last successful send and receive, state and daily traffic
 * of each system (src/reports/connected-systems.ts). Operator staff and auditors see every system; an agency user
 * its own organization's, as for GET /systems.
 */
export async function connectedSystemRoutes(
  app: FastifyInstance,
  { store, registry, clock }: AdminDeps,
): Promise<void> {
  const route = routesUnder(app, TAGS.systems);
  const ownsSystem = new Ownership(registry).hides('system');

  route('listConnectedSystems', {
    onRequest: anyRole,
    handler: async (request) => {
      const { organizationId: wanted, ...page } = request.query;
      const organizationId = listedOrganization(currentUser(request), wanted);
      if (organizationId === null) return { items: [], total: 0 };
      return pageConnectedSystems(
        store,
        registry,
        { ...page, ...(organizationId ? { organizationId } : {}) },
        clock.nowMs(),
      );
    },
  });

  route('getSystemConnection', {
    onRequest: anyRole,
    preHandler: ownsSystem,
    handler: async (request) => {
      const nowMs = clock.nowMs();
      const system = await registry.getSystem(request.params.id);
      const connection = await systemConnection(store, system, nowMs);
      const history = await connectionHistory(store, system.id, { days: request.query.days, nowMs });
      return { ...connection, history };
    },
  });
}

import type { FastifyInstance } from 'fastify';
import { currentUser, listedOrganization } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields } from '../ownership.ts';
import { agencyOrOperator, anyRole, operatorOnly, routesUnder, TAGS } from './common.ts';

/**
 * Information systems, the connected parties. Registering, suspending and activating a system is the
 * operator's decision; an agency user sees only its own organization's systems and may rename them.
 */
export async function systemRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.systems);
  // Another organization's system answers as an unknown id: its existence is not public.
  const ownsSystem = new Ownership(registry).hides('system');

  route('listSystems', {
    onRequest: anyRole,
    handler: async (request) => {
      const organizationId = listedOrganization(currentUser(request), request.query.organizationId);
      if (organizationId === null) return { items: [], total: 0 };
      return registry.pageSystems({ ...request.query, organizationId });
    },
  });

  route('createSystem', {
    onRequest: operatorOnly,
    handler: async (request) => {
      const { isProvider = false, isConsumer = false, ...rest } = request.body;
      return registry.createSystem({ ...rest, isProvider, isConsumer }, currentUser(request).id);
    },
  });

  route('getSystem', {
    onRequest: anyRole,
    // The platform's sandbox test client is read by everyone: it calls the providers' versions, and a provider
    // reads it named in its records (registry/platform-owned.ts). Changing it stays refused (updateSystem).
    preHandler: async function (request, reply) {
      if (await registry.isPlatformTestClient(request.params.id)) return;
      return ownsSystem.call(this, request, reply);
    },
    handler: async (request) => registry.getSystem(request.params.id),
  });

  route('updateSystem', {
    onRequest: agencyOrOperator,
    // The owning agency may rename and describe its system; its status, roles and certificate binding (mTLS,
    // which decides who may use its credentials) are the operator's.
    preHandler: [ownsSystem, operatorOnlyFields(['status', 'isProvider', 'isConsumer', 'clientCertificate'])],
    handler: async (request) =>
      registry.updateSystem(request.params.id, request.body, currentUser(request).id),
  });
}

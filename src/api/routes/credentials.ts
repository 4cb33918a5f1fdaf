import type { FastifyInstance } from 'fastify';
import { currentUser, organizationScope } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership } from '../ownership.ts';
import { agencyOrOperator, anyRole, operatorOnly, routesUnder, sendSecretOnce, TAGS } from './common.ts';

/**
 * Consumer key and secret of a system per environment (R-14); the secret is shown once, stored hashed (R-25).
 * Issuing is the operator's (R-12); an agency user sees its own systems' credentials and may revoke them at
 * once when it stops using a service (R-21).
 */
export async function credentialRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.credentials);
  const ownership = new Ownership(registry);
  const ownsCredential = ownership.hides('credential');

  route('listCredentials', {
    onRequest: anyRole,
    // An agency user's page holds only its own systems' credentials, filtered in SQL before paging (R-27).
    handler: async (request) =>
      registry.pageCredentials(request.query, organizationScope(currentUser(request))),
  });

  route('issueCredential', {
    onRequest: operatorOnly,
    handler: async (request, reply) => {
      const issued = await registry.issueCredential(
        request.params.id,
        request.body.environment,
        currentUser(request).id,
      );
      return sendSecretOnce(reply, issued);
    },
  });

  route('getCredential', {
    onRequest: anyRole,
    preHandler: ownsCredential,
    handler: async (request) => registry.getCredential(request.params.id),
  });

  route('revokeCredential', {
    // The owning agency may revoke its own credentials at once when it stops using a service.
    onRequest: agencyOrOperator,
    preHandler: ownsCredential,
    handler: async (request) =>
      registry.revokeCredential(request.params.id, currentUser(request).id, request.body.reason),
  });
}

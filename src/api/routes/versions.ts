import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Service versions, deployed side by side with their upstreams per environment. Anyone
 * signed in reads the catalogue; the provider agency prepares its versions, and publishing, deprecating and
 * retiring (the status) stay with the operator, who tests in the sandbox first.
 */
export async function versionRoutes(
  app: FastifyInstance,
  { registry, versionChanges }: AdminDeps,
): Promise<void> {
  const route = routesUnder(app, TAGS.versions);
  const ownership = new Ownership(registry);

  route('listServiceVersions', {
    onRequest: anyRole,
    handler: async (request) => {
      // An unknown service is a 404, not an empty list, so a typo in the id is not mistaken for "no versions".
      const service = await registry.getService(request.params.id);
      return registry.pageVersions({ ...request.query, serviceId: service.id });
    },
  });

  route('createVersion', {
    onRequest: agencyOrOperator,
    // A provider agency creates drafts of its own services; any other status is the operator's decision.
    preHandler: [
      ownership.owns((request, o) => o.ofService(paramId(request))),
      operatorOnlyFields(['status'], { status: 'draft' }),
    ],
    handler: async (request) =>
      registry.createVersion(request.params.id, request.body, currentUser(request).id),
  });

  route('listVersions', {
    onRequest: anyRole,
    handler: async (request) => registry.pageVersions(request.query),
  });

  route('getVersion', {
    onRequest: anyRole,
    handler: async (request) => registry.getVersion(request.params.id),
  });

  route('updateVersion', {
    onRequest: agencyOrOperator,
    preHandler: [
      ownership.owns((request, o) => o.ofVersion(paramId(request))),
      operatorOnlyFields(['status']),
    ],
    // Where a published version forwards to changes only through review (issue 10): an agency proposes a version
    // change instead; an operator administrator's direct change stays possible, and audited.
    handler: async (request) => {
      const user = currentUser(request);
      return versionChanges.editVersion(
        request.params.id,
        request.body,
        user.id,
        user.role === 'operator_admin',
      );
    },
  });
}

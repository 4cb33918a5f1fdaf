import type { FastifyInstance } from 'fastify';
import { currentUser, listedOrganization, seesEverything, visibleById } from '../auth.ts';
import type { VersionChangeCreate } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership } from '../ownership.ts';
import { agencyOrOperator, anyRole, reviewers, routesUnder, TAGS } from './common.ts';

/**
 * Proposed changes to a published version (issue 10, R-11, R-19): the provider agency proposes new upstreams or
 * resources for its own version and may withdraw; the operator's reviewers approve the sandbox test, apply after
 * it, or reject. An agency sees and acts on its own services' changes only; operator staff and auditors see all.
 */
export async function versionChangeRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { registry, versionChanges: changes } = deps;
  const ownership = new Ownership(registry);
  const route = routesUnder(app, TAGS.versionChanges);

  /** A change of another organization's version is answered to an agency user as an unknown id. */
  const visibleChange = visibleById((id) => changes.get(id));

  route('createVersionChange', {
    onRequest: agencyOrOperator,
    preHandler: [
      ownership.hides('version', (request) => (request.body as VersionChangeCreate).versionId),
      ownership.owns((request, o) => o.ofVersion((request.body as VersionChangeCreate).versionId)),
    ],
    handler: async (request) => changes.propose(request.body, currentUser(request).id),
  });

  route('listVersionChanges', {
    onRequest: anyRole,
    handler: async (request) => {
      const { organizationId, ...rest } = request.query;
      const scope = listedOrganization(currentUser(request), organizationId);
      if (scope === null) return { items: [], total: 0 };
      return changes.list({ ...rest, ...(scope ? { organizationId: scope } : {}) });
    },
  });

  route('getVersionChange', {
    onRequest: anyRole,
    handler: async (request) => visibleChange(request),
  });

  route('approveVersionChange', {
    onRequest: reviewers,
    handler: async (request) => changes.approve(request.params.id, currentUser(request).id),
  });

  route('applyVersionChange', {
    onRequest: reviewers,
    handler: async (request) => changes.apply(request.params.id, currentUser(request).id),
  });

  route('rejectVersionChange', {
    onRequest: reviewers,
    handler: async (request) =>
      changes.reject(request.params.id, request.body.reasons, currentUser(request).id),
  });

  route('withdrawVersionChange', {
    onRequest: agencyOrOperator,
    preHandler: async (request) => {
      if (!seesEverything(currentUser(request))) await visibleChange(request);
    },
    handler: async (request) => changes.withdraw(request.params.id, currentUser(request).id),
  });
}

import type { FastifyInstance } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, operatorOnly, routesUnder, TAGS } from './common.ts';

/**
 * Organizations and their contact points. Contact points are published to every organization, so any
 * signed-in role may read them; an agency user keeps its own organization's name and contact point up to date.
 */
export async function organizationRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.organizations);
  const ownership = new Ownership(registry);

  route('listOrganizations', {
    onRequest: anyRole,
    handler: async (request) => registry.pageOrganizations(request.query),
  });

  route('createOrganization', {
    onRequest: operatorOnly,
    handler: async (request) => registry.createOrganization(request.body, currentUser(request).id),
  });

  route('getOrganization', {
    onRequest: anyRole,
    handler: async (request) => registry.getOrganization(request.params.id),
  });

  route('updateOrganization', {
    onRequest: agencyOrOperator,
    // An agency user edits its own organization's name and contact point; the hierarchy is the operator's.
    preHandler: [ownership.owns(async (request) => paramId(request)), operatorOnlyFields(['parentId'])],
    handler: async (request) => {
      const { id } = request.params;
      if (request.body.parentId === id) {
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'parentId: một cơ quan không thể là cấp trên của chính nó',
        );
      }
      return registry.updateOrganization(id, request.body, currentUser(request).id);
    },
  });
}

import type { FastifyInstance } from 'fastify';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  pageWebhookEndpoints,
  rotateWebhookSecret,
  webhookEventCatalogue,
} from '../../control/webhooks.ts';
import { LgspError } from '../../core/errors.ts';
import {
  assertOwnOrganization,
  assertVisibleToOrganization,
  currentUser,
  listedOrganization,
} from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Where an organization receives notices and decisions by signed webhook (the e-mail goes to its contact point).
 * An agency manages its own organization's endpoints; the operator any. The signing secret is shown once.
 */
export async function webhookRoutes(
  app: FastifyInstance,
  { store, clock, kek, registry }: AdminDeps,
): Promise<void> {
  const route = routesUnder(app, TAGS.notices);

  route('listWebhooks', {
    onRequest: anyRole,
    handler: async (request) => {
      const organizationId = listedOrganization(currentUser(request), request.query.organizationId);
      if (organizationId === null) return { items: [], total: 0 };
      const { organizationId: _asked, ...page } = request.query;
      return pageWebhookEndpoints(store, { ...page, ...(organizationId ? { organizationId } : {}) });
    },
  });

  route('createWebhook', {
    onRequest: agencyOrOperator,
    handler: async (request, reply) => {
      const user = currentUser(request);
      const organizationId = request.body.organizationId ?? user.organizationId;
      if (!organizationId)
        throw new LgspError('API_VALIDATION_FAILED', 'organizationId: bắt buộc / required');
      assertOwnOrganization(user, organizationId);
      const created = await createWebhookEndpoint(
        store,
        clock,
        kek,
        { ...request.body, organizationId },
        user.id,
        registry.egress,
      );
      return reply.header('cache-control', 'no-store').send(created);
    },
  });

  // The same for everyone signed in: it names events and the signature scheme, nothing of any organization.
  route('listWebhookEventTypes', {
    onRequest: anyRole,
    handler: async () => webhookEventCatalogue(),
  });

  // An endpoint's own organization (an agency user) or the operator may change it; to another agency it is
  // answered as an unknown id.
  const ownEndpoint = async (request: Parameters<typeof paramId>[0]) => {
    const id = paramId(request);
    const notFound = new LgspError('API_NOT_FOUND', id);
    const [endpoint] = await listWebhookEndpoints(store, { id });
    if (!endpoint) throw notFound;
    assertVisibleToOrganization(currentUser(request), notFound, endpoint.organizationId);
  };

  route('rotateWebhookSecret', {
    onRequest: agencyOrOperator,
    preHandler: ownEndpoint,
    handler: async (request, reply) => {
      const rotated = await rotateWebhookSecret(
        store,
        clock,
        kek,
        request.params.id,
        request.body.overlapHours ?? 24,
        currentUser(request).id,
      );
      return reply.header('cache-control', 'no-store').send(rotated);
    },
  });

  route('deleteWebhook', {
    onRequest: agencyOrOperator,
    preHandler: ownEndpoint,
    handler: async (request) =>
      deleteWebhookEndpoint(store, clock, request.params.id, currentUser(request).id),
  });
}

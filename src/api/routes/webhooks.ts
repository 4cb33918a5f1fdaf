import type { FastifyInstance } from 'fastify';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
} from '../../control/webhooks.ts';
import { LgspError } from '../../core/errors.ts';
import { assertOwnOrganization, currentUser, organizationScope } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { paramId } from '../ownership.ts';
import { problemResponses } from '../problems.ts';
import { agencyOrOperator, anyRole, readProblems, route, TAGS, writeProblems } from './common.ts';

/**
 * Where an organization receives notices and decisions by signed webhook (the e-mail goes to its contact point).
 * An agency manages its own organization's endpoints; the operator any. The signing secret is shown once.
 */
export async function webhookRoutes(app: FastifyInstance, { store, clock }: AdminDeps): Promise<void> {
  const tags = [TAGS.notices];

  route(
    app,
    'listWebhooks',
    {
      onRequest: anyRole,
      schema: { tags, summary: 'Các địa chỉ webhook / Webhook endpoints', response: readProblems },
    },
    async (request) => {
      const scope = organizationScope(currentUser(request));
      if (scope && request.query.organizationId && request.query.organizationId !== scope)
        return { items: [] };
      const organizationId = scope ?? request.query.organizationId;
      return { items: await listWebhookEndpoints(store, organizationId ? { organizationId } : {}) };
    },
  );

  route(
    app,
    'createWebhook',
    {
      onRequest: agencyOrOperator,
      schema: {
        tags,
        summary:
          'Đăng ký webhook nhận thông báo (khoá ký hiện một lần) / Register a webhook (secret shown once)',
        response: { ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      const user = currentUser(request);
      const organizationId = request.body.organizationId ?? user.organizationId;
      if (!organizationId)
        throw new LgspError('API_VALIDATION_FAILED', 'organizationId: bắt buộc / required');
      assertOwnOrganization(user, organizationId);
      const created = await createWebhookEndpoint(store, clock, { ...request.body, organizationId }, user.id);
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  route(
    app,
    'deleteWebhook',
    {
      onRequest: agencyOrOperator,
      preHandler: async (request) => {
        const endpoint = (await listWebhookEndpoints(store)).find((e) => e.id === paramId(request));
        if (!endpoint) throw new LgspError('API_NOT_FOUND', paramId(request));
        assertOwnOrganization(currentUser(request), endpoint.organizationId);
      },
      schema: {
        tags,
        summary: 'Xoá webhook / Delete a webhook',
        response: { ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => deleteWebhookEndpoint(store, clock, request.params.id, currentUser(request).id),
  );
}

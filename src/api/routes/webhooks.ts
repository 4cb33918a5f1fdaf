import { Type } from '@sinclair/typebox';
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
import { IdParams, ListOf } from '../schemas.ts';
import { agencyOrOperator, anyRole, readProblems, route, TAGS, writeProblems } from './common.ts';

const Strict = { additionalProperties: false } as const;

const WebhookCreate = Type.Object(
  {
    organizationId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Mặc định: cơ quan của người dùng agency' }),
    ),
    url: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'https://… nhận thông báo đã ký HMAC / receives HMAC-signed notifications',
    }),
    events: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 50,
        description: 'Loại sự kiện, ví dụ notice.deprecation; để trống = tất cả / event types; empty = all',
      }),
    ),
  },
  Strict,
);
const WebhookQuery = Type.Object(
  { organizationId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
  Strict,
);

const WebhookSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});
const CreatedWebhookSchema = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({
    description:
      'Khoá ký HMAC: chỉ hiển thị MỘT lần / HMAC signing key: shown ONCE (docs/gateway.md §webhook)',
  }),
});

/**
 * Where an organization receives notices and decisions by signed webhook (the e-mail goes to its contact point).
 * An agency manages its own organization's endpoints; the operator any. The signing secret is shown once.
 */
export async function webhookRoutes(app: FastifyInstance, { store, clock }: AdminDeps): Promise<void> {
  const tags = [TAGS.notices];

  route<{ Querystring: typeof WebhookQuery.static }>(
    app,
    'listWebhooks',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Các địa chỉ webhook / Webhook endpoints',
        querystring: WebhookQuery,
        response: { 200: ListOf(WebhookSchema), ...readProblems },
      },
    },
    async (request) => {
      const scope = organizationScope(currentUser(request));
      if (scope && request.query.organizationId && request.query.organizationId !== scope)
        return { items: [] };
      const organizationId = scope ?? request.query.organizationId;
      return { items: await listWebhookEndpoints(store, organizationId ? { organizationId } : {}) };
    },
  );

  route<{ Body: typeof WebhookCreate.static }>(
    app,
    'createWebhook',
    {
      onRequest: agencyOrOperator,
      schema: {
        tags,
        summary:
          'Đăng ký webhook nhận thông báo (khoá ký hiện một lần) / Register a webhook (secret shown once)',
        body: WebhookCreate,
        response: { 201: CreatedWebhookSchema, ...writeProblems, ...problemResponses(404) },
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

  route<{ Params: IdParams }>(
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
        params: IdParams,
        response: { 200: WebhookSchema, ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => deleteWebhookEndpoint(store, clock, request.params.id, currentUser(request).id),
  );
}

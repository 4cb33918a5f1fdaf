import type { FastifyInstance } from 'fastify';
import { currentUser, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { credentialVisible, Ownership, paramId } from '../ownership.ts';
import { problemResponses } from '../problems.ts';
import {
  agencyOrOperator,
  anyRole,
  operatorOnly,
  readProblems,
  route,
  TAGS,
  writeProblems,
} from './common.ts';

/**
 * Consumer key and secret of a system per environment (R-14); the secret is shown once, stored hashed (R-25).
 * Issuing is the operator's (R-12); an agency user sees its own systems' credentials and may revoke them at
 * once when it stops using a service (R-21).
 */
export async function credentialRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const tags = [TAGS.credentials];
  const ownership = new Ownership(registry);
  const ownsCredential = ownership.owns((request, o) => o.ofCredential(paramId(request)));

  route(
    app,
    'listCredentials',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Danh sách thông tin kết nối / List credentials',
        description:
          'Không bao giờ có secret. Người dùng của cơ quan chỉ thấy của hệ thống cơ quan mình. / ' +
          "Never includes the secret. An agency user sees only its own organization's systems' credentials.",
        response: readProblems,
      },
    },
    async (request) => {
      const user = currentUser(request);
      const items = await registry.listCredentials(request.query);
      if (seesEverything(user)) return { items };
      const owned = await ownership.ownedBy(user.organizationId ?? '');
      return { items: items.filter((c) => credentialVisible(owned, c)) };
    },
  );

  route(
    app,
    'issueCredential',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Cấp consumer key và secret / Issue a consumer key and secret',
        description:
          'consumerSecret chỉ có trong câu trả lời này và không thể xem lại (R-25). / ' +
          'consumerSecret appears in this response only and cannot be shown again.',
        response: { ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const issued = await registry.issueCredential(
        request.params.id,
        request.body.environment,
        currentUser(request).id,
      );
      // No cache (browser, proxy) may keep the one copy of the secret.
      return reply.code(201).header('cache-control', 'no-store').header('pragma', 'no-cache').send(issued);
    },
  );

  route(
    app,
    'getCredential',
    {
      onRequest: anyRole,
      preHandler: ownsCredential,
      schema: {
        tags,
        summary: 'Xem thông tin kết nối (không có secret) / Get a credential (never the secret)',
        response: { ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.getCredential(request.params.id),
  );

  route(
    app,
    'revokeCredential',
    {
      // The owning agency may revoke its own credentials at once when it stops using a service.
      onRequest: agencyOrOperator,
      // The reason is optional, so a bare POST (no body at all) is a revoke without a reason.
      preValidation: async (request) => {
        request.body ??= {};
      },
      preHandler: ownsCredential,
      schema: {
        tags,
        summary: 'Thu hồi thông tin kết nối / Revoke a credential',
        description:
          'Có hiệu lực ngay trên mọi nút cổng kết nối (R-19, R-21). / Takes effect on every gateway node at once.',
        response: { ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) =>
      registry.revokeCredential(request.params.id, currentUser(request).id, request.body.reason),
  );
}

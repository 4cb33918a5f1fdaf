import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { credentialVisible, Ownership, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, emptyBodyIsObject, operatorOnly, routesUnder, TAGS } from './common.ts';

/**
 * Consumer key and secret of a system per environment (R-14); the secret is shown once, stored hashed (R-25).
 * Issuing is the operator's (R-12); an agency user sees its own systems' credentials and may revoke them at
 * once when it stops using a service (R-21).
 */
export async function credentialRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.credentials);
  const ownership = new Ownership(registry);
  const ownsCredential = ownership.owns((request, o) => o.ofCredential(paramId(request)));

  route('listCredentials', {
    onRequest: anyRole,
    summary: 'Danh sách thông tin kết nối / List credentials',
    description:
      'Không bao giờ có secret. Người dùng của cơ quan chỉ thấy của hệ thống cơ quan mình. / ' +
      "Never includes the secret. An agency user sees only its own organization's systems' credentials.",
    handler: async (request) => {
      const items = await registry.listCredentials(request.query);
      return { items: await ownership.visibleTo(currentUser(request), items, credentialVisible) };
    },
  });

  route('issueCredential', {
    onRequest: operatorOnly,
    summary: 'Cấp consumer key và secret / Issue a consumer key and secret',
    description:
      'consumerSecret chỉ có trong câu trả lời này và không thể xem lại (R-25). / ' +
      'consumerSecret appears in this response only and cannot be shown again.',
    problems: [404, 409],
    handler: async (request, reply) => {
      const issued = await registry.issueCredential(
        request.params.id,
        request.body.environment,
        currentUser(request).id,
      );
      // No cache (browser, proxy) may keep the one copy of the secret.
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(issued);
    },
  });

  route('getCredential', {
    onRequest: anyRole,
    preHandler: ownsCredential,
    summary: 'Xem thông tin kết nối (không có secret) / Get a credential (never the secret)',
    problems: [404],
    handler: async (request) => registry.getCredential(request.params.id),
  });

  route('revokeCredential', {
    // The owning agency may revoke its own credentials at once when it stops using a service.
    onRequest: agencyOrOperator,
    // The reason is optional, so a bare POST (no body at all) is a revoke without a reason.
    preValidation: emptyBodyIsObject,
    preHandler: ownsCredential,
    summary: 'Thu hồi thông tin kết nối / Revoke a credential',
    description:
      'Có hiệu lực ngay trên mọi nút cổng kết nối (R-19, R-21). / Takes effect on every gateway node at once.',
    problems: [404, 409],
    handler: async (request) =>
      registry.revokeCredential(request.params.id, currentUser(request).id, request.body.reason),
  });
}

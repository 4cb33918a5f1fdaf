import type { FastifyInstance } from 'fastify';
import { currentUser, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId, subscriptionVisible } from '../ownership.ts';
import { problemResponses } from '../problems.ts';
import { anyRole, operatorOnly, readProblems, route, TAGS, writeProblems } from './common.ts';

/**
 * Subscriptions: which consumer system may call which version, where, how often and when. Granting
 * and changing them is the operator's decision; an agency user sees those where its organization is the
 * consumer or the provider.
 */
export async function subscriptionRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const tags = [TAGS.subscriptions];
  const ownership = new Ownership(registry);

  route(
    app,
    'listSubscriptions',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Danh sách đăng ký khai thác / List subscriptions',
        description:
          'Người dùng của cơ quan thấy đăng ký mà cơ quan mình là bên khai thác hoặc bên cung cấp. / ' +
          'An agency user sees those where its organization is the consumer or the provider.',
        response: readProblems,
      },
    },
    async (request) => {
      const user = currentUser(request);
      const items = await registry.listSubscriptions(request.query);
      if (seesEverything(user)) return { items };
      const owned = await ownership.ownedBy(user.organizationId ?? '');
      return { items: items.filter((s) => subscriptionVisible(owned, s)) };
    },
  );

  route(
    app,
    'createSubscription',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Thêm đăng ký khai thác / Create a subscription',
        description:
          'Tần suất (hạn mức) và thời gian khai thác theo đăng ký (R-12). / Quotas and time of use as registered.',
        response: { ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const subscription = await registry.createSubscription(request.body, currentUser(request).id);
      return reply.code(201).send(subscription);
    },
  );

  route(
    app,
    'getSubscription',
    {
      onRequest: anyRole,
      preHandler: ownership.owns((request, o) => o.ofSubscription(paramId(request))),
      schema: {
        tags,
        summary: 'Xem đăng ký khai thác / Get a subscription',
        response: { ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.getSubscription(request.params.id),
  );

  route(
    app,
    'updateSubscription',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Sửa, tạm dừng, kích hoạt hoặc thu hồi đăng ký / Update, suspend, activate or revoke',
        description:
          'Thay đổi có hiệu lực ngay trên cổng kết nối. null xoá hạn mức / khung giờ. / ' +
          'Changes take effect on the gateway at once; null clears a quota or the time of use.',
        response: { ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.updateSubscription(request.params.id, request.body, currentUser(request).id),
  );
}

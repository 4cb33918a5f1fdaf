import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId, subscriptionVisible } from '../ownership.ts';
import { anyRole, operatorOnly, routesUnder, TAGS } from './common.ts';

/**
 * Subscriptions: which consumer system may call which version, where, how often and when. Granting
 * and changing them is the operator's decision; an agency user sees those where its organization is the
 * consumer or the provider.
 */
export async function subscriptionRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.subscriptions);
  const ownership = new Ownership(registry);

  route('listSubscriptions', {
    onRequest: anyRole,
    summary: 'Danh sách đăng ký khai thác / List subscriptions',
    description:
      'Người dùng của cơ quan thấy đăng ký mà cơ quan mình là bên khai thác hoặc bên cung cấp. / ' +
      'An agency user sees those where its organization is the consumer or the provider.',
    handler: async (request) => {
      const items = await registry.listSubscriptions(request.query);
      return { items: await ownership.visibleTo(currentUser(request), items, subscriptionVisible) };
    },
  });

  route('createSubscription', {
    onRequest: operatorOnly,
    summary: 'Thêm đăng ký khai thác / Create a subscription',
    description:
      'Tần suất (hạn mức) và thời gian khai thác theo đăng ký (R-12). / Quotas and time of use as registered.',
    problems: [404, 409],
    handler: async (request) => registry.createSubscription(request.body, currentUser(request).id),
  });

  route('getSubscription', {
    onRequest: anyRole,
    preHandler: ownership.owns((request, o) => o.ofSubscription(paramId(request))),
    summary: 'Xem đăng ký khai thác / Get a subscription',
    problems: [404],
    handler: async (request) => registry.getSubscription(request.params.id),
  });

  route('updateSubscription', {
    onRequest: operatorOnly,
    summary: 'Sửa, tạm dừng, kích hoạt hoặc thu hồi đăng ký / Update, suspend, activate or revoke',
    description:
      'Thay đổi có hiệu lực ngay trên cổng kết nối. null xoá hạn mức / khung giờ. / ' +
      'Changes take effect on the gateway at once; null clears a quota or the time of use.',
    problems: [404],
    handler: async (request) =>
      registry.updateSubscription(request.params.id, request.body, currentUser(request).id),
  });
}

import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { ServiceCreate } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Data-sharing services and their technical description. The catalogue is published to every
 * organization; a provider agency describes its own services, those of its provider systems.
 */
export async function serviceRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.services);
  const ownership = new Ownership(registry);

  route('listServices', {
    onRequest: anyRole,
    summary: 'Danh sách dịch vụ chia sẻ dữ liệu / List data-sharing services',
    handler: async (request) => ({ items: await registry.listServices(request.query) }),
  });

  route('createService', {
    onRequest: agencyOrOperator,
    preHandler: ownership.owns((request, o) => o.ofSystem((request.body as ServiceCreate).providerSystemId)),
    summary: 'Thêm dịch vụ / Create a service',
    description:
      'context là đoạn đầu của đường dẫn trên cổng: /{context}/{version}/… ; mô tả kỹ thuật theo R-11. ' +
      'Người dùng của cơ quan chỉ thêm dịch vụ cho hệ thống cung cấp của cơ quan mình. / ' +
      'The context is the first path segment on the gateway; the description holds the R-11 items. ' +
      "An agency user adds services only to its own organization's provider systems.",
    problems: [404, 409],
    handler: async (request) => registry.createService(request.body, currentUser(request).id),
  });

  route('getService', {
    onRequest: anyRole,
    summary: 'Xem dịch vụ / Get a service',
    problems: [404],
    handler: async (request) => registry.getService(request.params.id),
  });

  route('updateService', {
    onRequest: agencyOrOperator,
    preHandler: ownership.owns((request, o) => o.ofService(paramId(request))),
    summary: 'Sửa dịch vụ / Update a service',
    description:
      'context và hệ thống cung cấp không đổi được (bên khai thác đang gọi theo chúng). / ' +
      'The context and provider cannot change: consumers call them.',
    problems: [404],
    handler: async (request) =>
      registry.updateService(request.params.id, request.body, currentUser(request).id),
  });
}

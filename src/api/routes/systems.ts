import type { FastifyInstance } from 'fastify';
import { currentUser, listedOrganization } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, operatorOnly, routesUnder, TAGS } from './common.ts';

/**
 * Information systems, the connected parties. Registering, suspending and activating a system is the
 * operator's decision; an agency user sees only its own organization's systems and may rename them.
 */
export async function systemRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.systems);
  const ownsSystem = new Ownership(registry).owns((request, o) => o.ofSystem(paramId(request)));

  route('listSystems', {
    onRequest: anyRole,
    summary: 'Danh sách hệ thống kết nối / List connected systems',
    description:
      'Người dùng của cơ quan chỉ thấy hệ thống của cơ quan mình. / An agency user sees only its own.',
    handler: async (request) => {
      const organizationId = listedOrganization(currentUser(request), request.query.organizationId);
      if (organizationId === null) return { items: [] };
      return { items: await registry.listSystems({ organizationId }) };
    },
  });

  route('createSystem', {
    onRequest: operatorOnly,
    summary: 'Thêm hệ thống thông tin / Register an information system',
    description:
      'Hệ thống là bên cung cấp, bên khai thác, hoặc cả hai. / A system provides, consumes, or both.',
    problems: [404],
    handler: async (request) => {
      const { isProvider = false, isConsumer = false, ...rest } = request.body;
      return registry.createSystem({ ...rest, isProvider, isConsumer }, currentUser(request).id);
    },
  });

  route('getSystem', {
    onRequest: anyRole,
    preHandler: ownsSystem,
    summary: 'Xem hệ thống / Get a system',
    problems: [404],
    handler: async (request) => registry.getSystem(request.params.id),
  });

  route('updateSystem', {
    onRequest: agencyOrOperator,
    // The owning agency may rename and describe its system; its status and roles are the operator's.
    preHandler: [ownsSystem, operatorOnlyFields(['status', 'isProvider', 'isConsumer'])],
    summary: 'Sửa, tạm dừng hoặc kích hoạt hệ thống / Update, suspend or activate a system',
    description:
      'status=suspended có hiệu lực ngay trên cổng kết nối. Cơ quan chủ quản chỉ sửa tên và mô tả. / ' +
      'Suspending takes effect on the gateway at once. The owning agency may change only name and description.',
    problems: [404],
    handler: async (request) =>
      registry.updateSystem(request.params.id, request.body, currentUser(request).id),
  });
}

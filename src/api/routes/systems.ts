import type { FastifyInstance } from 'fastify';
import { currentUser, organizationScope } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields, paramId } from '../ownership.ts';
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
 * Information systems, the connected parties. Registering, suspending and activating a system is the
 * operator's decision; an agency user sees only its own organization's systems and may rename them.
 */
export async function systemRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const tags = [TAGS.systems];
  const ownership = new Ownership(registry);
  const ownsSystem = ownership.owns((request, o) => o.ofSystem(paramId(request)));

  route(
    app,
    'listSystems',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Danh sách hệ thống kết nối / List connected systems',
        description:
          'Người dùng của cơ quan chỉ thấy hệ thống của cơ quan mình. / An agency user sees only its own.',
        response: readProblems,
      },
    },
    async (request) => {
      const scope = organizationScope(currentUser(request));
      const wanted = request.query.organizationId;
      // Asking for another organization's systems is an empty list for an agency user, not a leak.
      if (scope && wanted && wanted !== scope) return { items: [] };
      return { items: await registry.listSystems({ organizationId: scope ?? wanted }) };
    },
  );

  route(
    app,
    'createSystem',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Thêm hệ thống thông tin / Register an information system',
        description:
          'Hệ thống là bên cung cấp, bên khai thác, hoặc cả hai. / A system provides, consumes, or both.',
        response: { ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      const { isProvider = false, isConsumer = false, ...rest } = request.body;
      const system = await registry.createSystem(
        { ...rest, isProvider, isConsumer },
        currentUser(request).id,
      );
      return reply.code(201).send(system);
    },
  );

  route(
    app,
    'getSystem',
    {
      onRequest: anyRole,
      preHandler: ownsSystem,
      schema: {
        tags,
        summary: 'Xem hệ thống / Get a system',
        response: { ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.getSystem(request.params.id),
  );

  route(
    app,
    'updateSystem',
    {
      onRequest: agencyOrOperator,
      // The owning agency may rename and describe its system; its status and roles are the operator's.
      preHandler: [ownsSystem, operatorOnlyFields(['status', 'isProvider', 'isConsumer'])],
      schema: {
        tags,
        summary: 'Sửa, tạm dừng hoặc kích hoạt hệ thống / Update, suspend or activate a system',
        description:
          'status=suspended có hiệu lực ngay trên cổng kết nối. Cơ quan chủ quản chỉ sửa tên và mô tả. / ' +
          'Suspending takes effect on the gateway at once. The owning agency may change only name and description.',
        response: { ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.updateSystem(request.params.id, request.body, currentUser(request).id),
  );
}

import type { FastifyInstance } from 'fastify';
import {
  connectionHistory,
  listConnectedSystems,
  systemConnection,
} from '../../reports/connected-systems.ts';
import { currentUser, listedOrganization } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Connected systems: first and last connection, last successful send and receive, state and daily traffic
 * of each system (src/reports/connected-systems.ts). Operator staff and auditors see every system; an agency user
 * its own organization's, as for GET /systems.
 */
export async function connectedSystemRoutes(
  app: FastifyInstance,
  { store, registry, clock }: AdminDeps,
): Promise<void> {
  const route = routesUnder(app, TAGS.systems);
  const ownsSystem = new Ownership(registry).owns((request, o) => o.ofSystem(paramId(request)));

  route('listConnectedSystems', {
    onRequest: anyRole,
    summary: 'Tình trạng kết nối của các hệ thống / Connection state of the systems',
    description:
      'Lần kết nối đầu, cuối, lần gửi và nhận thành công cuối, trạng thái (active, idle, failing, never). ' +
      'Người dùng của cơ quan chỉ thấy hệ thống của cơ quan mình. / First and last connection, last ' +
      'successful send and receive, state. An agency user sees only its own organization’s systems.',
    handler: async (request) => {
      const { organizationId: wanted, state } = request.query;
      const organizationId = listedOrganization(currentUser(request), wanted);
      if (organizationId === null) return { items: [] };
      return {
        items: await listConnectedSystems(store, registry, {
          ...(organizationId ? { organizationId } : {}),
          ...(state ? { state } : {}),
          nowMs: clock.nowMs(),
        }),
      };
    },
  });

  route('getSystemConnection', {
    onRequest: anyRole,
    preHandler: ownsSystem,
    summary: 'Lịch sử kết nối của một hệ thống / Connection history of a system',
    description:
      'Như trong danh sách, thêm lưu lượng theo ngày (UTC) từ số liệu tổng hợp theo giờ: số lời gọi, số lỗi ' +
      'khi là bên khai thác và khi là bên cung cấp. / As in the list, with daily traffic (UTC) from the ' +
      'hourly rollups: calls and errors as consumer and as provider.',
    problems: [404],
    handler: async (request) => {
      const nowMs = clock.nowMs();
      const system = await registry.getSystem(request.params.id);
      const connection = await systemConnection(store, system, nowMs);
      const history = await connectionHistory(store, system.id, { days: request.query.days, nowMs });
      return { ...connection, history };
    },
  });
}

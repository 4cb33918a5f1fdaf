import type { FastifyInstance } from 'fastify';
import {
  parseGroupBy,
  type StatisticsFilters,
  statistics,
  statisticsCsv,
  statisticsXlsx,
} from '../../reports/statistics.ts';
import { currentUser, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { anyRole, route, TAGS } from './common.ts';

/**
 * Statistics and reports: counts, success rate, latency and volume by period, organization, system,
 * service and version, from the hourly rollups (src/reports/statistics.ts). Operator staff and auditors see
 * everything; an agency user only the calls where its organization is the consumer or the provider — that
 * filter is forced, whatever else it asks.
 */
export async function reportRoutes(app: FastifyInstance, { store, registry }: AdminDeps): Promise<void> {
  route(app, TAGS.transactions, 'getStatistics', {
    onRequest: anyRole,
    summary: 'Thống kê, báo cáo giao dịch / Transaction statistics and reports',
    description:
      'Số lượt gọi, lỗi, tỉ lệ thành công, dung lượng, độ trễ (trung bình, p50/p95/p99) trong kỳ [from, to), ' +
      'nhóm theo groupBy; từ số liệu tổng hợp theo giờ (coveredUntil), phần sau đó từ bản ghi gốc. Người ' +
      'dùng của cơ quan chỉ thấy giao dịch mà cơ quan mình là bên khai thác hoặc cung cấp. ?format=csv|xlsx ' +
      'tải tệp. Xem docs/reports.md. / Calls, errors, success rate, bytes, latency (avg, p50/p95/p99) over ' +
      '[from, to), grouped by groupBy, from the hourly rollups (raw records after coveredUntil). An agency ' +
      'user sees only calls where its organization is the consumer or the provider. ?format=csv|xlsx ' +
      'downloads a file.',
    handler: async (request, reply) => {
      const q = request.query;
      const user = currentUser(request);
      const scope = seesEverything(user)
        ? undefined
        : (await registry.getOrganization(user.organizationId ?? '')).code;
      const filters: StatisticsFilters = {};
      for (const k of [
        'organizationCode',
        'systemId',
        'role',
        'serviceId',
        'versionId',
        'environment',
        'leg',
      ] as const) {
        if (q[k] !== undefined) (filters as Record<string, string>)[k] = q[k];
      }
      const result = await statistics(store, {
        from: q.from,
        to: q.to,
        groupBy: parseGroupBy(q.groupBy),
        filters,
        ...(scope !== undefined ? { scopeOrganizationCode: scope } : {}),
        ...(q.utcOffsetHours !== undefined ? { utcOffsetHours: q.utcOffsetHours } : {}),
      });
      if (q.format === 'json') return result;
      const name = `thong-ke-${result.from.slice(0, 10)}-${result.to.slice(0, 10)}.${q.format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(statisticsCsv(result));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .send(await statisticsXlsx(result));
    },
  });
}

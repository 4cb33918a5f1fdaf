import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import {
  parseGroupBy,
  STATISTICS_DIMENSIONS,
  type StatisticsFilters,
  statistics,
  statisticsCsv,
  statisticsXlsx,
} from '../../reports/statistics.ts';
import { currentUser, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { anyRole, readProblems, route, TAGS } from './common.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Text = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });

export const StatisticsQuery = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'Từ thời điểm (gồm; làm tròn xuống giờ) / from' }),
    to: Type.String({ format: 'date-time', description: 'Đến thời điểm (không gồm; làm tròn lên giờ) / to' }),
    groupBy: Type.Optional(
      Type.String({
        maxLength: 300,
        description: `Nhóm theo, cách nhau bởi dấu phẩy / group by, comma-separated: ${STATISTICS_DIMENSIONS.join(', ')}`,
      }),
    ),
    organizationCode: Type.Optional(Text('Mã định danh cơ quan / organization code')),
    systemId: Type.Optional(Text('Hệ thống / system')),
    role: Type.Optional(
      Type.Union([Type.Literal('consumer'), Type.Literal('provider'), Type.Literal('any')], {
        description:
          'Phía của organizationCode, systemId: khai thác, cung cấp, cả hai (mặc định) / side: consumer, ' +
          'provider, any (default)',
      }),
    ),
    serviceId: Type.Optional(Text('Dịch vụ / service')),
    versionId: Type.Optional(Text('Phiên bản / version')),
    environment: Type.Optional(Text('Môi trường / environment: sandbox, production')),
    leg: Type.Optional(Text('Chặng / leg: sync, intake, delivery, ack')),
    utcOffsetHours: Type.Optional(
      Type.Integer({
        minimum: -12,
        maximum: 14,
        description: 'Múi giờ của giờ/ngày/tháng (mặc định 7) / offset of hour/day/month groups (default 7)',
      }),
    ),
    format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')], {
      default: 'json',
      description: 'csv (UTF-8, BOM) hoặc xlsx: tải tệp / download a file',
    }),
  },
  { additionalProperties: false },
);
export type StatisticsQuery = Static<typeof StatisticsQuery>;

const Measures = {
  calls: Type.Integer({ description: 'Số lượt gọi / calls' }),
  errors: Type.Integer({ description: 'Số lượt lỗi (mã lỗi hoặc 5xx) / errors (an error code or a 5xx)' }),
  successRate: Nullable(Type.Number({ description: '(calls − errors) / calls, 0–1' })),
  requestBytes: Type.Integer(),
  responseBytes: Type.Integer(),
  latencyAvgMs: Nullable(Type.Number()),
  latencyP50Ms: Type.Number(),
  latencyP95Ms: Type.Number(),
  latencyP99Ms: Type.Number(),
  latencyMaxMs: Type.Number(),
  latencyBuckets: Type.Array(Type.Integer()),
};

export const StatisticsSchema = Type.Object({
  requestedFrom: Type.String({ format: 'date-time' }),
  requestedTo: Type.String({ format: 'date-time' }),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  rounded: Type.Boolean({ description: 'from/to đã được làm tròn theo giờ / widened to whole hours' }),
  utcOffsetHours: Type.Integer(),
  groupBy: Type.Array(Type.String()),
  filters: Type.Record(Type.String(), Type.String()),
  coveredUntil: Nullable(
    Type.String({ format: 'date-time', description: 'Số liệu tổng hợp đến / rollups reach up to' }),
  ),
  rawFrom: Nullable(
    Type.String({ format: 'date-time', description: 'Từ đây tính từ bản ghi gốc / raw records from here' }),
  ),
  latencyBucketsMs: Type.Array(Type.Number()),
  rows: Type.Array(
    Type.Object({
      key: Type.Record(Type.String(), Type.String()),
      label: Type.Record(Type.String(), Type.String()),
      ...Measures,
    }),
  ),
  totals: Type.Object(Measures),
});

/**
 * Statistics and reports: counts, success rate, latency and volume by period, organization, system,
 * service and version, from the hourly rollups (src/reports/statistics.ts). Operator staff and auditors see
 * everything; an agency user only the calls where its organization is the consumer or the provider — that
 * filter is forced, whatever else it asks.
 */
export async function reportRoutes(app: FastifyInstance, { store, registry }: AdminDeps): Promise<void> {
  route<{ Querystring: StatisticsQuery }>(
    app,
    'getStatistics',
    {
      onRequest: anyRole,
      schema: {
        tags: [TAGS.transactions],
        summary: 'Thống kê, báo cáo giao dịch / Transaction statistics and reports',
        description:
          'Số lượt gọi, lỗi, tỉ lệ thành công, dung lượng, độ trễ (trung bình, p50/p95/p99) trong kỳ [from, to), ' +
          'nhóm theo groupBy; từ số liệu tổng hợp theo giờ (coveredUntil), phần sau đó từ bản ghi gốc. Người ' +
          'dùng của cơ quan chỉ thấy giao dịch mà cơ quan mình là bên khai thác hoặc cung cấp. ?format=csv|xlsx ' +
          'tải tệp. Xem docs/reports.md. / Calls, errors, success rate, bytes, latency (avg, p50/p95/p99) over ' +
          '[from, to), grouped by groupBy, from the hourly rollups (raw records after coveredUntil). An agency ' +
          'user sees only calls where its organization is the consumer or the provider. ?format=csv|xlsx ' +
          'downloads a file.',
        querystring: StatisticsQuery,
        response: { 200: StatisticsSchema, ...readProblems },
      },
    },
    async (request, reply) => {
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
  );
}

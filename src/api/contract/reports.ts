import { Type } from '@sinclair/typebox';
import { Nullable, OneOf } from './common.ts';

/** Statistics and reports. */

const Filter = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });

export const STATISTICS_DIMENSIONS = [
  'consumerOrganization',
  'providerOrganization',
  'consumerSystem',
  'providerSystem',
  'service',
  'version',
  'environment',
  'leg',
  'statusClass',
  'kind',
  'hour',
  'day',
  'month',
] as const;
export type StatisticsDimension = (typeof STATISTICS_DIMENSIONS)[number];

/**
 * The groups of requests that name no service, keyed as the statistics key them by service or version (the
 * kinds `token_request`, `platform_call`): their names in both languages — the API's `label` and the files write
 * "vi / en", the console the reader's language. Each starts with a capital in both, as a row's name does.
 */
export const NO_SERVICE_GROUPS = {
  token_request: { vi: 'Cấp token (/token)', en: 'Token requests' },
  platform_call: { vi: 'Trạng thái và hộp thư của nền tảng (/_lgsp/…)', en: 'Platform message endpoints' },
} as const;
export type NoServiceGroup = keyof typeof NO_SERVICE_GROUPS;

/** Which side of a call an organization or system is counted on: consumer, provider, or either. */
export const PARTY_ROLES = ['consumer', 'provider', 'any'] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];

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
    organizationCode: Type.Optional(Filter('Mã định danh cơ quan / organization code')),
    systemId: Type.Optional(Filter('Hệ thống / system')),
    role: Type.Optional(
      OneOf(PARTY_ROLES, {
        description:
          'Phía của organizationCode, systemId: khai thác, cung cấp, cả hai (mặc định) / side: consumer, ' +
          'provider, any (default)',
      }),
    ),
    serviceId: Type.Optional(Filter('Dịch vụ / service')),
    versionId: Type.Optional(Filter('Phiên bản / version')),
    environment: Type.Optional(Filter('Môi trường / environment: sandbox, production')),
    leg: Type.Optional(Filter('Chặng / leg: sync, intake, delivery, ack')),
    includeTokenRequests: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Tính cả yêu cầu cấp token (POST /token, loại token_request; nhóm riêng bằng groupBy=kind); mặc định ' +
          'chỉ lời gọi dịch vụ / also count /token requests (kind token_request); default: service calls only',
      }),
    ),
    includePlatformCalls: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Tính cả yêu cầu tới địa chỉ của nền tảng /_lgsp/… (xem trạng thái, biên nhận thông điệp, hộp thư trống; ' +
          'loại platform_call, dòng "Trạng thái và hộp thư của nền tảng" khi nhóm theo dịch vụ); mặc định chỉ lời ' +
          'gọi dịch vụ / also count requests to the platform endpoints /_lgsp/… (message status and receipt polls, ' +
          'empty inbox polls; kind platform_call, the "platform message endpoints" row by service)',
      }),
    ),
    utcOffsetHours: Type.Optional(
      Type.Integer({
        minimum: -12,
        maximum: 14,
        description: 'Múi giờ của giờ/ngày/tháng (mặc định 7) / offset of hour/day/month groups (default 7)',
      }),
    ),
    format: OneOf(['json', 'csv', 'xlsx'], {
      default: 'json',
      description: 'csv (UTF-8, BOM) hoặc xlsx: tải tệp / download a file',
    }),
  },
  { additionalProperties: false },
);

const Measures = {
  calls: Type.Integer({
    description: 'Số lượt gọi, kể cả lượt bị từ chối / every call, refused ones included',
  }),
  refused: Type.Integer({
    description:
      'Số lượt nền tảng tự từ chối, chưa tới bên cung cấp (chưa đăng ký, sai tài nguyên, token, hạn mức…) / ' +
      'calls the gateway refused itself, the provider never reached (no subscription, unknown resource, token, ' +
      'quota…)',
  }),
  errors: Type.Integer({
    description:
      'Số lượt lỗi của trao đổi, không gồm lượt bị từ chối (bên cung cấp trả 5xx, không kết nối/quá thời gian, ' +
      'lỗi chuyển đổi…) / failures of the exchange, refusals excluded (the provider’s 5xx, unreachable or too ' +
      'slow, mapping…)',
  }),
  successRate: Nullable(
    Type.Number({
      description:
        '(calls − refused − errors) / (calls − refused), 0–1: trên các lượt đã chuyển tới bên cung cấp; null khi ' +
        'không có / over the calls passed on to the provider; null when none were',
    }),
  ),
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
  includeTokenRequests: Type.Boolean({
    description: 'Có tính yêu cầu cấp token không / whether /token requests are counted',
  }),
  includePlatformCalls: Type.Boolean({
    description: 'Có tính yêu cầu tới /_lgsp/… không / whether requests to /_lgsp/… are counted',
  }),
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

import { type Static, Type } from '@sinclair/typebox';
import { Nullable, OneOf, Strict } from './common.ts';
import { PARTY_ROLES } from './reports.ts';

/** Reconciliation of a party's transactions against the platform's. */

/** How far apart two times may be and still match; the reconciliation itself applies the same bounds. */
export const DEFAULT_TOLERANCE_MS = 2000;
export const MAX_TOLERANCE_MS = 300_000;

/**
 * Bounds on the party's file (reports/party-file.ts): beyond them it is refused whole
 * (RP_RECONCILIATION_FILE_TOO_LARGE). Here so the console names the same limit beside its upload button.
 */
export const RECONCILIATION_FILE_MAX_LINES = 1_000_000;
export const RECONCILIATION_FILE_MAX_BYTES = 64 * 1024 * 1024;

export const ReconciliationBody = Type.Object(
  {
    systemId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'Hệ thống đối soát / the party: one system' }),
    ),
    organizationCode: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Hoặc mã định danh cơ quan (mọi hệ thống của cơ quan) / or an organization code',
      }),
    ),
    role: Type.Optional(
      OneOf(PARTY_ROLES, {
        description: 'Phía: khai thác, cung cấp, cả hai (mặc định) / side: consumer, provider, any (default)',
      }),
    ),
    from: Type.String({ format: 'date-time', description: 'Từ thời điểm (gồm) / from, inclusive' }),
    to: Type.String({ format: 'date-time', description: 'Đến thời điểm (không gồm) / to, exclusive' }),
    toleranceSeconds: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: MAX_TOLERANCE_MS / 1000,
        description: `Độ lệch thời gian cho phép khi khớp theo thời gian (mặc định ${DEFAULT_TOLERANCE_MS / 1000}) / time tolerance, seconds`,
      }),
    ),
    includeMatched: Type.Optional(
      Type.Boolean({ description: 'Trả cả danh sách khớp (mặc định không) / also list the matched pairs' }),
    ),
    csv: Type.String({
      description:
        'Nội dung tệp CSV của bên đối soát (docs/reconciliation.md) / the party CSV file content: ' +
        'ma_giao_dich[,trang_thai] or thoi_gian,dich_vu[,trang_thai]',
    }),
  },
  Strict,
);
export type ReconciliationBody = Static<typeof ReconciliationBody>;

const { csv: _file, ...fieldsBesideTheFile } = ReconciliationBody.properties;

/**
 * The fields a `text/csv` upload sends in the query string, its body being the file itself (issue 11); a JSON or
 * multipart upload sends them in its body, and the query then must not repeat them.
 */
export const RECONCILIATION_QUERY_FIELDS: readonly string[] = Object.keys(fieldsBesideTheFile);

export const ReconciliationQuery = Type.Object(
  {
    format: OneOf(['json', 'csv'], {
      default: 'json',
      description: 'csv: tải các chênh lệch dạng CSV / download the differences as CSV',
    }),
    includeTokenRequests: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Đối soát cả yêu cầu cấp token (POST /token) của bên đối soát; mặc định chỉ lời gọi dịch vụ / also ' +
          'reconcile the party’s /token requests; default: service calls only',
      }),
    ),
    // With Content-Type: text/csv only: the body's other fields, as query parameters.
    ...Object.fromEntries(
      Object.entries(fieldsBesideTheFile).map(([name, schema]) => [name, Type.Optional(schema)]),
    ),
  },
  Strict,
);

const PlatformEntrySchema = Type.Object({
  id: Type.String(),
  messageId: Nullable(Type.String()),
  leg: Type.String({ description: 'sync | intake | delivery | ack' }),
  kind: Type.String({ description: 'service_call | token_request' }),
  side: Type.String({ description: 'consumer | provider' }),
  time: Type.String({ format: 'date-time' }),
  service: Nullable(Type.String({ description: 'context/version' })),
  status: Nullable(Type.Integer()),
});
const PartyEntrySchema = Type.Object({
  line: Type.Integer({ description: 'Số dòng trong tệp / line number in the file' }),
  transactionId: Type.Optional(Type.String()),
  time: Type.Optional(Type.String({ format: 'date-time' })),
  service: Type.Optional(Type.String()),
  status: Nullable(Type.Integer()),
});
const PairSchema = Type.Object({ platform: PlatformEntrySchema, party: PartyEntrySchema });

export const ReconciliationSchema = Type.Object({
  party: Type.Object({
    systemId: Type.Optional(Type.String()),
    organizationCode: Type.Optional(Type.String()),
  }),
  role: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  form: Type.String({ description: 'transactionId | timeService' }),
  includeTokenRequests: Type.Boolean({
    description: 'Có đối soát yêu cầu cấp token không / whether /token requests were reconciled',
  }),
  toleranceMs: Type.Integer(),
  counts: Type.Object({
    platform: Type.Integer(),
    party: Type.Integer(),
    matched: Type.Integer(),
    missingOnParty: Type.Integer(),
    missingOnPlatform: Type.Integer(),
    statusMismatch: Type.Integer(),
  }),
  matched: Type.Optional(Type.Array(PairSchema)),
  missingOnParty: Type.Array(PlatformEntrySchema),
  missingOnPlatform: Type.Array(PartyEntrySchema),
  statusMismatch: Type.Array(PairSchema),
});

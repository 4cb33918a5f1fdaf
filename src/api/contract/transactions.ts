import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, Strict, Timestamp } from './common.ts';
import { FederationRecordSchema } from './peers.ts';

/** Transaction records, as read back. */

/**
 * The resource template of a record whose call matched none of its version's resources (or came before any was
 * known): never the raw path. The console says it in the reader's language.
 */
export const UNMATCHED_RESOURCE = '(không khớp/unmatched)';

export const TRANSACTION_LEGS = ['sync', 'intake', 'delivery', 'ack'] as const;
export const TransactionLegSchema = OneOf(TRANSACTION_LEGS, {
  description:
    'sync: lời gọi đồng bộ (cả hai chặng); thông điệp: intake (nguồn → LGSP), delivery (LGSP → đích, mỗi lần), ack (đích xác nhận) / a sync call, or one leg of an async message',
});

export const TRANSACTION_KINDS = ['service_call', 'token_request', 'platform_call'] as const;
export const TransactionKindSchema = OneOf(TRANSACTION_KINDS, {
  description:
    'service_call: lời gọi dịch vụ (và các chặng thông điệp); token_request: yêu cầu cấp token POST /token; ' +
    'platform_call: yêu cầu tới địa chỉ của nền tảng /_lgsp/… (trạng thái, biên nhận, hộp thư trống, bị từ chối) / ' +
    'a call to a service (or a message leg), a /token request, or a request to the platform endpoints /_lgsp/…',
});

export const TransactionQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Từ thời điểm (gồm) / from, inclusive' }),
    ),
    to: Type.Optional(
      Type.String({ format: 'date-time', description: 'Đến thời điểm (không gồm) / to, exclusive' }),
    ),
    consumerSystemId: Type.Optional(Id('Hệ thống khai thác')),
    providerSystemId: Type.Optional(Id('Hệ thống cung cấp')),
    serviceId: Type.Optional(Id('Dịch vụ')),
    status: Type.Optional(
      Type.String({
        pattern: '^([1-5]xx|[1-5][0-9][0-9]|success|error)$',
        description:
          'Mã (404), lớp (5xx), success (< 400) hoặc error (≥ 400) của trạng thái trả cho bên gọi / ' +
          'the status the consumer got: exact, class, success (< 400) or error (≥ 400)',
      }),
    ),
    errorCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    messageId: Type.Optional(Id('Thông điệp bất đồng bộ: mọi chặng / every leg of an async message')),
    leg: Type.Optional(TransactionLegSchema),
    kind: Type.Optional(TransactionKindSchema),
    transactionId: Type.Optional(Id('Mã giao dịch / transaction id (txn_…)')),
    parentTransactionId: Type.Optional(
      Id(
        'Các lời gọi dịch vụ nguồn của một giao dịch dịch vụ tổng hợp / the backend calls of a composite call (R-17)',
      ),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'nextCursor của trang trước' }),
    ),
  },
  Strict,
);

const SystemName = Type.String({
  description:
    'Tên hệ thống trong danh mục hiện nay; null nếu không có hệ thống hoặc đã xoá / the system’s name in the registry now',
});

export const TransactionSchema = Type.Object({
  id: Type.String(),
  consumer: Type.Object({
    systemId: Nullable(Type.String()),
    systemName: Nullable(SystemName),
    organizationCode: Nullable(Type.String()),
    credentialId: Nullable(Type.String()),
  }),
  provider: Type.Object({
    systemId: Nullable(Type.String()),
    systemName: Nullable(SystemName),
    organizationCode: Nullable(Type.String()),
  }),
  service: Type.Object({
    id: Nullable(Type.String()),
    context: Nullable(Type.String()),
    versionId: Nullable(Type.String()),
    version: Nullable(Type.String()),
  }),
  environment: Nullable(Type.String()),
  method: Type.String(),
  resourceTemplate: Type.String({
    description: 'Mẫu tài nguyên, không phải đường dẫn thật (dữ liệu cá nhân)',
  }),
  providerStatus: Nullable(Type.Integer()),
  consumerStatus: Type.Integer(),
  errorCode: Nullable(Type.String()),
  requestBytes: Type.Integer(),
  responseBytes: Type.Integer(),
  requestSha256: Nullable(Type.String()),
  responseSha256: Nullable(Type.String()),
  requestInAt: Timestamp,
  requestOutAt: Nullable(Timestamp),
  responseInAt: Nullable(Timestamp),
  responseOutAt: Timestamp,
  durationMs: Type.Integer(),
  leg: TransactionLegSchema,
  kind: TransactionKindSchema,
  messageId: Nullable(Type.String()),
  clientAddress: Nullable(
    Type.String({
      description: 'Địa chỉ bên gọi do cổng xác nhận / the caller address the gateway vouches for',
    }),
  ),
  authMethod: Nullable(
    Type.String({
      description:
        'Cách bên gọi xác thực: bearer hoặc lgspaccesstoken / how the caller authenticated: bearer or lgspaccesstoken',
    }),
  ),
  clientCodes: Nullable(
    Type.Object(
      {
        sender: Nullable(Type.String()),
        receiver: Nullable(Type.String()),
        transaction: Nullable(Type.String()),
      },
      {
        description:
          'SENDER_CODE, RECEIVER_CODE, TRAN_CODE do bên gọi gửi (chỉ ghi nhận) / as the caller sent them (recorded only)',
      },
    ),
  ),
  parentTransactionId: Nullable(
    Type.String({
      description:
        'Lời gọi dịch vụ nguồn của dịch vụ tổng hợp: giao dịch của bên khai thác mà nó phục vụ / a composite backend call: the consumer transaction it served (R-17)',
    }),
  ),
  federation: Nullable(FederationRecordSchema),
});
/** A transaction record as the API answers it (named apart from the database's `Transaction`). */
export type TransactionView = Static<typeof TransactionSchema>;

export const TransactionPageSchema = Type.Object({
  items: Type.Array(TransactionSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/**
 * One transaction record in full, for the console's detail view (issue 11): the record as listed — both legs'
 * four timestamps, sizes, SHA-256 hashes, statuses — and the names a person reads beside its ids, as the registry
 * has them now. Never a payload (R-02): the platform keeps none.
 */
export const TransactionDetailSchema = Type.Object({
  ...TransactionSchema.properties,
  names: Type.Object({
    consumerSystem: Nullable(Type.String()),
    consumerOrganization: Nullable(Type.String()),
    providerSystem: Nullable(Type.String()),
    providerOrganization: Nullable(Type.String()),
    service: Nullable(Type.String()),
  }),
});
export type TransactionDetail = Static<typeof TransactionDetailSchema>;

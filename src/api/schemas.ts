import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ERRORS } from '../core/errors.ts';

/**
 * The admin API's schemas, one source for validation, serialization and the OpenAPI document (DESIGN.md "admin
 * API"). Every request body is `additionalProperties: false` and the validator does not strip unknown fields:
 * a misspelt field is an error the caller sees, never a change silently not made.
 * Response schemas are also the last filter on what leaves the server: a field not listed here (a secret hash,
 * a consumer secret outside the issuing response) is not serialized.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });
const OptionalText = (maxLength: number, description?: string) =>
  Type.Optional(Nullable(Type.String({ maxLength, ...(description ? { description } : {}) })));
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });
const Timestamp = Type.String({ format: 'date-time' });
const Strict = { additionalProperties: false } as const;

export const EnvironmentSchema = Type.Union([Type.Literal('sandbox'), Type.Literal('production')], {
  description: 'Môi trường kết nối kỹ thuật (sandbox) hoặc chính thức (production) / environment',
});

// ── Problem details (RFC 9457) ────────────────────────────────────────────────────────────────────────────────

/** Shared by every error response; its `code` enum is the error registry, so OpenAPI and ERRORS agree. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri' }),
    title: Type.String({ description: 'Tiếng Việt / English' }),
    status: Type.Integer(),
    code: Type.Unsafe<string>({
      type: 'string',
      enum: Object.keys(ERRORS),
      description: 'Mã lỗi ổn định, xem docs/errors.md / stable error code',
    }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.String({ description: 'body | querystring | params' }),
          path: Type.String({ description: 'JSON Pointer trong phần yêu cầu / JSON Pointer into that part' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const ProblemRef = { $ref: 'Problem#' } as const;

// ── Path and query parameters ───────────────────────────────────────────────────────────────────────────────

export const IdParams = Type.Object({ id: Id('Mã đối tượng / object id') }, Strict);
export type IdParams = Static<typeof IdParams>;

// ── Auth ────────────────────────────────────────────────────────────────────────────────────────────────────

export const LoginBody = Type.Object({ username: Text(100), password: Text(1000) }, Strict);
export type LoginBody = Static<typeof LoginBody>;

/** The roles of people (issue 3); an agency user acts only for its own organization. */
export const RoleSchema = Type.Union(
  [
    Type.Literal('operator_admin'),
    Type.Literal('operator_reviewer'),
    Type.Literal('auditor'),
    Type.Literal('agency'),
  ],
  {
    description:
      'operator_admin: quản trị Sở TT&TT · operator_reviewer: thẩm định · auditor: chỉ xem · agency: cơ quan / ' +
      'operator administrator · operator reviewer · auditor (read-only) · agency user (own organization only)',
  },
);

export const UserSchema = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  organizationId: Nullable(Type.String({ description: 'Cơ quan của người dùng agency / agency user only' })),
});

/** A new local account; the password is stored as a salted scrypt hash and never answered. */
export const UserCreate = Type.Object(
  {
    username: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$',
      description: 'Tên đăng nhập / username',
    }),
    displayName: Text(200, 'Họ tên / display name'),
    password: Type.String({
      minLength: 10,
      maxLength: 1000,
      description: 'Mật khẩu ≥ 10 ký tự / ≥ 10 characters',
    }),
    role: RoleSchema,
    organizationId: Type.Optional(
      Nullable(
        Id('Bắt buộc với vai trò agency, không dùng với vai trò khác / required for role agency only'),
      ),
    ),
  },
  Strict,
);
export type UserCreate = Static<typeof UserCreate>;

export const SessionSchema = Type.Object({
  token: Type.String({ description: 'Bearer token; chỉ trả về một lần / returned once' }),
  expiresAt: Timestamp,
  user: UserSchema,
});

// ── Organizations ────────────────────────────────────────────────────────────────────────────────────

export const ContactPointSchema = Type.Object(
  {
    name: Text(200, 'Họ tên cán bộ đầu mối / contact name'),
    title: OptionalText(200, 'Chức vụ / title'),
    unit: OptionalText(300, 'Đơn vị / unit'),
    phone: Type.Optional(Nullable(Type.String({ maxLength: 40, pattern: '^[0-9+() .-]*$' }))),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254, pattern: '^$|^[^@\\s]+@[^@\\s]+$' }))),
  },
  { ...Strict, description: 'Cán bộ đầu mối (R-09) / contact point' },
);

export const OrganizationCreate = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 32,
      description: 'Mã định danh điện tử của cơ quan / official code',
      examples: ['000.00.31.H01'],
    }),
    name: Text(300, 'Tên cơ quan / name'),
    parentId: Type.Optional(Nullable(Id('Cơ quan cấp trên / parent organization'))),
    contact: Type.Optional(Nullable(ContactPointSchema)),
  },
  Strict,
);
export type OrganizationCreate = Static<typeof OrganizationCreate>;

export const OrganizationPatch = Type.Object(
  {
    name: Type.Optional(Text(300)),
    parentId: Type.Optional(Nullable(Id('Cơ quan cấp trên / parent organization'))),
    contact: Type.Optional(Nullable(ContactPointSchema)),
  },
  { ...Strict, minProperties: 1 },
);
export type OrganizationPatch = Static<typeof OrganizationPatch>;

export const OrganizationSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  parentId: Nullable(Type.String()),
  contact: Nullable(
    Type.Object({
      name: Type.String(),
      title: Type.Optional(Nullable(Type.String())),
      unit: Type.Optional(Nullable(Type.String())),
      phone: Type.Optional(Nullable(Type.String())),
      email: Type.Optional(Nullable(Type.String())),
    }),
  ),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

// ── Information systems ──────────────────────────────────────────────────────────────────────────────

export const SystemStatusSchema = Type.Union([Type.Literal('active'), Type.Literal('suspended')], {
  description: 'suspended: cổng kết nối từ chối mọi lời gọi ngay / the gateway refuses its calls at once',
});

export const SystemCreate = Type.Object(
  {
    organizationId: Id('Cơ quan chủ quản / owning organization'),
    name: Text(300),
    description: OptionalText(2000),
    isProvider: Type.Optional(Type.Boolean({ description: 'Bên cung cấp dịch vụ / provides services' })),
    isConsumer: Type.Optional(Type.Boolean({ description: 'Bên khai thác dịch vụ / consumes services' })),
  },
  Strict,
);
export type SystemCreate = Static<typeof SystemCreate>;

export const SystemPatch = Type.Object(
  {
    name: Type.Optional(Text(300)),
    description: OptionalText(2000),
    isProvider: Type.Optional(Type.Boolean()),
    isConsumer: Type.Optional(Type.Boolean()),
    status: Type.Optional(SystemStatusSchema),
  },
  { ...Strict, minProperties: 1 },
);
export type SystemPatch = Static<typeof SystemPatch>;

export const SystemQuery = Type.Object({ organizationId: Type.Optional(Id('Lọc theo cơ quan')) }, Strict);
export type SystemQuery = Static<typeof SystemQuery>;

export const SystemSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  isProvider: Type.Boolean(),
  isConsumer: Type.Boolean(),
  status: SystemStatusSchema,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

// ── Services and versions ──────────────────────────────────────────────────────────────────────

const DescriptionItem = (vi: string) => Type.Optional(Type.String({ maxLength: 20000, description: vi }));

/** The items of Decree 47/2020 Art. 24 that a provider supplies with its service. */
export const TechnicalDescriptionSchema = Type.Object(
  {
    addressAndInterface: DescriptionItem('Địa chỉ và giao diện kết nối'),
    communicationStandards: DescriptionItem('Tiêu chuẩn kết nối, truyền thông'),
    encryptionAndSecurity: DescriptionItem('Mã hoá và an toàn thông tin'),
    capacity: DescriptionItem('Năng lực đáp ứng (tần suất, dung lượng)'),
    connectionProcedure: DescriptionItem('Quy trình kết nối'),
    dataQuality: DescriptionItem('Chất lượng dữ liệu: thu thập, phê duyệt, cập nhật, thời điểm'),
    dataPresentation: DescriptionItem('Cách thức trình bày dữ liệu'),
  },
  { ...Strict, description: 'Mô tả kỹ thuật của dịch vụ (R-11) / technical description' },
);

export const ServiceCreate = Type.Object(
  {
    context: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'Đường dẫn gốc trên cổng / gateway context',
      examples: ['dancu'],
    }),
    name: Text(300),
    providerSystemId: Id('Hệ thống cung cấp / provider system'),
    description: Type.Optional(TechnicalDescriptionSchema),
  },
  Strict,
);
export type ServiceCreate = Static<typeof ServiceCreate>;

/** The context and the provider name the routes consumers already call, so they are fixed once created. */
export const ServicePatch = Type.Object(
  { name: Type.Optional(Text(300)), description: Type.Optional(TechnicalDescriptionSchema) },
  { ...Strict, minProperties: 1 },
);
export type ServicePatch = Static<typeof ServicePatch>;

export const ServiceQuery = Type.Object(
  { providerSystemId: Type.Optional(Id('Lọc theo hệ thống cung cấp')) },
  Strict,
);
export type ServiceQuery = Static<typeof ServiceQuery>;

export const ServiceSchema = Type.Object({
  id: Type.String(),
  context: Type.String(),
  name: Type.String(),
  providerSystemId: Type.String(),
  description: Type.Object(
    {
      addressAndInterface: Type.Optional(Type.String()),
      communicationStandards: Type.Optional(Type.String()),
      encryptionAndSecurity: Type.Optional(Type.String()),
      capacity: Type.Optional(Type.String()),
      connectionProcedure: Type.Optional(Type.String()),
      dataQuality: Type.Optional(Type.String()),
      dataPresentation: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  decommissionAt: Nullable(Timestamp),
  decommissionedAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const ProtocolSchema = Type.Union([Type.Literal('REST'), Type.Literal('SOAP')]);
export const VersionStatusSchema = Type.Union(
  [
    Type.Literal('draft'),
    Type.Literal('submitted'),
    Type.Literal('sandbox_test'),
    Type.Literal('published'),
    Type.Literal('deprecated'),
    Type.Literal('retired'),
    Type.Literal('rejected'),
  ],
  {
    description:
      'draft → submitted → sandbox_test → published → deprecated (≥ 180 ngày, R-18) → retired; rejected',
  },
);

const UpstreamUrl = (env: string) =>
  Type.Optional(
    Nullable(Type.String({ maxLength: 2000, description: `Địa chỉ dịch vụ nguồn ở môi trường ${env}` })),
  );

export const UpstreamsSchema = Type.Object(
  { sandbox: UpstreamUrl('sandbox'), production: UpstreamUrl('production') },
  Strict,
);

export const ResourceSchema = Type.Object(
  {
    method: Type.String({ minLength: 1, maxLength: 10, examples: ['GET'] }),
    path: Type.String({ minLength: 1, maxLength: 500, examples: ['/congdan/{soDinhDanh}'] }),
  },
  Strict,
);

/** A version is a path segment on the gateway (`/{context}/{version}/…`), so it is kept path-safe. */
const VersionName = Type.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  examples: ['1.0'],
});

const VersionModeSchema = Type.Union([Type.Literal('sync'), Type.Literal('async')], {
  description:
    'sync: gọi – trả lời / request → answer; async: gửi thông điệp, LGSP lưu và chuyển (đẩy tới địa chỉ, hoặc hệ thống đích tự lấy) / messages stored and delivered (push, or pull)',
});
const HealthCheckSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, maxLength: 500, examples: ['/health'] }),
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86400, default: 60 })),
  },
  {
    additionalProperties: false,
    description:
      "LGSP gọi GET đường dẫn này trên địa chỉ của từng môi trường để phát hiện sớm sự cố / probed with GET on each environment's upstream",
  },
);
const DeliveryConcurrency = Type.Integer({
  minimum: 1,
  maximum: 256,
  description: 'Số lần đẩy đồng thời tối đa tới hệ thống đích / pushes the destination takes at once (async)',
});

export const VersionCreate = Type.Object(
  {
    version: VersionName,
    protocol: Type.Optional(ProtocolSchema),
    status: Type.Optional(VersionStatusSchema),
    mode: Type.Optional(VersionModeSchema),
    deliveryConcurrency: Type.Optional(DeliveryConcurrency),
    healthCheck: Type.Optional(Nullable(HealthCheckSchema)),
    upstreams: Type.Optional(UpstreamsSchema),
    resources: Type.Optional(Type.Array(ResourceSchema, { maxItems: 500 })),
  },
  Strict,
);
export type VersionCreate = Static<typeof VersionCreate>;

export const VersionPatch = Type.Object(
  {
    protocol: Type.Optional(ProtocolSchema),
    status: Type.Optional(VersionStatusSchema),
    mode: Type.Optional(VersionModeSchema),
    deliveryConcurrency: Type.Optional(DeliveryConcurrency),
    healthCheck: Type.Optional(Nullable(HealthCheckSchema)),
    upstreams: Type.Optional(UpstreamsSchema),
    resources: Type.Optional(Type.Array(ResourceSchema, { maxItems: 500 })),
  },
  { ...Strict, minProperties: 1 },
);
export type VersionPatch = Static<typeof VersionPatch>;

export const VersionQuery = Type.Object({ serviceId: Type.Optional(Id('Lọc theo dịch vụ')) }, Strict);
export type VersionQuery = Static<typeof VersionQuery>;

export const VersionSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  context: Type.String(),
  version: Type.String(),
  protocol: ProtocolSchema,
  status: VersionStatusSchema,
  mode: VersionModeSchema,
  deliveryConcurrency: Type.Integer(),
  healthCheck: Nullable(
    Type.Object({ path: Type.String(), intervalSeconds: Type.Integer() }, { additionalProperties: false }),
  ),
  upstreams: Type.Object({ sandbox: Nullable(Type.String()), production: Nullable(Type.String()) }),
  resources: Type.Array(Type.Object({ method: Type.String(), path: Type.String() })),
  publishedAt: Nullable(Timestamp),
  deprecatedAt: Nullable(Timestamp),
  sunsetAt: Nullable(Timestamp),
  successorVersionId: Nullable(Type.String()),
  technicalDocumentType: Nullable(Type.Union([Type.Literal('openapi'), Type.Literal('wsdl')])),
  submittedAt: Nullable(Timestamp),
  rejectionReason: Nullable(Type.String()),
  sandboxEvidenceTransactionId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

// ── Subscriptions ──────────────────────────────────────────────────────────────────────────────

export const SubscriptionStatusSchema = Type.Union([
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('revoked'),
]);
const Quota = (per: string) =>
  Type.Optional(
    Nullable(Type.Integer({ minimum: 1, maximum: 2147483647, description: `Hạn mức số lần gọi mỗi ${per}` })),
  );
const TimeOfUse = Type.Optional(
  Nullable(
    Type.String({
      maxLength: 20,
      description: 'Thời gian khai thác theo giờ địa phương, HH:MM-HH:MM / local time of use',
      examples: ['07:00-17:30'],
    }),
  ),
);

export const SubscriptionCreate = Type.Object(
  {
    systemId: Id('Hệ thống khai thác / consumer system'),
    versionId: Id('Phiên bản dịch vụ / service version'),
    environment: EnvironmentSchema,
    status: Type.Optional(SubscriptionStatusSchema),
    quotaPerMinute: Quota('phút / per minute'),
    quotaPerDay: Quota('ngày / per day'),
    timeOfUse: TimeOfUse,
  },
  Strict,
);
export type SubscriptionCreate = Static<typeof SubscriptionCreate>;

export const SubscriptionPatch = Type.Object(
  {
    status: Type.Optional(SubscriptionStatusSchema),
    quotaPerMinute: Quota('phút / per minute'),
    quotaPerDay: Quota('ngày / per day'),
    timeOfUse: TimeOfUse,
  },
  { ...Strict, minProperties: 1 },
);
export type SubscriptionPatch = Static<typeof SubscriptionPatch>;

export const SubscriptionQuery = Type.Object(
  { systemId: Type.Optional(Id('Lọc theo hệ thống')), versionId: Type.Optional(Id('Lọc theo phiên bản')) },
  Strict,
);
export type SubscriptionQuery = Static<typeof SubscriptionQuery>;

export const SubscriptionSchema = Type.Object({
  id: Type.String(),
  systemId: Type.String(),
  versionId: Type.String(),
  environment: EnvironmentSchema,
  status: SubscriptionStatusSchema,
  quotaPerMinute: Nullable(Type.Integer()),
  quotaPerDay: Nullable(Type.Integer()),
  timeOfUse: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

// ── Credentials ────────────────────────────────────────────────────────────────────────────────

export const CredentialIssue = Type.Object({ environment: EnvironmentSchema }, Strict);
export type CredentialIssue = Static<typeof CredentialIssue>;

export const CredentialRevoke = Type.Object(
  { reason: Type.Optional(Type.String({ maxLength: 500, description: 'Lý do thu hồi / reason' })) },
  Strict,
);
export type CredentialRevoke = Static<typeof CredentialRevoke>;

export const CredentialQuery = Type.Object({ systemId: Type.Optional(Id('Lọc theo hệ thống')) }, Strict);
export type CredentialQuery = Static<typeof CredentialQuery>;

const credentialFields = {
  id: Type.String(),
  systemId: Type.String(),
  environment: EnvironmentSchema,
  consumerKey: Type.String({ description: 'Consumer key (công khai / public)' }),
  status: Type.Union([Type.Literal('active'), Type.Literal('revoked')]),
  createdAt: Timestamp,
  revokedAt: Nullable(Timestamp),
  expiresAt: Nullable(Timestamp),
  replacedBy: Nullable(Type.String()),
};

export const CredentialSchema = Type.Object(credentialFields, { additionalProperties: false });

export const IssuedCredentialSchema = Type.Object(
  {
    ...credentialFields,
    consumerSecret: Type.String({
      description: 'Secret key: chỉ hiển thị MỘT lần, không lưu lại được / shown ONCE, never again (R-25)',
    }),
  },
  { additionalProperties: false },
);

// ── Transactions and audit ───────────────────────────────────────────────────────────────

const TransactionLegSchema = Type.Union(
  [Type.Literal('sync'), Type.Literal('intake'), Type.Literal('delivery'), Type.Literal('ack')],
  {
    description:
      'sync: lời gọi đồng bộ (cả hai chặng); thông điệp: intake (nguồn → LGSP), delivery (LGSP → đích, mỗi lần), ack (đích xác nhận) / a sync call, or one leg of an async message',
  },
);

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
      Type.String({ pattern: '^([1-5]xx|[1-5][0-9][0-9])$', description: 'Ví dụ / e.g. 404, 5xx' }),
    ),
    errorCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    messageId: Type.Optional(Id('Thông điệp bất đồng bộ: mọi chặng / every leg of an async message')),
    leg: Type.Optional(TransactionLegSchema),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 500, description: 'nextCursor của trang trước' }),
    ),
  },
  Strict,
);
export type TransactionQuery = Static<typeof TransactionQuery>;

export const TransactionSchema = Type.Object({
  id: Type.String(),
  consumer: Type.Object({
    systemId: Nullable(Type.String()),
    organizationCode: Nullable(Type.String()),
    credentialId: Nullable(Type.String()),
  }),
  provider: Type.Object({ systemId: Nullable(Type.String()), organizationCode: Nullable(Type.String()) }),
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
  messageId: Nullable(Type.String()),
});

export const AuditQuery = Type.Object(
  {
    objectId: Type.Optional(Id('Lọc theo đối tượng / object id')),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  Strict,
);
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: Timestamp,
  actor: Type.String({ description: 'Mã người dùng thực hiện / user id' }),
  action: Type.String({ examples: ['credential.revoke'] }),
  objectType: Type.String(),
  objectId: Type.String(),
  details: Type.Object({}, { additionalProperties: true }),
  revision: Type.Integer({ description: 'Phiên bản cấu hình sau thay đổi / config revision' }),
});

// ── Helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

export const AnyObject = Type.Object({}, { additionalProperties: true });

export const ListOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

// ── Audit chain ──────────────────────────────────────────────────────────────────────────────────────

export const AuditChainResultSchema = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    count: Type.Integer({ description: 'Số sự kiện đã kiểm / events checked' }),
    lastHash: Nullable(
      Type.String({
        description:
          'Mã băm của sự kiện cuối: ghi lại ở nơi khác để phát hiện việc viết lại cả chuỗi / ' +
          'hash of the last event: keep it elsewhere to catch a rewrite of the whole chain',
      }),
    ),
  }),
  Type.Object({
    ok: Type.Literal(false),
    count: Type.Integer({
      description: 'Số sự kiện nguyên vẹn trước chỗ hỏng / intact events before the break',
    }),
    brokenAt: Type.Object({
      seq: Type.Integer({ description: 'Số thứ tự trong chuỗi / position in the chain' }),
      id: Type.String({
        description:
          'Mã sự kiện; rỗng khi mất các sự kiện mới nhất / event id; empty when the newest are missing',
      }),
      reason: Type.String(),
    }),
  }),
]);
export type AuditChainResultSchema = Static<typeof AuditChainResultSchema>;

// ── Connection requests (R-08, the regulation's Appendix) ───────────────────────────────────────────────────

export const ConnectionRequestStatusSchema = Type.Union(
  [Type.Literal('submitted'), Type.Literal('approved'), Type.Literal('rejected')],
  {
    description:
      'submitted → approved (tạo hệ thống / creates the system) | rejected (có lý do / with a reason)',
  },
);

/** Item 3 of the Appendix: all of name, title, phone and e-mail; the unit defaults to the organization. */
export const RequestContactSchema = Type.Object(
  {
    name: Text(200, 'Họ và tên / name'),
    title: Text(200, 'Chức vụ / title'),
    unit: OptionalText(300, 'Đơn vị công tác; mặc định là cơ quan / unit; defaults to the organization'),
    phone: Type.String({
      minLength: 1,
      maxLength: 40,
      pattern: '^[0-9+() .-]+$',
      description: 'Số điện thoại',
    }),
    email: Type.String({
      minLength: 3,
      maxLength: 254,
      pattern: '^[^@\\s]+@[^@\\s]+$',
      description: 'Thư điện tử',
    }),
  },
  { ...Strict, description: 'Đầu mối phối hợp (mục 3) / contact point (item 3)' },
);

export const ConnectionRequestCreate = Type.Object(
  {
    organizationId: Type.Optional(
      Id(
        'Cơ quan đề nghị; mặc định là cơ quan của người dùng agency / applicant; defaults to the agency user’s',
      ),
    ),
    systemName: Text(300, 'Tên hệ thống thông tin cần kết nối / system to connect'),
    systemDescription: OptionalText(2000, 'Mô tả hệ thống / system description'),
    isProvider: Type.Optional(Type.Boolean({ description: 'Cung cấp dịch vụ / provides services' })),
    isConsumer: Type.Optional(Type.Boolean({ description: 'Khai thác dịch vụ / consumes services' })),
    purpose: Text(5000, '1. Mục đích sử dụng / purpose of use'),
    scopeOfUse: Text(5000, '2. Phạm vi sử dụng tại cơ quan chủ quản / scope of use'),
    contact: RequestContactSchema,
    otherProposals: OptionalText(5000, '4. Các đề xuất, kiến nghị khác / other proposals'),
    letterNumber: OptionalText(100, 'Số công văn / number of the official letter'),
  },
  Strict,
);
export type ConnectionRequestCreate = Static<typeof ConnectionRequestCreate>;

export const ConnectionRequestApprove = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000, description: 'Ghi chú phê duyệt / approval note' })) },
  Strict,
);
export type ConnectionRequestApprove = Static<typeof ConnectionRequestApprove>;

export const ConnectionRequestReject = Type.Object(
  { reason: Text(2000, 'Lý do từ chối (bắt buộc) / reason (required)') },
  Strict,
);
export type ConnectionRequestReject = Static<typeof ConnectionRequestReject>;

export const ConnectionRequestQuery = Type.Object(
  {
    status: Type.Optional(ConnectionRequestStatusSchema),
    organizationId: Type.Optional(Id('Lọc theo cơ quan / by organization')),
  },
  Strict,
);
export type ConnectionRequestQuery = Static<typeof ConnectionRequestQuery>;

export const ConnectionRequestSchema = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  organizationName: Type.String(),
  systemName: Type.String(),
  systemDescription: Nullable(Type.String()),
  isProvider: Type.Boolean(),
  isConsumer: Type.Boolean(),
  purpose: Type.String(),
  scopeOfUse: Type.String(),
  contact: Type.Object({
    name: Type.String(),
    title: Nullable(Type.String()),
    unit: Nullable(Type.String()),
    phone: Nullable(Type.String()),
    email: Nullable(Type.String()),
  }),
  otherProposals: Nullable(Type.String()),
  letterNumber: Nullable(Type.String()),
  status: ConnectionRequestStatusSchema,
  decisionReason: Nullable(
    Type.String({ description: 'Lý do từ chối hoặc ghi chú phê duyệt / reason or note' }),
  ),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Timestamp),
  systemId: Nullable(Type.String({ description: 'Hệ thống được tạo khi phê duyệt / created on approval' })),
  submittedBy: Type.String(),
  submittedAt: Timestamp,
});

export const ConnectionRequestApprovalSchema = Type.Object({
  request: ConnectionRequestSchema,
  system: SystemSchema,
});

// ── Operator alerts ─────────────────────────────────────────────────────────────────────────────

export const AlertSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ examples: ['message.dead'] }),
  key: Type.String({ description: 'Một cảnh báo mở cho mỗi khoá / one open alert per key' }),
  severity: Type.Union([Type.Literal('info'), Type.Literal('warning'), Type.Literal('critical')]),
  state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  subject: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  occurrences: Type.Integer({
    description: 'Số lần điều kiện xảy ra khi cảnh báo đang mở / times seen while open',
  }),
  openedAt: Timestamp,
  lastSeenAt: Timestamp,
  escalatedAt: Nullable(Timestamp),
  resolvedAt: Nullable(Timestamp),
});

export const AlertEventSchema = Type.Object({
  at: Timestamp,
  state: Type.String({ examples: ['open', 'escalated', 'resolved'] }),
  note: Type.String(),
});

export const AlertResolve = Type.Object(
  {
    note: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Cách đã xử lý / how it was dealt with',
    }),
  },
  Strict,
);

export const AlertQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
    kind: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  },
  Strict,
);
export type AlertQuery = Static<typeof AlertQuery>;

// ── Connected systems (R-07, src/reports/connected-systems.ts) ──────────────────────────────────────────────

export const ConnectionStateSchema = Type.Union(
  [Type.Literal('active'), Type.Literal('idle'), Type.Literal('failing'), Type.Literal('never')],
  {
    description:
      'active: giao dịch thành công trong 24 giờ; failing: lỗi phần lớn trong 15 phút (bên cung cấp lỗi 5xx/không kết nối, ' +
      'hoặc bên khai thác bị từ chối vì khoá/token); idle: không; never: chưa từng kết nối / connection state',
  },
);

export const ConnectedSystemsQuery = Type.Object(
  {
    organizationId: Type.Optional(Id('Lọc theo cơ quan / organization')),
    state: Type.Optional(ConnectionStateSchema),
  },
  Strict,
);
export type ConnectedSystemsQuery = Static<typeof ConnectedSystemsQuery>;

export const SystemConnectionQuery = Type.Object(
  {
    days: Type.Integer({
      minimum: 1,
      maximum: 730,
      default: 30,
      description: 'Số ngày lưu lượng (UTC) tính đến hôm nay / days of traffic history',
    }),
  },
  Strict,
);
export type SystemConnectionQuery = Static<typeof SystemConnectionQuery>;

export const SystemConnectionSchema = Type.Object({
  systemId: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  name: Type.String(),
  systemStatus: Type.String({
    description: 'Trạng thái trong danh mục (active, suspended) / registry status',
  }),
  state: ConnectionStateSchema,
  firstConnectionAt: Nullable(Timestamp),
  lastConnectionAt: Nullable(Timestamp),
  lastSuccessfulSendAt: Nullable(Timestamp),
  lastSuccessfulReceiveAt: Nullable(Timestamp),
  recent: Type.Object({
    windowMinutes: Type.Integer(),
    asProvider: Type.Object({ calls: Type.Integer(), failures: Type.Integer() }),
    asConsumer: Type.Object({ calls: Type.Integer(), credentialRefusals: Type.Integer() }),
  }),
  at: Timestamp,
});

const TrafficPair = Type.Object({ calls: Type.Integer(), errors: Type.Integer() });

export const SystemConnectionDetailSchema = Type.Object({
  ...SystemConnectionSchema.properties,
  history: Type.Object({
    days: Type.Integer(),
    from: Timestamp,
    to: Timestamp,
    rolledUpUntil: Nullable(Timestamp),
    items: Type.Array(Type.Object({ day: Type.String(), asConsumer: TrafficPair, asProvider: TrafficPair })),
  }),
});

import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, PageQuery, Strict, Timestamp, Timestamps } from './common.ts';
import { CompositeInput, CompositeSchema } from './composites.ts';
import { VersionFieldMappingInput, VersionFieldMappingSchema } from './field-mapping.ts';
import { SoapRestInput, SoapRestSchema } from './soap-rest.ts';

/** Service versions: protocol, mode, upstreams, resources, and their moves. */

export const PROTOCOLS = ['REST', 'SOAP'] as const;
export const ProtocolSchema = OneOf(PROTOCOLS);
export const VERSION_STATUSES = [
  'draft',
  'submitted',
  'sandbox_test',
  'published',
  'deprecated',
  'retired',
  'rejected',
] as const;
/**
 * The states in which a version is, or was, in the catalogue (the portal shows the published and deprecated ones;
 * a retired one stays known to the agencies that used it). Another organization's versions — and services — are
 * seen by an agency only in them: a draft, or a version under review or rejected, is not public.
 */
export const CATALOGUE_STATES = [
  'published',
  'deprecated',
  'retired',
] as const satisfies readonly (typeof VERSION_STATUSES)[number][];
export const VersionStatusSchema = OneOf(VERSION_STATUSES, {
  description:
    'draft → submitted → sandbox_test → published → deprecated (≥ 180 ngày, R-18) → retired; rejected',
});

const UpstreamUrl = (env: string) =>
  Type.Optional(
    Nullable(
      Type.String({
        maxLength: 2000,
        description:
          env === 'sandbox'
            ? 'Địa chỉ dịch vụ nguồn ở môi trường sandbox; không bắt buộc: không có thì cổng trả lời lời gọi sandbox bằng ví dụ trong tài liệu OpenAPI / optional: without it the gateway answers sandbox calls from the OpenAPI examples'
            : `Địa chỉ dịch vụ nguồn ở môi trường ${env}`,
      }),
    ),
  );

/** The provider's OpenAPI 3 or WSDL document, given on submission. */
export const TECHNICAL_DOCUMENT_TYPES = ['openapi', 'wsdl'] as const;
export const TechnicalDocumentTypeSchema = OneOf(TECHNICAL_DOCUMENT_TYPES);

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

export const VERSION_MODES = ['sync', 'async'] as const;
export const VersionModeSchema = OneOf(VERSION_MODES, {
  description:
    'sync: gọi – trả lời / request → answer; async: gửi thông điệp, LGSP lưu và chuyển (đẩy tới địa chỉ, hoặc hệ thống đích tự lấy) / messages stored and delivered (push, or pull)',
});
export const HealthCheckInput = Type.Object(
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

const RequestBodyLimit = Type.Integer({
  minimum: 1024,
  maximum: 2147483647,
  description:
    'Kích thước tối đa của nội dung yêu cầu (byte, gọi đồng bộ); null: mặc định của nền tảng (gateway.maxRequestBodyBytes) / request body limit of sync calls',
});

/** The platform GETs `path` on the upstream of each environment every `intervalSeconds`. */
export const HealthCheckSchema = Type.Object(
  { path: Type.String(), intervalSeconds: Type.Integer() },
  { additionalProperties: false },
);

/** What a provider may set on a version, at creation or later; only the version name is fixed once created. */
const versionSettings = {
  protocol: Type.Optional(ProtocolSchema),
  status: Type.Optional(VersionStatusSchema),
  mode: Type.Optional(VersionModeSchema),
  deliveryConcurrency: Type.Optional(DeliveryConcurrency),
  requestBodyLimitBytes: Type.Optional(Nullable(RequestBodyLimit)),
  healthCheck: Type.Optional(Nullable(HealthCheckInput)),
  upstreams: Type.Optional(UpstreamsSchema),
  resources: Type.Optional(Type.Array(ResourceSchema, { maxItems: 500 })),
  /** A composite service (R-17, docs/aggregation.md): set only while the version is a draft; null: not one. */
  composite: Type.Optional(Nullable(CompositeInput)),
  /** JSON field mapping of requests and answers (issue 12 item 6, docs/gateway.md): set only while a draft. */
  fieldMapping: Type.Optional(Nullable(VersionFieldMappingInput)),
  /** A SOAP version exposed as REST/JSON (issue 12 item 6, docs/soap-rest.md): set only while a draft. */
  soapRest: Type.Optional(Nullable(SoapRestInput)),
};

export const VersionCreate = Type.Object({ version: VersionName, ...versionSettings }, Strict);
export type VersionCreate = Static<typeof VersionCreate>;

export const VersionPatch = Type.Object(versionSettings, { ...Strict, minProperties: 1 });
export type VersionPatch = Static<typeof VersionPatch>;

const versionPaging = {
  searches: 'context, số phiên bản / context, version',
  sortable: ['context', 'status', 'createdAt'],
} as const;
export const VersionQuery = PageQuery(
  { serviceId: Type.Optional(Id('Lọc theo dịch vụ')), status: Type.Optional(VersionStatusSchema) },
  versionPaging,
);
/** The versions of the service in the path: the same paging, without a service filter. */
export const ServiceVersionQuery = PageQuery({ status: Type.Optional(VersionStatusSchema) }, versionPaging);

export const VersionSchema = Type.Object({
  id: Type.String(),
  serviceId: Type.String(),
  context: Type.String(),
  version: Type.String(),
  protocol: ProtocolSchema,
  status: VersionStatusSchema,
  mode: VersionModeSchema,
  deliveryConcurrency: Type.Integer(),
  requestBodyLimitBytes: Nullable(Type.Integer()),
  healthCheck: Nullable(HealthCheckSchema),
  upstreams: Type.Object({ sandbox: Nullable(Type.String()), production: Nullable(Type.String()) }),
  resources: Type.Array(Type.Object({ method: Type.String(), path: Type.String() })),
  publishedAt: Nullable(Timestamp),
  deprecatedAt: Nullable(Timestamp),
  sunsetAt: Nullable(Timestamp),
  successorVersionId: Nullable(Type.String()),
  technicalDocumentType: Nullable(TechnicalDocumentTypeSchema),
  submittedAt: Nullable(Timestamp),
  rejectionReason: Nullable(Type.String()),
  sandboxEvidenceTransactionId: Nullable(Type.String()),
  /** The backends of a composite version; null for every other version. */
  composite: Nullable(CompositeSchema),
  /** JSON field mapping of requests and answers; null: bodies pass untouched. */
  fieldMapping: Nullable(VersionFieldMappingSchema),
  /** A SOAP version exposed as REST; null: passed through (or not SOAP). Resolved at submission. */
  soapRest: Nullable(SoapRestSchema),
  ...Timestamps,
});

export type Protocol = Static<typeof ProtocolSchema>;
export type VersionStatus = Static<typeof VersionStatusSchema>;
/**
 * `sync`: request → answer. `async`: consumers send messages that the LGSP stores and delivers (issue 4) — pushed
 * to the upstream of the message's environment, or pulled by the provider system where there is none.
 */
export type VersionMode = Static<typeof VersionModeSchema>;
export type HealthCheck = Static<typeof HealthCheckSchema>;
/** A resource of a version, `GET /congdan/{soDinhDanh}`: the template a transaction record names. */
export type ResourceTemplate = Static<typeof ResourceSchema>;
/**
 * A version of a service: after `sunsetAt` it answers 410 with a pointer to its successor (R-18: ≥ 180 days after
 * the successor); `sandboxEvidenceTransactionId` is the recorded sandbox call that allowed publishing.
 */
export type ServiceVersion = Static<typeof VersionSchema>;

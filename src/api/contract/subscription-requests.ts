import { type Static, Type } from '@sinclair/typebox';
import {
  EnvironmentSchema,
  Id,
  LocalizedTextSchema,
  Nullable,
  OneOf,
  Page,
  PageQuery,
  Strict,
  Timestamp,
} from './common.ts';
import { TechnicalDescriptionSchema } from './services.ts';

/** Consumer subscription requests (R-12, Art. 11.2) and the technical guide they issue. */

export const SUBSCRIPTION_REQUEST_STATUSES = [
  'submitted',
  'sandbox_approved',
  'production_requested',
  'production_approved',
  'needs_completion',
  'rejected',
] as const;
export const SubscriptionRequestStatusSchema = OneOf(SUBSCRIPTION_REQUEST_STATUSES, {
  description:
    'submitted → sandbox_approved → production_requested → production_approved; needs_completion (bổ sung ' +
    'rồi gửi lại / complete and resubmit) | rejected (có lý do / with reasons)',
});
export type SubscriptionRequestStatus = Static<typeof SubscriptionRequestStatusSchema>;

const Frequency = (per: string) =>
  Type.Integer({ minimum: 1, maximum: 2147483647, description: `Tần suất khai thác, số lượt mỗi ${per}` });
const TimeOfUse = Nullable(
  Type.String({
    maxLength: 20,
    description: 'Thời gian khai thác theo giờ địa phương, HH:MM-HH:MM; null: cả ngày / local time of use',
    examples: ['07:00-17:30'],
  }),
);
const changeFields = {
  application: Type.Optional(
    Type.String({ minLength: 1, maxLength: 300, description: 'Ứng dụng khai thác / consumer application' }),
  ),
  purpose: Type.Optional(
    Type.String({ minLength: 1, maxLength: 5000, description: 'Mục đích khai thác / purpose of use' }),
  ),
  frequencyPerDay: Type.Optional(Frequency('ngày (→ hạn mức ngày) / per day (→ daily quota)')),
  frequencyPerMinute: Type.Optional(Nullable(Frequency('phút (→ hạn mức phút) / per minute'))),
  timeOfUse: Type.Optional(TimeOfUse),
  otherNotes: Type.Optional(
    Nullable(Type.String({ maxLength: 5000, description: 'Đề xuất, ghi chú khác / other notes' })),
  ),
};

export const SubscriptionRequestCreate = Type.Object(
  {
    systemId: Id('Hệ thống khai thác của cơ quan / the consumer system'),
    versionId: Id('Phiên bản dịch vụ đã công bố / a published service version'),
    application: Type.String({
      minLength: 1,
      maxLength: 300,
      description: 'Ứng dụng khai thác / consumer application',
    }),
    purpose: Type.String({
      minLength: 1,
      maxLength: 5000,
      description: 'Mục đích khai thác / purpose of use',
    }),
    frequencyPerDay: Frequency('ngày (→ hạn mức ngày) / per day (→ daily quota)'),
    frequencyPerMinute: changeFields.frequencyPerMinute,
    timeOfUse: changeFields.timeOfUse,
    otherNotes: changeFields.otherNotes,
  },
  Strict,
);
export type SubscriptionRequestCreate = Static<typeof SubscriptionRequestCreate>;

export const SubscriptionRequestResubmit = Type.Object(
  {
    changes: Type.Optional(
      Type.Object(changeFields, {
        ...Strict,
        description: 'Các nội dung sửa, bổ sung / the fields changed',
      }),
    ),
  },
  Strict,
);
export type SubscriptionRequestResubmit = Static<typeof SubscriptionRequestResubmit>;

export const SubscriptionRequestReasons = Type.Object(
  {
    reasons: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), {
      minItems: 1,
      maxItems: 50,
      description: 'Mỗi lý do / nội dung cần bổ sung một dòng / one reason or item per entry',
    }),
  },
  Strict,
);
export type SubscriptionRequestReasons = Static<typeof SubscriptionRequestReasons>;

export const SubscriptionRequestQuery = PageQuery(
  {
    status: Type.Optional(SubscriptionRequestStatusSchema),
    systemId: Type.Optional(Id('Lọc theo hệ thống khai thác / by consumer system')),
    versionId: Type.Optional(Id('Lọc theo phiên bản / by version')),
    organizationId: Type.Optional(Id('Lọc theo cơ quan khai thác / by consumer organization')),
    overdue: Type.Optional(
      Type.Boolean({ description: 'Chỉ đề nghị quá hạn xử lý / only requests past their deadline' }),
    ),
    waiting: Type.Optional(
      Type.Boolean({
        description:
          'Chỉ đề nghị đang chờ cơ quan vận hành xử lý (chờ cấp sandbox hoặc chính thức) / only requests waiting for the reviewer',
      }),
    ),
  },
  {
    searches:
      'tên hệ thống, mã và tên cơ quan khai thác, context và tên dịch vụ, mã đề nghị / ' +
      'system name, consumer organization code and name, service context and name, request id',
    sortable: ['submittedAt', 'stageStartedAt'],
  },
);

export const CollectCredentialParams = Type.Object(
  { id: Id('Mã đề nghị / request id'), environment: EnvironmentSchema },
  Strict,
);
export type CollectCredentialParams = Static<typeof CollectCredentialParams>;

export const RequestAgeSchema = Type.Object(
  {
    workingDays: Type.Number({ description: 'Số ngày làm việc đã chờ / working days waited' }),
    deadlineAt: Timestamp,
    overdue: Type.Boolean(),
  },
  {
    description:
      'Thời gian chờ so với hạn 2 ngày làm việc (Nghị định 194/2025), cho các bước đang chờ Sở TT&TT / age ' +
      'against the 2-working-day deadline, for the stages waiting for the operator',
  },
);
/** How long a waiting request has waited, against the deadline (Decree 194/2025: 2 working days). */
export type RequestAge = Static<typeof RequestAgeSchema>;

export const SubscriptionRequestSchema = Type.Object({
  id: Type.String(),
  systemId: Type.String(),
  systemName: Type.String(),
  organizationId: Type.String(),
  organizationCode: Type.String(),
  organizationName: Type.String(),
  versionId: Type.String(),
  serviceId: Type.String(),
  serviceName: Type.String(),
  context: Type.String(),
  version: Type.String(),
  application: Type.String(),
  purpose: Type.String(),
  frequencyPerDay: Type.Integer(),
  frequencyPerMinute: Nullable(Type.Integer()),
  timeOfUse: Nullable(Type.String()),
  otherNotes: Nullable(Type.String()),
  status: SubscriptionRequestStatusSchema,
  reasons: Type.Array(Type.String(), { description: 'Lý do từ chối / nội dung cần bổ sung' }),
  sandboxSubscriptionId: Nullable(Type.String()),
  productionSubscriptionId: Nullable(Type.String()),
  sandboxCredentialId: Nullable(Type.String()),
  sandboxCredentialCollectedAt: Nullable(Timestamp),
  productionCredentialId: Nullable(Type.String()),
  productionCredentialCollectedAt: Nullable(Timestamp),
  sandboxEvidenceTransactionId: Nullable(Type.String()),
  requestedBy: Type.String(),
  submittedAt: Timestamp,
  stageStartedAt: Timestamp,
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Timestamp),
  updatedAt: Timestamp,
  age: Nullable(RequestAgeSchema),
});
/**
 * A subscription request with the names a person reads beside its ids. `reasons` is empty unless it was rejected
 * or sent back for completion; a credential id is null when the system already had an active credential in that
 * environment; `stageStartedAt` starts the deadline clock and `age` is null outside the waiting stages.
 */
export type SubscriptionRequest = Static<typeof SubscriptionRequestSchema>;

export const SubscriptionRequestListSchema = Type.Object({
  ...Page(SubscriptionRequestSchema).properties,
  overdueCount: Type.Integer({
    description:
      'Số đề nghị quá hạn trong phạm vi người dùng được xem (báo cho Sở TT&TT) / overdue requests the caller ' +
      'may see (flagged to the operator)',
  }),
});

export const CollectedCredentialSchema = Type.Object(
  {
    requestId: Type.String(),
    environment: EnvironmentSchema,
    credentialId: Type.String(),
    consumerKey: Type.String(),
    consumerSecret: Type.String({
      description: 'Secret key: chỉ hiển thị MỘT lần, không lưu lại được / shown ONCE, never again (R-25)',
    }),
  },
  Strict,
);
/** The one-time answer to collecting a credential: the secret appears here and nowhere else. */
export type CollectedCredential = Static<typeof CollectedCredentialSchema>;

export const TechnicalGuideSchema = Type.Object({
  requestId: Type.String(),
  status: SubscriptionRequestStatusSchema,
  service: Type.Object({
    id: Type.String(),
    context: Type.String(),
    name: Type.String(),
    description: TechnicalDescriptionSchema,
  }),
  version: Type.Object({
    id: Type.String(),
    version: Type.String(),
    protocol: Type.String(),
    status: Type.String(),
    resources: Type.Array(Type.Object({ method: Type.String(), path: Type.String() })),
    technicalDocumentType: Nullable(Type.String()),
    technicalDocument: Nullable(Type.String({ description: 'OpenAPI 3 / WSDL' })),
  }),
  gateway: Type.Object({ tokenPath: Type.String(), basePath: Type.String(), howToCall: LocalizedTextSchema }),
  environments: Type.Array(
    Type.Object({
      environment: EnvironmentSchema,
      subscriptionId: Type.String(),
      status: Type.String(),
      quotaPerDay: Nullable(Type.Integer()),
      quotaPerMinute: Nullable(Type.Integer()),
      timeOfUse: Nullable(Type.String()),
      consumerKey: Nullable(Type.String()),
      credentialIssuedByThisRequest: Type.Boolean(),
      credentialCollected: Type.Boolean(),
    }),
  ),
});
/**
 * The service's technical guide issued with the sandbox approval: R-11 description + technical document.
 * An environment's `consumerKey` is the key to use (public); its secret is collected once from the request.
 */
export type TechnicalGuide = Static<typeof TechnicalGuideSchema>;

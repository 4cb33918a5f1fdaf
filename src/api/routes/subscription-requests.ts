import { type Static, type TSchema, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SubscriptionRequests } from '../../control/subscription-requests.ts';
import { assertOwnOrganization, currentUser, organizationScope, seesEverything } from '../auth.ts';
import type { OperationId } from '../contract/operations.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership } from '../ownership.ts';
import { problemResponses } from '../problems.ts';
import { EnvironmentSchema, IdParams, TechnicalDescriptionSchema } from '../schemas.ts';
import { agencyOrOperator, anyRole, readProblems, reviewers, route, TAGS, writeProblems } from './common.ts';

const Strict = { additionalProperties: false } as const;
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });

const StatusSchema = Type.Union(
  [
    Type.Literal('submitted'),
    Type.Literal('sandbox_approved'),
    Type.Literal('production_requested'),
    Type.Literal('production_approved'),
    Type.Literal('needs_completion'),
    Type.Literal('rejected'),
  ],
  {
    description:
      'submitted → sandbox_approved → production_requested → production_approved; needs_completion (bổ sung ' +
      'rồi gửi lại / complete and resubmit) | rejected (có lý do / with reasons)',
  },
);

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
type SubscriptionRequestCreate = Static<typeof SubscriptionRequestCreate>;

const ResubmitBody = Type.Object(
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
type ResubmitBody = Static<typeof ResubmitBody>;

const ReasonsBody = Type.Object(
  {
    reasons: Type.Array(Type.String({ minLength: 1, maxLength: 2000 }), {
      minItems: 1,
      maxItems: 50,
      description: 'Mỗi lý do / nội dung cần bổ sung một dòng / one reason or item per entry',
    }),
  },
  Strict,
);
type ReasonsBody = Static<typeof ReasonsBody>;

const Empty = Type.Object({}, Strict);

const ListQuery = Type.Object(
  {
    status: Type.Optional(StatusSchema),
    systemId: Type.Optional(Id('Lọc theo hệ thống khai thác / by consumer system')),
    versionId: Type.Optional(Id('Lọc theo phiên bản / by version')),
    organizationId: Type.Optional(Id('Lọc theo cơ quan khai thác / by consumer organization')),
    overdue: Type.Optional(
      Type.Boolean({ description: 'Chỉ đề nghị quá hạn xử lý / only requests past their deadline' }),
    ),
  },
  Strict,
);
type ListQuery = Static<typeof ListQuery>;

const CollectParams = Type.Object(
  { id: Id('Mã đề nghị / request id'), environment: EnvironmentSchema },
  Strict,
);
type CollectParams = Static<typeof CollectParams>;

const AgeSchema = Type.Object(
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
  status: StatusSchema,
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
  age: Nullable(AgeSchema),
});

const ListSchema = Type.Object({
  items: Type.Array(SubscriptionRequestSchema),
  overdueCount: Type.Integer({
    description:
      'Số đề nghị quá hạn trong phạm vi người dùng được xem (báo cho Sở TT&TT) / overdue requests the caller ' +
      'may see (flagged to the operator)',
  }),
});

const CollectedSchema = Type.Object(
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

const GuideSchema = Type.Object({
  requestId: Type.String(),
  status: StatusSchema,
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
  gateway: Type.Object({ tokenPath: Type.String(), basePath: Type.String(), howToCall: Type.String() }),
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

/** A bare POST (no body at all) means "nothing more to say". */
const emptyBodyIsObject = async (request: FastifyRequest) => {
  request.body ??= {};
};

/**
 * Consumer subscription requests (R-12, Art. 11.2): an agency registers its consumer system for a published
 * service version; the operator's reviewers approve the sandbox (subscription, credential, technical guide), then
 * production after a successful sandbox call, or ask for completion, or reject — with reasons. The consumer
 * collects each issued secret once. Each request shows its age against the 2-working-day deadline.
 */
export async function subscriptionRequestRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { registry, store, clock, config } = deps;
  const requests = new SubscriptionRequests(store, registry, clock, {
    timezoneOffsetMinutes: config.timezoneOffsetMinutes,
    holidays: config.workflow.holidays,
    responseDeadlineWorkingDays: config.workflow.responseDeadlineWorkingDays,
  });
  const ownership = new Ownership(registry);
  const tags = [TAGS.subscriptionRequests];

  /** Refuses (403) an agency user acting on a request of another organization's consumer system. */
  async function visibleRequest(request: FastifyRequest) {
    const found = await requests.get((request.params as { id: string }).id);
    assertOwnOrganization(currentUser(request), found.organizationId);
    return found;
  }
  /** The same check as a preHandler, before anything is written; operator staff pass without a lookup. */
  const ownsRequest = async (request: FastifyRequest) => {
    if (!seesEverything(currentUser(request))) await visibleRequest(request);
  };

  route<{ Body: SubscriptionRequestCreate }>(
    app,
    'createSubscriptionRequest',
    {
      onRequest: agencyOrOperator,
      preHandler: ownership.owns((request, o) =>
        o.ofSystem((request.body as SubscriptionRequestCreate).systemId),
      ),
      schema: {
        tags,
        summary: 'Đăng ký khai thác dịch vụ / Register to use a service',
        description:
          'Ứng dụng, mục đích, tần suất (→ hạn mức) và thời gian khai thác (→ khung giờ) cho một phiên bản đã ' +
          'công bố (R-12). Người dùng cơ quan chỉ đăng ký cho hệ thống của cơ quan mình. / Application, purpose, ' +
          'frequency (→ quota) and time of use (→ window) for a published version. An agency user registers ' +
          'its own consumer systems only.',
        body: SubscriptionRequestCreate,
        response: { 201: SubscriptionRequestSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await requests.submit(request.body, currentUser(request).id)),
  );

  route<{ Querystring: ListQuery }>(
    app,
    'listSubscriptionRequests',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Danh sách đề nghị đăng ký khai thác / List subscription requests',
        description:
          'Mới nhất trước; `overdue=true`: chỉ đề nghị quá hạn 2 ngày làm việc, cũ nhất trước. `overdueCount` ' +
          'luôn cho biết số đề nghị quá hạn. Người dùng cơ quan chỉ thấy đề nghị của hệ thống cơ quan mình. / ' +
          'Newest first; `overdue=true`: only requests past the 2-working-day deadline, oldest first. ' +
          '`overdueCount` always tells how many are overdue. An agency user sees its own systems’ requests only.',
        querystring: ListQuery,
        response: { 200: ListSchema, ...readProblems },
      },
    },
    async (request) => {
      const user = currentUser(request);
      const { organizationId, overdue, ...rest } = request.query;
      if (organizationId) assertOwnOrganization(user, organizationId);
      const scope = organizationScope(user) ?? organizationId;
      const inScope = scope ? { organizationId: scope } : {};
      return {
        items: await requests.list({ ...rest, ...inScope, ...(overdue ? { overdue } : {}) }),
        overdueCount: await requests.countOverdue(inScope),
      };
    },
  );

  route<{ Params: IdParams }>(
    app,
    'getSubscriptionRequest',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Xem đề nghị đăng ký khai thác / Get a subscription request',
        params: IdParams,
        response: { 200: SubscriptionRequestSchema, ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => visibleRequest(request),
  );

  route<{ Params: IdParams }>(
    app,
    'getSubscriptionRequestGuide',
    {
      onRequest: anyRole,
      schema: {
        tags,
        summary: 'Tài liệu hướng dẫn kỹ thuật của dịch vụ / The service’s technical guide',
        description:
          'Cấp khi duyệt sandbox (R-12): mô tả kỹ thuật R-11 của dịch vụ, tài liệu OpenAPI/WSDL của phiên bản, ' +
          'cách gọi qua cổng, các đăng ký đã cấp. / Issued with the sandbox approval: the R-11 description, the ' +
          'OpenAPI/WSDL document, how to call through the gateway, the subscriptions granted.',
        params: IdParams,
        response: { 200: GuideSchema, ...readProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => {
      await visibleRequest(request);
      return requests.guide(request.params.id);
    },
  );

  const decision = (
    operationId: OperationId,
    summary: string,
    description: string,
    handler: (id: string, actor: string) => Promise<unknown>,
  ) =>
    route<{ Params: IdParams; Body: Static<typeof Empty> }>(
      app,
      operationId,
      {
        onRequest: reviewers,
        preValidation: emptyBodyIsObject,
        schema: {
          tags,
          summary,
          description,
          params: IdParams,
          body: Empty,
          response: { 200: SubscriptionRequestSchema, ...writeProblems, ...problemResponses(404, 409) },
        },
      },
      async (request) => handler(request.params.id, currentUser(request).id),
    );

  decision(
    'approveSubscriptionRequestSandbox',
    'Duyệt môi trường thử nghiệm (sandbox) / Approve the sandbox',
    'Trong một giao dịch: tạo đăng ký sandbox (hạn mức, khung giờ theo đề nghị), cấp thông tin kết nối sandbox ' +
      'nếu hệ thống chưa có (bên khai thác tự nhận secret), cấp tài liệu hướng dẫn, thông báo cho cơ quan. / In ' +
      'one transaction: the sandbox subscription (quota and window from the request), a sandbox credential if the ' +
      'system has none (the consumer collects its secret), the technical guide, the notification.',
    (id, actor) => requests.approveSandbox(id, actor),
  );
  decision(
    'approveSubscriptionRequestProduction',
    'Duyệt môi trường chính thức / Approve production',
    'Sau khi bên khai thác đã gọi thử thành công: tạo đăng ký chính thức và cấp thông tin kết nối chính thức nếu ' +
      'hệ thống chưa có. / After the successful sandbox call: the production subscription, and a production ' +
      'credential if the system has none.',
    (id, actor) => requests.approveProduction(id, actor),
  );

  for (const [operationId, summary, description, step] of [
    [
      'returnSubscriptionRequestForCompletion',
      'Yêu cầu bổ sung, nêu nội dung / Ask for completion, saying what',
      'Đề nghị chuyển sang needs_completion; các nội dung cần bổ sung được lưu và gửi cho cơ quan (R-12). / The ' +
        'request waits for the consumer; the items are kept and sent to the organization.',
      (id: string, reasons: string[], actor: string) => requests.needsCompletion(id, reasons, actor),
    ],
    [
      'rejectSubscriptionRequest',
      'Từ chối, nêu lý do / Reject with reasons',
      'Lý do được lưu và gửi cho cơ quan; nếu đã duyệt sandbox thì đăng ký sandbox bị thu hồi. / The reasons are ' +
        'kept and sent to the organization; a sandbox subscription already granted is revoked.',
      (id: string, reasons: string[], actor: string) => requests.reject(id, reasons, actor),
    ],
  ] as const) {
    route<{ Params: IdParams; Body: ReasonsBody }>(
      app,
      operationId,
      {
        onRequest: reviewers,
        schema: {
          tags,
          summary,
          description,
          params: IdParams,
          body: ReasonsBody,
          response: { 200: SubscriptionRequestSchema, ...writeProblems, ...problemResponses(404, 409) },
        },
      },
      async (request) => step(request.params.id, request.body.reasons, currentUser(request).id),
    );
  }

  route<{ Params: IdParams; Body: Static<typeof Empty> }>(
    app,
    'requestSubscriptionRequestProduction',
    {
      onRequest: agencyOrOperator,
      preValidation: emptyBodyIsObject,
      preHandler: ownsRequest,
      schema: {
        tags,
        summary: 'Đề nghị cấp tài khoản chính thức / Ask for production',
        description:
          'Cần một lời gọi sandbox thành công của chính hệ thống này tới phiên bản này, do cổng ghi nhận ' +
          '(409 CP_SANDBOX_CALL_REQUIRED). / Needs a successful sandbox call by this system to this version, ' +
          'recorded by the gateway.',
        params: IdParams,
        body: Empty,
        response: { 200: SubscriptionRequestSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => requests.requestProduction(request.params.id, currentUser(request).id),
  );

  route<{ Params: IdParams; Body: ResubmitBody }>(
    app,
    'resubmitSubscriptionRequest',
    {
      onRequest: agencyOrOperator,
      preValidation: emptyBodyIsObject,
      preHandler: ownsRequest,
      schema: {
        tags,
        summary: 'Bổ sung và gửi lại đề nghị / Complete and resubmit',
        description:
          'Từ needs_completion, đề nghị trở lại bước đang chờ trước đó; hạn xử lý tính lại từ lúc gửi lại. / ' +
          'From needs_completion the request returns to the stage it was in; the deadline runs again from now.',
        params: IdParams,
        body: ResubmitBody,
        response: { 200: SubscriptionRequestSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) =>
      requests.resubmit(request.params.id, request.body.changes ?? {}, currentUser(request).id),
  );

  route<{ Params: CollectParams; Body: Static<typeof Empty> }>(
    app,
    'collectSubscriptionRequestCredential',
    {
      onRequest: agencyOrOperator,
      preValidation: emptyBodyIsObject,
      preHandler: ownsRequest,
      schema: {
        tags,
        summary: 'Nhận consumer key và secret (một lần) / Collect the key and secret (once)',
        description:
          'Tạo secret mới cho thông tin kết nối mà việc phê duyệt đã cấp và trả về MỘT lần; nhận lần hai bị từ ' +
          'chối (409 CP_REQUEST_STATE) — khi mất, đề nghị Sở TT&TT thay khoá. / Makes a fresh secret for the ' +
          'credential the approval issued and answers it ONCE; a second collection is refused — if it is lost, ' +
          'the operator rotates the credential.',
        params: CollectParams,
        body: Empty,
        response: { 201: CollectedSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const collected = await requests.collectCredential(
        request.params.id,
        request.params.environment,
        currentUser(request).id,
      );
      // No cache (browser, proxy) may keep the one copy of the secret.
      return reply.code(201).header('cache-control', 'no-store').header('pragma', 'no-cache').send(collected);
    },
  );
}

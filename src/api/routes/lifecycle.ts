import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DEFAULT_ROTATION_OVERLAP_HOURS } from '../../control/lifecycle.ts';
import { assertOwnOrganization, currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { problemResponses } from '../problems.ts';
import { IdParams, IssuedCredentialSchema, ListOf, ServiceSchema, VersionSchema } from '../schemas.ts';
import {
  agencyOrOperator,
  anyRole,
  operatorOnly,
  readProblems,
  reviewers,
  route,
  TAGS,
  writeProblems,
} from './common.ts';

const Strict = { additionalProperties: false } as const;
const When = (description: string) => Type.String({ format: 'date-time', description });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const SubmitBody = Type.Object(
  {
    technicalDocument: Type.String({
      minLength: 1,
      maxLength: 2_000_000,
      description: 'OpenAPI 3 (JSON/YAML) hoặc WSDL',
    }),
    documentType: Type.Union([Type.Literal('openapi'), Type.Literal('wsdl')]),
  },
  Strict,
);
const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 2000 }) }, Strict);
const PublishBody = Type.Object(
  {
    previousSunsetAt: Type.Optional(
      When('Ngày ngừng phiên bản trước, ≥ 180 ngày (R-18) / predecessor sunset'),
    ),
  },
  Strict,
);
const RotateBody = Type.Object(
  {
    overlapHours: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 720, description: 'Thời gian cả hai khoá cùng dùng được (R-19)' }),
    ),
  },
  Strict,
);
const DecommissionBody = Type.Object(
  {
    at: When('Ngày ngừng, ≥ 60 ngày sau hôm nay (R-21)'),
    reason: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  Strict,
);
const MaintenanceBody = Type.Object(
  {
    serviceId: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
      description: 'null: mọi dịch vụ / every service',
    }),
    startsAt: When('Bắt đầu (phải ở tương lai) / start, in the future'),
    endsAt: When('Kết thúc / end'),
    title: Type.String({ minLength: 1, maxLength: 300 }),
    body: Type.String({ minLength: 1, maxLength: 5000 }),
  },
  Strict,
);
const SinceQuery = Type.Object({ since: Type.Optional(When('Từ thời điểm / since')) }, Strict);
const Empty = Type.Object({}, Strict);

export const NoticeSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({
    description: 'deprecation | decommission | maintenance | endpoint_change | announcement',
  }),
  title: Type.String(),
  body: Type.String(),
  serviceId: Nullable(Type.String()),
  versionId: Nullable(Type.String()),
  startsAt: Nullable(Type.String({ format: 'date-time' })),
  endsAt: Nullable(Type.String({ format: 'date-time' })),
  publishedAt: Type.String({ format: 'date-time' }),
});
const ConsumerUse = Type.Object({
  systemId: Type.String(),
  organizationCode: Nullable(Type.String()),
  environment: Nullable(Type.String()),
  calls: Type.Integer(),
  lastCallAt: Type.String({ format: 'date-time' }),
});

/** A bare POST (no body at all) means "no options". */
const emptyBodyIsObject = async (request: FastifyRequest) => {
  request.body ??= {};
};

/**
 * The workflow steps of versions, credentials, services and subscriptions ending and
 * maintenance. Each is one action with its own checks in `Lifecycle`, never a field edited by hand.
 */
export async function lifecycleRoutes(
  app: FastifyInstance,
  { registry, lifecycle }: AdminDeps,
): Promise<void> {
  const ownership = new Ownership(registry);
  const ownsVersion = ownership.owns((request, o) => o.ofVersion(paramId(request)));
  const ownsService = ownership.owns((request, o) => o.ofService(paramId(request)));
  const ownsCredential = ownership.owns((request, o) => o.ofCredential(paramId(request)));
  const versionTags = [TAGS.versions];

  route<{ Params: IdParams; Body: typeof SubmitBody.static }>(
    app,
    'submitVersion',
    {
      onRequest: agencyOrOperator,
      preHandler: ownsVersion,
      schema: {
        tags: versionTags,
        summary: 'Bên cung cấp gửi phiên bản kèm tài liệu kỹ thuật (R-11) / Provider submits a version',
        params: IdParams,
        body: SubmitBody,
        response: { 200: VersionSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => lifecycle.submitVersion(request.params.id, request.body, currentUser(request).id),
  );

  route<{ Params: IdParams }>(
    app,
    'startVersionSandboxTest',
    {
      onRequest: reviewers,
      preValidation: emptyBodyIsObject,
      schema: {
        tags: versionTags,
        summary: 'Mở thử nghiệm sandbox / Open the sandbox test',
        params: IdParams,
        body: Empty,
        response: { 200: VersionSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => lifecycle.startSandboxTest(request.params.id, currentUser(request).id),
  );

  route<{ Params: IdParams; Body: typeof ReasonBody.static }>(
    app,
    'rejectVersion',
    {
      onRequest: reviewers,
      schema: {
        tags: versionTags,
        summary: 'Từ chối phiên bản, nêu lý do / Reject a version, with the reason',
        params: IdParams,
        body: ReasonBody,
        response: { 200: VersionSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) =>
      lifecycle.rejectVersion(request.params.id, request.body.reason, currentUser(request).id),
  );

  route<{ Params: IdParams; Body: typeof PublishBody.static }>(
    app,
    'publishVersion',
    {
      onRequest: reviewers,
      preValidation: emptyBodyIsObject,
      schema: {
        tags: versionTags,
        summary: 'Công bố lên môi trường chính thức (cần lời gọi sandbox thành công) / Publish to production',
        description:
          'Phiên bản đang công bố trước đó chuyển sang ngừng khuyến nghị, ngừng hẳn sau ≥ 180 ngày (R-18). / ' +
          'The previous published version is deprecated, with a sunset at least 180 days later.',
        params: IdParams,
        body: PublishBody,
        response: { 200: VersionSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => lifecycle.publishVersion(request.params.id, request.body, currentUser(request).id),
  );

  route<{ Params: IdParams; Querystring: typeof SinceQuery.static }>(
    app,
    'listVersionConsumers',
    {
      onRequest: anyRole,
      preHandler: ownsVersion,
      schema: {
        tags: versionTags,
        summary: 'Ai vẫn đang gọi phiên bản này (R-18) / Who still calls this version',
        params: IdParams,
        querystring: SinceQuery,
        response: { 200: ListOf(ConsumerUse), ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => ({
      items: await lifecycle.consumersOfVersion(request.params.id, request.query.since),
    }),
  );

  route<{ Params: IdParams; Body: typeof RotateBody.static }>(
    app,
    'rotateCredential',
    {
      onRequest: agencyOrOperator,
      preValidation: emptyBodyIsObject,
      preHandler: ownsCredential,
      schema: {
        tags: [TAGS.credentials],
        summary:
          'Thay khoá, cả hai khoá cùng dùng được trong thời gian chuyển tiếp (R-19) / Rotate with overlap',
        params: IdParams,
        body: RotateBody,
        response: { 201: IssuedCredentialSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const issued = await lifecycle.rotateCredential(
        request.params.id,
        request.body.overlapHours ?? DEFAULT_ROTATION_OVERLAP_HOURS,
        currentUser(request).id,
      );
      return reply.code(201).header('cache-control', 'no-store').send(issued);
    },
  );

  route<{ Params: IdParams; Body: typeof DecommissionBody.static }>(
    app,
    'decommissionService',
    {
      onRequest: agencyOrOperator,
      preHandler: ownsService,
      schema: {
        tags: [TAGS.services],
        summary: 'Báo ngừng cung cấp dịch vụ, trước ≥ 60 ngày (R-21) / Schedule the end of a service',
        params: IdParams,
        body: DecommissionBody,
        response: { 200: ServiceSchema, ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) =>
      lifecycle.scheduleDecommission(request.params.id, request.body, currentUser(request).id),
  );

  route<{ Params: IdParams }>(
    app,
    'cancelSubscription',
    {
      onRequest: agencyOrOperator,
      preValidation: emptyBodyIsObject,
      // Only the consumer side stops its own use.
      preHandler: async (request) => {
        const [consumerOrganization] = await ownership.ofSubscription(paramId(request));
        assertOwnOrganization(currentUser(request), consumerOrganization);
      },
      schema: {
        tags: [TAGS.subscriptions],
        summary:
          'Bên khai thác ngừng sử dụng; khoá bị thu hồi ngay (R-21) / Consumer stops; keys revoked at once',
        params: IdParams,
        body: Empty,
        response: {
          200: Type.Object({ revokedCredentials: Type.Array(Type.String()) }),
          ...writeProblems,
          ...problemResponses(404),
        },
      },
    },
    async (request) => lifecycle.cancelSubscription(request.params.id, currentUser(request).id),
  );

  route<{ Body: typeof MaintenanceBody.static }>(
    app,
    'announceMaintenance',
    {
      onRequest: operatorOnly,
      schema: {
        tags: [TAGS.notices],
        summary: 'Thông báo lịch bảo trì (R-24); trong khung giờ dịch vụ trả 503 / Announce maintenance',
        body: MaintenanceBody,
        response: { 201: NoticeSchema, ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await lifecycle.announceMaintenance(request.body, currentUser(request).id)),
  );

  route(
    app,
    'listNotices',
    {
      onRequest: anyRole,
      schema: {
        tags: [TAGS.notices],
        summary: 'Các thông báo / Notices',
        response: { 200: ListOf(NoticeSchema), ...readProblems },
      },
    },
    async () => ({ items: await lifecycle.listNotices() }),
  );
}

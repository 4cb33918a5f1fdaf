import type { FastifyInstance } from 'fastify';
import { DEFAULT_ROTATION_OVERLAP_HOURS } from '../../control/lifecycle/index.ts';
import { assertOwnOrganization, currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, paramId } from '../ownership.ts';
import { problemResponses } from '../problems.ts';
import {
  agencyOrOperator,
  anyRole,
  emptyBodyIsObject,
  operatorOnly,
  readProblems,
  reviewers,
  route,
  TAGS,
  writeProblems,
} from './common.ts';

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

  route(
    app,
    'submitVersion',
    {
      onRequest: agencyOrOperator,
      preHandler: ownsVersion,
      schema: {
        tags: versionTags,
        summary: 'Bên cung cấp gửi phiên bản kèm tài liệu kỹ thuật (R-11) / Provider submits a version',
        response: { ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => lifecycle.submitVersion(request.params.id, request.body, currentUser(request).id),
  );

  route(
    app,
    'startVersionSandboxTest',
    {
      onRequest: reviewers,
      preValidation: emptyBodyIsObject,
      schema: {
        tags: versionTags,
        summary: 'Mở thử nghiệm sandbox / Open the sandbox test',
        response: { ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => lifecycle.startSandboxTest(request.params.id, currentUser(request).id),
  );

  route(
    app,
    'rejectVersion',
    {
      onRequest: reviewers,
      schema: {
        tags: versionTags,
        summary: 'Từ chối phiên bản, nêu lý do / Reject a version, with the reason',
        response: { ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) =>
      lifecycle.rejectVersion(request.params.id, request.body.reason, currentUser(request).id),
  );

  route(
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
        response: { ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request) => lifecycle.publishVersion(request.params.id, request.body, currentUser(request).id),
  );

  route(
    app,
    'listVersionConsumers',
    {
      onRequest: anyRole,
      preHandler: ownsVersion,
      schema: {
        tags: versionTags,
        summary: 'Ai vẫn đang gọi phiên bản này (R-18) / Who still calls this version',
        response: { ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => ({
      items: await lifecycle.consumersOfVersion(request.params.id, request.query.since),
    }),
  );

  route(
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
        response: { ...writeProblems, ...problemResponses(404, 409) },
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

  route(
    app,
    'decommissionService',
    {
      onRequest: agencyOrOperator,
      preHandler: ownsService,
      schema: {
        tags: [TAGS.services],
        summary: 'Báo ngừng cung cấp dịch vụ, trước ≥ 60 ngày (R-21) / Schedule the end of a service',
        response: { ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) =>
      lifecycle.scheduleDecommission(request.params.id, request.body, currentUser(request).id),
  );

  route(
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
        response: { ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) => lifecycle.cancelSubscription(request.params.id, currentUser(request).id),
  );

  route(
    app,
    'announceMaintenance',
    {
      onRequest: operatorOnly,
      schema: {
        tags: [TAGS.notices],
        summary: 'Thông báo lịch bảo trì (R-24); trong khung giờ dịch vụ trả 503 / Announce maintenance',
        response: { ...writeProblems, ...problemResponses(404) },
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
      schema: { tags: [TAGS.notices], summary: 'Các thông báo / Notices', response: readProblems },
    },
    async () => ({ items: await lifecycle.listNotices() }),
  );
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { assertOwnOrganization, currentUser, organizationScope, seesEverything } from '../auth.ts';
import type { SubscriptionRequestCreate } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership } from '../ownership.ts';
import { agencyOrOperator, anyRole, emptyBodyIsObject, reviewers, routesUnder, TAGS } from './common.ts';

/**
 * Consumer subscription requests (R-12, Art. 11.2): an agency registers its consumer system for a published
 * service version; the operator's reviewers approve the sandbox (subscription, credential, technical guide), then
 * production after a successful sandbox call, or ask for completion, or reject — with reasons. The consumer
 * collects each issued secret once. Each request shows its age against the 2-working-day deadline.
 */
export async function subscriptionRequestRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { registry, subscriptionRequests: requests } = deps;
  const ownership = new Ownership(registry);
  const route = routesUnder(app, TAGS.subscriptionRequests);

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

  route('createSubscriptionRequest', {
    onRequest: agencyOrOperator,
    preHandler: ownership.owns((request, o) =>
      o.ofSystem((request.body as SubscriptionRequestCreate).systemId),
    ),
    summary: 'Đăng ký khai thác dịch vụ / Register to use a service',
    description:
      'Ứng dụng, mục đích, tần suất (→ hạn mức) và thời gian khai thác (→ khung giờ) cho một phiên bản đã ' +
      'công bố (R-12). Người dùng cơ quan chỉ đăng ký cho hệ thống của cơ quan mình. / Application, purpose, ' +
      'frequency (→ quota) and time of use (→ window) for a published version. An agency user registers ' +
      'its own consumer systems only.',
    problems: [404, 409],
    handler: async (request) => requests.submit(request.body, currentUser(request).id),
  });

  route('listSubscriptionRequests', {
    onRequest: anyRole,
    summary: 'Danh sách đề nghị đăng ký khai thác / List subscription requests',
    description:
      'Mới nhất trước; `overdue=true`: chỉ đề nghị quá hạn 2 ngày làm việc, cũ nhất trước. `overdueCount` ' +
      'luôn cho biết số đề nghị quá hạn. Người dùng cơ quan chỉ thấy đề nghị của hệ thống cơ quan mình. / ' +
      'Newest first; `overdue=true`: only requests past the 2-working-day deadline, oldest first. ' +
      '`overdueCount` always tells how many are overdue. An agency user sees its own systems’ requests only.',
    handler: async (request) => {
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
  });

  route('getSubscriptionRequest', {
    onRequest: anyRole,
    summary: 'Xem đề nghị đăng ký khai thác / Get a subscription request',
    problems: [404],
    handler: async (request) => visibleRequest(request),
  });

  route('getSubscriptionRequestGuide', {
    onRequest: anyRole,
    summary: 'Tài liệu hướng dẫn kỹ thuật của dịch vụ / The service’s technical guide',
    description:
      'Cấp khi duyệt sandbox (R-12): mô tả kỹ thuật R-11 của dịch vụ, tài liệu OpenAPI/WSDL của phiên bản, ' +
      'cách gọi qua cổng, các đăng ký đã cấp. / Issued with the sandbox approval: the R-11 description, the ' +
      'OpenAPI/WSDL document, how to call through the gateway, the subscriptions granted.',
    problems: [404, 409],
    handler: async (request) => {
      await visibleRequest(request);
      return requests.guide(request.params.id);
    },
  });

  route('approveSubscriptionRequestSandbox', {
    onRequest: reviewers,
    preValidation: emptyBodyIsObject,
    summary: 'Duyệt môi trường thử nghiệm (sandbox) / Approve the sandbox',
    description:
      'Trong một giao dịch: tạo đăng ký sandbox (hạn mức, khung giờ theo đề nghị), cấp thông tin kết nối ' +
      'sandbox nếu hệ thống chưa có (bên khai thác tự nhận secret), cấp tài liệu hướng dẫn, thông báo cho cơ ' +
      'quan. / In one transaction: the sandbox subscription (quota and window from the request), a sandbox ' +
      'credential if the system has none (the consumer collects its secret), the technical guide, the ' +
      'notification.',
    problems: [404, 409],
    handler: async (request) => requests.approveSandbox(request.params.id, currentUser(request).id),
  });

  route('approveSubscriptionRequestProduction', {
    onRequest: reviewers,
    preValidation: emptyBodyIsObject,
    summary: 'Duyệt môi trường chính thức / Approve production',
    description:
      'Sau khi bên khai thác đã gọi thử thành công: tạo đăng ký chính thức và cấp thông tin kết nối chính thức ' +
      'nếu hệ thống chưa có. / After the successful sandbox call: the production subscription, and a ' +
      'production credential if the system has none.',
    problems: [404, 409],
    handler: async (request) => requests.approveProduction(request.params.id, currentUser(request).id),
  });

  route('returnSubscriptionRequestForCompletion', {
    onRequest: reviewers,
    summary: 'Yêu cầu bổ sung, nêu nội dung / Ask for completion, saying what',
    description:
      'Đề nghị chuyển sang needs_completion; các nội dung cần bổ sung được lưu và gửi cho cơ quan (R-12). / ' +
      'The request waits for the consumer; the items are kept and sent to the organization.',
    problems: [404, 409],
    handler: async (request) =>
      requests.needsCompletion(request.params.id, request.body.reasons, currentUser(request).id),
  });

  route('rejectSubscriptionRequest', {
    onRequest: reviewers,
    summary: 'Từ chối, nêu lý do / Reject with reasons',
    description:
      'Lý do được lưu và gửi cho cơ quan; nếu đã duyệt sandbox thì đăng ký sandbox bị thu hồi. / The reasons ' +
      'are kept and sent to the organization; a sandbox subscription already granted is revoked.',
    problems: [404, 409],
    handler: async (request) =>
      requests.reject(request.params.id, request.body.reasons, currentUser(request).id),
  });

  route('requestSubscriptionRequestProduction', {
    onRequest: agencyOrOperator,
    preValidation: emptyBodyIsObject,
    preHandler: ownsRequest,
    summary: 'Đề nghị cấp tài khoản chính thức / Ask for production',
    description:
      'Cần một lời gọi sandbox thành công của chính hệ thống này tới phiên bản này, do cổng ghi nhận ' +
      '(409 CP_SANDBOX_CALL_REQUIRED). / Needs a successful sandbox call by this system to this version, ' +
      'recorded by the gateway.',
    problems: [404, 409],
    handler: async (request) => requests.requestProduction(request.params.id, currentUser(request).id),
  });

  route('resubmitSubscriptionRequest', {
    onRequest: agencyOrOperator,
    preValidation: emptyBodyIsObject,
    preHandler: ownsRequest,
    summary: 'Bổ sung và gửi lại đề nghị / Complete and resubmit',
    description:
      'Từ needs_completion, đề nghị trở lại bước đang chờ trước đó; hạn xử lý tính lại từ lúc gửi lại. / ' +
      'From needs_completion the request returns to the stage it was in; the deadline runs again from now.',
    problems: [404, 409],
    handler: async (request) =>
      requests.resubmit(request.params.id, request.body.changes ?? {}, currentUser(request).id),
  });

  route('collectSubscriptionRequestCredential', {
    onRequest: agencyOrOperator,
    preValidation: emptyBodyIsObject,
    preHandler: ownsRequest,
    summary: 'Nhận consumer key và secret (một lần) / Collect the key and secret (once)',
    description:
      'Tạo secret mới cho thông tin kết nối mà việc phê duyệt đã cấp và trả về MỘT lần; nhận lần hai bị từ ' +
      'chối (409 CP_REQUEST_STATE) — khi mất, đề nghị Sở TT&TT thay khoá. / Makes a fresh secret for the ' +
      'credential the approval issued and answers it ONCE; a second collection is refused — if it is lost, ' +
      'the operator rotates the credential.',
    problems: [404, 409],
    handler: async (request, reply) => {
      const collected = await requests.collectCredential(
        request.params.id,
        request.params.environment,
        currentUser(request).id,
      );
      // No cache (browser, proxy) may keep the one copy of the secret.
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(collected);
    },
  });
}

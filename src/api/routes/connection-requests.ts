import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderConnectionRequestLetter } from '../../control/request-letter.ts';
import { LgspError } from '../../core/errors.ts';
import { assertOwnOrganization, currentUser, organizationScope } from '../auth.ts';
import { DOCX_MEDIA_TYPE, type IdParams } from '../contract/index.ts';
import type { AdminDeps } from '../deps.ts';
import { agencyOrOperator, anyRole, emptyBodyIsObject, reviewers, routesUnder, TAGS } from './common.ts';

/**
 * Connection requests: an organization applies with the Appendix's form to connect a system; the
 * operator's reviewers approve (the system is created, active) or reject with a reason. The official letter is
 * generated from the Appendix template as .docx, for the agency to sign and send.
 */
export async function connectionRequestRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const { registry, connectionRequests: requests } = deps;
  const route = routesUnder(app, TAGS.connectionRequests);

  /** The request named by `:id`, refused (403) to an agency user of another organization. */
  async function visibleRequest(request: FastifyRequest<{ Params: IdParams }>) {
    const found = await requests.get(request.params.id);
    assertOwnOrganization(currentUser(request), found.organizationId);
    return found;
  }

  route('createConnectionRequest', {
    onRequest: agencyOrOperator,
    summary: 'Gửi đề nghị kết nối hệ thống / Apply to connect a system',
    description:
      'Theo mẫu Phụ lục: mục đích sử dụng, phạm vi sử dụng, đầu mối phối hợp, đề xuất khác. Người dùng cơ ' +
      'quan chỉ gửi cho cơ quan mình; quản trị viên Sở TT&TT có thể gửi thay. / The Appendix form: purpose, ' +
      'scope of use, contact point, other proposals. An agency user applies for its own organization; an ' +
      'operator administrator may apply on its behalf.',
    problems: [404],
    handler: async (request) => {
      const user = currentUser(request);
      const {
        organizationId = user.organizationId,
        isProvider = false,
        isConsumer = false,
        ...rest
      } = request.body;
      if (!organizationId) {
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'organizationId: bắt buộc khi gửi thay cơ quan / required when applying on behalf of an organization',
        );
      }
      assertOwnOrganization(user, organizationId);
      return requests.submit({ ...rest, organizationId, isProvider, isConsumer }, user.id);
    },
  });

  route('listConnectionRequests', {
    onRequest: anyRole,
    summary: 'Danh sách đề nghị kết nối / List connection requests',
    description:
      'Mới nhất trước. Người dùng cơ quan chỉ thấy đề nghị của cơ quan mình. / Newest first. An agency user ' +
      'sees only its own organization’s requests.',
    handler: async (request) => {
      const user = currentUser(request);
      const { organizationId, status } = request.query;
      if (organizationId) assertOwnOrganization(user, organizationId);
      const scope = organizationScope(user) ?? organizationId;
      return {
        items: await requests.list({
          ...(scope ? { organizationId: scope } : {}),
          ...(status ? { status } : {}),
        }),
      };
    },
  });

  route('getConnectionRequest', {
    onRequest: anyRole,
    summary: 'Xem đề nghị kết nối / Get a connection request',
    problems: [404],
    handler: async (request) => visibleRequest(request),
  });

  route('approveConnectionRequest', {
    onRequest: reviewers,
    // The note is optional, so a bare POST (no body at all) approves without one.
    preValidation: emptyBodyIsObject,
    summary: 'Phê duyệt đề nghị kết nối / Approve a connection request',
    description:
      'Tạo hệ thống thông tin (đang hoạt động) trong cùng giao dịch với quyết định; chỉ đề nghị đang chờ ' +
      '(submitted) mới được phê duyệt (409 CP_REQUEST_STATE). / Creates the information system (active) in ' +
      'the same transaction as the decision; only a submitted request can be approved.',
    problems: [404, 409],
    handler: async (request) =>
      requests.approve(request.params.id, currentUser(request).id, request.body.note),
  });

  route('rejectConnectionRequest', {
    onRequest: reviewers,
    summary: 'Từ chối đề nghị kết nối / Reject a connection request',
    description:
      'Phải nêu lý do; lý do được lưu và gửi cho cơ quan. / A reason is required; it is kept and sent to ' +
      'the organization.',
    problems: [404, 409],
    handler: async (request) =>
      requests.reject(request.params.id, request.body.reason, currentUser(request).id),
  });

  route('getConnectionRequestLetter', {
    onRequest: anyRole,
    summary: 'Tải công văn đề nghị kết nối (.docx) / Download the request letter (.docx)',
    description:
      'Công văn theo mẫu Phụ lục của Quy chế, điền sẵn nội dung đề nghị, để cơ quan ký và gửi. / The ' +
      'official letter from the regulation’s Appendix template, filled with the request, for the agency ' +
      'to sign and send.',
    problems: [404],
    handler: async (request, reply) => {
      const found = await visibleRequest(request);
      const organization = await registry.getOrganization(found.organizationId);
      const parent = organization.parentId ? await registry.getOrganization(organization.parentId) : null;
      const letter = await renderConnectionRequestLetter(found, organization, {
        parentAgencyName: parent?.name ?? null,
      });
      return reply
        .type(DOCX_MEDIA_TYPE)
        .header('content-disposition', `attachment; filename="de-nghi-ket-noi-${found.id}.docx"`)
        .header('cache-control', 'private, no-store')
        .send(letter);
    },
  });
}

import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, routesUnder, TAGS } from './common.ts';

/**
 * Service versions, deployed side by side with their upstreams per environment. Anyone
 * signed in reads the catalogue; the provider agency prepares its versions, and publishing, deprecating and
 * retiring (the status) stay with the operator, who tests in the sandbox first.
 */
export async function versionRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.versions);
  const ownership = new Ownership(registry);

  route('listServiceVersions', {
    onRequest: anyRole,
    summary: 'Các phiên bản của một dịch vụ / Versions of a service',
    problems: [404],
    handler: async (request) => {
      // An unknown service is a 404, not an empty list, so a typo in the id is not mistaken for "no versions".
      const service = await registry.getService(request.params.id);
      return { items: await registry.listVersions({ serviceId: service.id }) };
    },
  });

  route('createVersion', {
    onRequest: agencyOrOperator,
    // A provider agency creates drafts of its own services; any other status is the operator's decision.
    preHandler: [
      ownership.owns((request, o) => o.ofService(paramId(request))),
      operatorOnlyFields(['status'], { status: 'draft' }),
    ],
    summary: 'Thêm phiên bản dịch vụ / Create a service version',
    description:
      'Mặc định: REST, draft, một tài nguyên "* /*". Thử ở sandbox trước khi công bố (R-11). / ' +
      'Defaults: REST, draft, one resource "* /*". Test in the sandbox before publishing.',
    problems: [404, 409],
    handler: async (request) =>
      registry.createVersion(request.params.id, request.body, currentUser(request).id),
  });

  route('listVersions', {
    onRequest: anyRole,
    summary: 'Danh sách phiên bản dịch vụ / List service versions',
    handler: async (request) => ({ items: await registry.listVersions(request.query) }),
  });

  route('getVersion', {
    onRequest: anyRole,
    summary: 'Xem phiên bản dịch vụ / Get a service version',
    problems: [404],
    handler: async (request) => registry.getVersion(request.params.id),
  });

  route('updateVersion', {
    onRequest: agencyOrOperator,
    preHandler: [
      ownership.owns((request, o) => o.ofVersion(paramId(request))),
      operatorOnlyFields(['status']),
    ],
    summary: 'Sửa, công bố, ngừng hoặc thu hồi phiên bản / Update, publish, deprecate or retire a version',
    description:
      'Cơ quan cung cấp sửa phiên bản của mình; đổi trạng thái chỉ do quản trị viên Sở TT&TT. / ' +
      'The provider agency edits its own versions; only an operator administrator changes the status.',
    problems: [404],
    handler: async (request) =>
      registry.updateVersion(request.params.id, request.body, currentUser(request).id),
  });
}

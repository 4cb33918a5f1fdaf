import type { FastifyInstance } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Ownership, operatorOnlyFields, paramId } from '../ownership.ts';
import { agencyOrOperator, anyRole, operatorOnly, routesUnder, TAGS } from './common.ts';

/**
 * Organizations and their contact points. Contact points are published to every organization, so any
 * signed-in role may read them; an agency user keeps its own organization's name and contact point up to date.
 */
export async function organizationRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.organizations);
  const ownership = new Ownership(registry);

  route('listOrganizations', {
    onRequest: anyRole,
    summary: 'Danh sách cơ quan / List organizations',
    handler: async () => ({ items: await registry.listOrganizations() }),
  });

  route('createOrganization', {
    onRequest: operatorOnly,
    summary: 'Thêm cơ quan / Create an organization',
    description:
      'Mã định danh theo Thông tư 10/2023/TT-BTTTT, ví dụ 000.00.31.H01; cán bộ đầu mối (R-09). / ' +
      'The official code looks like 000.00.31.H01; the contact point is published to other agencies.',
    problems: [404, 409],
    handler: async (request) => registry.createOrganization(request.body, currentUser(request).id),
  });

  route('getOrganization', {
    onRequest: anyRole,
    summary: 'Xem cơ quan / Get an organization',
    problems: [404],
    handler: async (request) => registry.getOrganization(request.params.id),
  });

  route('updateOrganization', {
    onRequest: agencyOrOperator,
    // An agency user edits its own organization's name and contact point; the hierarchy is the operator's.
    preHandler: [ownership.owns(async (request) => paramId(request)), operatorOnlyFields(['parentId'])],
    summary: 'Sửa cơ quan / Update an organization',
    description:
      'Mã định danh không đổi được. Người dùng của cơ quan chỉ sửa tên và cán bộ đầu mối của chính mình. / ' +
      'The official code cannot change. An agency user edits only its own name and contact point.',
    problems: [404],
    handler: async (request) => {
      const { id } = request.params;
      if (request.body.parentId === id) {
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'parentId: một cơ quan không thể là cấp trên của chính nó',
        );
      }
      return registry.updateOrganization(id, request.body, currentUser(request).id);
    },
  });
}

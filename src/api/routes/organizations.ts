import type { FastifyInstance } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { problemResponses } from '../problems.ts';
import { IdParams, ListOf, OrganizationCreate, OrganizationPatch, OrganizationSchema } from '../schemas.ts';
import { operatorOnly, readProblems, TAGS, writeProblems } from './common.ts';

/** Organizations and their contact points. */
export async function organizationRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const tags = [TAGS.organizations];

  app.get(
    '/organizations',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Danh sách cơ quan / List organizations',
        response: { 200: ListOf(OrganizationSchema), ...readProblems },
      },
    },
    async () => ({ items: await registry.listOrganizations() }),
  );

  app.post<{ Body: OrganizationCreate }>(
    '/organizations',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Thêm cơ quan / Create an organization',
        description:
          'Mã định danh theo Thông tư 10/2023/TT-BTTTT, ví dụ 000.00.31.H01; cán bộ đầu mối (R-09). / ' +
          'The official code looks like 000.00.31.H01; the contact point is published to other agencies.',
        body: OrganizationCreate,
        response: { 201: OrganizationSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const org = await registry.createOrganization(request.body, currentUser(request).id);
      return reply.code(201).send(org);
    },
  );

  app.get<{ Params: IdParams }>(
    '/organizations/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Xem cơ quan / Get an organization',
        params: IdParams,
        response: { 200: OrganizationSchema, ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.getOrganization(request.params.id),
  );

  app.patch<{ Params: IdParams; Body: OrganizationPatch }>(
    '/organizations/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Sửa cơ quan / Update an organization',
        description: 'Mã định danh không đổi được. / The official code cannot change.',
        params: IdParams,
        body: OrganizationPatch,
        response: { 200: OrganizationSchema, ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (request.body.parentId === id) {
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'parentId: một cơ quan không thể là cấp trên của chính nó',
        );
      }
      return registry.updateOrganization(id, request.body, currentUser(request).id);
    },
  );
}

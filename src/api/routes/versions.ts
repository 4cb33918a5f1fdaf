import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { problemResponses } from '../problems.ts';
import { IdParams, ListOf, VersionCreate, VersionPatch, VersionQuery, VersionSchema } from '../schemas.ts';
import { operatorOnly, readProblems, TAGS, writeProblems } from './common.ts';

/** Service versions, deployed side by side with their upstreams per environment. */
export async function versionRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const tags = [TAGS.versions];

  app.get<{ Params: IdParams }>(
    '/services/:id/versions',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Các phiên bản của một dịch vụ / Versions of a service',
        params: IdParams,
        response: { 200: ListOf(VersionSchema), ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => {
      // An unknown service is a 404, not an empty list, so a typo in the id is not mistaken for "no versions".
      const service = await registry.getService(request.params.id);
      return { items: await registry.listVersions({ serviceId: service.id }) };
    },
  );

  app.post<{ Params: IdParams; Body: VersionCreate }>(
    '/services/:id/versions',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Thêm phiên bản dịch vụ / Create a service version',
        description:
          'Mặc định: REST, draft, một tài nguyên "* /*". Thử ở sandbox trước khi công bố (R-11). / ' +
          'Defaults: REST, draft, one resource "* /*". Test in the sandbox before publishing.',
        params: IdParams,
        body: VersionCreate,
        response: { 201: VersionSchema, ...writeProblems, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      const version = await registry.createVersion(request.params.id, request.body, currentUser(request).id);
      return reply.code(201).send(version);
    },
  );

  app.get<{ Querystring: VersionQuery }>(
    '/versions',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Danh sách phiên bản dịch vụ / List service versions',
        querystring: VersionQuery,
        response: { 200: ListOf(VersionSchema), ...readProblems },
      },
    },
    async (request) => ({ items: await registry.listVersions(request.query) }),
  );

  app.get<{ Params: IdParams }>(
    '/versions/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Xem phiên bản dịch vụ / Get a service version',
        params: IdParams,
        response: { 200: VersionSchema, ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.getVersion(request.params.id),
  );

  app.patch<{ Params: IdParams; Body: VersionPatch }>(
    '/versions/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary:
          'Sửa, công bố, ngừng hoặc thu hồi phiên bản / Update, publish, deprecate or retire a version',
        params: IdParams,
        body: VersionPatch,
        response: { 200: VersionSchema, ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.updateVersion(request.params.id, request.body, currentUser(request).id),
  );
}

import type { FastifyInstance } from 'fastify';
import { currentUser } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { problemResponses } from '../problems.ts';
import { IdParams, ListOf, SystemCreate, SystemPatch, SystemQuery, SystemSchema } from '../schemas.ts';
import { operatorOnly, readProblems, TAGS, writeProblems } from './common.ts';

/** Information systems, the connected parties. */
export async function systemRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  const tags = [TAGS.systems];

  app.get<{ Querystring: SystemQuery }>(
    '/systems',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Danh sách hệ thống kết nối / List connected systems',
        querystring: SystemQuery,
        response: { 200: ListOf(SystemSchema), ...readProblems },
      },
    },
    async (request) => ({ items: await registry.listSystems(request.query) }),
  );

  app.post<{ Body: SystemCreate }>(
    '/systems',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Thêm hệ thống thông tin / Register an information system',
        description:
          'Hệ thống là bên cung cấp, bên khai thác, hoặc cả hai. / A system provides, consumes, or both.',
        body: SystemCreate,
        response: { 201: SystemSchema, ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      const { isProvider = false, isConsumer = false, ...rest } = request.body;
      const system = await registry.createSystem(
        { ...rest, isProvider, isConsumer },
        currentUser(request).id,
      );
      return reply.code(201).send(system);
    },
  );

  app.get<{ Params: IdParams }>(
    '/systems/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Xem hệ thống / Get a system',
        params: IdParams,
        response: { 200: SystemSchema, ...readProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.getSystem(request.params.id),
  );

  app.patch<{ Params: IdParams; Body: SystemPatch }>(
    '/systems/:id',
    {
      onRequest: operatorOnly,
      schema: {
        tags,
        summary: 'Sửa, tạm dừng hoặc kích hoạt hệ thống / Update, suspend or activate a system',
        description:
          'status=suspended có hiệu lực ngay trên cổng kết nối. / Suspending takes effect on the gateway at once.',
        params: IdParams,
        body: SystemPatch,
        response: { 200: SystemSchema, ...writeProblems, ...problemResponses(404) },
      },
    },
    async (request) => registry.updateSystem(request.params.id, request.body, currentUser(request).id),
  );
}

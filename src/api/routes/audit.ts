import type { FastifyInstance } from 'fastify';
import type { AdminDeps } from '../deps.ts';
import { AuditEventSchema, AuditQuery, ListOf } from '../schemas.ts';
import { operatorOnly, readProblems, TAGS } from './common.ts';

/** The audit trail of control-plane changes, each with the config revision it produced. */
export async function auditRoutes(app: FastifyInstance, { registry }: AdminDeps): Promise<void> {
  app.get<{ Querystring: AuditQuery }>(
    '/audit-events',
    {
      onRequest: operatorOnly,
      schema: {
        tags: [TAGS.audit],
        summary: 'Nhật ký thay đổi cấu hình / Audit events',
        description: 'Mới nhất trước. / Newest first.',
        querystring: AuditQuery,
        response: { 200: ListOf(AuditEventSchema), ...readProblems },
      },
    },
    async (request) => ({ items: await registry.listAuditEvents(request.query) }),
  );
}

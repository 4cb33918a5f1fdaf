import type { FastifyInstance } from 'fastify';
import { verifyAuditChain } from '../../control/audit-verify.ts';
import type { AdminDeps } from '../deps.ts';
import { overseers, readProblems, route, TAGS } from './common.ts';

/**
 * The audit trail of control-plane changes, each with the config revision it produced: read by the
 * operator's staff and auditors, never by agency users (it names every organization's objects).
 */
export async function auditRoutes(app: FastifyInstance, { registry, store }: AdminDeps): Promise<void> {
  route(
    app,
    'listAuditEvents',
    {
      onRequest: overseers,
      schema: {
        tags: [TAGS.audit],
        summary: 'Nhật ký thay đổi cấu hình / Audit events',
        description: 'Mới nhất trước. / Newest first.',
        response: readProblems,
      },
    },
    async (request) => ({ items: await registry.listAuditEvents(request.query) }),
  );

  // The same check as `lgsp audit verify`, for a running platform; a broken chain is a finding, not an error.
  route(
    app,
    'verifyAuditChain',
    {
      onRequest: overseers,
      schema: {
        tags: [TAGS.audit],
        summary: 'Kiểm tra chuỗi băm của nhật ký / Verify the audit hash chain',
        description:
          'Tính lại mã băm của mọi sự kiện theo thứ tự; báo chỗ hỏng đầu tiên (sửa, xoá, chèn). / ' +
          'Recomputes every event hash in order; reports the first break (changed, deleted or inserted events).',
        response: readProblems,
      },
    },
    async () => verifyAuditChain(store),
  );
}

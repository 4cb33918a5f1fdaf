import type { FastifyInstance } from 'fastify';
import { verifyAuditChain } from '../../control/audit-verify.ts';
import type { AdminDeps } from '../deps.ts';
import { overseers, routesUnder, TAGS } from './common.ts';

/**
 * The audit trail of control-plane changes, each with the config revision it produced: read by the
 * operator's staff and auditors, never by agency users (it names every organization's objects).
 */
export async function auditRoutes(app: FastifyInstance, { registry, store }: AdminDeps): Promise<void> {
  const route = routesUnder(app, TAGS.audit);

  route('listAuditEvents', {
    onRequest: overseers,
    handler: async (request) => registry.pageAuditEvents(request.query),
  });

  // The same check as `lgsp audit verify`, for a running platform; a broken chain is a finding, not an error.
  route('verifyAuditChain', {
    onRequest: overseers,
    handler: async () => verifyAuditChain(store),
  });
}

import type { FastifyInstance } from 'fastify';
import { transactionDetail } from '../../reports/transaction-detail.ts';
import { queryTransactions } from '../../telemetry/transactions.ts';
import { currentUser, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { anyRole, route, TAGS } from './common.ts';

/**
 * The transaction log: who called what, when, with what result; never the payload. Operator
 * staff and auditors see every record; an agency user those where its organization is the consumer or the
 * provider, the statistics it reconciles against its own records.
 */
export async function transactionRoutes(app: FastifyInstance, { store, registry }: AdminDeps): Promise<void> {
  route(app, TAGS.transactions, 'listTransactions', {
    onRequest: anyRole,
    handler: async (request) => {
      const user = currentUser(request);
      if (seesEverything(user)) return queryTransactions(store, request.query);
      // Records name organizations by their official code, as the gateway saw them at the time.
      const organization = await registry.getOrganization(user.organizationId ?? '');
      return queryTransactions(store, { ...request.query, organizationCode: organization.code });
    },
  });

  // One record in full for the console's detail view; an agency user only its own organization's (else 404).
  route(app, TAGS.transactions, 'getTransaction', {
    onRequest: anyRole,
    handler: async (request) => {
      const user = currentUser(request);
      if (seesEverything(user)) return transactionDetail(store, request.params.id);
      const organization = await registry.getOrganization(user.organizationId ?? '');
      return transactionDetail(store, request.params.id, organization.code);
    },
  });
}

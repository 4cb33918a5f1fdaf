import type { FastifyInstance } from 'fastify';
import { LgspError } from '../../core/errors.ts';
import { MAX_FILE_BYTES } from '../../reports/party-file.ts';
import { differencesCsv, type Party, reconcile } from '../../reports/reconciliation.ts';
import { currentUser, requireRole, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { route, TAGS } from './common.ts';

/** Operator staff reconcile for any party, an agency user for its own organization; auditors change nothing. */
const reconcilers = requireRole('operator_admin', 'operator_reviewer', 'agency');

/**
 * Reconciliation: a party uploads its own list of transactions for a period and gets the platform's view
 * matched against it. It reads only: nothing is stored, neither the file nor the result.
 */
export async function reconciliationRoutes(
  app: FastifyInstance,
  { store, registry, config }: AdminDeps,
): Promise<void> {
  route(app, TAGS.transactions, 'reconcileTransactions', {
    onRequest: reconcilers,
    // Up to 64 MiB of CSV, with room for its JSON escaping.
    bodyLimit: Math.max(config.admin.bodyLimitBytes, MAX_FILE_BYTES * 2),
    preHandler: async (request) => {
      const body = request.body;
      if ((body.systemId === undefined) === (body.organizationCode === undefined)) {
        throw new LgspError(
          'API_VALIDATION_FAILED',
          'cần đúng một trong systemId, organizationCode / exactly one of systemId, organizationCode',
        );
      }
      const user = currentUser(request);
      // Unknown ids answer the registry's own 404, for operators too, so a typo is not an empty result.
      const system = body.systemId !== undefined ? await registry.getSystem(body.systemId) : null;
      if (seesEverything(user)) return;
      const own = await registry.getOrganization(user.organizationId ?? '');
      const allowed = system ? system.organizationId === own.id : body.organizationCode === own.code;
      if (!allowed) {
        throw new LgspError(
          'API_FORBIDDEN',
          'chỉ đối soát cho cơ quan mình / only for your own organization',
        );
      }
    },
    handler: async (request, reply) => {
      const body = request.body;
      const party: Party =
        body.systemId !== undefined
          ? { systemId: body.systemId }
          : { organizationCode: body.organizationCode! };
      const result = await reconcile(store, {
        party,
        from: body.from,
        to: body.to,
        csv: body.csv,
        includeTokenRequests: request.query.includeTokenRequests ?? false,
        ...(body.role ? { role: body.role } : {}),
        ...(body.toleranceSeconds !== undefined
          ? { toleranceMs: Math.round(body.toleranceSeconds * 1000) }
          : {}),
      });
      if (request.query.format === 'csv') {
        const name = `doi-soat-${'systemId' in party ? party.systemId : party.organizationCode}-${result.from.slice(0, 10)}.csv`;
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}"`)
          .send(differencesCsv(result));
      }
      const { matched, ...rest } = result;
      return body.includeMatched ? result : rest;
    },
  });
}

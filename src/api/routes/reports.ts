import type { FastifyInstance } from 'fastify';
import {
  parseGroupBy,
  type StatisticsFilters,
  statistics,
  statisticsCsv,
  statisticsXlsx,
} from '../../reports/statistics.ts';
import { currentUser, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { anyRole, route, TAGS } from './common.ts';

/**
 * Statistics and reports: counts, success rate, latency and volume by period, organization, system,
 * service and version, from the hourly rollups (src/reports/statistics.ts). Operator staff and auditors see
 * everything; an agency user only the calls where its organization is the consumer or the provider — that
 * filter is forced, whatever else it asks.
 */
export async function reportRoutes(app: FastifyInstance, { store, registry }: AdminDeps): Promise<void> {
  route(app, TAGS.transactions, 'getStatistics', {
    onRequest: anyRole,
    handler: async (request, reply) => {
      const q = request.query;
      const user = currentUser(request);
      const scope = seesEverything(user)
        ? undefined
        : (await registry.getOrganization(user.organizationId ?? '')).code;
      const filters: StatisticsFilters = {};
      for (const k of [
        'organizationCode',
        'systemId',
        'role',
        'serviceId',
        'versionId',
        'environment',
        'leg',
      ] as const) {
        if (q[k] !== undefined) (filters as Record<string, string>)[k] = q[k];
      }
      const result = await statistics(store, {
        from: q.from,
        to: q.to,
        groupBy: parseGroupBy(q.groupBy),
        filters,
        ...(scope !== undefined ? { scopeOrganizationCode: scope } : {}),
        ...(q.utcOffsetHours !== undefined ? { utcOffsetHours: q.utcOffsetHours } : {}),
        includeTokenRequests: q.includeTokenRequests ?? false,
        includePlatformCalls: q.includePlatformCalls ?? false,
      });
      if (q.format === 'json') return result;
      const name = `thong-ke-${result.from.slice(0, 10)}-${result.to.slice(0, 10)}.${q.format}`;
      reply.header('content-disposition', `attachment; filename="${name}"`);
      if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(statisticsCsv(result));
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .send(await statisticsXlsx(result));
    },
  });
}

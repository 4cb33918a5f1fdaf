import type { FastifyInstance } from 'fastify';
import { dashboard } from '../../reports/dashboard.ts';
import { currentUser, seesEverything } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { anyRole, route, TAGS } from './common.ts';

/**
 * The console's dashboard (issue 11): operator staff and auditors see the whole province; an agency user the same
 * figures for its own organization only.
 */
export async function dashboardRoutes(
  app: FastifyInstance,
  { store, registry, config, clock, pendingMessages }: AdminDeps,
): Promise<void> {
  const settings = {
    timezoneOffsetMinutes: config.timezoneOffsetMinutes,
    holidays: config.workflow.holidays,
    responseDeadlineWorkingDays: config.workflow.responseDeadlineWorkingDays,
    messagingEngine: config.messaging.engine,
    ...(pendingMessages ? { pendingMessages } : {}),
  };
  route(app, TAGS.transactions, 'getDashboard', {
    onRequest: anyRole,
    handler: async (request) => {
      const user = currentUser(request);
      const { from, to, bucket } = request.query;
      const input = {
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(bucket !== undefined ? { bucket } : {}),
      };
      if (seesEverything(user)) return dashboard(store, settings, input, clock.nowMs());
      const organization = await registry.getOrganization(user.organizationId ?? '');
      const scope = { organizationId: organization.id, organizationCode: organization.code };
      return dashboard(store, settings, { ...input, scope }, clock.nowMs());
    },
  });
}

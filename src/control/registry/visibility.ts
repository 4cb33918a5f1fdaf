import { type ExpressionBuilder, expressionBuilder } from 'kysely';
import { CATALOGUE_STATES } from '../../api/contract/index.ts';
import type { Database } from '../../store/schema.ts';

/**
 * Which versions, and services, an agency may know exist (R-27; docs/security.md §2.10): those of its own
 * provider systems, those in the catalogue (`CATALOGUE_STATES`), and those one of its systems is subscribed to —
 * a subscription it can read names its version. One SQL condition, so lists filter before paging.
 */

/** Subqueries that name no table of the query they go into. */
const root = expressionBuilder<Database, never>();

const systemsOf = (organizationId: string) =>
  root.selectFrom('systems').select('systems.id').where('systems.organization_id', '=', organizationId);

const subscribedBy = (organizationId: string) =>
  root
    .selectFrom('subscriptions')
    .select('subscriptions.version_id')
    .where('subscriptions.system_id', 'in', systemsOf(organizationId));

/** A row of `service_versions` joined with its `services` row that `organizationId` may see. */
export function versionSeenBy(
  eb: ExpressionBuilder<Database, 'service_versions' | 'services'>,
  organizationId: string,
) {
  return eb.or([
    eb('service_versions.status', 'in', CATALOGUE_STATES),
    eb('services.provider_system_id', 'in', systemsOf(organizationId)),
    eb('service_versions.id', 'in', subscribedBy(organizationId)),
  ]);
}

/** A row of `services` that `organizationId` may see: its own, or one with a version it may see. */
export function serviceSeenBy(eb: ExpressionBuilder<Database, 'services'>, organizationId: string) {
  return eb.or([
    eb('services.provider_system_id', 'in', systemsOf(organizationId)),
    eb.exists(
      eb
        .selectFrom('service_versions as v')
        .select('v.id')
        .whereRef('v.service_id', '=', 'services.id')
        .where((inner) =>
          inner.or([
            inner('v.status', 'in', CATALOGUE_STATES),
            inner('v.id', 'in', subscribedBy(organizationId)),
          ]),
        ),
    ),
  ]);
}

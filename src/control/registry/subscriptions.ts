import type { Static } from '@sinclair/typebox';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type {
  Environment,
  PageOf,
  Subscription,
  SubscriptionEnding,
  SubscriptionQuery,
  SubscriptionStatus,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { isoOf } from '../../core/time.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import { isUniqueViolation } from '../../store/port.ts';
import type { Database } from '../../store/schema.ts';
import { auditOf, type Command, type CommandOn } from '../change.ts';
import { parseTimeOfUse } from '../rules.ts';
import { assertNotPlatformTestClient } from './platform-owned.ts';
import { requireRow } from './rows.ts';
import { requireVersion } from './services.ts';
import { requireSystem, systemsOf } from './systems.ts';

const audit = auditOf('subscription');
/** The audit verb of a move to each status (`subscription.revoke`, …). */
const STATUS_VERBS: Record<SubscriptionStatus, string> = {
  active: 'activate',
  suspended: 'suspend',
  revoked: 'revoke',
};

export interface SubscriptionInput {
  systemId: string;
  versionId: string;
  environment: Environment;
  status?: SubscriptionStatus;
  quotaPerMinute?: number | null;
  quotaPerDay?: number | null;
  timeOfUse?: string | null;
}

export interface SubscriptionPatch {
  status?: SubscriptionStatus;
  quotaPerMinute?: number | null;
  quotaPerDay?: number | null;
  timeOfUse?: string | null;
}

/**
 * A subscription with what its ending is read from: its version's state and sunset, its service's
 * decommission, the notices that announced them and the newest published version of the service to move to.
 * Every read of a subscription goes through here, so the API never answers one without its `ending`.
 */
function subscriptionViews(db: Kysely<Database>) {
  return db
    .selectFrom('subscriptions')
    .innerJoin('service_versions', 'service_versions.id', 'subscriptions.version_id')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .selectAll('subscriptions')
    .select((eb) => [
      'service_versions.status as version_status',
      'service_versions.sunset_at as version_sunset_at',
      'services.decommission_at as service_decommission_at',
      'services.decommissioned_at as service_decommissioned_at',
      eb
        .selectFrom('notices')
        .select('notices.id')
        .whereRef('notices.version_id', '=', 'service_versions.id')
        .where('notices.kind', '=', 'deprecation')
        .orderBy('notices.published_at', 'desc')
        .orderBy('notices.id', 'desc')
        .limit(1)
        .as('deprecation_notice_id'),
      // A cancelled decommission's notice stays published, marked cancelled: it announces nothing any more.
      eb
        .selectFrom('notices')
        .select('notices.id')
        .whereRef('notices.service_id', '=', 'services.id')
        .where('notices.kind', '=', 'decommission')
        .where('notices.cancelled_at', 'is', null)
        .orderBy('notices.published_at', 'desc')
        .orderBy('notices.id', 'desc')
        .limit(1)
        .as('decommission_notice_id'),
      newestPublishedSibling(eb).select('newer.id').as('replacement_version_id'),
      newestPublishedSibling(eb).select('newer.version').as('replacement_version'),
    ]);
}

/** The newest published version of the subscription's service other than its own: where to move. */
function newestPublishedSibling(eb: ExpressionBuilder<Database, 'service_versions'>) {
  return eb
    .selectFrom('service_versions as newer')
    .whereRef('newer.service_id', '=', 'service_versions.service_id')
    .whereRef('newer.id', '<>', 'service_versions.id')
    .where('newer.status', '=', 'published')
    .orderBy('newer.published_at', 'desc')
    .orderBy('newer.id', 'desc')
    .limit(1);
}

/** Whether the version or the service of a subscription is announced to end, or has ended: `ending` not null. */
function isEnding(eb: ExpressionBuilder<Database, 'service_versions' | 'services'>) {
  return eb.or([
    eb.and([
      eb('service_versions.status', 'in', ['deprecated', 'retired']),
      eb('service_versions.sunset_at', 'is not', null),
    ]),
    eb('services.decommission_at', 'is not', null),
    eb('services.decommissioned_at', 'is not', null),
  ]);
}

type SubscriptionView = Awaited<ReturnType<ReturnType<typeof subscriptionViews>['executeTakeFirstOrThrow']>>;

/** The earlier of the version's sunset and the service's decommission; null when neither is announced. */
function endingOf(r: SubscriptionView): SubscriptionEnding | null {
  const endings: SubscriptionEnding[] = [];
  if ((r.version_status === 'deprecated' || r.version_status === 'retired') && r.version_sunset_at) {
    endings.push({
      kind: 'version_sunset',
      endsAt: isoOf(r.version_sunset_at),
      noticeId: r.deprecation_notice_id,
      replacementVersionId: r.replacement_version_id,
      replacementVersion: r.replacement_version,
    });
  }
  const decommissionAt = r.service_decommissioned_at ?? r.service_decommission_at;
  if (decommissionAt) {
    // Every version of the service ends with it: there is no version of it to move to.
    endings.push({
      kind: 'service_decommission',
      endsAt: isoOf(decommissionAt),
      noticeId: r.decommission_notice_id,
      replacementVersionId: null,
      replacementVersion: null,
    });
  }
  return endings.sort((a, b) => Date.parse(a.endsAt) - Date.parse(b.endsAt))[0] ?? null;
}

function toSubscription(r: SubscriptionView): Subscription {
  return {
    id: r.id,
    systemId: r.system_id,
    versionId: r.version_id,
    environment: r.environment,
    status: r.status,
    quotaPerMinute: r.quota_per_minute,
    quotaPerDay: r.quota_per_day,
    timeOfUse: r.window_start && r.window_end ? `${r.window_start}-${r.window_end}` : null,
    ending: endingOf(r),
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

// ── Commands (R-16: a token is valid only for what its system subscribed to) ───────────────────────────────────

/**
 * Inserts a subscription: by the operator directly, or inside the approval of a subscription request. The
 * system must be a consumer and the version must exist; one subscription per system, version and environment.
 */
export const createSubscription: Command<SubscriptionInput, Subscription> = async (
  trx,
  input,
  actor,
  now,
) => {
  const window = parseTimeOfUse(input.timeOfUse ?? null);
  const system = await requireSystem(trx, input.systemId);
  if (!system.is_consumer) throw new LgspError('CP_SYSTEM_NOT_CONSUMER', system.id);
  await assertNotPlatformTestClient(trx, system.id, input.environment);
  const version = await requireVersion(trx, input.versionId);
  const id = newId('sub', now.getTime());
  const row = await trx
    .insertInto('subscriptions')
    .values({
      id,
      system_id: system.id,
      version_id: version.id,
      environment: input.environment,
      status: input.status ?? 'active',
      quota_per_minute: input.quotaPerMinute ?? null,
      quota_per_day: input.quotaPerDay ?? null,
      window_start: window?.start ?? null,
      window_end: window?.end ?? null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err) => {
      throw isUniqueViolation(err)
        ? new LgspError(
            'CP_SUBSCRIPTION_EXISTS',
            `${system.id} ${version.context} ${version.version} ${input.environment}`,
          )
        : err;
    });
  const details = { systemId: system.id, versionId: version.id, environment: input.environment };
  return { result: await readSubscription(trx, row.id), events: [audit(actor, 'create', id, details)] };
};

export const updateSubscription: CommandOn<SubscriptionPatch, Subscription> = async (
  trx,
  id,
  patch,
  actor,
  now,
) => {
  const window = patch.timeOfUse !== undefined ? parseTimeOfUse(patch.timeOfUse) : undefined;
  const current = await requireSubscription(trx, id);
  const row = await trx
    .updateTable('subscriptions')
    .set({
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.quotaPerMinute !== undefined ? { quota_per_minute: patch.quotaPerMinute } : {}),
      ...(patch.quotaPerDay !== undefined ? { quota_per_day: patch.quotaPerDay } : {}),
      ...(window !== undefined
        ? { window_start: window?.start ?? null, window_end: window?.end ?? null }
        : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const verb = patch.status && patch.status !== current.status ? STATUS_VERBS[patch.status] : 'update';
  return {
    result: await readSubscription(trx, row.id),
    events: [audit(actor, verb, id, { ...patch })],
  };
};

/**
 * An active subscription with these terms, as an approval grants it: a subscription revoked earlier (the system
 * stopped using the version, R-21) is activated again with the new terms, a live one is refused, otherwise one is
 * created.
 */
export const grantSubscription: Command<Omit<SubscriptionInput, 'status'>, Subscription> = async (
  trx,
  input,
  actor,
  now,
) => {
  const existing = await trx
    .selectFrom('subscriptions')
    .select(['id', 'status'])
    .where('system_id', '=', input.systemId)
    .where('version_id', '=', input.versionId)
    .where('environment', '=', input.environment)
    .executeTakeFirst();
  if (!existing) return createSubscription(trx, { ...input, status: 'active' }, actor, now);
  if (existing.status !== 'revoked') {
    const version = await requireVersion(trx, input.versionId);
    throw new LgspError(
      'CP_SUBSCRIPTION_EXISTS',
      `${existing.id}: ${input.systemId} ${version.context} ${version.version} ${input.environment}`,
    );
  }
  const { quotaPerMinute = null, quotaPerDay = null, timeOfUse = null } = input;
  return updateSubscription(
    trx,
    existing.id,
    { status: 'active', quotaPerMinute, quotaPerDay, timeOfUse },
    actor,
    now,
  );
};

// ── Queries ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const listSubscriptions = async (
  db: Kysely<Database>,
  filter: { systemId?: string; versionId?: string } = {},
) => {
  let q = subscriptionViews(db);
  if (filter.systemId) q = q.where('subscriptions.system_id', '=', filter.systemId);
  if (filter.versionId) q = q.where('subscriptions.version_id', '=', filter.versionId);
  return (await q.orderBy('subscriptions.created_at').execute()).map(toSubscription);
};

/** One subscription with its `ending`, or CP_SUBSCRIPTION_NOT_FOUND. */
export async function readSubscription(db: Kysely<Database>, id: string): Promise<Subscription> {
  const row = await subscriptionViews(db).where('subscriptions.id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError('CP_SUBSCRIPTION_NOT_FOUND', id);
  return toSubscription(row);
}

/**
 * One page of subscriptions (issue 11), newest first by default, searched by the consumer system's name, the
 * service's context and the subscription id. `visibleTo` limits it, in SQL, to those an organization may see:
 * where one of its systems is the consumer or one of its services the provider — never the platform's own
 * sandbox test client's, which the operator alone lists.
 */
export async function pageSubscriptions(
  db: Kysely<Database>,
  query: Static<typeof SubscriptionQuery>,
  visibleTo?: string,
): Promise<PageOf<Subscription>> {
  let q = subscriptionViews(db);
  if (query.systemId) q = q.where('subscriptions.system_id', '=', query.systemId);
  if (query.versionId) q = q.where('subscriptions.version_id', '=', query.versionId);
  if (query.status) q = q.where('subscriptions.status', '=', query.status);
  if (query.environment) q = q.where('subscriptions.environment', '=', query.environment);
  if (query.organizationId) q = q.where('subscriptions.system_id', 'in', systemsOf(db, query.organizationId));
  if (query.ending !== undefined) {
    const ending = query.ending;
    q = q.where((eb) => (ending ? isEnding(eb) : eb.not(isEnding(eb))));
  }
  if (visibleTo !== undefined) {
    q = q
      .where((eb) =>
        eb.or([
          eb('subscriptions.system_id', 'in', systemsOf(db, visibleTo)),
          eb('subscriptions.version_id', 'in', versionsProvidedBy(db, visibleTo)),
        ]),
      )
      // The platform's sandbox test client subscribes itself to each version tried (sandbox-test-client.ts): the
      // platform's tool, granted to no one, which no agency can change or cancel — not one of the provider's
      // granted subscriptions, least of all to a version never published. Its calls stay in the provider's records.
      .where('subscriptions.system_id', 'not in', (eb) =>
        eb.selectFrom('platform_test_client').select('platform_test_client.system_id'),
      );
  }
  const search = query.q;
  if (search) {
    q = q.where((eb) =>
      eb.or([
        matchesAny(eb, ['subscriptions.id'], search),
        eb(
          'subscriptions.system_id',
          'in',
          eb
            .selectFrom('systems')
            .select('systems.id')
            .where((s) => matchesAny(s, ['systems.name'], search)),
        ),
        eb(
          'subscriptions.version_id',
          'in',
          eb
            .selectFrom('service_versions')
            .innerJoin('services', 'services.id', 'service_versions.service_id')
            .select('service_versions.id')
            .where((s) => matchesAny(s, ['services.context'], search)),
        ),
      ]),
    );
  }
  const order = ordering(
    query.sort,
    '-createdAt',
    { createdAt: byColumn('subscriptions.created_at'), status: byColumn('subscriptions.status') },
    'subscriptions.id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toSubscription), total };
}

/** The ids of the versions an organization provides (through its provider systems' services), as a subquery. */
function versionsProvidedBy(db: Kysely<Database>, organizationId: string) {
  return db
    .selectFrom('service_versions')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .innerJoin('systems', 'systems.id', 'services.provider_system_id')
    .select('service_versions.id')
    .where('systems.organization_id', '=', organizationId);
}

export const requireSubscription = (db: Kysely<Database>, id: string) => requireRow(db, 'subscriptions', id);

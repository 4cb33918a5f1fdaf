import type { Static } from '@sinclair/typebox';
import { type Selectable, sql } from 'kysely';
import type { Notice, NoticeQuery, PageOf, VersionConsumersQuery } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { isoOrNull } from '../../core/time.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import type { Database } from '../../store/schema.ts';
import type { LifecycleContext } from './workflow.ts';

/** Who still calls a version, per environment (R-18: whom to chase before the sunset). */
export interface VersionConsumer {
  systemId: string;
  organizationCode: string | null;
  environment: string | null;
  calls: number;
  lastCallAt: string;
}

/**
 * Who still calls a version, per environment, from the transaction records since `sinceIso` (by default since
 * it was deprecated) — R-18: whom to chase before the sunset.
 */
export async function consumersOfVersion(
  ctx: LifecycleContext,
  versionId: string,
  sinceIso?: string,
): Promise<VersionConsumer[]> {
  const rows = await (await consumerGroups(ctx, versionId, sinceIso)).orderBy('calls', 'desc').execute();
  return rows.map(toConsumer);
}

/**
 * One page of a version's consumers (issue 11; the console's deprecation report): the grouping, the search and the
 * order run in SQL, and `total` counts the groups (consumer × environment) with the same WHERE, so a version called
 * by hundreds of systems sends one page.
 */
export async function pageConsumersOfVersion(
  ctx: LifecycleContext,
  versionId: string,
  query: Static<typeof VersionConsumersQuery>,
): Promise<PageOf<VersionConsumer>> {
  let groups = await consumerGroups(ctx, versionId, query.since);
  const search = query.q;
  if (search)
    groups = groups.where((eb) =>
      matchesAny(eb, ['consumer_system_id', 'consumer_org_code', 'environment'], search),
    );
  const order = ordering(
    query.sort,
    '-calls',
    {
      calls: sql`count(*)`,
      lastCallAt: sql`max(request_in_at)`,
      organizationCode: byColumn('consumer_org_code'),
    },
    'consumer_system_id',
  );
  // The tie-break of two rows of one system is its environment, so that pages never overlap.
  const rows = await order(groups).orderBy('environment').limit(query.limit).offset(query.offset).execute();
  // Counted over the grouped rows as a subquery: a plain count(*) would count the calls of each group instead.
  const counted = await ctx.store.db
    .selectFrom(groups.as('g'))
    .select(sql<string | number>`count(*)`.as('total'))
    .executeTakeFirstOrThrow();
  return { items: rows.map(toConsumer), total: Number(counted.total) };
}

/** The transaction records of a version grouped by consumer and environment, since `sinceIso` or its deprecation. */
async function consumerGroups(ctx: LifecycleContext, versionId: string, sinceIso?: string) {
  const version = await ctx.registry.getVersion(versionId);
  let q = ctx.store.db
    .selectFrom('transactions')
    .select([
      'consumer_system_id',
      'consumer_org_code',
      'environment',
      sql<number>`count(*)`.as('calls'),
      sql<Date>`max(request_in_at)`.as('last_call_at'),
    ])
    .where('version_id', '=', versionId)
    .where('consumer_system_id', 'is not', null)
    .groupBy(['consumer_system_id', 'consumer_org_code', 'environment']);
  const since = sinceIso ?? version.deprecatedAt;
  if (since) q = q.where('request_in_at', '>=', new Date(since));
  return q;
}

function toConsumer(r: {
  consumer_system_id: string | null;
  consumer_org_code: string | null;
  environment: string | null;
  calls: number | string;
  last_call_at: Date | string;
}): VersionConsumer {
  return {
    systemId: r.consumer_system_id!,
    organizationCode: r.consumer_org_code,
    environment: r.environment,
    calls: Number(r.calls),
    lastCallAt: isoOrNull(r.last_call_at)!,
  };
}

function toNotice(r: Selectable<Database['notices']>): Notice {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    body: r.body,
    serviceId: r.service_id,
    versionId: r.version_id,
    startsAt: isoOrNull(r.starts_at),
    endsAt: isoOrNull(r.ends_at),
    publishedAt: isoOrNull(r.published_at)!,
    cancelledBy:
      r.cancelled_at !== null && r.cancellation_notice_id !== null
        ? { id: r.cancellation_notice_id, at: isoOrNull(r.cancelled_at)! }
        : null,
    cancelsNoticeId: r.cancels_notice_id,
  };
}

export async function getNotice(ctx: LifecycleContext, id: string): Promise<Notice> {
  const row = await ctx.store.db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError('CP_NOTICE_NOT_FOUND', id);
  return toNotice(row);
}

/**
 * How many notices the Atom feed carries: the newest ones (docs/api-lists.md). A feed reader keeps what it has
 * already read, so older notices are not lost to it; people page through all of them with `pageNotices`.
 */
export const NOTICE_FEED_ENTRIES = 100;

/** The newest `limit` notices, newest first (the Atom feed; the platform's own checks). */
export async function listNotices(ctx: LifecycleContext, limit = NOTICE_FEED_ENTRIES): Promise<Notice[]> {
  const rows = await ctx.store.db
    .selectFrom('notices')
    .selectAll()
    .orderBy('published_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toNotice);
}

/** One page of notices (issue 11), newest first by default, searched by title and body. */
export async function pageNotices(ctx: LifecycleContext, query: NoticeQuery): Promise<PageOf<Notice>> {
  let q = ctx.store.db.selectFrom('notices').selectAll();
  if (query.kind) q = q.where('kind', '=', query.kind);
  if (query.serviceId) q = q.where('service_id', '=', query.serviceId);
  const search = query.q;
  if (search) q = q.where((eb) => matchesAny(eb, ['title', 'body'], search));
  const order = ordering(
    query.sort,
    '-publishedAt',
    { publishedAt: byColumn('published_at'), startsAt: byColumn('starts_at') },
    'id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toNotice), total };
}

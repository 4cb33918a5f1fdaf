import { type Selectable, sql } from 'kysely';
import type { Notice } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { isoOrNull } from '../../core/time.ts';
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
  const rows = await q.orderBy('calls', 'desc').execute();
  return rows.map((r) => ({
    systemId: r.consumer_system_id!,
    organizationCode: r.consumer_org_code,
    environment: r.environment,
    calls: Number(r.calls),
    lastCallAt: isoOrNull(r.last_call_at)!,
  }));
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
  };
}

export async function getNotice(ctx: LifecycleContext, id: string): Promise<Notice> {
  const row = await ctx.store.db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError('CP_NOTICE_NOT_FOUND', id);
  return toNotice(row);
}

export async function listNotices(ctx: LifecycleContext): Promise<Notice[]> {
  const rows = await ctx.store.db
    .selectFrom('notices')
    .selectAll()
    .orderBy('published_at', 'desc')
    .limit(500)
    .execute();
  return rows.map(toNotice);
}

import { sql } from 'kysely';
import type { Dashboard, DashboardBucket } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import { deadlineOf, type WorkingCalendar, workingDaysBetween } from '../core/working-days.ts';
import type { Store } from '../store/port.ts';
import { errorsSql, refusedSql } from '../telemetry/rollups.ts';
import { statistics } from './statistics.ts';

/**
 * The operator console's dashboard (issue 11): what a provincial operator watches, in one read. Traffic and error
 * rate over time and the top services and consumers come from the statistics (hourly and daily rollups, plus the
 * raw records of the hours not rolled up yet — reports/statistics.ts); minute steps, for short periods, from the
 * raw records. Then the open alerts, the async backlog, and the requests waiting for the operator with their age
 * against the deadline of Decree 194/2025 (2 working days, `workflow.responseDeadlineWorkingDays`).
 *
 * An agency user gets the same answer for its own organization: calls where it is the consumer or the provider,
 * alerts addressed to it, messages from or to its systems, its own requests.
 */

export interface DashboardInput {
  /** ISO times; default: the 24 hours before now. */
  from?: string;
  to?: string;
  bucket?: DashboardBucket;
  /** An agency user's organization: its id (alerts, requests) and official code (records). */
  scope?: { organizationId: string; organizationCode: string };
}

export interface DashboardSettings extends WorkingCalendar {
  responseDeadlineWorkingDays: number;
  /** `messaging.engine`: the embedded queue's messages are in the store; NATS keeps its own. */
  messagingEngine: string;
  /** How many messages wait, for an engine whose messages are not in the store. */
  pendingMessages?: () => Promise<number>;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MAX_PERIOD_MS = 366 * DAY_MS;
const MAX_POINTS = 1500;
/** Vietnam's offset for day steps, as the statistics' days. */
const LOCAL_OFFSET_HOURS = 7;
const TOP = 10;
const LATEST_ALERTS = 5;
const REVIEW_ITEMS = 50;

/** `/token` requests are their own kind of record (issue 11 item 6): the dashboard's traffic is service calls. */
const SERVICE_CALLS_ONLY = sql`kind = 'service_call'`;
/** The platform's own try-it client is no customer (docs/sandbox.md): left out here as in the statistics. */
const CUSTOMERS_ONLY = sql`(consumer_system_id IS NULL OR consumer_system_id NOT IN (SELECT system_id FROM platform_test_client))`;

function invalid(detail: string): LgspError {
  return new LgspError('RP_DASHBOARD_INVALID', detail);
}

/** The step for a period: minutes up to 3 hours, hours up to 7 days, else days. */
export function defaultBucket(periodMs: number): DashboardBucket {
  if (periodMs <= 3 * HOUR_MS) return 'minute';
  if (periodMs <= 7 * DAY_MS) return 'hour';
  return 'day';
}

/** The start of the step holding `ms`; days are Vietnam's calendar days. */
function stepStart(ms: number, bucket: DashboardBucket): number {
  if (bucket === 'minute') return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
  if (bucket === 'hour') return Math.floor(ms / HOUR_MS) * HOUR_MS;
  const offset = LOCAL_OFFSET_HOURS * HOUR_MS;
  return Math.floor((ms + offset) / DAY_MS) * DAY_MS - offset;
}

const stepMs = (bucket: DashboardBucket) =>
  bucket === 'minute' ? MINUTE_MS : bucket === 'hour' ? HOUR_MS : DAY_MS;

/**
 * The error rate over the calls passed on to the provider, as the statistics' success rate: errors / (calls −
 * refused) — a call the gateway refused itself (no subscription, bad token, quota…) is no failure of the service.
 */
const rate = (calls: number, refused: number, errors: number) =>
  calls - refused > 0 ? Math.round((errors / (calls - refused)) * 10_000) / 10_000 : null;

export async function dashboard(
  store: Store,
  settings: DashboardSettings,
  input: DashboardInput,
  nowMs: number,
): Promise<Dashboard> {
  const toMs = input.to !== undefined ? Date.parse(input.to) : nowMs;
  const fromMs = input.from !== undefined ? Date.parse(input.from) : toMs - DAY_MS;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) {
    throw invalid('from, to: cần from < to / from must be before to');
  }
  if (toMs - fromMs > MAX_PERIOD_MS) throw invalid('from, to: tối đa 366 ngày / at most 366 days');
  const bucket = input.bucket ?? defaultBucket(toMs - fromMs);
  const first = stepStart(fromMs, bucket);
  const steps = Math.ceil((toMs - first) / stepMs(bucket));
  if (steps > MAX_POINTS) {
    throw invalid(
      `bucket ${bucket}: ${steps} điểm, tối đa ${MAX_POINTS} / ${steps} points, at most ${MAX_POINTS}`,
    );
  }
  // The parts read independently: on PostgreSQL each takes its own pooled connection, so a year's dashboard costs
  // its slowest statistics query rather than their sum (100 M records: bench/reports.ts, docs/reports.md).
  const [points, tops, alerts, waiting, reviewing] = await Promise.all([
    traffic(store, input.scope?.organizationCode, bucket, first, steps, toMs),
    topLists(store, input.scope?.organizationCode, fromMs, toMs),
    openAlerts(store, input.scope?.organizationId),
    backlog(store, settings, input.scope?.organizationId, nowMs),
    reviews(store, settings, input.scope?.organizationId, nowMs),
  ]);
  const calls = points.reduce((n, p) => n + p.calls, 0);
  const refused = points.reduce((n, p) => n + p.refused, 0);
  const errors = points.reduce((n, p) => n + p.errors, 0);
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    bucket,
    generatedAt: new Date(nowMs).toISOString(),
    scope: { organizationCode: input.scope?.organizationCode ?? null },
    traffic: { points, calls, refused, errors, errorRate: rate(calls, refused, errors) },
    ...tops,
    alerts,
    backlog: waiting,
    reviews: reviewing,
  };
}

type Point = Dashboard['traffic']['points'][number];

/** Calls, refusals and errors per step, every step present; counted as the statistics count them (rollups.ts). */
async function traffic(
  store: Store,
  organizationCode: string | undefined,
  bucket: DashboardBucket,
  first: number,
  steps: number,
  toMs: number,
): Promise<Point[]> {
  const counts = new Map<number, { calls: number; refused: number; errors: number }>();
  if (bucket === 'minute') {
    const { rows } = await sql<{
      minute: string | number;
      calls: string | number;
      refused: string | number;
      errors: string | number;
    }>`
      SELECT floor(extract(epoch FROM request_in_at) / 60) AS minute, count(*) AS calls,
        count(*) FILTER (WHERE ${refusedSql()}) AS refused, count(*) FILTER (WHERE ${errorsSql()}) AS errors
      FROM transactions
      WHERE request_in_at >= ${new Date(first).toISOString()}::timestamptz
        AND request_in_at < ${new Date(toMs).toISOString()}::timestamptz AND ${SERVICE_CALLS_ONLY}
        AND ${CUSTOMERS_ONLY}
        ${organizationCode !== undefined ? sql`AND (consumer_org_code = ${organizationCode} OR provider_org_code = ${organizationCode})` : sql``}
      GROUP BY 1`.execute(store.db);
    for (const r of rows) {
      counts.set(Number(r.minute) * MINUTE_MS, {
        calls: Number(r.calls),
        refused: Number(r.refused),
        errors: Number(r.errors),
      });
    }
  } else {
    const step: 'hour' | 'day' = bucket;
    const s = await statistics(store, {
      from: new Date(first).toISOString(),
      to: new Date(toMs).toISOString(),
      groupBy: [step],
      utcOffsetHours: LOCAL_OFFSET_HOURS,
      ...(organizationCode !== undefined ? { scopeOrganizationCode: organizationCode } : {}),
    });
    // The statistics name hours and days in Vietnam time: `2026-12-03T14:00`, `2026-12-03`.
    const suffix = step === 'hour' ? ':00+07:00' : 'T00:00:00+07:00';
    for (const row of s.rows) {
      counts.set(Date.parse(`${row.key[step]}${suffix}`), {
        calls: row.calls,
        refused: row.refused,
        errors: row.errors,
      });
    }
  }
  return Array.from({ length: steps }, (_, i) => {
    const at = first + i * stepMs(bucket);
    const c = counts.get(at) ?? { calls: 0, refused: 0, errors: 0 };
    return {
      at: new Date(at).toISOString(),
      calls: c.calls,
      refused: c.refused,
      errors: c.errors,
      errorRate: rate(c.calls, c.refused, c.errors),
    };
  });
}

/** The busiest services and consumer systems of the period (whole hours); the statistics leave the try-it client out. */
async function topLists(
  store: Store,
  organizationCode: string | undefined,
  fromMs: number,
  toMs: number,
): Promise<Pick<Dashboard, 'topServices' | 'topConsumers'>> {
  const period = {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    ...(organizationCode !== undefined ? { scopeOrganizationCode: organizationCode } : {}),
  };
  // Calls to a service only: grouped with the service, records without one (a `/token` request, a path no
  // service matched) are left out — until the statistics leave token requests out themselves (issue 11 item 6).
  const top = async (dimension: 'service' | 'consumerSystem') => {
    const s = await statistics(store, {
      ...period,
      groupBy: dimension === 'service' ? ['service'] : [dimension, 'service'],
    });
    const totals = new Map<
      string,
      { id: string; label: string; calls: number; refused: number; errors: number }
    >();
    for (const r of s.rows) {
      const id = r.key[dimension]!;
      if (!id || !r.key.service) continue;
      const entry = totals.get(id) ?? { id, label: r.label[dimension]!, calls: 0, refused: 0, errors: 0 };
      entry.calls += r.calls;
      entry.refused += r.refused;
      entry.errors += r.errors;
      totals.set(id, entry);
    }
    return [...totals.values()].sort((a, b) => b.calls - a.calls || b.errors - a.errors).slice(0, TOP);
  };
  // A consumer system is read by its name and its organization's (the statistics' label adds the id, for files).
  const [consumers, topServices] = await Promise.all([top('consumerSystem'), top('service')]);
  const ids = consumers.map((c) => c.id);
  const names =
    ids.length === 0
      ? []
      : await store.db
          .selectFrom('systems')
          .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
          .select(['systems.id', 'systems.name', 'organizations.name as organizationName'])
          .where('systems.id', 'in', ids)
          .execute();
  const nameOf = new Map(names.map((n) => [n.id, `${n.name} — ${n.organizationName}`]));
  return {
    topServices,
    topConsumers: consumers.map((c) => ({ ...c, label: nameOf.get(c.id) ?? c.label })),
  };
}

async function openAlerts(store: Store, organizationId: string | undefined): Promise<Dashboard['alerts']> {
  let q = store.db.selectFrom('alerts').where('state', '=', 'open');
  if (organizationId !== undefined) q = q.where(sql<boolean>`${organizationId} = ANY(organization_ids)`);
  const bySeverity = await q
    .select(['severity', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('severity')
    .execute();
  const open = { info: 0, warning: 0, critical: 0, total: 0 };
  for (const r of bySeverity) {
    open[r.severity] = Number(r.n);
    open.total += Number(r.n);
  }
  const latest = await q
    .select(['id', 'kind', 'severity', 'subject', 'occurrences', 'opened_at', 'last_seen_at'])
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(LATEST_ALERTS)
    .execute();
  return {
    open,
    latest: latest.map((a) => ({
      id: a.id,
      kind: a.kind,
      severity: a.severity,
      subject: a.subject,
      occurrences: a.occurrences,
      openedAt: new Date(a.opened_at).toISOString(),
      lastSeenAt: new Date(a.last_seen_at).toISOString(),
    })),
  };
}

/**
 * Messages accepted and not yet delivered, per destination version and environment, with the oldest one's age.
 * The embedded queue's are in the store; NATS keeps its own, so only its total is known here (operators).
 */
async function backlog(
  store: Store,
  settings: DashboardSettings,
  organizationId: string | undefined,
  nowMs: number,
): Promise<Dashboard['backlog']> {
  if (settings.messagingEngine !== 'embedded') {
    const waiting =
      organizationId === undefined && settings.pendingMessages ? await settings.pendingMessages() : 0;
    return {
      engine: settings.messagingEngine,
      waiting,
      oldestAcceptedAt: null,
      oldestAgeSeconds: null,
      queues: [],
    };
  }
  const { rows } = await sql<{
    version_id: string;
    label: string;
    environment: string;
    waiting: string | number;
    oldest: Date | string;
  }>`SELECT m.destination_version_id AS version_id, s.context || '/' || v.version AS label, m.environment,
      count(*) AS waiting, min(m.accepted_at) AS oldest
    FROM messages m
    JOIN service_versions v ON v.id = m.destination_version_id
    JOIN services s ON s.id = v.service_id
    JOIN systems ps ON ps.id = s.provider_system_id
    LEFT JOIN systems ss ON ss.id = m.source_system_id
    WHERE m.state IN ('accepted', 'delivering')
      ${organizationId !== undefined ? sql`AND (ps.organization_id = ${organizationId} OR ss.organization_id = ${organizationId})` : sql``}
    GROUP BY 1, 2, 3
    ORDER BY min(m.accepted_at)`.execute(store.db);
  const ageSeconds = (at: number) => Math.max(0, Math.floor((nowMs - at) / 1000));
  const queues = rows.map((r) => {
    const oldestMs = new Date(r.oldest).getTime();
    return {
      versionId: r.version_id,
      label: r.label,
      environment: r.environment,
      waiting: Number(r.waiting),
      oldestAcceptedAt: new Date(oldestMs).toISOString(),
      oldestAgeSeconds: ageSeconds(oldestMs),
    };
  });
  const oldest = queues[0] ?? null;
  return {
    engine: 'embedded',
    waiting: queues.reduce((n, q) => n + q.waiting, 0),
    oldestAcceptedAt: oldest?.oldestAcceptedAt ?? null,
    oldestAgeSeconds: oldest?.oldestAgeSeconds ?? null,
    queues,
  };
}

type ReviewItem = Dashboard['reviews']['items'][number];
type Waiting = Omit<ReviewItem, 'age' | 'since'> & { sinceMs: number; organizationId: string };

/**
 * Everything waiting for the operator, each with its age against the deadline: connection requests submitted,
 * service versions submitted or in sandbox test, subscription requests in a waiting stage, version changes under
 * review or test. The clock starts when the request reached its current waiting stage (for a version: when it
 * was submitted).
 */
async function reviews(
  store: Store,
  settings: DashboardSettings,
  organizationId: string | undefined,
  nowMs: number,
): Promise<Dashboard['reviews']> {
  const db = store.db;
  const ms = (d: Date | string | null) => (d === null ? nowMs : new Date(d).getTime());
  const waiting: Waiting[] = [];
  const connection = await db
    .selectFrom('connection_requests as r')
    .innerJoin('organizations as o', 'o.id', 'r.organization_id')
    .select(['r.id', 'r.system_name', 'r.submitted_at', 'o.id as org_id', 'o.name as org_name'])
    .where('r.status', '=', 'submitted')
    .execute();
  for (const r of connection) {
    waiting.push({
      kind: 'connectionRequest',
      id: r.id,
      title: r.system_name,
      organizationId: r.org_id,
      organizationName: r.org_name,
      sinceMs: ms(r.submitted_at),
    });
  }
  const versions = await db
    .selectFrom('service_versions as v')
    .innerJoin('services as s', 's.id', 'v.service_id')
    .innerJoin('systems as ps', 'ps.id', 's.provider_system_id')
    .innerJoin('organizations as o', 'o.id', 'ps.organization_id')
    .select(['v.id', 'v.version', 'v.submitted_at', 'v.updated_at', 's.context', 's.name', 'o.id as org_id'])
    .select('o.name as org_name')
    .where('v.status', 'in', ['submitted', 'sandbox_test'])
    .execute();
  for (const v of versions) {
    waiting.push({
      kind: 'serviceSubmission',
      id: v.id,
      title: `${v.context}/${v.version} — ${v.name}`,
      organizationId: v.org_id,
      organizationName: v.org_name,
      sinceMs: ms(v.submitted_at ?? v.updated_at),
    });
  }
  const subscriptions = await db
    .selectFrom('subscription_requests as r')
    .innerJoin('systems as cs', 'cs.id', 'r.system_id')
    .innerJoin('organizations as o', 'o.id', 'cs.organization_id')
    .innerJoin('service_versions as v', 'v.id', 'r.version_id')
    .innerJoin('services as s', 's.id', 'v.service_id')
    .select(['r.id', 'r.stage_started_at', 'cs.name as system_name', 'o.id as org_id', 'o.name as org_name'])
    .select(['s.context', 'v.version'])
    .where('r.status', 'in', ['submitted', 'production_requested'])
    .execute();
  for (const r of subscriptions) {
    waiting.push({
      kind: 'subscriptionRequest',
      id: r.id,
      title: `${r.context}/${r.version} ← ${r.system_name}`,
      organizationId: r.org_id,
      organizationName: r.org_name,
      sinceMs: ms(r.stage_started_at),
    });
  }
  const changes = await db
    .selectFrom('version_change_requests as c')
    .innerJoin('service_versions as v', 'v.id', 'c.version_id')
    .innerJoin('services as s', 's.id', 'v.service_id')
    .innerJoin('systems as ps', 'ps.id', 's.provider_system_id')
    .innerJoin('organizations as o', 'o.id', 'ps.organization_id')
    .select(['c.id', 'c.stage_started_at', 's.context', 'v.version', 'o.id as org_id', 'o.name as org_name'])
    .where('c.status', 'in', ['submitted', 'sandbox_test'])
    .execute();
  for (const c of changes) {
    waiting.push({
      kind: 'versionChange',
      id: c.id,
      title: `${c.context}/${c.version}`,
      organizationId: c.org_id,
      organizationName: c.org_name,
      sinceMs: ms(c.stage_started_at),
    });
  }

  const visible = waiting
    .filter((w) => organizationId === undefined || w.organizationId === organizationId)
    .sort((a, b) => a.sinceMs - b.sinceMs);
  const items: ReviewItem[] = visible.map(({ sinceMs, organizationId: _, ...w }) => {
    const deadlineMs = deadlineOf(sinceMs, settings.responseDeadlineWorkingDays, settings);
    return {
      ...w,
      since: new Date(sinceMs).toISOString(),
      age: {
        workingDays: Math.round(workingDaysBetween(sinceMs, nowMs, settings) * 100) / 100,
        deadlineAt: new Date(deadlineMs).toISOString(),
        overdue: nowMs > deadlineMs,
      },
    };
  });
  const byKind: Dashboard['reviews']['byKind'] = {
    connectionRequest: { waiting: 0, overdue: 0 },
    serviceSubmission: { waiting: 0, overdue: 0 },
    subscriptionRequest: { waiting: 0, overdue: 0 },
    versionChange: { waiting: 0, overdue: 0 },
  };
  for (const item of items) {
    const k = byKind[item.kind]!;
    k.waiting++;
    if (item.age.overdue) k.overdue++;
  }
  return {
    waiting: items.length,
    overdue: items.filter((i) => i.age.overdue).length,
    byKind,
    items: items.slice(0, REVIEW_ITEMS),
  };
}

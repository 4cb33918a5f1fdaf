import { type Kysely, sql } from 'kysely';
import type { Store } from '../store/port.ts';

/**
 * Hourly rollups of the transaction records (issue 5, R-07 reports; migration 0011_retention.sql).
 *
 * One row per closed UTC hour and key (consumer, provider, service, version, environment, leg, status class, kind —
 * `service_call` or `token_request`, migration 0021):
 * count, errors, bytes both ways, duration sum and max, and a LATENCY HISTOGRAM over fixed buckets rather than
 * percentiles. Percentiles of an hour cannot be combined into the percentiles of a day or a month (the p95 of a
 * month is not any mix of the hourly p95s); bucket counts simply add up, so a report over any period and any group
 * sums the arrays of its rows and reads its percentiles from the sum — exact to within one bucket. The rollups are
 * kept when the raw monthly partitions are archived and dropped (retention.ts), so reports over old periods work.
 *
 * `refused` counts the calls the gateway answered itself without ever reaching the provider (`refusedSql`: an error
 * code and no request sent on — no subscription, unknown resource, bad token, quota…); `errors` counts the other
 * records with an error code or a 5xx status: failures of the exchange itself (the provider's 5xx, the gateway unable
 * to reach or hear it in time, a mapping failure…). The two never overlap; `count` is every record (migration 0038,
 * docs/reports.md).
 */

/**
 * Error codes that name a failure of the exchange even on a record whose request was never sent on: the provider
 * (or the peer platform, or a composite's backends) could not be reached or used — `GW_UPSTREAM_*` (a message
 * deliverer that could not open the payload or get a peer's token), `GW_EGRESS_DENIED`, `GW_FED_PEER_UNAVAILABLE`
 * (no token from the peer), `GW_COMPOSITE_INCOMPLETE` (no backend answered) — or the gateway itself failed
 * (`GW_INTERNAL`). They count as errors, never as refusals. Migration 0038 repeats this list in its backfill.
 */
export const EXCHANGE_FAILURE_CODES: readonly string[] = [
  'GW_EGRESS_DENIED',
  'GW_FED_PEER_UNAVAILABLE',
  'GW_COMPOSITE_INCOMPLETE',
  'GW_INTERNAL',
];

/**
 * The SQL test, over a `transactions` row (unqualified columns), of a call the gateway REFUSED (R-07, R-23): it
 * carries an error code, the request was never sent on (`request_out_at IS NULL` — every path that hands a call to
 * a provider, a peer, a composite's backends, the message queue or a built-in answer stamps it just before), and
 * the code is not one of the exchange's own failures (`GW_UPSTREAM_*`, EXCHANGE_FAILURE_CODES). A sandbox mock's
 * answer has no error code: it is a success, not a refusal.
 */
export function refusedSql() {
  return sql.raw(
    `(error_code IS NOT NULL AND request_out_at IS NULL AND left(error_code, 12) <> 'GW_UPSTREAM_' ` +
      `AND error_code NOT IN (${EXCHANGE_FAILURE_CODES.map((c) => `'${c}'`).join(', ')}))`,
  );
}

/** The SQL test of an ERROR (a failure of the exchange): an error code or a 5xx, on a call that was not refused. */
export function errorsSql() {
  return sql`((error_code IS NOT NULL OR consumer_status >= 500) AND NOT ${refusedSql()})`;
}

/** Upper bounds (inclusive, ms) of the latency buckets; one more, open-ended bucket follows the last. */
export const LATENCY_BUCKETS_MS: readonly number[] = [
  5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 15000, 20000,
  30000,
];

/** Index of the bucket a duration falls into (LATENCY_BUCKETS_MS.length for the open-ended one). */
export function latencyBucket(durationMs: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((b) => durationMs <= b);
  return i === -1 ? LATENCY_BUCKETS_MS.length : i;
}

/**
 * The bucket thresholds for SQL: `width_bucket(duration_ms, <this>)` is the 0-based index `latencyBucket` gives
 * (width_bucket over bound+1 counts the bounds strictly below the duration). Shared with src/reports/statistics.ts.
 */
export function latencyThresholdsSql() {
  return sql.raw(`ARRAY[${LATENCY_BUCKETS_MS.map((b) => b + 1).join(',')}]::int[]`);
}

/** A watermark name in job_watermarks: the first hour not rolled up yet. */
export const ROLLUP_WATERMARK = 'transaction_rollups';

const HOUR_MS = 3_600_000;
/** An hour is closed this long after its end: a call that began in it may take 30 s, then wait for a flush. */
export const ROLLUP_GRACE_MS = 5 * 60_000;
/** Hours per transaction of the job, so a first run over months of records stays in small steps. */
const HOURS_PER_STEP = 24;

type Db = Kysely<unknown>;

export const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

async function readWatermark(db: Db): Promise<number | null> {
  const { rows } = await sql<{
    value: Date | string;
  }>`SELECT value FROM job_watermarks WHERE name = ${ROLLUP_WATERMARK}`.execute(db);
  return rows[0] ? new Date(rows[0].value).getTime() : null;
}

async function writeWatermark(db: Db, valueMs: number, nowMs: number): Promise<void> {
  await sql`INSERT INTO job_watermarks (name, value, updated_at)
    VALUES (${ROLLUP_WATERMARK}, ${new Date(valueMs).toISOString()}::timestamptz, ${new Date(nowMs).toISOString()}::timestamptz)
    ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`.execute(db);
}

/** The first hour every earlier hour of which has been rolled up (null: nothing to roll up yet). */
export async function rollupWatermark(store: Store): Promise<number | null> {
  return readWatermark(store.db as unknown as Db);
}

interface GroupRow {
  hour: Date | string;
  consumer_system_id: string;
  provider_system_id: string;
  service_id: string;
  version_id: string;
  environment: string;
  leg: string;
  status_class: string;
  kind: string;
  bucket: number;
  count: string | number;
  errors: string | number;
  refused: string | number;
  request_bytes: string | number;
  response_bytes: string | number;
  duration_sum: string | number;
  duration_max: number;
}

/**
 * (Re)computes the rollups of the hours in [fromMs, toMs) from the raw records, in one transaction: the rows of
 * those hours are replaced, so running it twice gives the same result (idempotent), and a key that no longer has
 * records disappears. Returns the number of rollup rows written.
 */
export async function recomputeRollups(
  store: Store,
  fromMs: number,
  toMs: number,
  nowMs = Date.now(),
): Promise<number> {
  const from = new Date(floorHour(fromMs)).toISOString();
  const to = new Date(floorHour(toMs)).toISOString();
  if (from >= to) return 0;
  const thresholds = latencyThresholdsSql();
  return store.db.transaction().execute(async (trx) => {
    const db = trx as unknown as Db;
    // Nodes sharing a PostgreSQL take turns: each replaces the same hours with the same rows.
    await sql`SELECT pg_advisory_xact_lock(5207300012)`.execute(db);
    // width_bucket over bound+1 counts the bounds strictly below the duration: the bucket whose bound is ≥ it.
    const { rows } =
      await sql<GroupRow>`SELECT date_trunc('hour', request_in_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
        coalesce(consumer_system_id, '') AS consumer_system_id, coalesce(provider_system_id, '') AS provider_system_id,
        coalesce(service_id, '') AS service_id, coalesce(version_id, '') AS version_id,
        coalesce(environment, '') AS environment, leg, (consumer_status / 100)::text || 'xx' AS status_class,
        kind, width_bucket(duration_ms, ${thresholds}) AS bucket,
        count(*) AS count,
        count(*) FILTER (WHERE ${errorsSql()}) AS errors, count(*) FILTER (WHERE ${refusedSql()}) AS refused,
        sum(request_bytes) AS request_bytes, sum(response_bytes) AS response_bytes,
        sum(duration_ms) AS duration_sum, max(duration_ms) AS duration_max
      FROM transactions
      WHERE request_in_at >= ${from}::timestamptz AND request_in_at < ${to}::timestamptz
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`.execute(db);
    const groups = new Map<string, Record<string, unknown> & { buckets: number[] }>();
    for (const r of rows) {
      const hour = new Date(r.hour).toISOString();
      const key = JSON.stringify([
        hour,
        r.consumer_system_id,
        r.provider_system_id,
        r.service_id,
        r.version_id,
        r.environment,
        r.leg,
        r.status_class,
        r.kind,
      ]);
      let g = groups.get(key);
      if (!g) {
        g = {
          hour,
          consumer_system_id: r.consumer_system_id,
          provider_system_id: r.provider_system_id,
          service_id: r.service_id,
          version_id: r.version_id,
          environment: r.environment,
          leg: r.leg,
          status_class: r.status_class,
          kind: r.kind,
          count: 0,
          errors: 0,
          refused: 0,
          request_bytes: 0,
          response_bytes: 0,
          duration_ms_sum: 0,
          duration_ms_max: 0,
          buckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
        };
        groups.set(key, g);
      }
      g['count'] = (g['count'] as number) + Number(r.count);
      g['errors'] = (g['errors'] as number) + Number(r.errors);
      g['refused'] = (g['refused'] as number) + Number(r.refused);
      g['request_bytes'] = (g['request_bytes'] as number) + Number(r.request_bytes);
      g['response_bytes'] = (g['response_bytes'] as number) + Number(r.response_bytes);
      g['duration_ms_sum'] = (g['duration_ms_sum'] as number) + Number(r.duration_sum);
      g['duration_ms_max'] = Math.max(g['duration_ms_max'] as number, Number(r.duration_max));
      g.buckets[Number(r.bucket)]! += Number(r.count);
    }
    await sql`DELETE FROM transaction_rollups WHERE hour >= ${from}::timestamptz AND hour < ${to}::timestamptz`.execute(
      db,
    );
    const all = [...groups.values()].map(({ buckets, ...g }) => ({
      ...g,
      latency_buckets: `{${buckets.join(',')}}`,
    }));
    const computedAt = new Date(nowMs).toISOString();
    for (let i = 0; i < all.length; i += 1000) {
      const json = JSON.stringify(all.slice(i, i + 1000));
      await sql`INSERT INTO transaction_rollups (hour, consumer_system_id, provider_system_id, service_id, version_id,
          environment, leg, status_class, kind, count, errors, refused, request_bytes, response_bytes, duration_ms_sum,
          duration_ms_max, latency_buckets, computed_at)
        SELECT r.hour, r.consumer_system_id, r.provider_system_id, r.service_id, r.version_id, r.environment, r.leg,
          r.status_class, r.kind, r.count, r.errors, r.refused, r.request_bytes, r.response_bytes, r.duration_ms_sum,
          r.duration_ms_max, r.latency_buckets::bigint[], ${computedAt}::timestamptz
        FROM jsonb_to_recordset(${json}::jsonb) AS r(hour timestamptz, consumer_system_id text,
          provider_system_id text, service_id text, version_id text, environment text, leg text, status_class text,
          kind text, count bigint, errors bigint, refused bigint, request_bytes bigint, response_bytes bigint, duration_ms_sum bigint,
          duration_ms_max integer, latency_buckets text)`.execute(db);
    }
    await rebuildDailyRollups(db, floorHour(fromMs), floorHour(toMs), nowMs);
    return all.length;
  });
}

/** Daily rollups are calendar days in Vietnam time (UTC+7, no daylight saving): migration 0013. */
export const DAILY_ROLLUP_OFFSET_HOURS = 7;
const DAY_MS = 24 * HOUR_MS;

/** The start (UTC ms) of the UTC+7 calendar day holding `ms`. */
export function dailyRollupDayStart(ms: number): number {
  const offset = DAILY_ROLLUP_OFFSET_HOURS * HOUR_MS;
  return Math.floor((ms + offset) / DAY_MS) * DAY_MS - offset;
}

/** The UTC+7 calendar day holding `ms`, `YYYY-MM-DD`: the `day` of the daily rollups, a Vietnam day's key. */
export function dailyRollupDay(ms: number): string {
  return new Date(ms + DAILY_ROLLUP_OFFSET_HOURS * HOUR_MS).toISOString().slice(0, 10);
}

/**
 * Rebuilds `transaction_rollups_daily` for the UTC+7 days overlapping the hours [fromMs, toMs) from the hourly
 * rows (the same statement as migration 0013's backfill): a day is the sum of its hours as they are now, so
 * recomputing any hour keeps its day right. Runs inside the caller's transaction.
 */
export async function rebuildDailyRollups(
  db: Db,
  fromMs: number,
  toMs: number,
  nowMs: number,
): Promise<void> {
  const d0 = dailyRollupDayStart(fromMs);
  const d1 = dailyRollupDayStart(toMs - 1) + DAY_MS;
  const h0 = new Date(d0).toISOString();
  const h1 = new Date(d1).toISOString();
  await sql`DELETE FROM transaction_rollups_daily
    WHERE day >= ${dailyRollupDay(d0)}::date AND day < ${dailyRollupDay(d1)}::date`.execute(db);
  await sql`INSERT INTO transaction_rollups_daily (day, consumer_system_id, provider_system_id, service_id,
      version_id, environment, leg, status_class, kind, count, errors, refused, request_bytes, response_bytes,
      duration_ms_sum, duration_ms_max, latency_buckets, computed_at)
    WITH h AS (
      SELECT ((hour AT TIME ZONE 'UTC') + interval '7 hours')::date AS day, * FROM transaction_rollups
      WHERE hour >= ${h0}::timestamptz AND hour < ${h1}::timestamptz
    ), totals AS (
      SELECT day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
        kind, sum(count) AS count, sum(errors) AS errors, sum(refused) AS refused, sum(request_bytes) AS request_bytes,
        sum(response_bytes) AS response_bytes, sum(duration_ms_sum) AS duration_ms_sum,
        max(duration_ms_max) AS duration_ms_max
      FROM h GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ), buckets AS (
      SELECT day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
        kind, array_agg(n ORDER BY i)::bigint[] AS latency_buckets
      FROM (SELECT day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg,
          status_class, kind, u.i, sum(u.b) AS n
        FROM h, unnest(h.latency_buckets) WITH ORDINALITY AS u(b, i)
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10) AS per_bucket
      GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    )
    SELECT t.*, b.latency_buckets, ${new Date(nowMs).toISOString()}::timestamptz
    FROM totals t JOIN buckets b
      USING (day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
        kind)`.execute(db);
}

export interface RollupRunResult {
  /** Hours rolled up by this run, [from, to). */
  from: string | null;
  to: string | null;
  rows: number;
}

/**
 * The periodic job: rolls up every hour closed since the watermark (an hour closes ROLLUP_GRACE_MS after its end),
 * a day at a time, moving the watermark after each step: a step repeated after a crash computes the same rows again.
 * The first run starts at the oldest record.
 */
export async function runRollups(store: Store, nowMs = Date.now()): Promise<RollupRunResult> {
  const db = store.db as unknown as Db;
  const closedUntil = floorHour(nowMs - ROLLUP_GRACE_MS);
  let start = await readWatermark(db);
  if (start === null) {
    const { rows } = await sql<{
      m: Date | string | null;
    }>`SELECT min(request_in_at) AS m FROM transactions`.execute(db);
    const m = rows[0]?.m;
    start = m ? floorHour(new Date(m).getTime()) : closedUntil;
    await writeWatermark(db, Math.min(start, closedUntil), nowMs);
  }
  const first = start;
  let rowsWritten = 0;
  while (start < closedUntil) {
    const end = Math.min(start + HOURS_PER_STEP * HOUR_MS, closedUntil);
    rowsWritten += await recomputeRollups(store, start, end, nowMs);
    await writeWatermark(db, end, nowMs);
    start = end;
  }
  return first < closedUntil
    ? { from: new Date(first).toISOString(), to: new Date(closedUntil).toISOString(), rows: rowsWritten }
    : { from: null, to: null, rows: 0 };
}

export type RollupGroup =
  | 'service'
  | 'consumer'
  | 'provider'
  | 'version'
  | 'statusClass'
  | 'environment'
  | 'day';

const GROUP_COLUMN: Record<RollupGroup, string> = {
  service: 'service_id',
  consumer: 'consumer_system_id',
  provider: 'provider_system_id',
  version: 'version_id',
  statusClass: 'status_class',
  environment: 'environment',
  day: "to_char(hour AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
};

export interface RollupReportRow {
  key: string;
  count: number;
  errors: number;
  /** Calls the gateway refused without reaching the provider (not in `errors`). */
  refused: number;
  requestBytes: number;
  responseBytes: number;
  durationMsSum: number;
  durationMsMax: number;
  /** Upper bounds of the bucket holding each percentile (the largest duration seen, in the open-ended one). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  latencyBuckets: number[];
}

/** The percentile `q` (0–1) read from a histogram: the upper bound of the bucket where it falls. */
export function percentileFromBuckets(buckets: readonly number[], q: number, maxMs: number): number {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return Math.min(LATENCY_BUCKETS_MS[i] ?? maxMs, maxMs);
  }
  return maxMs;
}

/**
 * A report from the rollups over the hours in [from, to) (ISO times, rounded down to the hour), one row per
 * value of `group` — what R-07's statistics read, for any period, also after the raw records were archived.
 */
export async function rollupReport(
  store: Store,
  options: { from: string; to: string; group: RollupGroup },
): Promise<RollupReportRow[]> {
  const column = sql.raw(GROUP_COLUMN[options.group]);
  const { rows } = await sql<{
    key: string;
    count: string;
    errors: string;
    refused: string;
    request_bytes: string;
    response_bytes: string;
    duration_ms_sum: string;
    duration_ms_max: number;
    latency_buckets: Array<string | number>;
  }>`SELECT ${column} AS key, count, errors, refused, request_bytes, response_bytes, duration_ms_sum, duration_ms_max,
      latency_buckets
    FROM transaction_rollups
    WHERE hour >= ${new Date(floorHour(Date.parse(options.from))).toISOString()}::timestamptz
      AND hour < ${new Date(floorHour(Date.parse(options.to))).toISOString()}::timestamptz`.execute(
    store.db as unknown as Db,
  );
  const out = new Map<string, RollupReportRow>();
  for (const r of rows) {
    let row = out.get(r.key);
    if (!row) {
      row = {
        key: r.key,
        count: 0,
        errors: 0,
        refused: 0,
        requestBytes: 0,
        responseBytes: 0,
        durationMsSum: 0,
        durationMsMax: 0,
        p50Ms: 0,
        p95Ms: 0,
        p99Ms: 0,
        latencyBuckets: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0),
      };
      out.set(r.key, row);
    }
    row.count += Number(r.count);
    row.errors += Number(r.errors);
    row.refused += Number(r.refused);
    row.requestBytes += Number(r.request_bytes);
    row.responseBytes += Number(r.response_bytes);
    row.durationMsSum += Number(r.duration_ms_sum);
    row.durationMsMax = Math.max(row.durationMsMax, Number(r.duration_ms_max));
    r.latency_buckets.forEach((n, i) => {
      row.latencyBuckets[i]! += Number(n);
    });
  }
  for (const row of out.values()) {
    row.p50Ms = percentileFromBuckets(row.latencyBuckets, 0.5, row.durationMsMax);
    row.p95Ms = percentileFromBuckets(row.latencyBuckets, 0.95, row.durationMsMax);
    row.p99Ms = percentileFromBuckets(row.latencyBuckets, 0.99, row.durationMsMax);
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

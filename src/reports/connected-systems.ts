import type { Static } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import type { ConnectedSystemsQuery, InformationSystem, PageOf } from '../api/contract/index.ts';
import type { Registry } from '../control/registry/index.ts';
import { type Instant, isoOrNull, msOrNull } from '../core/time.ts';
import type { Store } from '../store/port.ts';
import {
  DAILY_ROLLUP_OFFSET_HOURS,
  dailyRollupDay,
  dailyRollupDayStart,
  errorsSql,
  refusedSql,
  rollupWatermark,
} from '../telemetry/rollups.ts';
import { PROVIDER_FAILED } from '../telemetry/transactions.ts';

/**
 * Connected systems (R-07, issue 5 item 2): for each information system, when it first and last connected, when
 * it last sent and received successfully, its current state, and its daily traffic. docs/monitoring.md
 * "Hệ thống đã kết nối / Connected systems" is the user's description.
 *
 * Which records count. A record names a consumer and a provider system; async messages have one record per leg and
 * every leg names the source as consumer and the destination as provider (src/messaging/delivery.ts), as in
 * reconciliation (src/reports/reconciliation.ts).
 *  - connection (contact): a record of an exchange the system itself took part in — as consumer, anything it sent
 *    the platform (a call, even one refused, a token request, an async intake; not the delivery or ack legs of its
 *    message, which are its destination's); as provider, a call the platform forwarded to it (`request_out_at`) or
 *    an async delivery or ack leg. A call refused before it was forwarded names its provider but never reached it:
 *    it is not a contact, or a provider called only by refused requests showed first and last contact times with
 *    the state `never` or `idle` beside them. The times are `request_in_at`, when the exchange began;
 *  - successful send: as consumer, a `sync` call or an async `intake` that reached a service (provider known) and
 *    was answered 2xx/3xx with no error code — a token request alone is not a send;
 *  - successful receive: as provider, a `sync` call it answered 2xx/3xx (`provider_status`), or an async
 *    `delivery` (push or pull) or `ack` that succeeded (2xx, no error code);
 *  - state, judged at `nowMs`, first match wins:
 *    `never` — no record at all;
 *    `failing` — in the last FAILING_WINDOW_MS, as provider, ≥ FAILING_RATE of ≥ FAILING_MIN_CALLS calls forwarded
 *    to it (sync calls and async pushes) failed on its side (5xx, unreachable, timeout — the rule of the
 *    `provider.failing` alert), or, as consumer, ≥ FAILING_RATE of ≥ FAILING_MIN_CALLS of its calls were refused
 *    for its credential or token (CONSUMER_CREDENTIAL_ERRORS: revoked or expired key, bad token) — a system that
 *    cannot authenticate is as cut off as one that cannot answer. Quota, time-window and subscription refusals are
 *    policy, not failure, and do not count;
 *    `active` — a successful send or receive in the last ACTIVE_WINDOW_MS;
 *    `idle` — otherwise.
 *
 * Cost. Per system one statement of scalar sub-queries, each an `ORDER BY request_in_at LIMIT 1` (or a count over
 * the last minutes) on the (consumer_system_id, request_in_at) and (provider_system_id, request_in_at) indexes of
 * `transactions` — no scan of the log. Months already archived and dropped (retention.ts) are read from the hourly
 * rollups once for all systems, only when an archive exists: a first connection older than the raw records is then
 * known to the hour (the rollups keep no leg or forwarding, so there every record naming the system counts). The traffic history is by
 * Vietnam day, from the rollups up to their watermark and from the raw records after it (`connectionHistory`).
 */

export const FAILING_WINDOW_MS = 15 * 60_000;
export const FAILING_MIN_CALLS = 5;
export const FAILING_RATE = 0.5;
export const ACTIVE_WINDOW_MS = 24 * 3_600_000;
export const HISTORY_DEFAULT_DAYS = 30;
export const HISTORY_MAX_DAYS = 730;
/** Consumer refusals that say its credential or token does not work (src/core/errors.ts). */
export const CONSUMER_CREDENTIAL_ERRORS: readonly string[] = [
  'GW_CREDENTIAL_REVOKED',
  'GW_CREDENTIAL_EXPIRED',
  'GW_TOKEN_INVALID',
  'GW_TOKEN_EXPIRED',
  'GW_TOKEN_CLIENT_INVALID',
];

const DAY_MS = 86_400_000;

export type ConnectionState = 'active' | 'idle' | 'failing' | 'never';
export const CONNECTION_STATES: readonly ConnectionState[] = ['active', 'idle', 'failing', 'never'];

export interface SystemConnection {
  systemId: string;
  organizationId: string;
  organizationCode: string;
  name: string;
  /** The registry's status (active, suspended), not the connection state. */
  systemStatus: string;
  state: ConnectionState;
  firstConnectionAt: string | null;
  lastConnectionAt: string | null;
  lastSuccessfulSendAt: string | null;
  lastSuccessfulReceiveAt: string | null;
  /** What the `failing` rule read: the last FAILING_WINDOW_MS before `at`. */
  recent: {
    windowMinutes: number;
    asProvider: { calls: number; failures: number };
    asConsumer: { calls: number; credentialRefusals: number };
  };
  /** When the state was judged. */
  at: string;
}

export interface ConnectionHistoryDay {
  /** Vietnam (UTC+7) calendar day, YYYY-MM-DD. */
  day: string;
  asConsumer: { calls: number; errors: number };
  asProvider: { calls: number; errors: number };
}

export interface ConnectionHistory {
  days: number;
  from: string;
  to: string;
  /**
   * The rollups cover the hours before this time (null: nothing rolled up yet); the later calls were counted from
   * the raw records.
   */
  rolledUpUntil: string | null;
  items: ConnectionHistoryDay[];
}

type Db = Kysely<unknown>;
type When = Instant | null;

interface RawRow {
  c_first: When;
  p_first: When;
  c_last: When;
  p_last: When;
  last_send: When;
  last_receive: When;
  p_calls: string | number;
  p_failures: string | number;
  c_calls: string | number;
  c_refusals: string | number;
}

const credentialErrors = sql.join(CONSUMER_CREDENTIAL_ERRORS.map((c) => sql`${c}`));
/** A record the consumer took part in: all but its message's delivery and ack legs (see the module comment). */
const CONSUMER_CONTACT = sql`leg NOT IN ('delivery', 'ack')`;
/** A record the provider took part in: a call forwarded to it, or a delivery or ack leg of a message to it. */
const PROVIDER_CONTACT = sql`(request_out_at IS NOT NULL OR leg IN ('delivery', 'ack'))`;

async function rawFacts(db: Db, systemId: string, windowFrom: string): Promise<RawRow> {
  const { rows } = await sql<RawRow>`SELECT
      (SELECT request_in_at FROM transactions WHERE consumer_system_id = ${systemId} AND ${CONSUMER_CONTACT}
        ORDER BY request_in_at ASC LIMIT 1) AS c_first,
      (SELECT request_in_at FROM transactions WHERE provider_system_id = ${systemId} AND ${PROVIDER_CONTACT}
        ORDER BY request_in_at ASC LIMIT 1) AS p_first,
      (SELECT request_in_at FROM transactions WHERE consumer_system_id = ${systemId} AND ${CONSUMER_CONTACT}
        ORDER BY request_in_at DESC LIMIT 1) AS c_last,
      (SELECT request_in_at FROM transactions WHERE provider_system_id = ${systemId} AND ${PROVIDER_CONTACT}
        ORDER BY request_in_at DESC LIMIT 1) AS p_last,
      (SELECT request_in_at FROM transactions WHERE consumer_system_id = ${systemId}
        AND leg IN ('sync', 'intake') AND provider_system_id IS NOT NULL
        AND consumer_status >= 200 AND consumer_status < 400 AND error_code IS NULL
        ORDER BY request_in_at DESC LIMIT 1) AS last_send,
      (SELECT request_in_at FROM transactions WHERE provider_system_id = ${systemId}
        AND ((leg = 'sync' AND provider_status >= 200 AND provider_status < 400)
          OR (leg IN ('delivery', 'ack') AND consumer_status >= 200 AND consumer_status < 300 AND error_code IS NULL))
        ORDER BY request_in_at DESC LIMIT 1) AS last_receive,
      (SELECT count(*) FROM transactions WHERE provider_system_id = ${systemId}
        AND request_in_at >= ${windowFrom}::timestamptz
        AND leg IN ('sync', 'delivery') AND request_out_at IS NOT NULL) AS p_calls,
      (SELECT count(*) FROM transactions WHERE provider_system_id = ${systemId}
        AND request_in_at >= ${windowFrom}::timestamptz
        AND leg IN ('sync', 'delivery') AND request_out_at IS NOT NULL
        AND ${PROVIDER_FAILED}) AS p_failures,
      (SELECT count(*) FROM transactions WHERE consumer_system_id = ${systemId}
        AND request_in_at >= ${windowFrom}::timestamptz AND leg IN ('sync', 'intake')) AS c_calls,
      (SELECT count(*) FROM transactions WHERE consumer_system_id = ${systemId}
        AND request_in_at >= ${windowFrom}::timestamptz AND leg IN ('sync', 'intake')
        AND error_code IN (${credentialErrors})) AS c_refusals`.execute(db);
  return rows[0]!;
}

/**
 * First and last hour of each system in the rollups of archived months (hours before `archivedUntil`), or an
 * empty map when nothing was ever archived — then the raw records are complete and the rollups are not read.
 */
async function archivedSpans(
  db: Db,
  systemIds: readonly string[] | null,
): Promise<Map<string, { first: number; last: number }>> {
  const out = new Map<string, { first: number; last: number }>();
  const { rows: archived } = await sql<{ until: When }>`SELECT max(range_to) AS until
    FROM transaction_archives`.execute(db);
  const until = isoOrNull(archived[0]?.until ?? null);
  if (until === null) return out;
  if (systemIds !== null && systemIds.length === 0) return out;
  const only = systemIds === null ? sql`` : sql`AND s IN (${sql.join([...systemIds])})`;
  const { rows } = await sql<{
    s: string;
    first: When;
    last: When;
  }>`SELECT s, min(hour) AS first, max(hour) AS last
    FROM (SELECT consumer_system_id AS s, hour FROM transaction_rollups WHERE hour < ${until}::timestamptz
          UNION ALL
          SELECT provider_system_id AS s, hour FROM transaction_rollups WHERE hour < ${until}::timestamptz) x
    WHERE s <> '' ${only}
    GROUP BY s`.execute(db);
  for (const r of rows) out.set(r.s, { first: msOrNull(r.first)!, last: msOrNull(r.last)! });
  return out;
}

const minOf = (...xs: Array<number | null>) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.min(...v) : null;
};
const maxOf = (...xs: Array<number | null>) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? Math.max(...v) : null;
};

/** The state rule (see the module comment), exported for the tests and the docs. */
export function connectionState(c: Omit<SystemConnection, 'state'>, nowMs: number): ConnectionState {
  if (c.firstConnectionAt === null) return 'never';
  const { asProvider: p, asConsumer: k } = c.recent;
  if (p.calls >= FAILING_MIN_CALLS && p.failures >= FAILING_RATE * p.calls) return 'failing';
  if (k.calls >= FAILING_MIN_CALLS && k.credentialRefusals >= FAILING_RATE * k.calls) return 'failing';
  const lastOk = maxOf(msOrNull(c.lastSuccessfulSendAt), msOrNull(c.lastSuccessfulReceiveAt));
  return lastOk !== null && lastOk > nowMs - ACTIVE_WINDOW_MS ? 'active' : 'idle';
}

async function connectionOf(
  db: Db,
  system: InformationSystem,
  archived: Map<string, { first: number; last: number }>,
  nowMs: number,
): Promise<SystemConnection> {
  const r = await rawFacts(db, system.id, new Date(nowMs - FAILING_WINDOW_MS).toISOString());
  const old = archived.get(system.id);
  const base: Omit<SystemConnection, 'state'> = {
    systemId: system.id,
    organizationId: system.organizationId,
    organizationCode: system.organizationCode,
    name: system.name,
    systemStatus: system.status,
    firstConnectionAt: isoOrNull(minOf(msOrNull(r.c_first), msOrNull(r.p_first), old?.first ?? null)),
    lastConnectionAt: isoOrNull(maxOf(msOrNull(r.c_last), msOrNull(r.p_last), old?.last ?? null)),
    lastSuccessfulSendAt: isoOrNull(r.last_send),
    lastSuccessfulReceiveAt: isoOrNull(r.last_receive),
    recent: {
      windowMinutes: FAILING_WINDOW_MS / 60_000,
      asProvider: { calls: Number(r.p_calls), failures: Number(r.p_failures) },
      asConsumer: { calls: Number(r.c_calls), credentialRefusals: Number(r.c_refusals) },
    },
    at: new Date(nowMs).toISOString(),
  };
  return { ...base, state: connectionState(base, nowMs) };
}

/** One system's connection facts and state at `nowMs`. */
export async function systemConnection(
  store: Store,
  system: InformationSystem,
  nowMs = Date.now(),
): Promise<SystemConnection> {
  const db = store.db as unknown as Db;
  return connectionOf(db, system, await archivedSpans(db, [system.id]), nowMs);
}

/** Every system (optionally of one organization, optionally in one state), in the registry's order. */
export async function listConnectedSystems(
  store: Store,
  registry: Registry,
  options: { organizationId?: string; state?: ConnectionState; nowMs?: number } = {},
): Promise<SystemConnection[]> {
  const nowMs = options.nowMs ?? Date.now();
  const db = store.db as unknown as Db;
  const systems = await registry.listSystems(
    options.organizationId ? { organizationId: options.organizationId } : {},
  );
  const archived = await archivedSpans(db, null);
  const out: SystemConnection[] = [];
  for (const system of systems) {
    const c = await connectionOf(db, system, archived, nowMs);
    if (!options.state || c.state === options.state) out.push(c);
  }
  return out;
}

/**
 * One page of connected systems for people (issue 11): the systems are paged, searched and sorted in SQL as
 * GET /systems pages them, and the connection facts are worked out for that page's systems only. `state` is the
 * exception: it is judged from each system's recent traffic, which SQL cannot filter on, so with a `state` the
 * matching systems (the province's few hundred, not a log) are judged in the process and then paged — as
 * `overdue=true` is for requests (docs/api-lists.md).
 */
export async function pageConnectedSystems(
  store: Store,
  registry: Registry,
  query: Static<typeof ConnectedSystemsQuery>,
  nowMs = Date.now(),
): Promise<PageOf<SystemConnection>> {
  const db = store.db as unknown as Db;
  const { state, limit, offset, ...systemQuery } = query;
  const judge = async (systems: InformationSystem[]) => {
    const archived = await archivedSpans(
      db,
      systems.map((s) => s.id),
    );
    const out: SystemConnection[] = [];
    for (const system of systems) out.push(await connectionOf(db, system, archived, nowMs));
    return out;
  };
  if (!state) {
    const page = await registry.pageSystems({ ...systemQuery, limit, offset });
    return { items: await judge(page.items), total: page.total };
  }
  const all = await registry.pageSystems({ ...systemQuery, limit: ALL_SYSTEMS, offset: 0 });
  const inState = (await judge(all.items)).filter((c) => c.state === state);
  return { items: inState.slice(offset, offset + limit), total: inState.length };
}
/** More systems than a province registers: the `state` filter judges every one that matches the rest. */
const ALL_SYSTEMS = 1_000_000;

/**
 * Daily traffic of one system, the last `days` Vietnam (UTC+7, no daylight saving) calendar days up to and
 * including today — the days people read, as the statistics' (src/reports/statistics.ts): calls and errors (an
 * error code or a 5xx: the rollups' `errors` and `refused` together — a connection's history shows a consumer's
 * refused calls too, its token or credential failing) as consumer and as provider, by the record's consumer and
 * provider columns, every leg. A day without traffic is listed with zeros; a system calling its own service counts
 * on both sides. As the statistics do, the hours before the rollup watermark (`split`) come from the hourly
 * rollups and the rest — the current hour, the grace minutes, a job that is behind — from the raw records with the
 * same definitions, in one statement: a call made a moment ago is in today's row.
 */
export async function connectionHistory(
  store: Store,
  systemId: string,
  options: { days?: number; nowMs?: number } = {},
): Promise<ConnectionHistory> {
  const nowMs = options.nowMs ?? Date.now();
  const days = Math.min(Math.max(Math.trunc(options.days ?? HISTORY_DEFAULT_DAYS), 1), HISTORY_MAX_DAYS);
  const today = dailyRollupDayStart(nowMs);
  const fromMs = today - (days - 1) * DAY_MS;
  const toMs = today + DAY_MS;
  const from = new Date(fromMs).toISOString();
  const to = new Date(toMs).toISOString();
  const watermark = await rollupWatermark(store);
  const split = new Date(
    watermark === null ? fromMs : Math.min(Math.max(watermark, fromMs), toMs),
  ).toISOString();
  const offset = sql.raw(`interval '${DAILY_ROLLUP_OFFSET_HOURS} hours'`);
  const { rows } = await sql<{
    day: string;
    c_calls: string | number | null;
    c_errors: string | number | null;
    p_calls: string | number | null;
    p_errors: string | number | null;
  }>`SELECT day,
      sum(calls) FILTER (WHERE consumer_system_id = ${systemId}) AS c_calls,
      sum(bad) FILTER (WHERE consumer_system_id = ${systemId}) AS c_errors,
      sum(calls) FILTER (WHERE provider_system_id = ${systemId}) AS p_calls,
      sum(bad) FILTER (WHERE provider_system_id = ${systemId}) AS p_errors
    FROM (
      SELECT to_char((hour + ${offset}) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, consumer_system_id,
        provider_system_id, count AS calls, errors + refused AS bad
      FROM transaction_rollups
      WHERE hour >= ${from}::timestamptz AND hour < ${split}::timestamptz
        AND (consumer_system_id = ${systemId} OR provider_system_id = ${systemId})
      UNION ALL
      SELECT to_char((request_in_at + ${offset}) AT TIME ZONE 'UTC', 'YYYY-MM-DD'), consumer_system_id,
        provider_system_id, 1, (${errorsSql()})::int + (${refusedSql()})::int
      FROM transactions
      WHERE request_in_at >= ${split}::timestamptz AND request_in_at < ${to}::timestamptz
        AND (consumer_system_id = ${systemId} OR provider_system_id = ${systemId})
    ) s
    GROUP BY day`.execute(store.db as unknown as Db);
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const items: ConnectionHistoryDay[] = [];
  for (let i = 0; i < days; i++) {
    const day = dailyRollupDay(fromMs + i * DAY_MS);
    const r = byDay.get(day);
    items.push({
      day,
      asConsumer: { calls: Number(r?.c_calls ?? 0), errors: Number(r?.c_errors ?? 0) },
      asProvider: { calls: Number(r?.p_calls ?? 0), errors: Number(r?.p_errors ?? 0) },
    });
  }
  return {
    days,
    from,
    to,
    rolledUpUntil: watermark === null ? null : new Date(watermark).toISOString(),
    items,
  };
}

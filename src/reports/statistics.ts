import { type Kysely, type RawBuilder, sql } from 'kysely';
import {
  NO_SERVICE_GROUPS,
  type NoServiceGroup,
  type PartyRole,
  STATISTICS_DIMENSIONS,
  type StatisticsDimension,
} from '../api/contract/reports.ts';
import { PLATFORM_PARTIES } from '../api/contract/sandbox-try.ts';
import { LgspError } from '../core/errors.ts';
import { excel } from '../core/excel.ts';
import { formatVietnamDate, formatVietnamDateTime, utcOffsetLabel } from '../core/time.ts';
import type { Store } from '../store/port.ts';
import {
  DAILY_ROLLUP_OFFSET_HOURS,
  dailyRollupDay,
  dailyRollupDayStart,
  errorsSql,
  floorHour,
  LATENCY_BUCKETS_MS,
  latencyThresholdsSql,
  percentileFromBuckets,
  refusedSql,
  rollupWatermark,
} from '../telemetry/rollups.ts';
import { csvFile } from './csv.ts';

/**
 * Statistics and reports of the activity between systems (R-07; issue 5): counts, success rate, latency and
 * volume over any period, grouped by organization, system, service, version, environment, leg, status class and
 * hour/day/month. docs/reports.md describes the answer and its files.
 *
 * Where the numbers come from. The hourly rollups (`transaction_rollups`, src/telemetry/rollups.ts) cover every
 * hour before the rollup job's watermark; the hours from the watermark on (the current hour, the last minutes of
 * grace, a job that is behind) are read from the raw records with the same definitions, in the same SQL
 * statement — so a report is complete up to `to`, and `coveredUntil` says where the rollups stop. Everything is
 * aggregated in SQL: one GROUP BY over the union of both sources, the latency histograms merged by summing each
 * bucket position (one `sum()` per bucket), so a year of hourly rollups answers in well under a second.
 * Percentiles are read from the merged histogram with `percentileFromBuckets` (the upper bound of the bucket the
 * percentile falls in, never above the largest duration seen) — within one bucket of the exact value.
 *
 * Periods are whole hours: `from` is rounded down and `to` up to the hour (the answer says so with `rounded`).
 * Days and months are calendar days and months at `utcOffsetHours` (default +7, Vietnam, which has no daylight
 * saving): rollups are hourly, so any whole-hour offset cuts them exactly.
 *
 * Organizations: rollups key on systems, so a system's organization is the one it belongs to in the registry now
 * (`systems.organization_id`, which does not change); a system not in the registry (a federated peer, a record
 * without a system) has organization ''. A call is counted once under its consumer organization and once under
 * its provider organization — group by `consumerOrganization` or `providerOrganization`, never both summed.
 * Filtering by `organizationCode`/`systemId` with `role` `consumer`, `provider` or `any` (default: either side).
 * `scopeOrganizationCode` is the filter the API forces on an agency user: only calls where its organization is
 * the consumer or the provider.
 *
 * Token requests (`POST /token`, kind `token_request`) are recorded but are no call to a service: they are left
 * out unless `includeTokenRequests` (issue 11 item 6), and then group apart with the `kind` dimension. Requests to
 * the platform's own endpoints `/_lgsp/…` (kind `platform_call`, migration 0040: status and receipt polls, empty
 * inbox polls) likewise unless `includePlatformCalls` — a consumer polling 20 times per message would count 20
 * calls per exchange. Either, grouped by service or version, is one row named for what it is (NO_SERVICE_LABELS),
 * not "(không xác định / unknown)", which is left for calls to a path no service has.
 */

// The dimensions and sides are the API's (its query validates them); the list is written once, in the contract.
export { STATISTICS_DIMENSIONS, type StatisticsDimension };
export type StatisticsRole = PartyRole;

export interface StatisticsFilters {
  organizationCode?: string;
  systemId?: string;
  /** Which side `organizationCode` and `systemId` are on; default `any`. */
  role?: StatisticsRole;
  serviceId?: string;
  versionId?: string;
  environment?: string;
  leg?: string;
}

export interface StatisticsInput {
  /** ISO times; rounded to whole hours (from down, to up). */
  from: string;
  to: string;
  groupBy: StatisticsDimension[];
  filters?: StatisticsFilters;
  /** Only calls where this organization is the consumer or the provider (agency users). */
  scopeOrganizationCode?: string;
  /** Offset of the calendar used for hour/day/month groups; default 7 (Vietnam). */
  utcOffsetHours?: number;
  /** Count `/token` requests too (kind `token_request`); default false: service calls only. */
  includeTokenRequests?: boolean;
  /** Count requests to the platform's `/_lgsp/…` endpoints too (kind `platform_call`); default false. */
  includePlatformCalls?: boolean;
}

export interface StatisticsMeasures {
  /** Every call recorded, refused ones included. */
  calls: number;
  /**
   * Calls the gateway refused itself, the provider never reached (no subscription, unknown resource, bad token,
   * quota…: `refusedSql` in src/telemetry/rollups.ts). Not errors of the service.
   */
  refused: number;
  /** Failures of the exchange itself, refusals excluded: the provider's 5xx, unreachable or too slow, mapping… */
  errors: number;
  /** Success over the calls that went on to the provider: (calls − refused − errors) / (calls − refused), 0–1; null when none did. */
  successRate: number | null;
  requestBytes: number;
  responseBytes: number;
  latencyAvgMs: number | null;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Counts per latency bucket (upper bounds in `latencyBucketsMs`, then the open-ended one). */
  latencyBuckets: number[];
}

export interface StatisticsRow extends StatisticsMeasures {
  /** The group's values, by dimension: ids, codes, `2xx`, `2026-11-24`… ('' when the records had none). */
  key: Partial<Record<StatisticsDimension, string>>;
  /** What people read for each value: `code — name`, `context — name`, `context/version`. */
  label: Partial<Record<StatisticsDimension, string>>;
}

export interface Statistics {
  requestedFrom: string;
  requestedTo: string;
  /** The period answered, whole hours: [from, to). */
  from: string;
  to: string;
  /** true when `from`/`to` were not whole hours and were widened to them. */
  rounded: boolean;
  utcOffsetHours: number;
  groupBy: StatisticsDimension[];
  filters: StatisticsFilters & { scopeOrganizationCode?: string };
  /** Whether `/token` requests are counted (kind `token_request`); otherwise service calls only. */
  includeTokenRequests: boolean;
  /** Whether requests to the platform's `/_lgsp/…` endpoints are counted (kind `platform_call`). */
  includePlatformCalls: boolean;
  /** The hourly rollups reach up to here (exclusive); null: nothing rolled up yet. */
  coveredUntil: string | null;
  /** The hours from here to `to` were read from the raw records (null: all from rollups). */
  rawFrom: string | null;
  latencyBucketsMs: readonly number[];
  rows: StatisticsRow[];
  totals: StatisticsMeasures;
}

/** More groups than this: refused (RP_STATISTICS_INVALID) — group by less or split the period. */
export const MAX_STATISTICS_ROWS = 50_000;

const HOUR_MS = 3_600_000;
const NBUCKETS = LATENCY_BUCKETS_MS.length + 1;
type Db = Kysely<unknown>;

function invalid(message: string): LgspError {
  return new LgspError('RP_STATISTICS_INVALID', message);
}

/** Parses `service,version` into dimensions (the API's and the CLI's `groupBy`). */
export function parseGroupBy(text: string | undefined): StatisticsDimension[] {
  if (!text) return [];
  const out: StatisticsDimension[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    if (!part) continue;
    if (!(STATISTICS_DIMENSIONS as readonly string[]).includes(part)) {
      throw invalid(
        `groupBy: không có chiều / no dimension "${part}"; dùng / use ${STATISTICS_DIMENSIONS.join(', ')}`,
      );
    }
    if (out.includes(part as StatisticsDimension)) continue;
    out.push(part as StatisticsDimension);
  }
  return out;
}

function dimensionSql(d: StatisticsDimension, offsetHours: number): RawBuilder<unknown> {
  const local = (format: string) =>
    sql.raw(`to_char((s.hour + interval '${offsetHours} hours') AT TIME ZONE 'UTC', '${format}')`);
  switch (d) {
    case 'consumerOrganization':
      return sql.raw(`coalesce(co.code, '')`);
    case 'providerOrganization':
      return sql.raw(`coalesce(po.code, '')`);
    case 'consumerSystem':
      return sql.raw('s.consumer_system_id');
    case 'providerSystem':
      return sql.raw('s.provider_system_id');
    // A token request or a request to /_lgsp/… names no service: keyed by its kind, not '' (unknown) — below.
    case 'service':
      return sql.raw(`CASE WHEN s.kind = 'service_call' THEN s.service_id ELSE s.kind END`);
    case 'version':
      return sql.raw(`CASE WHEN s.kind = 'service_call' THEN s.version_id ELSE s.kind END`);
    case 'environment':
      return sql.raw('s.environment');
    case 'leg':
      return sql.raw('s.leg');
    case 'statusClass':
      return sql.raw('s.status_class');
    case 'kind':
      return sql.raw('s.kind');
    case 'hour':
      return local('YYYY-MM-DD"T"HH24:00');
    case 'day':
      return local('YYYY-MM-DD');
    case 'month':
      return local('YYYY-MM');
  }
}

async function systemsOf(db: Db, organizationCode: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT s.id FROM systems s
    JOIN organizations o ON o.id = s.organization_id WHERE o.code = ${organizationCode}`.execute(db);
  return rows.map((r) => r.id);
}

function sideFilter(ids: string[], role: StatisticsRole): RawBuilder<unknown> {
  if (ids.length === 0) return sql`FALSE`;
  const list = sql.join(ids.map((id) => sql`${id}`));
  if (role === 'consumer') return sql`s.consumer_system_id IN (${list})`;
  if (role === 'provider') return sql`s.provider_system_id IN (${list})`;
  return sql`(s.consumer_system_id IN (${list}) OR s.provider_system_id IN (${list}))`;
}

function measures(
  calls: number,
  refused: number,
  errors: number,
  requestBytes: number,
  responseBytes: number,
  durationSum: number,
  durationMax: number,
  buckets: number[],
): StatisticsMeasures {
  return {
    calls,
    refused,
    errors,
    successRate: calls - refused > 0 ? (calls - refused - errors) / (calls - refused) : null,
    requestBytes,
    responseBytes,
    latencyAvgMs: calls > 0 ? Math.round((durationSum / calls) * 10) / 10 : null,
    latencyP50Ms: percentileFromBuckets(buckets, 0.5, durationMax),
    latencyP95Ms: percentileFromBuckets(buckets, 0.95, durationMax),
    latencyP99Ms: percentileFromBuckets(buckets, 0.99, durationMax),
    latencyMaxMs: durationMax,
    latencyBuckets: buckets,
  };
}

/** The statistics of [from, to) grouped by `groupBy` (none: one row, the totals), from the rollups. */
export async function statistics(store: Store, input: StatisticsInput): Promise<Statistics> {
  const db = store.db as unknown as Db;
  const fromReq = Date.parse(input.from);
  const toReq = Date.parse(input.to);
  if (!Number.isFinite(fromReq) || !Number.isFinite(toReq) || fromReq >= toReq) {
    throw invalid('from, to: cần hai thời điểm ISO, from < to / two ISO times with from < to');
  }
  const offset = input.utcOffsetHours ?? 7;
  if (!Number.isInteger(offset) || offset < -12 || offset > 14) {
    throw invalid('utcOffsetHours: số nguyên từ -12 đến 14 / an integer from -12 to 14');
  }
  const fromMs = floorHour(fromReq);
  const toMs = Math.ceil(toReq / HOUR_MS) * HOUR_MS;
  const groupBy = [...new Set(input.groupBy)];
  const filters = input.filters ?? {};
  const role = filters.role ?? 'any';

  const watermark = await rollupWatermark(store);
  const split = watermark === null ? fromMs : Math.min(Math.max(watermark, fromMs), toMs);
  const iso = (ms: number) => new Date(ms).toISOString();

  // The platform's own sandbox try-it client (issue 11, docs/sandbox.md) is no customer: its calls are not counted.
  const where: RawBuilder<unknown>[] = [
    sql`s.consumer_system_id NOT IN (SELECT system_id FROM platform_test_client)`,
  ];
  if (filters.organizationCode !== undefined) {
    where.push(sideFilter(await systemsOf(db, filters.organizationCode), role));
  }
  if (filters.systemId !== undefined) where.push(sideFilter([filters.systemId], role));
  if (input.scopeOrganizationCode !== undefined) {
    where.push(sideFilter(await systemsOf(db, input.scopeOrganizationCode), 'any'));
  }
  if (filters.serviceId !== undefined) where.push(sql`s.service_id = ${filters.serviceId}`);
  if (filters.versionId !== undefined) where.push(sql`s.version_id = ${filters.versionId}`);
  if (filters.environment !== undefined) where.push(sql`s.environment = ${filters.environment}`);
  if (filters.leg !== undefined) where.push(sql`s.leg = ${filters.leg}`);
  const includeTokenRequests = input.includeTokenRequests ?? false;
  const includePlatformCalls = input.includePlatformCalls ?? false;
  const kinds = [
    'service_call',
    ...(includeTokenRequests ? ['token_request'] : []),
    ...(includePlatformCalls ? ['platform_call'] : []),
  ];
  where.push(sql`s.kind IN (${sql.join(kinds.map((k) => sql`${k}`))})`);

  // Whole UTC+7 days inside [from, split) come from the daily rollups (24× fewer rows than their hours), unless
  // the groups need hours, or days and months at another offset; the hours at the edges from the hourly ones.
  const dailyUsable =
    !groupBy.includes('hour') &&
    (offset === DAILY_ROLLUP_OFFSET_HOURS || !groupBy.some((d) => d === 'day' || d === 'month'));
  const dayA = dailyRollupDayStart(fromMs) === fromMs ? fromMs : dailyRollupDayStart(fromMs) + 24 * HOUR_MS;
  const dayB = dailyRollupDayStart(split);
  const [dailyFrom, dailyTo] = dailyUsable && dayA < dayB ? [dayA, dayB] : [split, split];

  const joinConsumer = groupBy.includes('consumerOrganization');
  const joinProvider = groupBy.includes('providerOrganization');
  const bucketIdx = Array.from({ length: NBUCKETS }, (_, i) => i);
  const rollupBuckets = sql.raw(bucketIdx.map((i) => `latency_buckets[${i + 1}] AS b${i}`).join(', '));
  const rawBuckets = sql.raw(bucketIdx.map((i) => `(bk = ${i})::int AS b${i}`).join(', '));
  const sumBuckets = sql.raw(bucketIdx.map((i) => `sum(s.b${i}) AS b${i}`).join(', '));
  const dims = groupBy.map((d, i) => sql`${dimensionSql(d, offset)} AS ${sql.raw(`d${i}`)}`);
  const groupCols = groupBy.map((_, i) => sql.raw(`d${i}`));

  // Daily rollups for [dailyFrom, dailyTo), hourly for the rest of [from, split), raw records for [split, to):
  // the raw branch keys and counts exactly as recomputeRollups does, one row per record.
  const query = sql<Record<string, string | number | null>>`WITH s AS (
      SELECT (day::timestamp - interval '${sql.raw(String(DAILY_ROLLUP_OFFSET_HOURS))} hours') AT TIME ZONE 'UTC' AS hour,
        consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class, kind,
        count AS calls, errors, refused, request_bytes, response_bytes, duration_ms_sum, duration_ms_max,
        ${rollupBuckets}
      FROM transaction_rollups_daily
      WHERE day >= ${dailyRollupDay(dailyFrom)}::date AND day < ${dailyRollupDay(dailyTo)}::date
      UNION ALL
      SELECT hour, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
        kind, count AS calls, errors, refused, request_bytes, response_bytes, duration_ms_sum, duration_ms_max,
        ${rollupBuckets}
      FROM transaction_rollups
      WHERE (hour >= ${iso(fromMs)}::timestamptz AND hour < ${iso(dailyFrom)}::timestamptz)
        OR (hour >= ${iso(dailyTo)}::timestamptz AND hour < ${iso(split)}::timestamptz)
      UNION ALL
      SELECT hour, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
        kind, 1::bigint, errors::bigint, refused::bigint, request_bytes, response_bytes, duration_ms::bigint, duration_ms, ${rawBuckets}
      FROM (SELECT date_trunc('hour', request_in_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
          coalesce(consumer_system_id, '') AS consumer_system_id,
          coalesce(provider_system_id, '') AS provider_system_id, coalesce(service_id, '') AS service_id,
          coalesce(version_id, '') AS version_id, coalesce(environment, '') AS environment, leg,
          (consumer_status / 100)::text || 'xx' AS status_class, kind,
          (${errorsSql()})::int AS errors, (${refusedSql()})::int AS refused,
          request_bytes, response_bytes, duration_ms, width_bucket(duration_ms, ${latencyThresholdsSql()}) AS bk
        FROM transactions
        WHERE request_in_at >= ${iso(split)}::timestamptz AND request_in_at < ${iso(toMs)}::timestamptz) AS raw
    )
    SELECT ${sql.join([...dims, sql.raw('1 AS one')])},
      sum(s.calls) AS calls, sum(s.errors) AS errors, sum(s.refused) AS refused, sum(s.request_bytes) AS request_bytes,
      sum(s.response_bytes) AS response_bytes, sum(s.duration_ms_sum) AS duration_sum,
      max(s.duration_ms_max) AS duration_max, ${sumBuckets}
    FROM s
    ${joinConsumer ? sql`LEFT JOIN systems cs ON cs.id = s.consumer_system_id LEFT JOIN organizations co ON co.id = cs.organization_id` : sql``}
    ${joinProvider ? sql`LEFT JOIN systems ps ON ps.id = s.provider_system_id LEFT JOIN organizations po ON po.id = ps.organization_id` : sql``}
    ${where.length > 0 ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
    ${groupCols.length > 0 ? sql`GROUP BY ${sql.join(groupCols)} ORDER BY ${sql.join(groupCols)}` : sql``}
    LIMIT ${MAX_STATISTICS_ROWS + 1}`;
  const { rows: raw } = await query.execute(db);
  if (raw.length > MAX_STATISTICS_ROWS) {
    throw invalid(
      `quá ${MAX_STATISTICS_ROWS} nhóm: nhóm ít chiều hơn hoặc chia nhỏ kỳ / more than ${MAX_STATISTICS_ROWS} ` +
        'groups: group by less or split the period',
    );
  }
  const labels = groupBy.length > 0 ? await labelMaps(db) : null;
  const rows: StatisticsRow[] = [];
  const total = {
    calls: 0,
    refused: 0,
    errors: 0,
    req: 0,
    res: 0,
    sum: 0,
    max: 0,
    buckets: new Array<number>(NBUCKETS).fill(0),
  };
  for (const r of raw) {
    const calls = Number(r['calls'] ?? 0);
    // Without groups an empty period still answers one row of NULL sums: no rows then.
    if (calls === 0) continue;
    const buckets = bucketIdx.map((i) => Number(r[`b${i}`] ?? 0));
    const m = measures(
      calls,
      Number(r['refused']),
      Number(r['errors']),
      Number(r['request_bytes']),
      Number(r['response_bytes']),
      Number(r['duration_sum']),
      Number(r['duration_max']),
      buckets,
    );
    total.calls += m.calls;
    total.refused += m.refused;
    total.errors += m.errors;
    total.req += m.requestBytes;
    total.res += m.responseBytes;
    total.sum += Number(r['duration_sum']);
    total.max = Math.max(total.max, m.latencyMaxMs);
    buckets.forEach((n, i) => {
      total.buckets[i]! += n;
    });
    const key: StatisticsRow['key'] = {};
    const label: StatisticsRow['label'] = {};
    groupBy.forEach((d, i) => {
      const value = String(r[`d${i}`] ?? '');
      key[d] = value;
      label[d] = labels ? labelOf(labels, d, value) : value;
    });
    rows.push({ key, label, ...m });
  }
  return {
    requestedFrom: new Date(fromReq).toISOString(),
    requestedTo: new Date(toReq).toISOString(),
    from: iso(fromMs),
    to: iso(toMs),
    rounded: fromMs !== fromReq || toMs !== toReq,
    utcOffsetHours: offset,
    groupBy,
    filters: {
      ...filters,
      ...(input.scopeOrganizationCode !== undefined
        ? { scopeOrganizationCode: input.scopeOrganizationCode }
        : {}),
    },
    includeTokenRequests,
    includePlatformCalls,
    coveredUntil: watermark === null ? null : iso(watermark),
    rawFrom: split < toMs ? iso(split) : null,
    latencyBucketsMs: LATENCY_BUCKETS_MS,
    rows,
    totals: measures(
      total.calls,
      total.refused,
      total.errors,
      total.req,
      total.res,
      total.sum,
      total.max,
      total.buckets,
    ),
  };
}

// ── Labels ──────────────────────────────────────────────────────────────────────────────────────────────────

interface LabelMaps {
  organizations: Map<string, string>;
  systems: Map<string, string>;
  services: Map<string, string>;
  versions: Map<string, string>;
}

/** The registry's names (small tables, read whole): what a person reads next to each id. */
async function labelMaps(db: Db): Promise<LabelMaps> {
  const orgs = await sql<{ code: string; name: string }>`SELECT code, name FROM organizations`.execute(db);
  const systems = await sql<{ id: string; name: string; code: string | null }>`SELECT s.id, s.name, o.code
    FROM systems s LEFT JOIN organizations o ON o.id = s.organization_id`.execute(db);
  const services = await sql<{
    id: string;
    context: string;
    name: string;
  }>`SELECT id, context, name FROM services`.execute(db);
  const versions = await sql<{
    id: string;
    context: string;
    version: string;
  }>`SELECT v.id, s.context, v.version
    FROM service_versions v JOIN services s ON s.id = v.service_id`.execute(db);
  return {
    organizations: new Map(
      orgs.rows.map((o) => [o.code, `${o.code} — ${partyLabel('organization', o.code, o.name)}`]),
    ),
    systems: new Map(
      systems.rows.map((s) => [s.id, `${partyLabel('system', s.code ?? '', s.name)} (${s.id})`]),
    ),
    services: new Map(services.rows.map((s) => [s.id, `${s.context} — ${s.name}`])),
    versions: new Map(versions.rows.map((v) => [v.id, `${v.context}/${v.version}`])),
  };
}

/**
 * A party's name as the files and the API's `label` write it: the registry's, except the platform's own parties
 * (its sandbox test client, the provider of the shared category lists — PLATFORM_PARTIES, by their reserved
 * organization code), whose stored name is the Vietnamese one only: they read "vi / en" like every other name the
 * platform itself writes in a file (the headings, NO_SERVICE_LABELS), so an English reader of the file reads
 * them too. The console shows the reader's language alone (web/src/shared/party-name.ts).
 */
function partyLabel(kind: 'organization' | 'system', code: string, name: string): string {
  const platform = PLATFORM_PARTIES[code];
  if (!platform) return name;
  const names = kind === 'organization' ? platform.organizationName : platform.systemName;
  return `${names.vi} / ${names.en}`;
}

const UNKNOWN = '(không xác định / unknown)';

/**
 * What the service and version columns read for the requests that name no service, by their kind (the SQL keys
 * them so, `dimensionSql`): the platform's own endpoints, not an unknown service. '' stays unknown: a call to a
 * path no service has (refused, GW_ROUTE_NOT_FOUND) or a record without a system. Both languages, as files are
 * read; the console shows the one the reader chose (NO_SERVICE_GROUPS).
 */
export const NO_SERVICE_LABELS: Record<NoServiceGroup, string> = {
  token_request: `${NO_SERVICE_GROUPS.token_request.vi} / ${NO_SERVICE_GROUPS.token_request.en}`,
  platform_call: `${NO_SERVICE_GROUPS.platform_call.vi} / ${NO_SERVICE_GROUPS.platform_call.en}`,
};

function labelOf(maps: LabelMaps, d: StatisticsDimension, value: string): string {
  if (value === '') return UNKNOWN;
  if ((d === 'service' || d === 'version') && (value === 'token_request' || value === 'platform_call')) {
    return NO_SERVICE_LABELS[value];
  }
  switch (d) {
    case 'consumerOrganization':
    case 'providerOrganization':
      return maps.organizations.get(value) ?? value;
    case 'consumerSystem':
    case 'providerSystem':
      return maps.systems.get(value) ?? value;
    case 'service':
      return maps.services.get(value) ?? value;
    case 'version':
      return maps.versions.get(value) ?? value;
    case 'hour':
    case 'day':
    case 'month': {
      // What people read (the console's table and chart, the CLI): dd/mm/yyyy, local time, as in the files.
      const wallClock = wallClockOf(d, value);
      return wallClock ? timeText(d, wallClock) : value;
    }
    default:
      return value;
  }
}

// ── Files: CSV and XLSX, Vietnamese headings first ────────────────────────────────────────────────────────────

export const DIMENSION_HEADINGS: Record<StatisticsDimension, string> = {
  consumerOrganization: 'Cơ quan khai thác / Consumer organization',
  providerOrganization: 'Cơ quan cung cấp / Provider organization',
  consumerSystem: 'Hệ thống khai thác / Consumer system',
  providerSystem: 'Hệ thống cung cấp / Provider system',
  service: 'Dịch vụ / Service',
  version: 'Phiên bản / Version',
  environment: 'Môi trường / Environment',
  leg: 'Chặng / Leg',
  statusClass: 'Nhóm trạng thái / Status class',
  kind: 'Loại bản ghi / Record kind',
  hour: 'Giờ / Hour',
  day: 'Ngày / Day',
  month: 'Tháng / Month',
};

export const MEASURE_HEADINGS = {
  calls: 'Số lượt gọi / Calls',
  refused: 'Số lượt bị từ chối (chưa tới bên cung cấp) / Refused (provider not reached)',
  errors: 'Số lượt lỗi / Errors',
  successRate: 'Tỉ lệ thành công (%) / Success rate (%)',
  requestBytes: 'Dung lượng gửi (byte) / Request bytes',
  responseBytes: 'Dung lượng nhận (byte) / Response bytes',
  latencyAvgMs: 'Độ trễ trung bình (ms) / Latency avg',
  latencyP50Ms: 'Độ trễ p50 (ms) / Latency p50',
  latencyP95Ms: 'Độ trễ p95 (ms) / Latency p95',
  latencyP99Ms: 'Độ trễ p99 (ms) / Latency p99',
  latencyMaxMs: 'Độ trễ lớn nhất (ms) / Latency max',
} as const;
const MEASURES = Object.keys(MEASURE_HEADINGS) as Array<keyof typeof MEASURE_HEADINGS>;

const TOTAL_LABEL = 'Tổng cộng / Total';

/** Success rate as a percentage with two decimals (the files); JSON keeps the 0–1 fraction. */
const percent = (rate: number | null) => (rate === null ? null : Math.round(rate * 10_000) / 100);

function measureCells(m: StatisticsMeasures): Array<number | null> {
  return MEASURES.map((k) => (k === 'successRate' ? percent(m.successRate) : m[k]));
}

/** The title: the period as local time at the report's offset, `dd/mm/yyyy HH:mm` as Vietnamese write it. */
export function statisticsTitle(s: Statistics): string {
  const offset = s.utcOffsetHours * 60;
  const zone = utcOffsetLabel(offset);
  const from = formatVietnamDateTime(s.from, offset);
  const to = formatVietnamDateTime(s.to, offset);
  return (
    `Thống kê giao dịch từ ${from} đến ${to} (${zone}) / ` +
    `Transaction statistics from ${from} to ${to} (${zone})`
  );
}

function coverageNote(s: Statistics): string {
  const local = (iso: string | null) =>
    iso === null ? '—' : formatVietnamDateTime(iso, s.utcOffsetHours * 60);
  const until = local(s.coveredUntil);
  return s.rawFrom
    ? `Số liệu tổng hợp theo giờ đến ${until}; từ ${local(s.rawFrom)} tính từ bản ghi gốc / ` +
        `Hourly rollups up to ${until}; from ${local(s.rawFrom)} read from the raw records`
    : `Số liệu tổng hợp theo giờ / From the hourly rollups (up to ${until})`;
}

const TIME_DIMENSIONS = ['hour', 'day', 'month'] as const;
type TimeDimension = (typeof TIME_DIMENSIONS)[number];
const isTimeDimension = (d: StatisticsDimension): d is TimeDimension =>
  (TIME_DIMENSIONS as readonly string[]).includes(d);

/**
 * A time group's key (local time as the SQL writes it: `2026-12-03T14:00`, `2026-12-03`, `2026-12`) as the local
 * wall-clock time in a `Date`'s UTC fields — what a spreadsheet cell takes; null for a key that is not a time.
 */
function wallClockOf(d: TimeDimension, key: string): Date | null {
  const iso = d === 'hour' ? `${key}:00Z` : d === 'day' ? `${key}T00:00:00Z` : `${key}-01T00:00:00Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** How a person reads a time group in a file: `dd/mm/yyyy HH:mm`, `dd/mm/yyyy`, `mm/yyyy` (local time). */
function timeText(d: TimeDimension, wallClock: Date): string {
  if (d === 'hour') return formatVietnamDateTime(wallClock, 0);
  return d === 'day' ? formatVietnamDate(wallClock, 0) : formatVietnamDate(wallClock, 0).slice(3);
}

/** Excel number formats of the time groups: real dates, so Excel sorts and filters them by year, month, day. */
const TIME_NUMBER_FORMATS: Record<TimeDimension, string> = {
  hour: 'dd/mm/yyyy hh:mm',
  day: 'dd/mm/yyyy',
  month: 'mm/yyyy',
};

function header(s: Statistics): string[] {
  return [...s.groupBy.map((d) => DIMENSION_HEADINGS[d]), ...MEASURES.map((k) => MEASURE_HEADINGS[k])];
}

/**
 * CSV, UTF-8 with a byte-order mark (Excel opens Vietnamese text right), CRLF: the heading row first, one row per
 * group, then the totals row. The file is for people (machines read the JSON): hours, days and months are written
 * `dd/mm/yyyy HH:mm`, `dd/mm/yyyy`, `mm/yyyy` in local time, as Excel with Vietnamese regional settings reads
 * dates. The period is in the file name and the JSON, not in the file, so it opens as a plain table.
 */
export function statisticsCsv(s: Statistics): string {
  return csvFile([header(s), ...bodyRows(s, (d, key) => timeText(d, wallClockOf(d, key)!))]);
}

/**
 * One row per group, then the totals (without groups: the totals only). A time group's cell is `timeCell` of its
 * key (text for CSV, a date for XLSX); the key as written by the SQL when it is not a time (never, but safe).
 */
function bodyRows<Cell extends string | Date>(
  s: Statistics,
  timeCell: (d: TimeDimension, key: string) => Cell,
): Array<Array<string | number | null | Cell>> {
  if (s.groupBy.length === 0) return [measureCells(s.totals)];
  const cell = (r: StatisticsRow, d: StatisticsDimension) => {
    const key = r.key[d] ?? '';
    return isTimeDimension(d) && wallClockOf(d, key) ? timeCell(d, key) : (r.label[d] ?? '');
  };
  return [
    ...s.rows.map((r) => [...s.groupBy.map((d) => cell(r, d)), ...measureCells(r)]),
    [TOTAL_LABEL, ...s.groupBy.slice(1).map(() => ''), ...measureCells(s.totals)],
  ];
}

/**
 * XLSX (exceljs): a title row with the period, a note on the sources, the headings, the groups, the totals. Hours,
 * days and months are real Excel dates holding local time (Excel dates have no zone) with a `dd/mm/yyyy hh:mm`,
 * `dd/mm/yyyy` or `mm/yyyy` format: an accountant sorts them and filters them by year, month and day in Excel's
 * own date filter, which text cells would not allow.
 */
export async function statisticsXlsx(s: Statistics): Promise<Buffer> {
  const book = new (await excel()).Workbook();
  book.creator = 'OpenLGSP';
  const sheet = book.addWorksheet('Thống kê');
  const head = header(s);
  sheet.addRow([statisticsTitle(s)]).font = { bold: true, size: 13 };
  sheet.addRow([coverageNote(s)]).font = { italic: true };
  sheet.addRow([]);
  const headRow = sheet.addRow(head);
  headRow.font = { bold: true };
  headRow.alignment = { wrapText: true, vertical: 'middle' };
  const body = bodyRows(s, (d, key) => wallClockOf(d, key)!);
  body.forEach((cells, i) => {
    const row = sheet.addRow(cells);
    if (i === body.length - 1) row.font = { bold: true };
  });
  head.forEach((h, i) => {
    const column = sheet.getColumn(i + 1);
    column.width = i < s.groupBy.length ? 36 : Math.max(14, Math.min(24, h.length / 2 + 4));
    const dimension = s.groupBy[i];
    if (dimension && isTimeDimension(dimension)) {
      column.numFmt = TIME_NUMBER_FORMATS[dimension];
      column.width = 18;
    }
    const measure = MEASURES[i - s.groupBy.length];
    if (measure === 'successRate') column.numFmt = '0.00';
    else if (measure === 'latencyAvgMs') column.numFmt = '#,##0.0';
    else if (measure) column.numFmt = '#,##0';
  });
  return Buffer.from(await book.xlsx.writeBuffer());
}

// `npm run bench:reports`: statistics (R-07, issue 5 item 5) over ≥ 10 million transaction records on PostgreSQL —
// the report from the hourly rollups side by side with the same numbers computed by a GROUP BY over the raw
// records. The bar: a year's report from the rollups answers in under 1 s.
//
// It creates its own database on the server (and drops it at the end, also after a failure), migrates it, registers
// a province (organizations, systems, services, versions), then generates the records in SQL — a few INSERT …
// SELECT over generate_series, spread evenly over the last 12 months, each from one of a fixed set of
// subscriptions (consumer system → service version, environment), with 2xx/4xx/5xx statuses and a long-tailed
// latency. The secondary indexes and the key of `transactions` are dropped for the load and the time index is
// built again after it (what a restore would do; the rollup job reads by time). Then the rollup job runs over
// everything (timed), and each report is timed several times.
//
// Issue 13 item 8 — statistics over 100 M records (goal ≤ 1 s): BENCH_SCALE_TO=100000000 BENCH_RECORDS=2000000
// keeps the raw records a realistic slice (2 M, generated and rolled up as above) and adds to the hourly rollups,
// for every hour of the 12 months × every subscription × 2xx/4xx/5xx, the counts of the remaining 98 M records
// (what the rollup job would have written for them: every key of every hour present, counts 95/4/1 %, bytes,
// durations and latency histogram consistent with the counts); the daily rollups are then rebuilt from the hourly
// ones by the job's own statement. The reports must total exactly BENCH_SCALE_TO calls; the raw GROUP BY baseline
// then covers the raw slice only. The console's dashboard (GET /api/v1/dashboard) over the last 366 days and the last
// 24 hours is timed too. Disk: ≈ 2 GB on the server for the defaults; check `df -h` first.
//
// Environment: LGSP_BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/postgres), BENCH_RECORDS (10000000),
// BENCH_SCALE_TO (unset: the reports total BENCH_RECORDS),
// BENCH_PAIRS (60: subscriptions the traffic is spread over), BENCH_RUNS (5: timed runs of each rollup report),
// BENCH_RAW_RUNS (1: of each raw baseline), BENCH_KEEP_DB (set: do not drop the database, print its URL).
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { Registry } from '../src/control/registry/index.ts';
import { systemClock } from '../src/core/clock.ts';
import { dashboard } from '../src/reports/dashboard.ts';
import { type StatisticsDimension, statistics } from '../src/reports/statistics.ts';
import { migrate } from '../src/store/migrate.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { ensureTransactionPartitions } from '../src/telemetry/retention.ts';
import { floorHour, rebuildDailyRollups, runRollups } from '../src/telemetry/rollups.ts';

const SERVER = process.env['LGSP_BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RECORDS = Number(process.env['BENCH_RECORDS'] ?? 10_000_000);
const PAIRS = Number(process.env['BENCH_PAIRS'] ?? 60);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const RAW_RUNS = Number(process.env['BENCH_RAW_RUNS'] ?? 1);
const SCALE_TO = Math.max(RECORDS, Number(process.env['BENCH_SCALE_TO'] ?? 0));
const CHUNK = 1_000_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const log = (s: string) => process.stdout.write(`${s}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
}

async function admin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER });
  await c.connect();
  try {
    await c.query(query);
  } finally {
    await c.end();
  }
}

/** The same report by a GROUP BY over the raw records: the baseline the rollups are for. */
function rawSql(groupBy: StatisticsDimension[], from: string, to: string) {
  const cols: Partial<Record<StatisticsDimension, string>> = {
    service: "coalesce(service_id, '')",
    version: "coalesce(version_id, '')",
    consumerOrganization: "coalesce(consumer_org_code, '')",
    providerOrganization: "coalesce(provider_org_code, '')",
    month: "to_char((request_in_at + interval '7 hours') AT TIME ZONE 'UTC', 'YYYY-MM')",
    day: "to_char((request_in_at + interval '7 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
  };
  const keys = groupBy.map((d) => cols[d]!).join(', ');
  return sql<{ calls: string }>`SELECT ${sql.raw(keys)}, count(*) AS calls,
      count(*) FILTER (WHERE error_code IS NOT NULL OR consumer_status >= 500) AS errors,
      sum(request_bytes), sum(response_bytes), avg(duration_ms), max(duration_ms),
      percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms)
    FROM transactions WHERE request_in_at >= ${from}::timestamptz AND request_in_at < ${to}::timestamptz
    GROUP BY ${sql.raw(keys)}`;
}

async function main(): Promise<void> {
  const name = `lgsp_bench_reports_${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  log(`# bench:reports — ${fmt(RECORDS)} records over 12 months, ${PAIRS} subscriptions; database ${name}`);
  await admin(`CREATE DATABASE ${name}`);
  let store: PostgresStore | null = null;
  try {
    store = await PostgresStore.open(url.toString(), 4);
    const db = store.db;
    await migrate(store);
    const { rows: version } = await sql<{ v: string }>`SELECT version() AS v`.execute(db);
    log(`server: ${version[0]!.v.split(' on ')[0]}`);

    // A province: 20 organizations with 2 systems each, 30 services with 2 versions each.
    const registry = new Registry(store, systemClock);
    const systems: Array<{ id: string; org: string }> = [];
    for (let i = 0; i < 20; i++) {
      const code = `000.00.${String(10 + i).padStart(2, '0')}.H01`;
      const org = await registry.createOrganization({ code, name: `Cơ quan ${i + 1}` }, 'bench');
      for (const n of [1, 2]) {
        const s = await registry.createSystem(
          { organizationId: org.id, name: `Hệ thống ${i + 1}.${n}`, isProvider: true, isConsumer: true },
          'bench',
        );
        systems.push({ id: s.id, org: code });
      }
    }
    const versions: Array<{
      id: string;
      version: string;
      serviceId: string;
      context: string;
      provider: number;
    }> = [];
    for (let i = 0; i < 30; i++) {
      const provider = (i * 3) % systems.length;
      const context = `dichvu${i + 1}`;
      const svc = await registry.createService(
        { context, name: `Dịch vụ ${i + 1}`, providerSystemId: systems[provider]!.id },
        'bench',
      );
      for (const v of ['1.0', '2.0']) {
        const ver = await registry.createVersion(svc.id, { version: v }, 'bench');
        versions.push({ id: ver.id, version: v, serviceId: svc.id, context, provider });
      }
    }
    const pairs = Array.from({ length: PAIRS }, (_, n) => {
      const ver = versions[(n * 7) % versions.length]!;
      const consumer = systems[(n * 11 + 1) % systems.length]!;
      const provider = systems[ver.provider]!;
      return {
        n,
        consumer_system_id: consumer.id,
        consumer_org_code: consumer.org,
        provider_system_id: provider.id,
        provider_org_code: provider.org,
        service_id: ver.serviceId,
        service_context: ver.context,
        version_id: ver.id,
        version: ver.version,
        environment: n % 5 === 0 ? 'sandbox' : 'production',
      };
    });
    await sql`CREATE TABLE bench_pairs AS SELECT * FROM jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb)
      AS p(n int, consumer_system_id text, consumer_org_code text, provider_system_id text,
        provider_org_code text, service_id text, service_context text, version_id text, version text,
        environment text)`.execute(db);

    // The last 12 months up to two hours ago (every hour closed, so the rollups cover the whole period).
    const nowMs = Date.now();
    const endMs = floorHour(nowMs) - HOUR;
    const startMs = endMs - 365 * DAY;
    await ensureTransactionPartitions(store, startMs, 14);
    await sql`ALTER TABLE transactions DROP CONSTRAINT transactions_pkey`.execute(db);
    for (const index of [
      'transactions_time',
      'transactions_consumer_time',
      'transactions_provider_time',
      'transactions_service_time',
      'transactions_message',
    ]) {
      await sql`DROP INDEX ${sql.raw(index)}`.execute(db);
    }

    const [, loadMs] = await timed(async () => {
      for (let lo = 0; lo < RECORDS; lo += CHUNK) {
        const hi = Math.min(lo + CHUNK, RECORDS) - 1;
        const [, chunkMs] = await timed(() =>
          sql`INSERT INTO transactions (id, consumer_system_id, consumer_org_code, credential_id,
              provider_system_id, provider_org_code, service_id, service_context, version_id, version, environment,
              method, resource_template, provider_status, consumer_status, error_code, request_bytes, response_bytes,
              request_sha256, response_sha256, request_in_at, request_out_at, response_in_at, response_out_at,
              duration_ms, leg, message_id)
            SELECT 'txn_bench' || x.g, p.consumer_system_id, p.consumer_org_code, NULL, p.provider_system_id,
              p.provider_org_code, p.service_id, p.service_context, p.version_id, p.version, p.environment,
              'GET', '/items/{id}', x.status, x.status,
              CASE WHEN x.status >= 500 THEN 'GW_UPSTREAM_UNAVAILABLE' WHEN x.status = 429 THEN 'GW_QUOTA_EXCEEDED' END,
              (x.r3 * 2000)::bigint, (x.r3 * 60000)::bigint, NULL, NULL,
              x.t, x.t, x.t + make_interval(secs => x.d / 1000.0), x.t + make_interval(secs => x.d / 1000.0),
              x.d, 'sync', NULL
            FROM (SELECT g,
                to_timestamp((${startMs}::float8 + (g::float8 + random()) * ${(endMs - startMs) / RECORDS}::float8) / 1000) AS t,
                floor(random() * ${PAIRS})::int AS pn,
                CASE WHEN r1 < 0.95 THEN 200 WHEN r1 < 0.98 THEN 404 WHEN r1 < 0.99 THEN 429 ELSE 502 END AS status,
                CASE WHEN r2 < 0.9 THEN (5 + random() * 300)::int WHEN r2 < 0.995 THEN (300 + random() * 5000)::int
                  ELSE (random() * 40000)::int END AS d,
                random() AS r3
              FROM (SELECT g, random() AS r1, random() AS r2 FROM generate_series(${lo}::bigint, ${hi}::bigint) AS g) AS s
            ) AS x JOIN bench_pairs p ON p.n = x.pn`.execute(db),
        );
        log(`  inserted ${fmt(hi + 1)} / ${fmt(RECORDS)} (${ms(chunkMs)})`);
      }
      await sql`CREATE INDEX transactions_time ON transactions (request_in_at)`.execute(db);
      await sql`ANALYZE transactions`.execute(db);
    });
    log(
      `generated ${fmt(RECORDS)} records in ${ms(loadMs)} (INSERT … SELECT generate_series, then the time index)`,
    );

    const [rollup, rollupMs] = await timed(() => runRollups(store!, nowMs));
    await sql`ANALYZE transaction_rollups`.execute(db);
    log(
      `rollup job over them: ${ms(rollupMs)} → ${fmt(rollup.rows)} hourly rollup rows ` +
        `(${(RECORDS / rollup.rows).toFixed(1)} records per row)`,
    );
    if (SCALE_TO > RECORDS) {
      const [rows, scaleMs] = await timed(() => addSyntheticRollups(db, startMs, SCALE_TO - RECORDS, nowMs));
      log(
        `added the rollups of ${fmt(SCALE_TO - RECORDS)} more records (no raw rows; see the header): ` +
          `${fmt(rows)} hourly rollup rows now, daily rebuilt, in ${ms(scaleMs)}`,
      );
    }

    const from = new Date(startMs).toISOString();
    const to = new Date(endMs).toISOString();
    const reports: Array<{ label: string; groupBy: StatisticsDimension[] }> = [
      { label: 'a year by service and month', groupBy: ['service', 'month'] },
      { label: 'a year by consumer organization', groupBy: ['consumerOrganization'] },
      {
        label: 'a year by provider organization, service, version',
        groupBy: ['providerOrganization', 'service', 'version'],
      },
      { label: 'a year by day', groupBy: ['day'] },
    ];
    const results: string[] = [];
    for (const report of reports) {
      const times: number[] = [];
      let groups = 0;
      for (let i = 0; i < RUNS; i++) {
        const [s, t] = await timed(() => statistics(store!, { from, to, groupBy: report.groupBy }));
        if (s.totals.calls !== SCALE_TO) {
          throw new Error(`${report.label}: ${s.totals.calls} calls in the report, ${SCALE_TO} records`);
        }
        if (s.rawFrom !== null)
          throw new Error(`${report.label}: not all from rollups (rawFrom ${s.rawFrom})`);
        groups = s.rows.length;
        times.push(t);
      }
      const rawTimes: number[] = [];
      let rawCalls = 0;
      for (let i = 0; i < RAW_RUNS; i++) {
        const [r, t] = await timed(() => rawSql(report.groupBy, from, to).execute(store!.db));
        rawCalls = r.rows.reduce((a, x) => a + Number(x.calls), 0);
        rawTimes.push(t);
      }
      if (RAW_RUNS > 0 && rawCalls !== RECORDS)
        throw new Error(`${report.label}: raw baseline counted ${rawCalls}`);
      const sorted = [...times].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      const rawMedian = [...rawTimes].sort((a, b) => a - b)[Math.floor(rawTimes.length / 2)] ?? Number.NaN;
      const rawNote = SCALE_TO > RECORDS ? ` over the ${fmt(RECORDS)} raw records only` : '';
      const line =
        `report over ${fmt(SCALE_TO)} records, ${report.label} (${groups} groups): ` +
        `${ms(median)} (rollups; median of ${RUNS}, min ${ms(sorted[0]!)}, max ${ms(sorted.at(-1)!)}) vs ` +
        `${Number.isNaN(rawMedian) ? '—' : ms(rawMedian)} (raw GROUP BY baseline${rawNote})` +
        `  ${median < 1000 ? 'PASS' : 'FAIL'} < 1 s`;
      log(line);
      results.push(line);
    }
    // The console's dashboard: a year (daily points, top lists) and the default last 24 hours (raw records).
    const settings = {
      timezoneOffsetMinutes: 420,
      holidays: [],
      responseDeadlineWorkingDays: 5,
      messagingEngine: 'embedded',
    };
    for (const [label, input] of [
      ['dashboard, the last 366 days', { from: new Date(nowMs - 366 * DAY).toISOString() }],
      ['dashboard, the last 24 hours (default)', {}],
    ] as const) {
      const times: number[] = [];
      let calls = 0;
      for (let i = 0; i < RUNS; i++) {
        const [d, t] = await timed(() => dashboard(store!, settings, input, nowMs));
        calls = d.traffic.calls;
        times.push(t);
      }
      const sorted = [...times].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      const line =
        `${label} (${fmt(calls)} calls): ${ms(median)} (median of ${RUNS}, max ${ms(sorted.at(-1)!)})` +
        `  ${median < 1000 ? 'PASS' : 'FAIL'} < 1 s`;
      log(line);
      results.push(line);
    }
    log('\nsummary:');
    for (const line of results) log(`  ${line}`);
  } finally {
    await store?.close();
    if (process.env['BENCH_KEEP_DB']) log(`kept database: ${url.toString()}`);
    else await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/**
 * The hourly rollups of `extra` more records over the 365 days from `startMs`: every hour × subscription ×
 * 2xx/4xx/5xx, added to the rows the job wrote (or new), then the daily rollups rebuilt. Returns the hourly rows.
 */
async function addSyntheticRollups(
  db: PostgresStore['db'],
  startMs: number,
  extra: number,
  nowMs: number,
): Promise<number> {
  const hours = 365 * 24;
  const cells = hours * PAIRS;
  const base = Math.floor(extra / cells);
  const rest = extra - base * cells;
  // One day of hours per statement: small transactions, progress visible.
  for (let h0 = 0; h0 < hours; h0 += 24 * 30) {
    const h1 = Math.min(h0 + 24 * 30, hours) - 1;
    await sql`INSERT INTO transaction_rollups (hour, consumer_system_id, provider_system_id, service_id, version_id,
        environment, leg, status_class, kind, count, errors, request_bytes, response_bytes, duration_ms_sum,
        duration_ms_max, latency_buckets, computed_at)
      SELECT ${new Date(startMs).toISOString()}::timestamptz + x.h * interval '1 hour', p.consumer_system_id,
        p.provider_system_id, p.service_id, p.version_id, p.environment, 'sync', s.cls, 'service_call', s.k,
        CASE s.cls WHEN '5xx' THEN s.k WHEN '4xx' THEN s.k / 4 ELSE 0 END, s.k * 2000, s.k * 30000, s.k * 120, 5000,
        ARRAY[0, 0, 0, s.k / 2, 0, 0, s.k * 3 / 10, 0, 0, s.k * 15 / 100, 0, 0, 0, 0, 0,
          s.k - s.k / 2 - s.k * 3 / 10 - s.k * 15 / 100, 0, 0, 0, 0, 0, 0]::bigint[], now()
      FROM generate_series(${h0}::bigint, ${h1}::bigint) AS x(h)
        CROSS JOIN bench_pairs p
        CROSS JOIN LATERAL (SELECT ${base}::bigint + CASE WHEN x.h * ${PAIRS} + p.n < ${rest} THEN 1 ELSE 0 END AS c) AS c
        CROSS JOIN LATERAL (VALUES ('2xx', c.c - c.c * 4 / 100 - c.c / 100), ('4xx', c.c * 4 / 100), ('5xx', c.c / 100))
          AS s(cls, k)
      WHERE s.k > 0
      ON CONFLICT (hour, consumer_system_id, provider_system_id, service_id, version_id, environment, leg,
        status_class, kind) DO UPDATE SET
        count = transaction_rollups.count + EXCLUDED.count,
        errors = transaction_rollups.errors + EXCLUDED.errors,
        request_bytes = transaction_rollups.request_bytes + EXCLUDED.request_bytes,
        response_bytes = transaction_rollups.response_bytes + EXCLUDED.response_bytes,
        duration_ms_sum = transaction_rollups.duration_ms_sum + EXCLUDED.duration_ms_sum,
        duration_ms_max = greatest(transaction_rollups.duration_ms_max, EXCLUDED.duration_ms_max),
        latency_buckets = (SELECT array_agg(a + b ORDER BY i)
          FROM unnest(transaction_rollups.latency_buckets, EXCLUDED.latency_buckets) WITH ORDINALITY AS u(a, b, i))`.execute(
      db,
    );
    log(`  rollups added for hours ${fmt(h1 + 1)} / ${fmt(hours)}`);
  }
  await rebuildDailyRollups(db as never, startMs, startMs + hours * HOUR, nowMs);
  await sql`ANALYZE transaction_rollups`.execute(db);
  await sql`ANALYZE transaction_rollups_daily`.execute(db);
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM transaction_rollups`.execute(db);
  return rows[0]!.n;
}

await main();

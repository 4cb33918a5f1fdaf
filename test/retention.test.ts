import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import type { Store } from '../src/store/port.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import {
  ensureTransactionPartitions,
  listTransactionPartitions,
  MIN_RETENTION_DAYS,
  RetentionError,
  retentionCutoffMs,
  runRetention,
  verifyArchives,
} from '../src/telemetry/retention.ts';
import {
  LATENCY_BUCKETS_MS,
  latencyBucket,
  recomputeRollups,
  rollupReport,
  rollupWatermark,
  runRollups,
} from '../src/telemetry/rollups.ts';
import { runCli } from './helpers/cli.ts';
import { callRecord } from './helpers/records.ts';
import { migratedDataDir, openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let seq = 0;
function record(at: number, over: Partial<TransactionRecord> = {}): TransactionRecord {
  const id = `txn_${String(++seq).padStart(8, '0')}`;
  const duration = over.responseOutAt !== undefined ? over.responseOutAt - at : 20;
  return callRecord(at, {
    id,
    consumerSystemId: 'sys_c1',
    consumerOrgCode: 'C1',
    credentialId: 'cred_1',
    providerSystemId: 'sys_p1',
    providerOrgCode: 'P1',
    serviceId: 'svc_1',
    serviceContext: '/svc1',
    versionId: 'ver_1',
    version: 'v1',
    resourceTemplate: '/items/{id}',
    requestBytes: 100,
    responseBytes: 1000,
    responseInAt: at + duration - 1,
    responseOutAt: at + duration,
    ...over,
  });
}

/** A deterministic pseudo-random sequence, so failures repeat. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const db = (store: Store) => store.db as unknown as Kysely<unknown>;
async function one<T>(store: Store, q: ReturnType<typeof sql<T>>): Promise<T> {
  return (await q.execute(db(store))).rows[0]!;
}

describe('retention configuration (R-20)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lgsp-retention-cfg-'));
  after(() => rmSync(cwd, { recursive: true, force: true }));

  test('the default is 730 days; shorter is refused naming R-20; longer is accepted', () => {
    assert.equal(loadConfig({ env: {}, cwd }).retention.transactionDays, 730);
    assert.equal(
      loadConfig({ env: { LGSP_RETENTION_TRANSACTION_DAYS: '1095' }, cwd }).retention.transactionDays,
      1095,
    );
    assert.throws(
      () => loadConfig({ env: { LGSP_RETENTION_TRANSACTION_DAYS: '365' }, cwd }),
      (err: unknown) =>
        err instanceof ConfigError &&
        /retention\.transactionDays \(LGSP_RETENTION_TRANSACTION_DAYS\)/.test(err.message) &&
        /không được ngắn hơn 730 ngày \(2 năm\)/.test(err.message) &&
        /R-20/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ overrides: { retention: { transactionDays: 729 } }, env: {}, cwd }),
      ConfigError,
    );
    assert.equal(
      loadConfig({ env: { LGSP_ARCHIVE_DIR: '/srv/lgsp-archives' }, cwd }).retention.archiveDir,
      '/srv/lgsp-archives',
    );
  });
});

for (const kind of storeKinds) {
  describe(`retention on ${kind}`, () => {
    let t: TestStore;
    let dir: string;
    before(async () => {
      t = await openTestStore(kind);
    });
    after(async () => {
      await t?.dispose();
    });

    test('transactions is partitioned by month with a DEFAULT partition; a retried batch is harmless', async () => {
      const { relkind } = await one(
        t.store,
        sql<{ relkind: string }>`SELECT relkind FROM pg_class WHERE relname = 'transactions'`,
      );
      assert.equal(relkind, 'p');
      const at = Date.UTC(2031, 4, 3, 10);
      const batch = [record(at), record(at + 1000)];
      await insertTransactions(t.store, batch);
      await insertTransactions(t.store, batch);
      const { n } = await one(t.store, sql<{ n: string }>`SELECT count(*) AS n FROM transactions_default`);
      assert.equal(Number(n), 2, 'a month without its partition lands in DEFAULT, never fails');
      const created = await ensureTransactionPartitions(t.store, Date.UTC(2031, 4, 20));
      assert.deepEqual(created, ['transactions_2031_05', 'transactions_2031_06', 'transactions_2031_07']);
      const moved = await one(
        t.store,
        sql<{ d: string; p: string }>`SELECT (SELECT count(*) FROM transactions_default) AS d,
          (SELECT count(*) FROM transactions_2031_05) AS p`,
      );
      assert.deepEqual([Number(moved.d), Number(moved.p)], [0, 2]);
      assert.deepEqual(await ensureTransactionPartitions(t.store, Date.UTC(2031, 4, 20)), [], 'idempotent');
      await insertTransactions(t.store, batch);
      const total = await one(t.store, sql<{ n: string }>`SELECT count(*) AS n FROM transactions`);
      assert.equal(Number(total.n), 2);
      await sql`DELETE FROM transactions`.execute(db(t.store));
    });

    test('reports from rollups agree with counts from raw records', async () => {
      const random = rng(42);
      const start = Date.UTC(2032, 0, 31, 18); // crosses a day and a month boundary
      const consumers = ['sys_c1', 'sys_c2', 'sys_c3', null];
      const services = ['svc_1', 'svc_2', 'svc_3'];
      const statuses = [200, 200, 200, 201, 204, 400, 404, 429, 500, 502, 504];
      const records: TransactionRecord[] = [];
      for (let i = 0; i < 3000; i++) {
        const at = start + Math.floor(random() * 30 * HOUR);
        const status = statuses[Math.floor(random() * statuses.length)]!;
        const duration = Math.floor(random() ** 3 * 12_000);
        const consumer = consumers[Math.floor(random() * consumers.length)]!;
        records.push(
          record(at, {
            consumerSystemId: consumer,
            serviceId: services[Math.floor(random() * services.length)]!,
            consumerStatus: status,
            providerStatus: status === 429 ? null : status,
            errorCode: status === 429 ? 'GW_QUOTA_EXCEEDED' : status === 504 ? 'GW_UPSTREAM_TIMEOUT' : null,
            requestBytes: Math.floor(random() * 5000),
            responseBytes: Math.floor(random() * 50_000),
            responseOutAt: at + duration,
            leg: random() < 0.1 ? 'delivery' : 'sync',
          }),
        );
      }
      await ensureTransactionPartitions(t.store, start);
      await insertTransactions(t.store, records);
      const end = start + 31 * HOUR;

      // The watermark starts at the oldest record; open hours are not rolled up.
      const partial = await runRollups(t.store, start + 10 * HOUR + 60_000);
      assert.equal(partial.from, new Date(start).toISOString());
      assert.equal(
        await rollupWatermark(t.store),
        start + 9 * HOUR,
        'the last hour is within the grace period',
      );
      const full = await runRollups(t.store, end + HOUR);
      assert.equal(full.from, new Date(start + 9 * HOUR).toISOString());
      assert.deepEqual(await runRollups(t.store, end + HOUR), { from: null, to: null, rows: 0 });

      const from = new Date(start).toISOString();
      const to = new Date(end + HOUR).toISOString();
      const raw = async (key: string) =>
        (
          await sql<{
            key: string;
            count: string;
            errors: string;
            req: string;
            res: string;
            dur: string;
            p50: number;
            p95: number;
            p99: number;
          }>`SELECT ${sql.raw(key)} AS key, count(*) AS count,
              count(*) FILTER (WHERE error_code IS NOT NULL OR consumer_status >= 500) AS errors,
              sum(request_bytes) AS req, sum(response_bytes) AS res, sum(duration_ms) AS dur,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99
            FROM transactions GROUP BY 1 ORDER BY 1`.execute(db(t.store))
        ).rows;
      const groups = {
        service: "coalesce(service_id, '')",
        consumer: "coalesce(consumer_system_id, '')",
        statusClass: "(consumer_status / 100)::text || 'xx'",
        day: "to_char(request_in_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
      } as const;
      const expected = async (key: string) => {
        const rows = await raw(key);
        return rows
          .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
          .map((r) => ({
            key: r.key,
            count: Number(r.count),
            errors: Number(r.errors),
            requestBytes: Number(r.req),
            responseBytes: Number(r.res),
            durationMsSum: Number(r.dur),
          }));
      };
      for (const [group, key] of Object.entries(groups)) {
        const report = await rollupReport(t.store, { from, to, group: group as keyof typeof groups });
        const want = await expected(key);
        assert.deepEqual(
          report.map(({ key, count, errors, requestBytes, responseBytes, durationMsSum }) => ({
            key,
            count,
            errors,
            requestBytes,
            responseBytes,
            durationMsSum,
          })),
          want,
          `group ${group}`,
        );
        const rawRows = await raw(key);
        for (const row of report) {
          const r = rawRows.find((x) => x.key === row.key)!;
          for (const [q, got] of [
            ['p50', row.p50Ms],
            ['p95', row.p95Ms],
            ['p99', row.p99Ms],
          ] as const) {
            const rawValue = Number(r[q]);
            assert.ok(
              Math.abs(latencyBucket(got) - latencyBucket(rawValue)) <= 1,
              `${group} ${row.key} ${q}: rollup ${got} ms, raw ${rawValue} ms — more than a bucket apart`,
            );
          }
        }
      }
      assert.equal(
        (await rollupReport(t.store, { from, to, group: 'day' })).map((r) => r.key).join(','),
        '2032-01-31,2032-02-01',
      );
      assert.equal(
        LATENCY_BUCKETS_MS.length + 1,
        (await rollupReport(t.store, { from, to, group: 'service' }))[0]!.latencyBuckets.length,
      );

      // Recomputing is idempotent.
      const before = await rollupReport(t.store, { from, to, group: 'consumer' });
      await recomputeRollups(t.store, start, end + HOUR);
      assert.deepEqual(await rollupReport(t.store, { from, to, group: 'consumer' }), before);
      await sql`DELETE FROM transactions`.execute(db(t.store));
      await sql`DELETE FROM transaction_rollups`.execute(db(t.store));
      await sql`DELETE FROM job_watermarks`.execute(db(t.store));
    });

    test('retention below 730 days is refused by the job, naming R-20', async () => {
      dir = mkdtempSync(join(tmpdir(), 'lgsp-archives-'));
      await assert.rejects(
        runRetention(t.store, { retentionDays: MIN_RETENTION_DAYS - 1, archiveDir: dir }),
        (err: unknown) =>
          err instanceof RetentionError &&
          err.code === 'LGSP_RETENTION_TOO_SHORT' &&
          /không được ngắn hơn 730 ngày \(2 năm\)/.test(err.message) &&
          /R-20/.test(err.message),
      );
    });

    test('expired months are archived, sealed and dropped; rollups stay; tampering is detected', async () => {
      const jan = Date.UTC(2024, 0, 10, 8);
      const feb = Date.UTC(2024, 1, 20, 9);
      const mar = Date.UTC(2024, 2, 5, 12);
      await ensureTransactionPartitions(t.store, jan);
      const janRows = Array.from({ length: 120 }, (_, i) =>
        record(jan + i * 60_000, { consumerStatus: i % 10 === 0 ? 500 : 200 }),
      );
      const febRows = Array.from({ length: 30 }, (_, i) => record(feb + i * 1000));
      const marRows = Array.from({ length: 7 }, (_, i) => record(mar + i * 1000));
      await insertTransactions(t.store, [...janRows, ...febRows, ...marRows]);

      // Two years and a bit later: January and February 2024 are past 730 days, March is not.
      const now = Date.UTC(2026, 2, 10);
      const cutoff = now - 730 * DAY;
      assert.ok(
        cutoff >= Date.UTC(2024, 2, 1) && cutoff < Date.UTC(2024, 3, 1),
        new Date(cutoff).toISOString(),
      );
      const archived = await runRetention(t.store, { retentionDays: 730, archiveDir: dir, nowMs: now });
      assert.deepEqual(
        archived.map((a) => [a.seq, a.partition, a.rows]),
        [
          [1, 'transactions_2024_01', 120],
          [2, 'transactions_2024_02', 30],
        ],
      );
      const names = (await listTransactionPartitions(t.store)).map((p) => p.name);
      assert.ok(
        !names.includes('transactions_2024_01') && !names.includes('transactions_2024_02'),
        "!names.includes('transactions_2024_01') && !names.includes('transactions_2024_02')",
      );
      assert.ok(names.includes('transactions_2024_03'), "names.includes('transactions_2024_03')");
      const left = await one(
        t.store,
        sql<{
          n: string;
        }>`SELECT count(*) AS n FROM transactions WHERE request_in_at < '2024-03-01T00:00:00Z'`,
      );
      assert.equal(Number(left.n), 0, 'raw rows of the expired months are gone');
      const kept = await one(t.store, sql<{ n: string }>`SELECT count(*) AS n FROM transactions`);
      assert.equal(Number(kept.n), 7);

      // Reports over the archived months still work from the rollups.
      const report = await rollupReport(t.store, {
        from: '2024-01-01T00:00:00Z',
        to: '2024-03-01T00:00:00Z',
        group: 'statusClass',
      });
      assert.deepEqual(
        report.map((r) => [r.key, r.count, r.errors]),
        [
          ['2xx', 138, 0],
          ['5xx', 12, 12],
        ],
      );

      // Other local users read nothing of it (the records name callers and paths).
      assert.equal(statSync(join(dir, 'transactions_2024_01.jsonl.gz')).mode & 0o777, 0o600);
      // The archive holds every row, and the chain verifies.
      const lines = gunzipSync(readFileSync(join(dir, 'transactions_2024_01.jsonl.gz')))
        .toString('utf8')
        .trim()
        .split('\n');
      const header = JSON.parse(lines[0]!);
      assert.equal(header.format, 'openlgsp-transaction-archive');
      assert.equal(header.rows, 120);
      assert.equal(lines.length, 121);
      assert.deepEqual(
        lines.slice(1).map((l) => JSON.parse(l).id),
        janRows.map((r) => r.id),
      );
      const ok = await verifyArchives(t.store, dir);
      assert.equal(ok.ok, true);
      assert.equal(ok.count, 2);

      // Running again archives nothing new.
      assert.deepEqual(await runRetention(t.store, { retentionDays: 730, archiveDir: dir, nowMs: now }), []);

      // A byte of an archive file changed.
      const file = join(dir, 'transactions_2024_02.jsonl.gz');
      const original = readFileSync(file);
      const altered = Buffer.from(original);
      altered[altered.length - 10]! ^= 0xff;
      writeFileSync(file, altered);
      let result = await verifyArchives(t.store, dir);
      assert.equal(result.ok, false);
      assert.deepEqual(!result.ok && result.problems.map((p) => [p.seq, p.partition, p.kind]), [
        [2, 'transactions_2024_02', 'file-altered'],
      ]);
      // The file missing.
      unlinkSync(file);
      result = await verifyArchives(t.store, dir);
      assert.deepEqual(!result.ok && result.problems.map((p) => [p.seq, p.kind]), [[2, 'file-missing']]);
      writeFileSync(file, original);
      assert.equal((await verifyArchives(t.store, dir)).ok, true);

      // A chain entry changed: its own hash no longer matches.
      await sql`UPDATE transaction_archives SET row_count = 119 WHERE seq = 1`.execute(db(t.store));
      result = await verifyArchives(t.store, dir);
      assert.deepEqual(!result.ok && result.problems.map((p) => [p.seq, p.kind]), [[1, 'entry-altered']]);
      await sql`UPDATE transaction_archives SET row_count = 120 WHERE seq = 1`.execute(db(t.store));
      // A hash rewritten: the entry does not match it, and the next one no longer links to it.
      await sql`UPDATE transaction_archives SET hash = repeat('a', 64) WHERE seq = 1`.execute(db(t.store));
      result = await verifyArchives(t.store, dir);
      assert.deepEqual(!result.ok && result.problems.map((p) => [p.seq, p.kind]), [
        [1, 'entry-altered'],
        [2, 'chain-broken'],
      ]);
    });

    test('730 days never fall short of two calendar years: a 29 February between keeps the month a day longer', async () => {
      // 31/03/2027 12:00 UTC + 730 days is 30/03/2029 12:00 (29/02/2028 lies between): on 31/03/2029 at 06:00 the
      // month of March 2027 is 730 days old as a whole, but its last record is not yet two years old.
      assert.equal(retentionCutoffMs(Date.UTC(2029, 2, 31, 6), 730), Date.UTC(2027, 2, 31, 6));
      assert.equal(
        retentionCutoffMs(Date.UTC(2026, 2, 10), 730),
        Date.UTC(2024, 2, 10),
        'no leap day: 730 days',
      );
      assert.equal(
        retentionCutoffMs(Date.UTC(2028, 1, 29, 12), 730),
        Date.UTC(2026, 1, 28, 12),
        '29/02 → 28/02',
      );
      assert.equal(retentionCutoffMs(Date.UTC(2029, 2, 31, 6), 1000), Date.UTC(2029, 2, 31, 6) - 1000 * DAY);
      const last = Date.UTC(2027, 2, 31, 12);
      await ensureTransactionPartitions(t.store, last);
      await insertTransactions(t.store, [record(last)]);
      const leapDir = mkdtempSync(join(tmpdir(), 'lgsp-archives-'));
      try {
        const early = await runRetention(t.store, {
          retentionDays: 730,
          archiveDir: leapDir,
          nowMs: Date.UTC(2029, 2, 31, 6),
        });
        assert.ok(
          !early.some((a) => a.partition === 'transactions_2027_03'),
          'March 2027 kept: its last record is two years old only at 31/03/2029 12:00',
        );
        const later = await runRetention(t.store, {
          retentionDays: 730,
          archiveDir: leapDir,
          nowMs: Date.UTC(2029, 3, 1, 1),
        });
        assert.deepEqual(
          later.filter((a) => a.partition === 'transactions_2027_03').map((a) => a.rows),
          [1],
          'archived once every record of it is two years old',
        );
      } finally {
        rmSync(leapDir, { recursive: true, force: true });
      }
    });

    test('a month archived and sealed but not dropped (a crash) is dropped by the next run, if unchanged', async () => {
      const may = Date.UTC(2024, 4, 10);
      await ensureTransactionPartitions(t.store, may);
      const mayRows = [record(may), record(may + 1000)];
      await insertTransactions(t.store, mayRows);
      const cleanDir = mkdtempSync(join(tmpdir(), 'lgsp-archives-'));
      const count = async () =>
        Number((await one(t.store, sql<{ n: string }>`SELECT count(*) AS n FROM transaction_archives`)).n);
      try {
        const now = Date.UTC(2024, 5, 1) + 731 * DAY;
        const first = await runRetention(t.store, { retentionDays: 730, archiveDir: cleanDir, nowMs: now });
        assert.ok(
          first.some((a) => a.partition === 'transactions_2024_05' && a.rows === 2),
          "first.some((a) => a.partition === 'transactions_2024_05' && a.rows === 2)",
        );
        const sealed = await count();
        // The state a crash between sealing and dropping leaves: the sealed archive and the partition, intact.
        const recreate = sql`CREATE TABLE transactions_2024_05 PARTITION OF transactions
          FOR VALUES FROM ('2024-05-01T00:00:00Z') TO ('2024-06-01T00:00:00Z')`;
        await recreate.execute(db(t.store));
        await insertTransactions(t.store, mayRows);
        const resumed = await runRetention(t.store, { retentionDays: 730, archiveDir: cleanDir, nowMs: now });
        assert.deepEqual(
          resumed.map((a) => [a.partition, a.rows]),
          [['transactions_2024_05', 2]],
        );
        assert.equal(await count(), sealed, 'no second archive of the same month');
        // A partition whose rows differ from its sealed archive is never dropped.
        await recreate.execute(db(t.store));
        await insertTransactions(t.store, [record(may + 5000)]);
        await assert.rejects(
          runRetention(t.store, { retentionDays: 730, archiveDir: cleanDir, nowMs: now }),
          (err: unknown) => err instanceof RetentionError && err.code === 'LGSP_RETENTION_CHANGED',
        );
        const still = await one(t.store, sql<{ n: string }>`SELECT count(*) AS n FROM transactions_2024_05`);
        assert.equal(Number(still.n), 1, 'nothing dropped');
      } finally {
        rmSync(cleanDir, { recursive: true, force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('lgsp archive verify (offline)', () => {
  test('reads the store named by the configuration; exit 0 intact, 1 with the broken file named', async () => {
    const dataDir = await migratedDataDir('lgsp-archive-cli-');
    try {
      const store = await PgliteStore.open(dataDir);
      await migrate(store);
      const jan = Date.UTC(2024, 0, 15);
      await ensureTransactionPartitions(store, jan);
      await insertTransactions(store, [record(jan), record(jan + 1)]);
      await runRetention(store, {
        retentionDays: 730,
        archiveDir: join(dataDir, 'archives'),
        // Two years after January 2024 ended (730 days after it would be 31/01/2026: 29/02/2024 lies between).
        nowMs: Date.UTC(2026, 1, 1),
      });
      await store.close();

      const run = (...argv: string[]) => runCli(['archive', 'verify', ...argv], { LGSP_DATA_DIR: dataDir });
      const good = await run();
      assert.equal(good.code, 0, good.err);
      assert.match(good.out, /Archives intact: 1/);

      const file = join(dataDir, 'archives', 'transactions_2024_01.jsonl.gz');
      const bytes = readFileSync(file);
      bytes[20]! ^= 0x01;
      writeFileSync(file, bytes);
      const bad = await run();
      assert.equal(bad.code, 1);
      assert.match(bad.out, /#1 transactions_2024_01 \(transactions_2024_01\.jsonl\.gz\) \[file-altered\]/);
      const json = await run('--json');
      assert.equal(JSON.parse(json.out).problems[0].kind, 'file-altered');
      const elsewhere = await run('--dir', join(dataDir, 'nowhere'));
      assert.match(elsewhere.out, /file-missing/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

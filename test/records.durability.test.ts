import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { PgliteStore } from '../src/store/pglite-store.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { COPY_COLUMNS, insertTransactions, parseTuple, recordTuple } from '../src/telemetry/record-copy.ts';
import { journalRuns, RecordJournal } from '../src/telemetry/record-journal.ts';
import { Recorder } from '../src/telemetry/recorder.ts';
import { copyLine } from './helpers/copy-text.ts';
import { startDemo } from './helpers/demo-process.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { callRecord } from './helpers/records.ts';
import { seedProvince } from './helpers/seed.ts';
import { sharedProvince } from './helpers/shared-nodes.ts';
import { migratedDataDir, openTestStore, storeKinds, testDatabaseUrl } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * Strict durability of transaction records (issue 13 item 5, R-06/R-20): the record of a call is in the store
 * before the last byte of its answer is released, so a node that dies never leaves an answered call unrecorded.
 */

async function storedIds(
  store: { db: import('kysely').Kysely<never> },
  ids: string[],
): Promise<Map<string, number>> {
  const rows = await (store.db as unknown as import('kysely').Kysely<{ transactions: { id: string } }>)
    .selectFrom('transactions')
    .select('id')
    .where('id', 'in', ids)
    .execute();
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
  return counts;
}

for (const kind of storeKinds) {
  describe(`strict recorder (${kind})`, () => {
    test('the store away: records are durable in the journal at once, and shipped when the store is back or the node restarts', async () => {
      const t = await openTestStore(kind);
      const journalDir = mkdtempSync(join(tmpdir(), 'lgsp-journal-'));
      const options = {
        flushIntervalMs: 50,
        batchSize: 1000,
        maxBacklog: 100_000,
        durability: 'strict' as const,
        journalDir,
      };
      // A store that refuses every write, like PostgreSQL behind a cut network.
      const away = Object.create(t.store) as typeof t.store;
      Object.defineProperty(away, 'db', {
        value: new Proxy(t.store.db, {
          get: (target, key) =>
            key === 'executeQuery'
              ? () => Promise.reject(new Error('connection reset'))
              : Reflect.get(target, key, target),
        }),
      });
      // The COPY path (insertTransactions) goes past Kysely: it is refused the same way.
      Object.defineProperty(away, 'copyIn', { value: () => Promise.reject(new Error('connection reset')) });
      const first = new Recorder(away, options, silentLogger());
      const second = new Recorder(t.store, options, silentLogger());
      try {
        const base = Date.now();
        const records = Array.from({ length: 20 }, (_, i) =>
          callRecord(base + i, { id: `txn_journal${kind}${i}` }),
        );
        await Promise.all(records.map((r) => first.record(r)));
        assert.equal(first.journaled, 20, 'each answered call durable in the journal');
        assert.equal(first.written, 0, 'none in the store');
        // The node dies with its journal; started again (the store reachable), it ships what the journal holds.
        second.start();
        await waitFor(
          async () =>
            (
              await storedIds(
                t.store as never,
                records.map((r) => r.id),
              )
            ).size === 20,
          { what: 'the journal shipped to the store', timeoutMs: 20_000 },
        );
        await second.shipJournal();
        // What is left, if anything, is the restarted node's own next segment, made ready and still empty.
        assert.deepEqual(journalIds(journalDir), [], 'no record left in the journal once shipped');
        const twice = await storedIds(
          t.store as never,
          records.map((r) => r.id),
        );
        assert.ok(
          [...twice.values()].every((n) => n === 1),
          'each record stored once',
        );
      } finally {
        // The "dead" node's files closed (with nothing more to write, the store refusing).
        await first.close(0);
        await second.close();
        await t.dispose();
        rmSync(journalDir, { recursive: true, force: true });
      }
    });

    test("a journal left behind is shipped whatever it holds: lines already stored, an earlier version's JSON lines, a line cut short", async () => {
      const t = await openTestStore(kind);
      const journalDir = mkdtempSync(join(tmpdir(), 'lgsp-journal-'));
      const base = Date.now();
      const records = Array.from({ length: 15 }, (_, i) =>
        callRecord(base + i, {
          id: `txn_left${kind}${i}`,
          clientTranCode: i === 3 ? 'tab\there\nand a new line' : null,
        }),
      );
      // A dead run's live segment: its columns, ten records of which the store already took five, a line cut short
      // by the crash, then the zeros it was made of.
      await insertTransactions(t.store, records.slice(0, 5));
      const segment = `#columns ${COPY_COLUMNS.join(',')}\n${records.slice(0, 10).map(copyLine).join('')}`;
      writeFileSync(
        join(journalDir, 'live-deadrun-000001.copy'),
        Buffer.concat([Buffer.from(`${segment}${copyLine(records[10]!).slice(0, 40)}`), Buffer.alloc(4096)]),
      );
      // A run of a version that journaled JSON lines, cut short too.
      const json = records.slice(10).map((r) => `${JSON.stringify(r)}\n`);
      writeFileSync(join(journalDir, 'live-olderrun-000001.jsonl'), `${json.join('')}{"id":"txn_cut`);
      const recorder = new Recorder(
        t.store,
        { flushIntervalMs: 50, batchSize: 1000, maxBacklog: 100_000, durability: 'strict', journalDir },
        silentLogger(),
      );
      try {
        recorder.start();
        await recorder.shipJournal();
        await waitFor(
          async () =>
            (
              await storedIds(
                t.store as never,
                records.map((r) => r.id),
              )
            ).size === 15,
          {
            what: 'every journaled record stored',
            timeoutMs: 20_000,
          },
        );
        const stored = await storedIds(
          t.store as never,
          records.map((r) => r.id),
        );
        assert.deepEqual([...stored.values()], Array(15).fill(1), 'each record stored once');
        const tricky = await (
          t.store.db as unknown as import('kysely').Kysely<{
            transactions: { id: string; client_tran_code: string | null };
          }>
        )
          .selectFrom('transactions')
          .select('client_tran_code')
          .where('id', '=', records[3]!.id)
          .executeTakeFirstOrThrow();
        assert.equal(
          tricky.client_tran_code,
          'tab\there\nand a new line',
          'an escaped field stored as taken',
        );
        assert.deepEqual(journalIds(journalDir), [], 'the files shipped and deleted');
      } finally {
        await recorder.close();
        await t.dispose();
        rmSync(journalDir, { recursive: true, force: true });
      }
    });

    test('a binary journal left behind ships up to the append a crash cut short, and an earlier version’s lines before it', async () => {
      const t = await openTestStore(kind);
      const journalDir = mkdtempSync(join(tmpdir(), 'lgsp-journal-'));
      const base = Date.now();
      const records = Array.from({ length: 16 }, (_, i) =>
        callRecord(base + i + 0.25, {
          id: `txn_torn${kind}${i}`,
          clientTranCode: i % 4 === 2 ? 'Mã giao dịch\tsố\n\\ một\0' : null,
        }),
      );
      const tuples = records.map(recordTuple);
      // A dead run's live segment: three appends (of which the store took records 0–4), then record 10's append,
      // a block of which a power cut left unwritten (zeros).
      await insertTransactions(t.store, records.slice(0, 5));
      const dead = new RecordJournal(journalDir);
      await dead.appendLive(tuples.slice(0, 4), 4);
      await dead.appendLive(tuples.slice(4, 10), 10);
      await dead.appendLive(tuples.slice(10, 11), 11);
      await dead.closeLive(0);
      const [segment] = readdirSync(journalDir);
      const bytes = readFileSync(join(journalDir, segment!));
      const torn = bytes.indexOf(tuples[10]!);
      assert.ok(torn > 0, 'the last append is in the segment');
      bytes.fill(0, torn + 100, torn + 200);
      writeFileSync(join(journalDir, segment!), bytes);
      // Appends while the store was away: the earlier version's, of COPY text lines; the dead run's, the last cut
      // short by the end of the file.
      writeFileSync(
        join(journalDir, 'open.copy'),
        `#columns ${COPY_COLUMNS.join(',')}\n${copyLine(records[11]!)}${copyLine(records[12]!)}`,
      );
      await dead.append(tuples.slice(13, 14));
      await dead.append(tuples.slice(14, 16));
      const open = join(journalDir, readdirSync(journalDir).find((n) => n.startsWith('open-'))!);
      writeFileSync(open, readFileSync(open).subarray(0, -300));
      const recorder = new Recorder(
        t.store,
        { flushIntervalMs: 50, batchSize: 1000, maxBacklog: 100_000, durability: 'strict', journalDir },
        silentLogger(),
      );
      const shippedIds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13].map((i) => records[i]!.id);
      try {
        recorder.start();
        await recorder.shipJournal();
        await waitFor(
          async () => (await storedIds(t.store as never, shippedIds)).size === shippedIds.length,
          {
            what: 'every record before the torn appends stored',
            timeoutMs: 20_000,
          },
        );
        const stored = await storedIds(
          t.store as never,
          records.map((r) => r.id),
        );
        assert.deepEqual(
          [...stored.keys()].sort(),
          [...shippedIds].sort(),
          'what precedes each torn append, and nothing of those appends',
        );
        assert.deepEqual([...stored.values()], Array(shippedIds.length).fill(1), 'each record stored once');
        const texts = await (
          t.store.db as unknown as import('kysely').Kysely<{
            transactions: { id: string; client_tran_code: string | null };
          }>
        )
          .selectFrom('transactions')
          .select('client_tran_code')
          .where('id', 'in', [records[2]!.id, records[6]!.id])
          .execute();
        assert.deepEqual(
          texts.map((r) => r.client_tran_code),
          ['Mã giao dịch\tsố\n\\ một\uFFFD', 'Mã giao dịch\tsố\n\\ một\uFFFD'],
          'text stored as taken, NUL as U+FFFD (already stored, and shipped)',
        );
        assert.deepEqual(journalIds(journalDir), [], 'the files shipped and deleted');
      } finally {
        await recorder.close();
        await t.dispose();
        rmSync(journalDir, { recursive: true, force: true });
      }
    });

    test('record() resolves once the record is in the store; concurrent records share writes (group commit)', async () => {
      const t = await openTestStore(kind);
      const recorder = new Recorder(
        t.store,
        { flushIntervalMs: 60_000, batchSize: 1000, maxBacklog: 100_000, durability: 'strict' },
        silentLogger(),
      );
      try {
        const base = Date.now();
        const records = Array.from({ length: 300 }, (_, i) =>
          callRecord(base + i, { id: `txn_strict${kind}${i}` }),
        );
        const durable = records.map((r) => recorder.record(r));
        assert.ok(
          durable.every((d) => d instanceof Promise),
          'strict: every record returns its durability',
        );
        // Not one is written yet by a timer: the interval is a minute.
        await Promise.all(durable);
        const stored = await storedIds(
          t.store as never,
          records.map((r) => r.id),
        );
        assert.equal(stored.size, 300, 'every record is in the store when its promise resolves');
        assert.equal(recorder.written, 300);
        assert.ok(recorder.failedBatches === 0, 'no failed write');
        // 300 records taken in one turn: one write for the first, one for the rest (not 300 round trips).
        assert.ok(recorder.writes <= 3, `${recorder.writes} writes for 300 concurrent records`);
      } finally {
        await recorder.close();
        await t.dispose();
      }
    });

    test('callers that record again as soon as theirs is durable are never left waiting for the timer', {
      timeout: 60_000,
    }, async () => {
      const t = await openTestStore(kind);
      // The timer would write only after a minute: every write here must be started by the records themselves.
      const recorder = new Recorder(
        t.store,
        { flushIntervalMs: 60_000, batchSize: 1000, maxBacklog: 100_000, durability: 'strict' },
        silentLogger(),
      );
      try {
        const started = Date.now();
        await Promise.all(
          Array.from({ length: 20 }, async (_, caller) => {
            for (let round = 0; round < 30; round++) {
              await recorder.record(callRecord(Date.now(), { id: `txn_loop${kind}${caller}x${round}` }));
            }
          }),
        );
        assert.equal(recorder.written, 600);
        assert.ok(Date.now() - started < 30_000, `600 records in ${Date.now() - started} ms`);
      } finally {
        await recorder.close();
        await t.dispose();
      }
    });

    test('batched records return nothing to wait for', async () => {
      const t = await openTestStore(kind);
      const recorder = new Recorder(
        t.store,
        { flushIntervalMs: 50, batchSize: 1000, maxBacklog: 100_000 },
        silentLogger(),
      );
      try {
        assert.equal(recorder.record(callRecord(Date.now())), undefined);
      } finally {
        await recorder.close();
        await t.dispose();
      }
    });
  });

  describe(`gateway with strict records (${kind})`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let token = '';
    before(async () => {
      upstream = await startUpstream();
      h = await startGatewayHarness(kind, { durability: 'strict' });
      const seed = await seedProvince(h, upstream.url);
      await h.snapshots.refresh();
      token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
    });
    after(async () => {
      await h.close();
      await upstream.close();
    });

    test('an answer the client has — forwarded, refused, token — already has its record in the store', async () => {
      const answers = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const path = i % 4 === 3 ? '/thue/1.0/mst/1' : `/dancu/1.0/congdan/${i}`;
          const res = await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
          await res.arrayBuffer();
          const id = res.headers.get('x-lgsp-transaction-id')!;
          // Asked the moment the answer is complete: no flush, no waiting.
          const stored = await storedIds(h.store as never, [id]);
          return { id, status: res.status, stored: stored.get(id) ?? 0 };
        }),
      );
      assert.ok(
        answers.some((a) => a.status === 200),
        'forwarded answers among them',
      );
      assert.ok(
        answers.some((a) => a.status === 403),
        'refusals among them (no subscription to thue)',
      );
      const missing = answers.filter((a) => a.stored !== 1);
      assert.deepEqual(missing, [], 'every answered call recorded exactly once before its answer ended');
    });
  });
}

describe('strict records on the embedded store: the journal first, the store in batches', () => {
  test('record() resolves once the record is durable in the journal, before the store has it; stored, the journal is emptied', async () => {
    const t = await openTestStore('pglite');
    const journalDir = mkdtempSync(join(tmpdir(), 'lgsp-journal-'));
    // A store whose writes wait until the test lets them through: a PGlite thread busy with something else.
    let letThrough: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      letThrough = resolve;
    });
    const slow = Object.create(t.store) as typeof t.store;
    Object.defineProperty(slow, 'copyIn', {
      value: async (target: string, data: Uint8Array) => {
        await held;
        return t.store.copyIn(target, data);
      },
    });
    const recorder = new Recorder(
      slow,
      { flushIntervalMs: 20, batchSize: 1000, maxBacklog: 100_000, durability: 'strict', journalDir },
      silentLogger(),
    );
    recorder.start();
    try {
      assert.ok(recorder.journalFirst, 'strict on PGlite with a journal: the journal first');
      const base = Date.now();
      const records = Array.from({ length: 50 }, (_, i) => callRecord(base + i, { id: `txn_first${i}` }));
      await Promise.all(records.map((r) => recorder.record(r)));
      assert.equal(recorder.journaled, 50, 'each record durable in the journal when its promise resolves');
      assert.equal(recorder.written, 0, 'none in the store yet: the store write is still held');
      const files = readdirSync(journalDir);
      const ids = journalIds(journalDir);
      // Written in place at the start of a file that had its full size (zeros) before the first record, so no
      // synchronous write had to make a new file size durable too.
      for (const f of files) {
        assert.equal(statSync(join(journalDir, f)).size, 16 * 1024 * 1024, `${f}: a segment of 16 MiB`);
      }
      assert.deepEqual(ids.sort(), records.map((r) => r.id).sort(), 'the journal holds every record, once');
      letThrough();
      await waitFor(
        async () =>
          (
            await storedIds(
              t.store as never,
              records.map((r) => r.id),
            )
          ).size === 50,
        {
          what: 'the records written to the store in a batch',
          timeoutMs: 20_000,
        },
      );
      // The live segment is kept while small; a clean stop with everything stored leaves no journal behind.
      await recorder.close();
      assert.deepEqual(readdirSync(journalDir), [], 'the journal deleted once its records are stored');
    } finally {
      letThrough();
      await recorder.close();
      await t.dispose();
      rmSync(journalDir, { recursive: true, force: true });
    }
  });
});

/** The ids of the records in a journal's files, read as shipping reads them. */
function journalIds(dir: string): string[] {
  return readdirSync(dir).flatMap((f) =>
    journalRuns(readFileSync(join(dir, f))).flatMap(({ columns, tuples }) =>
      tuples.map((tuple) => parseTuple(columns, tuple).id),
    ),
  );
}

/** The client's view under load: every transaction id whose answer it received in full. */
async function loadUntilKilled(
  gatewayUrl: string,
  token: string,
  kill: () => Promise<void>,
): Promise<{ answered: string[]; errors: number }> {
  const answered: string[] = [];
  let errors = 0;
  let stop = false;
  const client = async (n: number) => {
    for (let i = 0; !stop; i++) {
      try {
        const res = await fetch(`${gatewayUrl}/dancu/1.0/congdan/${n}-${i}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        const id = res.headers.get('x-lgsp-transaction-id');
        if (id) answered.push(id);
      } catch {
        errors++;
        if (stop) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const clients = Array.from({ length: 16 }, (_, n) => client(n));
  // Load until a few hundred calls are answered, then SIGKILL mid-flow.
  while (answered.length < 400) await new Promise((r) => setTimeout(r, 20));
  await kill();
  stop = true;
  await Promise.all(clients);
  return { answered, errors };
}

describe('SIGKILL of `lgsp start` under load on PostgreSQL (strict by default)', {
  skip: testDatabaseUrl ? false : 'LGSP_TEST_DATABASE_URL not set',
}, () => {
  for (const workers of [1, 2]) {
    test(`gateway.workers = ${workers}: every call that got an answer has its record, none twice`, {
      timeout: 300_000,
    }, async () => {
      const province = await sharedProvince();
      try {
        const node = await province.node({ LGSP_GATEWAY_WORKERS: String(workers) });
        await node.start();
        const { consumerKey, consumerSecret } = province.credential;
        const token = await getToken(node.gatewayUrl, consumerKey, consumerSecret);
        const { answered } = await loadUntilKilled(node.gatewayUrl, token, () => node.kill());
        const client = new pg.Client({ connectionString: province.databaseUrl });
        await client.connect();
        try {
          const { rows } = await client.query<{ id: string; n: string }>(
            'SELECT id, count(*) AS n FROM transactions WHERE id = ANY($1) GROUP BY id',
            [answered],
          );
          const stored = new Map(rows.map((r) => [r.id, Number(r.n)]));
          const missing = answered.filter((id) => !stored.has(id));
          const twice = rows.filter((r) => Number(r.n) > 1);
          assert.ok(answered.length >= 400, `${answered.length} calls answered before the kill`);
          assert.deepEqual(
            missing,
            [],
            `${missing.length} of ${answered.length} answered calls have no record`,
          );
          assert.deepEqual(twice, [], 'no record twice');
        } finally {
          await client.end();
        }
      } finally {
        await province.dispose();
      }
    });
  }
});

describe('the journal of the embedded store cannot be written', () => {
  test('the answers wait for the store instead: each record resolves once stored, none lost', async () => {
    const t = await openTestStore('pglite');
    // A journal "directory" that is a file: every append fails, as on a full or read-only disk.
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-journal-'));
    const journalDir = join(dir, 'not-a-directory');
    writeFileSync(journalDir, '');
    const recorder = new Recorder(
      t.store,
      { flushIntervalMs: 60_000, batchSize: 1000, maxBacklog: 100_000, durability: 'strict', journalDir },
      silentLogger(),
    );
    try {
      const base = Date.now();
      const records = Array.from({ length: 30 }, (_, i) => callRecord(base + i, { id: `txn_nojournal${i}` }));
      // The timer would write only after a minute: the failed append itself must start the store write.
      await Promise.all(records.map((r) => recorder.record(r)));
      assert.equal(recorder.journaled, 0, 'nothing journaled');
      const stored = await storedIds(
        t.store as never,
        records.map((r) => r.id),
      );
      assert.equal(stored.size, 30, 'every record is in the store when its promise resolves');
    } finally {
      await recorder.close();
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the journal of the embedded store rotates its segments', () => {
  test('past 10,000 records a segment is replaced, and deleted once the store holds all of it', {
    timeout: 120_000,
  }, async () => {
    const t = await openTestStore('pglite');
    const journalDir = mkdtempSync(join(tmpdir(), 'lgsp-journal-'));
    const recorder = new Recorder(
      t.store,
      { flushIntervalMs: 20, batchSize: 1000, maxBacklog: 100_000, durability: 'strict', journalDir },
      silentLogger(),
    );
    recorder.start();
    try {
      const base = Date.now();
      // Three groups of 6,000, each stored before the next: the first segment passes 10,000 records with the
      // second group, so the third goes to a new one.
      for (let group = 0; group < 3; group++) {
        await Promise.all(
          Array.from({ length: 6_000 }, (_, i) =>
            recorder.record(callRecord(base + group * 6_000 + i, { id: `txn_rot${group}x${i}` })),
          ),
        );
        await waitFor(() => recorder.written === (group + 1) * 6_000, {
          what: `group ${group + 1} stored`,
          timeoutMs: 60_000,
        });
      }
      await waitFor(() => !readdirSync(journalDir).some((n) => n.endsWith('-000001.copy')), {
        what: 'the rotated segment deleted once stored',
        timeoutMs: 10_000,
      });
      // Left: the segment being written, and the next one made ready (zeros: no record in it yet).
      const left = readdirSync(journalDir).sort();
      const holding = left.filter((n) => readFileSync(join(journalDir, n), 'utf8').startsWith('#columns '));
      assert.deepEqual(
        holding.map((n) => n.slice(-12)),
        ['-000002.copy'],
        `only the second segment holds records: ${left.join(', ')}`,
      );
      assert.ok(left.length <= 2, `the live segment and at most the next one: ${left.join(', ')}`);
    } finally {
      await recorder.close();
      await t.dispose();
      rmSync(journalDir, { recursive: true, force: true });
    }
  });
});

describe('SIGKILL of `lgsp demo` under load on the embedded store, strict records', () => {
  test('every call that got an answer has its record once the node is started again, none twice', {
    timeout: 300_000,
  }, async () => {
    // Copied migrated (no initdb, ≈ 2.7 CPU-s): the records and the restart are what is tested here, and
    // demo.existing-store.test.ts runs the demo on an empty LGSP_DATA_DIR.
    const dataDir = await migratedDataDir('lgsp-kill-embedded-');
    const env = { LGSP_DATA_DIR: dataDir, LGSP_RECORDER_DURABILITY: 'strict' };
    // The records are the demo platform's own: its two simulated peers play no part in them.
    const args = ['--no-federation'];
    try {
      const first = await startDemo(env, args);
      const token = await getToken(first.info.gatewayUrl, first.info.consumerKey, first.info.consumerSecret);
      const { answered } = await loadUntilKilled(first.info.gatewayUrl, token, async () => {
        first.child.kill('SIGKILL');
        await first.stop();
      });
      // Started again on the same data dir, the node ships what its journal holds; stopped, it has written all.
      const again = await startDemo(env, args);
      assert.equal(await again.stop(), 0, 'the restarted node stops cleanly');
      const store = await PgliteStore.open(dataDir);
      try {
        const stored = await storedIds(store as never, answered);
        const missing = answered.filter((id) => !stored.has(id));
        assert.ok(answered.length >= 400, `${answered.length} calls answered before the kill`);
        assert.deepEqual(
          missing,
          [],
          `${missing.length} of ${answered.length} answered calls have no record`,
        );
        assert.deepEqual(
          [...stored].filter(([, n]) => n > 1),
          [],
          'no record twice',
        );
      } finally {
        await store.close();
      }
      assert.deepEqual(readdirSync(join(dataDir, 'record-journal')), [], 'the journal shipped and emptied');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(`${dataDir}.kek`, { force: true });
    }
  });
});

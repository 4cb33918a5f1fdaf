import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { silentLogger } from '../src/telemetry/logger.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { Recorder } from '../src/telemetry/recorder.ts';
import { callRecord } from './helpers/records.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

/**
 * Writing transaction records (issue 14 item 3): by `COPY` on both stores (PostgreSQL from STDIN, PGlite from a
 * buffer handed to its thread).
 * Record fields come from outside (headers, path templates, SOAP headers): whatever their text, a record is stored
 * exactly as it was taken, in its own row, and no record is lost or stored twice when a batch is written again.
 */

/** Text that would break a naive COPY line or SQL: COPY's escapes, its end-of-data marker, quotes, non-ASCII. */
const HOSTILE = [
  'back\\slash \\N \\. \\t',
  'tab\there',
  'new\nline and\r\ncrlf',
  '\\.',
  'quote \' " ); DROP TABLE transactions; --',
  'Tiếng Việt có dấu — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂',
  '\\\\N',
  '',
];

async function count(store: TestStore['store'], ids: string[]): Promise<number> {
  const row = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM transactions WHERE id = ANY(${ids}::text[])`
    .execute(store.db)
    .then((r) => r.rows[0]!);
  return row.n;
}

for (const kind of storeKinds) {
  describe(`transaction records written (${kind})`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(kind);
    });
    after(() => t.dispose());

    test('hostile text in every outside field round-trips exactly, one row per record; NUL is stored as U+FFFD', async () => {
      const base = Date.UTC(2026, 11, 4, 1, 2, 3, 456);
      const records = HOSTILE.map((text, i) =>
        callRecord(base + i, {
          id: `txn_copy_${kind}_${i}`,
          resourceTemplate: `/a/${text}`,
          clientAddress: text,
          clientTranCode: text,
          clientSenderCode: text,
          messageId: text,
          endToEndId: text,
          errorCode: i % 2 === 0 ? null : text,
          federation: i === 0 ? { note: text, nul: 'a\0b' } : null,
        } as never),
      );
      const withNul = callRecord(base + 100, { id: `txn_copy_${kind}_nul`, clientTranCode: 'a\0b\0' });
      await insertTransactions(t.store, [...records, withNul]);

      const rows = await t.store.db
        .selectFrom('transactions')
        .select([
          'id',
          'resource_template',
          'client_address',
          'client_tran_code',
          'client_sender_code',
          'message_id',
          'end_to_end_id',
          'error_code',
          'federation',
          sql<number>`(extract(epoch FROM request_in_at) * 1000)::float8`.as('in_ms'),
        ])
        .where('id', 'like', `txn_copy_${kind}_%`)
        .execute();
      assert.equal(rows.length, records.length + 1, 'one row per record, none split or merged');
      const byId = new Map(rows.map((r) => [r.id, r]));
      HOSTILE.forEach((text, i) => {
        const r = byId.get(`txn_copy_${kind}_${i}`)!;
        assert.ok(r, `record ${i} stored`);
        assert.equal(r.resource_template, `/a/${text}`);
        assert.equal(r.client_address, text);
        assert.equal(r.client_tran_code, text);
        assert.equal(r.client_sender_code, text);
        assert.equal(r.message_id, text);
        assert.equal(r.end_to_end_id, text);
        assert.equal(r.error_code, i % 2 === 0 ? null : text);
        assert.equal(Number(r.in_ms), base + i);
      });
      const first = byId.get(`txn_copy_${kind}_0`)!;
      const federation =
        typeof first.federation === 'string' ? JSON.parse(first.federation) : first.federation;
      assert.deepEqual(federation, { note: HOSTILE[0], nul: 'a\uFFFDb' });
      assert.equal(byId.get(`txn_copy_${kind}_nul`)!.client_tran_code, 'a\uFFFDb\uFFFD');
    });

    test('a batch written again, partly already stored (with sub-millisecond times), adds only what was missing', async () => {
      const base = Date.UTC(2026, 11, 4, 2, 0, 0, 0);
      const records = Array.from({ length: 3000 }, (_, i) =>
        // A fraction of a millisecond: the two ways of writing must name the same instant (the key).
        callRecord(base + i + (i % 3) * 0.125, { id: `txn_again_${kind}_${i}` }),
      );
      const ids = records.map((r) => r.id);
      await insertTransactions(t.store, records.slice(0, 1000));
      await insertTransactions(t.store, records.slice(0, 2000));
      await insertTransactions(t.store, records);
      await insertTransactions(t.store, records);
      assert.equal(await count(t.store, ids), 3000, 'every record once');
      const fractions = await sql<{ n: number }>`SELECT count(*)::int AS n FROM transactions
        WHERE id = ANY(${ids}::text[]) AND extract(microseconds FROM request_in_at)::int % 1000 = 125`
        .execute(t.store.db)
        .then((r) => r.rows[0]!.n);
      assert.equal(fractions, 1000, 'sub-millisecond times kept to the microsecond');
    });

    test("a small batch, whose buffer is a slice of Node's shared pool, leaves the pool intact", async () => {
      // Buffers under 4 KiB share one pool: handing the pool's memory to the store's thread would detach it, and
      // every later small Buffer of the process would be empty or throw.
      const neighbour = Buffer.from('neighbour');
      const one = callRecord(Date.UTC(2026, 11, 4, 4, 0, 0, 0), { id: `txn_small_${kind}` });
      await insertTransactions(t.store, [one]);
      await insertTransactions(t.store, [{ ...one, id: `txn_small2_${kind}` }]);
      assert.equal(neighbour.toString(), 'neighbour', 'a buffer beside the batch in the pool is unchanged');
      assert.equal(Buffer.from('after').toString(), 'after', 'the pool still makes buffers');
      assert.equal(await count(t.store, [one.id, `txn_small2_${kind}`]), 2);
    });

    test('the recorder under load: every record taken is in the store, batched and strict', async () => {
      for (const durability of ['batched', 'strict'] as const) {
        const recorder = new Recorder(
          t.store,
          { flushIntervalMs: 20, batchSize: 500, maxBacklog: 100_000, durability },
          silentLogger(),
        );
        recorder.start();
        const base = Date.UTC(2026, 11, 4, 3, 0, 0, 0);
        const records = Array.from({ length: 4000 }, (_, i) =>
          callRecord(base + i, { id: `txn_load_${kind}_${durability}_${i}`, clientTranCode: `a\tb\n${i}\\` }),
        );
        const durable = records.map((r) => recorder.record(r));
        if (durability === 'strict') await Promise.all(durable);
        await recorder.close();
        assert.equal(recorder.written, 4000);
        assert.equal(
          await count(
            t.store,
            records.map((r) => r.id),
          ),
          4000,
          `${durability}: no record lost`,
        );
      }
    });
  });
}

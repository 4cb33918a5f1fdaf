import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Store } from '../src/store/port.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { Recorder } from '../src/telemetry/recorder.ts';
import { callRecord } from './helpers/records.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * Several writes of transaction records in flight (issue 13 item 5, issue 14 item 3): beside a slow write, or with a
 * backlog of whole batches, the next batch is copied while the previous one commits, and each batch's callers are
 * answered only once every earlier batch is durable too — a call's answer never goes before the record of a call
 * taken before it.
 */

async function stored(store: Store, id: string): Promise<boolean> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM transactions WHERE id = ${id}`.execute(
    store.db,
  );
  return r.rows[0]!.n === 1;
}

/** The store, with the COPY of any batch holding `heldId` kept back until `release()` (the write is real). */
function holding(store: Store, heldId: string): { store: Store; release: () => void; held: Promise<void> } {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let reached: () => void = () => {};
  const held = new Promise<void>((r) => {
    reached = r;
  });
  const wrapped = Object.create(store) as Store;
  Object.defineProperty(wrapped, 'copyIn', {
    value: async (target: string, data: Uint8Array) => {
      if (Buffer.from(data).includes(heldId)) {
        reached();
        await gate;
      }
      return store.copyIn(target, data);
    },
  });
  return { store: wrapped, release, held };
}

for (const kind of storeKinds) {
  describe(`records written several at a time (${kind})`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(kind);
    });
    after(() => t.dispose());

    test('a later batch commits while an earlier one is slow, but its callers wait for the earlier one', async () => {
      const first = callRecord(Date.now(), { id: `txn_inflight_first_${kind}` });
      const second = callRecord(Date.now(), { id: `txn_inflight_second_${kind}` });
      const slow = holding(t.store, first.id);
      const recorder = new Recorder(
        slow.store,
        // The first write is slow (held): the second record is written beside it, not after it.
        { flushIntervalMs: 50, batchSize: 1000, maxBacklog: 10_000, durability: 'strict', writesInFlight: 2 },
        silentLogger(),
      );
      const order: string[] = [];
      const firstDurable = recorder.record(first)!.then(() => order.push('first'));
      await slow.held;
      const secondDurable = recorder.record(second)!.then(() => order.push('second'));
      // The second batch is written beside the first one, not after it.
      await waitFor(() => stored(t.store, second.id), { what: 'the second record stored' });
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(order, [], 'no caller answered while an earlier batch is not durable');
      assert.equal(recorder.backlog, 1, 'the first record is still pending');
      slow.release();
      await Promise.all([firstDurable, secondDurable]);
      assert.deepEqual(order, ['first', 'second'], 'answered in the order the records were taken');
      assert.equal(await stored(t.store, first.id), true);
      assert.equal(recorder.backlog, 0);
      await recorder.close();
    });

    test('under load with three writes in flight, every record is stored once and every caller answered', async () => {
      const recorder = new Recorder(
        t.store,
        { flushIntervalMs: 20, batchSize: 50, maxBacklog: 100_000, durability: 'strict', writesInFlight: 3 },
        silentLogger(),
      );
      recorder.start();
      const base = Date.now();
      const records = Array.from({ length: 3000 }, (_, i) =>
        callRecord(base + i, { id: `txn_inflight_load_${kind}_${i}` }),
      );
      const durable: Array<Promise<void> | undefined> = [];
      for (let i = 0; i < records.length; i += 100) {
        for (const r of records.slice(i, i + 100)) durable.push(recorder.record(r));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all(durable);
      await recorder.close();
      const n = await sql<{ n: number }>`SELECT count(*)::int AS n FROM transactions
        WHERE id LIKE ${`txn_inflight_load_${kind}_%`}`
        .execute(t.store.db)
        .then((r) => r.rows[0]!.n);
      assert.equal(n, 3000, 'every record once');
      assert.equal(recorder.written, 3000);
    });
  });
}

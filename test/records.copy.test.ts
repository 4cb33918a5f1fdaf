import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { silentLogger } from '../src/telemetry/logger.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import {
  COPY_COLUMNS,
  insertByUnnest,
  insertTransactions,
  parseTuple,
  recordTuple,
} from '../src/telemetry/record-copy.ts';
import { Recorder } from '../src/telemetry/recorder.ts';
import { callRecord } from './helpers/records.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

/**
 * Writing transaction records (issue 14 item 3): by binary `COPY` on both stores (PostgreSQL from STDIN, PGlite from
 * a buffer handed to its thread), each record one tuple (record-copy.ts).
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

/**
 * A record with every column's kind filled, text from outside at its worst: Vietnamese, COPY's text escapes, NUL,
 * a sub-millisecond time, a size past 2^32, federation evidence; `nulls`: every nullable field null instead.
 */
function fullRecord(id: string, atMs: number, nulls = false): TransactionRecord {
  const text = 'Tiếng Việt\tcó\ndấu \\N \\. 🙂 a\0b';
  return callRecord(atMs, {
    id,
    consumerSystemId: nulls ? null : 'sys_a',
    consumerOrgCode: nulls ? null : '000.00.12.H01',
    credentialId: nulls ? null : 'cred_a',
    providerSystemId: nulls ? null : 'sys_b',
    providerOrgCode: nulls ? null : '000.00.31.H01',
    serviceId: nulls ? null : 'svc_a',
    serviceContext: nulls ? null : 'dancu',
    versionId: nulls ? null : 'ver_a',
    version: nulls ? null : '1.0',
    environment: nulls ? null : 'sandbox',
    method: 'POST',
    resourceTemplate: `/congdan/{soDinhDanh}/${text}`,
    providerStatus: nulls ? null : 502,
    consumerStatus: 504,
    errorCode: nulls ? null : 'GW_UPSTREAM_TIMEOUT',
    requestBytes: 2 ** 40 + 3,
    responseBytes: 0,
    requestSha256: nulls ? null : 'ab'.repeat(32),
    responseSha256: nulls ? null : 'cd'.repeat(32),
    requestOutAt: nulls ? null : atMs + 1.001,
    responseInAt: nulls ? null : atMs + 20.999,
    responseOutAt: atMs + 21.5,
    leg: 'delivery',
    messageId: nulls ? null : `msg ${text}`,
    clientAddress: nulls ? null : '2001:db8::1',
    kind: 'service_call',
    authMethod: nulls ? null : 'token',
    clientSenderCode: nulls ? null : text,
    clientReceiverCode: nulls ? null : 'H01',
    clientTranCode: nulls ? null : text,
    parentTransactionId: nulls ? null : 'txn_parent',
    representedOrgCode: nulls ? null : '000.00.99.H99',
    representedSystem: nulls ? null : 'hệ thống',
    endToEndId: nulls ? null : 'e2e_1',
    peerId: nulls ? null : 'peer_a',
    federation: nulls
      ? null
      : {
          direction: 'outbound',
          traceId: 'trace',
          hops: [{ label: text, keyId: null, verified: true }],
          signatures: 'signed',
          requestHash: 'ef'.repeat(32),
          answerBound: true,
        },
  } as Partial<TransactionRecord>);
}

/** A record as its tuple must read back: NUL stored as U+FFFD, times to the microsecond. */
function asStored(r: TransactionRecord): TransactionRecord {
  const fix = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.replaceAll('\0', '\uFFFD')
      : Array.isArray(v)
        ? v.map(fix)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fix(x)]))
          : v;
  return fix(r) as TransactionRecord;
}

const TIMES = ['requestInAt', 'requestOutAt', 'responseInAt', 'responseOutAt'] as const;

function assertSameRecord(actual: TransactionRecord, expected: TransactionRecord, what: string): void {
  for (const field of TIMES) {
    const [a, e] = [actual[field], expected[field]];
    assert.equal(
      a === null ? null : Math.round(a * 1000),
      e === null ? null : Math.round(e * 1000),
      `${what}: ${field} to the microsecond`,
    );
  }
  const untimed = (r: TransactionRecord): Record<string, unknown> =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !(TIMES as readonly string[]).includes(k)));
  assert.deepEqual(untimed(actual), untimed(asStored(expected)), what);
}

describe('a record as a binary COPY tuple', () => {
  test('reads back as the record: every column kind, nulls, NUL, Vietnamese, escapes, evidence, microseconds', () => {
    const at = Date.UTC(2026, 11, 7, 1, 2, 3, 456) + 0.789;
    for (const nulls of [false, true]) {
      const record = fullRecord('txn_roundtrip', at, nulls);
      const tuple = recordTuple(record);
      assert.equal(tuple.readInt16BE(0), COPY_COLUMNS.length, 'a field per column');
      assertSameRecord(
        parseTuple(COPY_COLUMNS, tuple),
        record,
        nulls ? 'nullable fields null' : 'every field',
      );
    }
    // An inbound federated call refused before its signatures verified: its end-to-end id is only a claim.
    const claimed = fullRecord('txn_claim', at);
    claimed.federation = { ...claimed.federation!, direction: 'inbound', signatures: 'refused' };
    const read = parseTuple(COPY_COLUMNS, recordTuple(claimed));
    assert.equal(read.endToEndId, null, 'a claimed id is not the end-to-end id');
    assert.equal(read.federation?.claimedEndToEndId, 'e2e_1', 'the claim kept in the evidence');
  });

  test('a record much larger than usual is encoded whole, and the next one after it', () => {
    const big = callRecord(Date.UTC(2026, 11, 7), { clientTranCode: 'đ'.repeat(100_000) });
    const small = callRecord(Date.UTC(2026, 11, 7), { clientTranCode: 'x' });
    assert.equal(parseTuple(COPY_COLUMNS, recordTuple(big)).clientTranCode, 'đ'.repeat(100_000));
    assert.equal(parseTuple(COPY_COLUMNS, recordTuple(small)).clientTranCode, 'x');
  });
});

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

    test('a row written by binary COPY is the row the INSERT fallback writes, column for column', async () => {
      const at = Date.UTC(2026, 11, 7, 5, 6, 7, 890) + 0.1234;
      for (const nulls of [false, true]) {
        const byCopy = fullRecord(`txn_bycopy_${kind}_${nulls}`, at, nulls);
        const byInsert = { ...byCopy, id: `txn_byinsert_${kind}_${nulls}` };
        await insertTransactions(t.store, [byCopy]);
        await insertByUnnest(t.store, [byInsert]);
        const rows = await sql<
          Record<string, unknown>
        >`SELECT * FROM transactions WHERE id IN (${byCopy.id}, ${byInsert.id}) ORDER BY id`
          .execute(t.store.db)
          .then((r) => r.rows);
        assert.equal(rows.length, 2);
        const [copied, inserted] = rows[0]!['id'] === byCopy.id ? rows : [rows[1]!, rows[0]!];
        const { id: _c, ...copiedColumns } = copied!;
        const { id: _i, ...insertedColumns } = inserted!;
        assert.deepEqual(copiedColumns, insertedColumns, nulls ? 'nullable columns null' : 'every column');
        assert.equal(copied!['client_tran_code'], nulls ? null : 'Tiếng Việt\tcó\ndấu \\N \\. 🙂 a\uFFFDb');
      }
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

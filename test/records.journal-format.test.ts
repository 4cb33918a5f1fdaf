import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { COPY_COLUMNS, parseTuple, recordTuple } from '../src/telemetry/record-copy.ts';
import { journalRuns, RecordJournal } from '../src/telemetry/record-journal.ts';
import { callRecord } from './helpers/records.ts';

/**
 * The journal's file format (record-journal.ts): a `#columns binary …` line, then one frame per append — length,
 * CRC-32, the records' binary COPY tuples. Read back as shipping reads it.
 */
describe('the journal file format', () => {
  test('an append past a frame’s limit (16 MiB) becomes several frames, and appends with their own column lines read as one run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-journal-format-'));
    try {
      const base = Date.UTC(2026, 11, 7, 8, 0, 0, 0);
      // ≈ 300 KB each (Vietnamese text: 3 bytes a character in UTF-8): 60 of them are ≈ 18 MB, past one frame.
      const big = Array.from({ length: 60 }, (_, i) =>
        callRecord(base + i, { id: `txn_big${i}`, clientTranCode: `${i}`.padEnd(100_000, 'ệ') }),
      );
      const small = Array.from({ length: 3 }, (_, i) => callRecord(base + 100 + i, { id: `txn_small${i}` }));
      const journal = new RecordJournal(dir);
      await journal.append(big.map(recordTuple));
      await journal.append(small.map(recordTuple));
      const [file] = readdirSync(dir);
      const bytes = readFileSync(join(dir, file!));
      assert.ok(bytes.length > 16 * 1024 * 1024, 'the first append is larger than one frame');
      const firstFrame = bytes.indexOf(0x0a) + 1;
      assert.ok(bytes.readUInt32BE(firstFrame) < 16 * 1024 * 1024, 'its first frame holds less than 16 MiB');
      const runs = journalRuns(bytes);
      assert.equal(runs.length, 1, 'one run: the same columns each time');
      assert.deepEqual(runs[0]!.columns, COPY_COLUMNS);
      const read = runs[0]!.tuples.map((tuple) => parseTuple(COPY_COLUMNS, tuple));
      assert.deepEqual(
        read.map((r) => r.id),
        [...big, ...small].map((r) => r.id),
        'every record, in order, none twice',
      );
      assert.equal(read[59]!.clientTranCode, big[59]!.clientTranCode, 'a long text whole');
      // The second append's bytes changed on the disk: it and nothing after it is read; the first still is.
      const torn = Buffer.from(bytes);
      torn[torn.length - 10] = torn[torn.length - 10]! ^ 0xff;
      assert.equal(journalRuns(torn)[0]!.tuples.length, 60, 'a frame whose CRC fails ends what is read');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

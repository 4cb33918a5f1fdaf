import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LgspError } from '../src/core/errors.ts';
import { type OffThreadLimits, runOffThread } from '../src/core/off-thread.ts';

/** src/core/off-thread.ts: one way to run work on hostile input on a thread of its own, bounded. */

const TASKS = new URL('./helpers/off-thread-tasks.ts', import.meta.url);
const limits = (over: Partial<OffThreadLimits> = {}): OffThreadLimits => ({
  heapMb: 64,
  timeMs: 30_000,
  tooLarge: ({ vi, en }) => new LgspError('RP_RECONCILIATION_FILE_TOO_LARGE', `tệp ${vi} / the file ${en}`),
  unreadable: () => new LgspError('RP_RECONCILIATION_FILE_INVALID', 'không đọc được / unreadable'),
  ...over,
});

describe('a task on a thread of its own', () => {
  test('the task asks the calling thread, one question at a time; moved input bytes are gone here', async () => {
    const bytes = new Uint8Array(1024);
    const asked: string[] = [];
    const out = await runOffThread<{ sum: number; length: number }, string, number>(
      { module: TASKS, name: 'askTwice' },
      { start: 1, bytes },
      limits(),
      {
        transfer: [bytes.buffer],
        answer: async (q) => {
          asked.push(q);
          return q === 'first' ? 10 : 100;
        },
      },
    );
    assert.deepEqual(out, { sum: 111, length: 1024 });
    assert.deepEqual(asked, ['first', 'second']);
    assert.equal(bytes.byteLength, 0, 'the input bytes were moved to the thread, not copied');
  });

  test('a result of bytes comes back whole', async () => {
    const out = await runOffThread<Uint8Array>({ module: TASKS, name: 'bytesOf' }, 'Hà Nội', limits());
    assert.equal(new TextDecoder().decode(out), 'Hà Nội');
  });

  test('a refusal thrown on the thread is the same refusal here', async () => {
    await assert.rejects(
      runOffThread({ module: TASKS, name: 'refuse' }, null, limits()),
      (err: LgspError) => {
        assert.equal(err.code, 'RP_RECONCILIATION_FILE_INVALID');
        assert.equal(err.detail, 'dòng / line 2: sai / wrong');
        assert.deepEqual(err.extra, { lines: [2] });
        return true;
      },
    );
  });

  test('beyond its heap or its time: the caller’s 413, Vietnamese first, English beside', async () => {
    await assert.rejects(
      runOffThread({ module: TASKS, name: 'allocate' }, null, limits()),
      (err: LgspError) => {
        assert.equal(err.code, 'RP_RECONCILIATION_FILE_TOO_LARGE');
        assert.equal(err.detail, 'tệp cần hơn 64 MiB bộ nhớ / the file needs more than 64 MiB of memory');
        return true;
      },
    );
    await assert.rejects(
      runOffThread({ module: TASKS, name: 'spin' }, null, limits({ timeMs: 3000 })),
      (err: LgspError) => {
        assert.equal(err.code, 'RP_RECONCILIATION_FILE_TOO_LARGE');
        assert.equal(err.detail, 'tệp mất hơn 3 s / the file takes over 3 s');
        return true;
      },
    );
  });
});

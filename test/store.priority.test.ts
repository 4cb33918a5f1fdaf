import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/port.ts';
import { migratedDataDir } from './helpers/stores.ts';

function recorder(durability: 'strict' | 'batched') {
  return { flushIntervalMs: 200, batchSize: 1000, maxBacklog: 200_000, durability };
}

/** The nice value of each thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceness(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  });
}

describe('the embedded store thread’s CPU priority follows the durability of records', {
  skip: process.platform !== 'linux',
}, () => {
  const opened: Store[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const store of opened) await store.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('batched records: the store thread runs below the gateway (nice 10), so forwarding comes first', async () => {
    const before = threadNiceness().filter((n) => n === 10).length;
    opened.push(
      await openStore({
        databaseUrl: '',
        dataDir: 'memory://',
        recorder: recorder('batched'),
      }),
    );
    assert.equal(threadNiceness().filter((n) => n === 10).length, before + 1);
  });

  test('strict records in memory: every answer waits for its commit, so the store thread is not starved (no thread lowered)', async () => {
    const before = threadNiceness().filter((n) => n === 10).length;
    opened.push(await openStore({ databaseUrl: '', dataDir: 'memory://', recorder: recorder('strict') }));
    assert.equal(threadNiceness().filter((n) => n === 10).length, before);
  });

  test('strict records on disk: answers wait for the journal, not the store, whose thread stays below the gateway', async () => {
    const dataDir = await migratedDataDir('lgsp-priority-');
    dirs.push(dataDir);
    const before = threadNiceness().filter((n) => n === 10).length;
    opened.push(await openStore({ databaseUrl: '', dataDir, recorder: recorder('strict') }));
    assert.equal(threadNiceness().filter((n) => n === 10).length, before + 1);
  });
});

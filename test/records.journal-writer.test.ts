import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { JournalWriter } from '../src/telemetry/journal-writer.ts';

/**
 * The journal's writer thread (strict records journal first, issue 14 item 3): the live segment's durable writes,
 * made off the gateway's thread. What the journal relies on: bytes land where asked, a failed write says why, and a
 * write in flight keeps the process alive until it is durable.
 */
describe('journal writer thread', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-journal-writer-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('writes each group at its position, durably, one after the other', async () => {
    const path = join(dir, 'segment');
    writeFileSync(path, Buffer.alloc(64));
    const fd = openSync(path, constants.O_WRONLY | constants.O_DSYNC);
    const writer = new JournalWriter(32);
    try {
      await writer.write(fd, [Buffer.from('ab'), Buffer.from('cd\n')], 0);
      await writer.write(fd, [Buffer.from('ef\n')], 5);
      assert.equal(readFileSync(path).subarray(0, 9).toString(), 'abcd\nef\n\0', 'both groups, in place');
      assert.equal(writer.fits(32), true, 'a group of the capacity fits');
      assert.equal(writer.fits(33), false, 'a larger one does not (the journal writes it through the pool)');
    } finally {
      await writer.close();
      closeSync(fd);
    }
  });

  test('a failed write rejects with the system error, and the next one works', async () => {
    const path = join(dir, 'readonly');
    writeFileSync(path, Buffer.alloc(16));
    const readOnly = openSync(path, constants.O_RDONLY);
    const writable = openSync(path, constants.O_WRONLY | constants.O_DSYNC);
    const writer = new JournalWriter();
    try {
      await assert.rejects(writer.write(readOnly, [Buffer.from('x\n')], 0), { code: 'EBADF' });
      await writer.write(writable, [Buffer.from('y\n')], 0);
      assert.equal(readFileSync(path).subarray(0, 2).toString(), 'y\n', 'the write after the failure');
    } finally {
      await writer.close();
      closeSync(readOnly);
      closeSync(writable);
    }
  });

  test('a write in flight keeps the process alive until it is durable; an idle writer does not', () => {
    const path = join(dir, 'alone');
    writeFileSync(path, Buffer.alloc(16));
    // Nothing else holds the child's event loop: without the writer's reference while it writes, the process would
    // end with the write's promise unsettled (exit code 13) and the caller's answer never released.
    const script = `
      import { openSync, constants } from 'node:fs';
      import { JournalWriter } from ${JSON.stringify(new URL('../src/telemetry/journal-writer.ts', import.meta.url).href)};
      const writer = new JournalWriter();
      await writer.write(openSync(${JSON.stringify(path)}, constants.O_WRONLY | constants.O_DSYNC), [Buffer.from('z\\n')], 0);
      console.log('durable');
    `;
    const file = join(dir, 'alone.mts');
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(child.status, 0, `the child ended on its own, after the write: ${child.stderr}`);
    assert.equal(child.stdout.trim(), 'durable', 'the write resolved before the process ended');
    assert.equal(readFileSync(path).subarray(0, 2).toString(), 'z\n', 'and its bytes are in the file');
  });
});

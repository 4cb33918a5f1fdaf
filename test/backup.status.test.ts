import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runScheduledBackup } from '../src/store/scheduled-backup.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const DAY_MS = 86_400_000;

/*
 * Issue 11 item 2, "backup status": the console shows R-24's scheduled backups (issue 13) — the setting, the
 * newest verified backup and when the next is due — read from the backup folder, where the job keeps a file only
 * once it has read back whole.
 */
describe('GET /api/v1/backup/status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-backup-status-'));
  let h: AdminHarness;
  let off: AdminHarness;

  before(async () => {
    h = await openAdminHarness('pglite', { overrides: { backup: { schedule: '1d', keep: 3, dir } } });
    off = await openAdminHarness('pglite');
  });
  after(async () => {
    await h?.dispose();
    await off?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('scheduled: none yet is due now; after a run, the newest verified file, its size and the next due time', async () => {
    const before = (await h.call('GET', '/api/v1/backup/status')).json() as Json;
    assert.deepEqual(before, {
      schedule: '1d',
      keep: 3,
      dir,
      count: 0,
      newest: null,
      nextDueAt: new Date(h.clock.nowMs()).toISOString(),
    });

    const written = await runScheduledBackup(h.store, {
      dir,
      intervalMs: DAY_MS,
      keep: 3,
      now: new Date(h.clock.nowMs()),
    });
    assert.equal(written.written, true);
    // Anything else in the folder is not a scheduled backup.
    writeFileSync(join(dir, 'ghi-chu.txt'), 'không phải bản sao lưu');

    const res = await h.call('GET', '/api/v1/backup/status');
    assert.equal(res.statusCode, 200, res.body);
    const status = res.json() as Json;
    const file = written.written ? written.file : '';
    assert.equal(status['count'], 1);
    assert.deepEqual(status['newest'], {
      file: basename(file),
      at: new Date(h.clock.nowMs()).toISOString(),
      bytes: statSync(file).size,
    });
    assert.equal(status['nextDueAt'], new Date(h.clock.nowMs() + DAY_MS).toISOString());
  });

  test('off by default: no schedule and nothing due', async () => {
    const status = (await off.call('GET', '/api/v1/backup/status')).json() as Json;
    assert.equal(status['schedule'], null);
    assert.equal(status['nextDueAt'], null);
    assert.equal(status['newest'], null);
  });
});

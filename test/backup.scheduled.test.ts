import assert from 'node:assert/strict';
import {
  createReadStream,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { backupLines } from '../src/cli/start.ts';
import { systemClock } from '../src/core/clock.ts';
import { ConfigError, loadConfig } from '../src/core/config.ts';
import { BACKUP_FAILED_ALERT_KEY, scheduledBackupJob, startPlatform } from '../src/platform.ts';
import { BackupError } from '../src/store/backup-format.ts';
import { verifyBackup } from '../src/store/restore.ts';
import { backupIntervalMs, backupOffWarning, runScheduledBackup } from '../src/store/scheduled-backup.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { openTestStore, storeKinds, withMigratedStore } from './helpers/stores.ts';

const HOUR = 3_600_000;

/** R-24's periodic backup (issue 13): written when due, verified after writing, the oldest beyond `keep` deleted. */
for (const kind of storeKinds) {
  describe(`scheduled backup (${kind})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-backups-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('due → written and verified; not due → nothing; keep 2 → the two newest stay', async () => {
      const t = await openTestStore(kind);
      try {
        const t0 = Date.UTC(2026, 11, 4, 1, 0, 0);
        const run = (ms: number) =>
          runScheduledBackup(t.store, { dir, intervalMs: HOUR, keep: 2, now: new Date(ms) });
        const first = await run(t0);
        assert.equal(first.written, true);
        assert.equal((await run(t0 + 30 * 60_000)).written, false, 'half an interval later: not due');
        for (const h of [1, 2, 3]) assert.equal((await run(t0 + h * HOUR)).written, true, `due at +${h} h`);
        const files = readdirSync(dir).sort();
        assert.deepEqual(files, [
          'lgsp-backup-20261204T030000Z.jsonl.gz',
          'lgsp-backup-20261204T040000Z.jsonl.gz',
        ]);
        for (const f of files) {
          assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, `${f} is the owner's only`);
          const checked = await verifyBackup(createReadStream(join(dir, f)));
          assert.ok(checked.rows > 0, `${f} holds the migrations' rows`);
        }
      } finally {
        await t.dispose();
      }
    });
  });
}

describe('scheduled backup: verification and settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-backups-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a damaged file does not verify: one byte changed, or cut short', async () => {
    const t = await openTestStore('pglite');
    try {
      const r = await runScheduledBackup(t.store, { dir, intervalMs: HOUR, keep: 5, now: new Date() });
      assert.ok(r.written, 'written');
      const bytes = readFileSync(r.file);
      const flipped = Buffer.from(bytes);
      flipped[Math.floor(bytes.length / 2)]! ^= 0xff;
      writeFileSync(join(dir, 'flipped.gz'), flipped);
      writeFileSync(join(dir, 'short.gz'), bytes.subarray(0, Math.floor(bytes.length * 0.8)));
      for (const name of ['flipped.gz', 'short.gz']) {
        await assert.rejects(verifyBackup(createReadStream(join(dir, name))), (err: unknown) => {
          assert.ok(err instanceof BackupError || err instanceof Error, `${name}: refused`);
          return true;
        });
      }
    } finally {
      await t.dispose();
    }
  });

  test('the schedule is 30m, 6h, 1d…; anything else is refused at start', () => {
    assert.equal(backupIntervalMs('6h'), 6 * HOUR);
    assert.equal(backupIntervalMs('30m'), 30 * 60_000);
    assert.equal(backupIntervalMs(''), null);
    // Off (the default) is said at start, Vietnamese first, with the setting that turns it on.
    assert.match(
      backupOffWarning('') ?? '',
      /^sao lưu tự động định kỳ đang tắt \(R-24\): đặt backup\.schedule/,
    );
    assert.equal(backupOffWarning('1d'), null);
    assert.throws(
      () => loadConfig({ env: { LGSP_BACKUP_SCHEDULE: 'hằng ngày' } }),
      (err: unknown) =>
        err instanceof ConfigError && /backup\.schedule \(LGSP_BACKUP_SCHEDULE\)/.test(err.message),
    );
  });

  test('lgsp start says whether periodic backup is on: off (the default) with how to turn it on, or where and how often', () => {
    const off = backupLines(loadConfig({ env: {}, overrides: { dataDir: '/srv/lgsp' } })).join('\n');
    assert.match(off, /TẮT .*LGSP_BACKUP_SCHEDULE/, 'off is said, with the setting that turns it on');
    assert.match(off, /OFF — set/, 'in English beside it');
    const on = backupLines(
      loadConfig({ env: {}, overrides: { dataDir: '/srv/lgsp', backup: { schedule: '6h', keep: 5 } } }),
    ).join('\n');
    assert.match(on, /every 6h → \/srv\/lgsp\/backups, giữ \/ keep 5/, 'on: how often, where, how many kept');
  });

  test('the platform holds the job under its lease when a schedule is set', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lgsp-backup-job-'));
    const platform = await startPlatform(
      loadConfig({
        env: {},
        overrides: {
          dataDir: await withMigratedStore(join(root, 'data')),
          gateway: { port: 0, host: '127.0.0.1' },
          admin: { port: 0, password: 'mat-khau-kiem-thu-sao-luu' },
          backup: { schedule: '1d', keep: 3 },
          logLevel: 'silent',
        },
      }),
      { logger: silentLogger() },
    );
    try {
      const jobs = platform.nodeHealth()['jobs'] as Record<string, { held: boolean }>;
      assert.equal(jobs['scheduled-backup']?.held, true, JSON.stringify(jobs));
    } finally {
      await platform.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('scheduled backup: a failed run is the operator’s alert (R-24)', () => {
  test('a directory that cannot be written → critical backup.failed alert; the next good run resolves it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lgsp-backup-fail-'));
    const t = await openTestStore('pglite');
    try {
      const config = loadConfig({ env: {}, overrides: { dataDir: root } });
      const alerts = new Alerts(t.store, systemClock, config.alerts, silentLogger());
      const blocked = join(root, 'not-a-dir');
      writeFileSync(blocked, 'a file where the backup directory should be');
      const failing = scheduledBackupJob({
        store: t.store,
        clock: systemClock,
        logger: silentLogger(),
        alerts,
        config: { ...config, backup: { ...config.backup, dir: blocked } },
        intervalMs: HOUR,
      });
      await assert.rejects(failing(), 'the job still fails, for its log line');
      const open = await alerts.openByKey();
      const alert = open.get(BACKUP_FAILED_ALERT_KEY);
      assert.ok(alert, `a failed scheduled backup opens an alert: ${JSON.stringify([...open.keys()])}`);
      assert.equal(alert.kind, 'backup.failed', 'the alert names the rule');

      const good = scheduledBackupJob({
        store: t.store,
        clock: systemClock,
        logger: silentLogger(),
        alerts,
        config: { ...config, backup: { ...config.backup, dir: join(root, 'backups') } },
        intervalMs: HOUR,
      });
      await good();
      assert.equal(
        (await alerts.openByKey()).has(BACKUP_FAILED_ALERT_KEY),
        false,
        'a good run resolves the alert',
      );
    } finally {
      await t.dispose();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

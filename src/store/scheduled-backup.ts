import { createReadStream, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../core/config.ts';
import { writeBackupFile } from './backup.ts';
import type { Store } from './port.ts';
import { verifyBackup } from './restore.ts';

/** Scheduled backups are named by their UTC time, so name order is time order: `lgsp-backup-20261204T193000Z.jsonl.gz`. */
const NAME = /^lgsp-backup-\d{8}T\d{6}Z\.jsonl\.gz$/;

/** `30m`, `6h`, `1d` → milliseconds; '' (off) → null. The schema's pattern has checked the form. */
export function backupIntervalMs(schedule: string): number | null {
  const m = /^(\d+)(m|h|d)$/.exec(schedule);
  if (!m) return null;
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/**
 * The start-up warning of a node that runs the periodic jobs while no backup is scheduled (R-24 asks for periodic
 * backups; the default is off so that a trial or a test writes no files it did not ask for), or null.
 */
export function backupOffWarning(schedule: string): string | null {
  if (backupIntervalMs(schedule) !== null) return null;
  return (
    'sao lưu tự động định kỳ đang tắt (R-24): đặt backup.schedule (LGSP_BACKUP_SCHEDULE), ví dụ 1d, và backup.dir ' +
    '(LGSP_BACKUP_DIR) trên đĩa hoặc máy khác — docs/configuration.md / scheduled backups are off (R-24): set ' +
    'backup.schedule, e.g. 1d, and backup.dir on another disk or host'
  );
}

export function backupDirOf(config: Pick<Config, 'dataDir' | 'backup'>): string {
  return resolve(config.backup.dir || join(config.dataDir, 'backups'));
}

export function scheduledBackupName(at: Date): string {
  return `lgsp-backup-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}.jsonl.gz`;
}

function nameTimeMs(name: string): number {
  const d = name.slice('lgsp-backup-'.length, 'lgsp-backup-'.length + 16);
  return Date.UTC(
    +d.slice(0, 4),
    +d.slice(4, 6) - 1,
    +d.slice(6, 8),
    +d.slice(9, 11),
    +d.slice(11, 13),
    +d.slice(13, 15),
  );
}

/** The scheduled backups in `dir`, oldest first (none when the folder does not exist yet). */
export function listScheduledBackups(dir: string): Array<{ file: string; atMs: number; bytes: number }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort()
    .map((file) => ({ file, atMs: nameTimeMs(file), bytes: statSync(join(dir, file)).size }));
}

export type ScheduledBackupResult =
  | { written: false; newest: string | null }
  | { written: true; file: string; rows: number; sha256: string; deleted: string[] };

/**
 * R-24's periodic backup, one run (issue 13): when the newest scheduled backup in `dir` is older than the interval
 * (or there is none), writes a new one, reads it back through `verifyBackup`, and deletes the oldest beyond `keep`.
 * A file that does not verify is deleted and the run fails (the job logs it; the previous copies stay). Deciding by
 * the files, not by a timer, means a restart or another node taking the job over neither skips nor doubles one.
 */
export async function runScheduledBackup(
  store: Store,
  options: { dir: string; intervalMs: number; keep: number; now: Date },
): Promise<ScheduledBackupResult> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const existing = () =>
    readdirSync(options.dir)
      .filter((f) => NAME.test(f))
      .sort();
  const newest = existing().at(-1) ?? null;
  if (newest && options.now.getTime() - nameTimeMs(newest) < options.intervalMs) {
    return { written: false, newest };
  }
  const file = join(options.dir, scheduledBackupName(options.now));
  const summary = await writeBackupFile(store, file, { now: options.now });
  try {
    const checked = await verifyBackup(createReadStream(file));
    if (checked.sha256 !== summary.sha256 || checked.rows !== summary.rows) {
      throw new Error(`the file read back differs from what was written (${checked.sha256})`);
    }
  } catch (err) {
    rmSync(file, { force: true });
    throw new Error(`scheduled backup ${file} failed its verification: ${(err as Error).message}`);
  }
  const all = existing();
  const deleted = all.slice(0, Math.max(0, all.length - options.keep));
  for (const old of deleted) rmSync(join(options.dir, old), { force: true });
  return { written: true, file, rows: summary.rows, sha256: summary.sha256, deleted };
}

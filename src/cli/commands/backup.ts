import { createReadStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatSize } from '../../core/size.ts';
import type { BackupSummary, RestoreSummary } from '../../store/backup-format.ts';
import { required, str } from '../args.ts';
import type { Subcommand } from '../command.ts';
import { count, fields, table, time } from '../format.ts';
import { describeStore, openPlatformStore } from '../platform-store.ts';

/*
 * `lgsp backup` and `lgsp restore` (R-24) open the store themselves (platform-store.ts): a backup must be possible
 * with the platform stopped, and a restore happens before it starts. PostgreSQL is backed up while it runs (one
 * REPEATABLE READ snapshot).
 */

/** Said when another process holds the embedded store. */
const STOP_THE_PLATFORM =
  'Sao lưu và khôi phục kho nhúng (PGlite) chỉ chạy khi nền tảng đã dừng: hãy dừng `lgsp start` trên thư mục ' +
  'dữ liệu này trước. / Backup and restore of the embedded store (PGlite) run only while the platform is ' +
  'stopped: stop `lgsp start` on this data dir first.';

/** `lgsp-backup-20250301T020000Z.jsonl.gz`: sorts by time, and says what it is. */
export function defaultBackupName(now: Date): string {
  return `lgsp-backup-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}.jsonl.gz`;
}

/** A size as the CLI prints it, Vietnamese first: `1.280 byte (1,3 KiB) / 1,280 bytes (1.3 KiB)`. */
const bytes = (n: number) => {
  const size = formatSize(n, { exact: true });
  return `${size.vi} / ${size.en}`;
};

function tableCounts(tables: Array<{ name: string; rows: number }>): string {
  return table(
    ['Bảng / Table', 'Bản ghi / Rows'],
    tables.map((t) => [t.name, count(t.rows)]),
  );
}

export const backup: Subcommand = {
  synopsis: '[--out <tệp/file>.jsonl.gz]',
  summary:
    'Sao lưu toàn bộ kho dữ liệu ra một tệp (R-24), đọc thẳng kho theo cấu hình nền tảng; mặc định ' +
    'lgsp-backup-<thời điểm UTC>.jsonl.gz / Back up the whole store to one file, reading the store named by the ' +
    'platform configuration; default lgsp-backup-<UTC time>.jsonl.gz',
  options: { out: { type: 'string', short: 'o' } },
  async run(ctx) {
    const now = new Date();
    const out = resolve(str(ctx.values, 'out') ?? defaultBackupName(now));
    if (existsSync(out)) {
      ctx.io.err(`Tệp đã tồn tại, không ghi đè / The file exists and is not overwritten: ${out}\n`);
      return 1;
    }
    const opened = await openPlatformStore(ctx, { mustExist: true, whenLocked: STOP_THE_PLATFORM });
    if (typeof opened === 'number') return opened;
    const { config, store } = opened;
    const { writeBackupFile } = await import('../../store/backup.ts');
    let summary: BackupSummary;
    try {
      summary = await writeBackupFile(store, out, { now });
    } catch (err) {
      ctx.io.err(`Sao lưu thất bại / Backup failed: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await store.close();
    }
    ctx.print({ file: out, ...summary }, () => {
      const excluded = summary.excluded.map((e) => `  ${e.name}: ${count(e.rows)} bản ghi/rows — ${e.why}`);
      return (
        `Đã sao lưu / Backup written: ${out}\n` +
        fields([
          ['  Kho dữ liệu / Store', describeStore(config)],
          ['  Phiên bản lược đồ / Schema', summary.migrations.at(-1) ?? '-'],
          ['  Bảng / Tables', summary.tables.length],
          ['  Bản ghi / Rows', count(summary.rows)],
          ['  Kích thước / Size', bytes(summary.bytes)],
          ['  SHA-256', summary.sha256],
        ]) +
        (excluded.length > 0
          ? `Không đưa vào bản sao lưu / Left out of the backup:\n${excluded.join('\n')}\n`
          : '') +
        `\n${tableCounts(summary.tables)}`
      );
    });
    return 0;
  },
};

export const restore: Subcommand = {
  synopsis: '--from <tệp/file>.jsonl.gz',
  summary:
    'Khôi phục một bản sao lưu vào kho dữ liệu TRỐNG theo cấu hình nền tảng (R-24) / Restore a backup into the ' +
    'EMPTY store named by the platform configuration',
  options: { from: { type: 'string' } },
  async run(ctx) {
    const from = resolve(required(ctx.values, 'from', ctx.usage));
    if (!existsSync(from)) {
      ctx.io.err(`Không có tệp / No such file: ${from}\n`);
      return 1;
    }
    const opened = await openPlatformStore(ctx, { whenLocked: STOP_THE_PLATFORM });
    if (typeof opened === 'number') return opened;
    const { config, store } = opened;
    // The backup's secrets are sealed: restoring needs the key-encryption key they were sealed with (as configured
    // for the platform: key file, LGSP_KEY_ENCRYPTION_KEY or keys.kmsCommand). Never generated here.
    const { loadKeyEncryptionKey } = await import('../../keys/index.ts');
    const kek = () => loadKeyEncryptionKey(config, { mayGenerate: false }).kek;
    const [{ BackupError }, { restoreBackup }] = await Promise.all([
      import('../../store/backup-format.ts'),
      import('../../store/restore.ts'),
    ]);
    const { verifyAuditChain } = await import('../../control/audit-verify.ts');
    let summary: RestoreSummary;
    let revision: number;
    let chain: Awaited<ReturnType<typeof verifyAuditChain>>;
    try {
      try {
        summary = await restoreBackup(store, createReadStream(from), { kek });
      } catch (err) {
        // One transaction: whatever went wrong, nothing of the backup was committed.
        const known = err instanceof BackupError;
        ctx.io.err(
          `Không khôi phục được; kho đích không bị thay đổi / Restore refused; the target store is unchanged:\n  ` +
            `${(err as Error).message}${known ? ` (${err.code})` : ''}\n`,
        );
        return 1;
      }
      revision = Number(
        (await store.db.selectFrom('config_state').select('revision').executeTakeFirstOrThrow()).revision,
      );
      chain = await verifyAuditChain(store);
    } finally {
      await store.close();
    }
    ctx.print({ file: from, revision, auditChain: chain, ...summary }, () => {
      const fixUps = summary.fixUps
        .filter((f) => f.rows > 0)
        .map((f) => `  ${f.table}: ${count(f.rows)} — ${f.description}`);
      return (
        `Đã khôi phục / Restored: ${from}\n` +
        fields([
          ['  Vào kho / Into', describeStore(config)],
          ['  Sao lưu lúc / Backed up at', `${time(summary.createdAt)} (${summary.sourceStore})`],
          ['  Phiên bản lược đồ / Schema', summary.migrations.at(-1) ?? '-'],
          ['  Bảng / Tables', summary.tables.length],
          ['  Bản ghi / Rows', count(summary.rows)],
          ['  Kích thước / Size', bytes(summary.bytes)],
          ['  SHA-256', summary.sha256],
          ['  Phiên bản cấu hình / Config revision', revision],
          [
            '  Nhật ký / Audit chain',
            chain.ok
              ? `nguyên vẹn / intact: ${count(chain.count)} sự kiện/events`
              : `bị phá vỡ tại / broken at #${chain.brokenAt.seq}: ${chain.brokenAt.reason}`,
          ],
        ]) +
        (fixUps.length > 0 ? `Điều chỉnh / Adjusted (R-02):\n${fixUps.join('\n')}\n` : '') +
        `\n${tableCounts(summary.tables)}`
      );
    });
    return 0;
  },
};

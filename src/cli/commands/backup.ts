import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../../core/config.ts';
import type { BackupSummary, RestoreSummary } from '../../store/backup-format.ts';
import type { Store } from '../../store/port.ts';
import { required, str } from '../args.ts';
import type { Context, Subcommand } from '../command.ts';
import { fields, table } from '../format.ts';

/**
 * `lgsp backup` and `lgsp restore` (R-24) open the store themselves, from the platform configuration
 * (LGSP_DATA_DIR, LGSP_DATABASE_URL, lgsp.config.json), as `lgsp audit verify` does: a backup must be possible
 * with the platform stopped, and a restore happens before it starts. The embedded store has one owner, so there
 * the platform must be stopped; PostgreSQL is backed up while it runs (one REPEATABLE READ snapshot). The store
 * modules load only when these run, so the client commands stay light.
 */

/** What the command says about where the data is: never the database URL itself, which may carry a password. */
function describeStore(config: Config): string {
  if (!config.databaseUrl) return `PGlite ${resolve(config.dataDir)}`;
  try {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL ${url.host}${url.pathname}`;
  } catch {
    return 'PostgreSQL';
  }
}

/**
 * Loads the configuration and opens its store, migrated as `lgsp start` would. With `mustExist` (backup), a data
 * dir or database that holds no LGSP store is refused rather than created: a mistyped LGSP_DATA_DIR must not give
 * a backup of nothing. Prints why not and returns the exit code instead.
 */
async function openConfiguredStore(
  ctx: Context,
  mustExist: boolean,
): Promise<{ config: Config; store: Store } | number> {
  const { ConfigError, loadConfig } = await import('../../core/config.ts');
  let config: Config;
  try {
    config = loadConfig(ctx.io.env ? { env: ctx.io.env } : {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.io.err(`${err.message}\n`);
    return 1;
  }
  const noStore = () =>
    `Không có kho dữ liệu LGSP ở / No LGSP store at: ${describeStore(config)} — kiểm tra / check LGSP_DATA_DIR, LGSP_DATABASE_URL\n`;
  if (mustExist && !config.databaseUrl && !existsSync(join(resolve(config.dataDir), 'pglite'))) {
    ctx.io.err(noStore());
    return 1;
  }
  const { migrate } = await import('../../store/migrate.ts');
  let store: Store;
  try {
    store = config.databaseUrl
      ? await (await import('../../store/postgres-store.ts')).PostgresStore.open(config.databaseUrl)
      : await (await import('../../store/pglite-store.ts')).PgliteStore.open(config.dataDir);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const lines = [];
    if (e.code === 'LGSP_STORE_LOCKED') {
      lines.push(
        'Sao lưu và khôi phục kho nhúng (PGlite) chỉ chạy khi nền tảng đã dừng: hãy dừng `lgsp start` trên thư mục ' +
          'dữ liệu này trước. / Backup and restore of the embedded store (PGlite) run only while the platform is ' +
          'stopped: stop `lgsp start` on this data dir first.',
      );
    }
    const hint = e.code === 'ECONNREFUSED' ? ' — kiểm tra / check LGSP_DATABASE_URL' : '';
    lines.push(`Không mở được kho dữ liệu / Could not open the store: ${e.message ?? String(err)}${hint}`);
    ctx.io.err(`${lines.join('\n')}\n`);
    return 1;
  }
  try {
    if (mustExist) {
      const { sql } = await import('kysely');
      const found = await sql<{
        t: string | null;
      }>`SELECT to_regclass('public.schema_migrations')::text AS t`.execute(store.db);
      if (!found.rows[0]?.t) {
        await store.close();
        ctx.io.err(noStore());
        return 1;
      }
    }
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return { config, store };
}

/** `lgsp-backup-20250301T020000Z.jsonl.gz`: sorts by time, and says what it is. */
export function defaultBackupName(now: Date): string {
  return `lgsp-backup-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z')}.jsonl.gz`;
}

const count = (n: number) => n.toLocaleString('vi-VN');
const bytes = (n: number) => `${count(n)} bytes`;

function tableCounts(tables: Array<{ name: string; rows: number }>): string {
  return table(
    ['Bảng / Table', 'Bản ghi / Rows'],
    tables.map((t) => [t.name, t.rows]),
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
    const opened = await openConfiguredStore(ctx, true);
    if (typeof opened === 'number') return opened;
    const { config, store } = opened;
    const { writeBackup } = await import('../../store/backup.ts');
    // Written beside its final name and renamed once complete and on disk: a file by that name is always whole.
    // Owner-only: the file holds what the database holds (password hashes, signing keys, webhook secrets).
    const partial = `${out}.partial-${process.pid}`;
    let summary: BackupSummary;
    let fd: number | null = null;
    try {
      fd = openSync(partial, 'wx', 0o600);
      summary = await writeBackup(store, createWriteStream('', { fd, autoClose: false }), { now });
      fsyncSync(fd);
      closeSync(fd);
      fd = null;
      renameSync(partial, out);
    } catch (err) {
      if (fd !== null) closeSync(fd);
      rmSync(partial, { force: true });
      ctx.io.err(`Sao lưu thất bại / Backup failed: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await store.close();
    }
    ctx.print({ file: out, ...summary }, () => {
      const excluded = summary.excluded.map((e) => `  ${e.name}: ${e.rows} bản ghi/rows — ${e.why}`);
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
    const opened = await openConfiguredStore(ctx, false);
    if (typeof opened === 'number') return opened;
    const { config, store } = opened;
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
        summary = await restoreBackup(store, createReadStream(from));
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
        .map((f) => `  ${f.table}: ${f.rows} — ${f.description}`);
      return (
        `Đã khôi phục / Restored: ${from}\n` +
        fields([
          ['  Vào kho / Into', describeStore(config)],
          ['  Sao lưu lúc / Backed up at', `${summary.createdAt} (${summary.sourceStore})`],
          ['  Phiên bản lược đồ / Schema', summary.migrations.at(-1) ?? '-'],
          ['  Bảng / Tables', summary.tables.length],
          ['  Bản ghi / Rows', count(summary.rows)],
          ['  Kích thước / Size', bytes(summary.bytes)],
          ['  SHA-256', summary.sha256],
          ['  Phiên bản cấu hình / Config revision', revision],
          [
            '  Nhật ký / Audit chain',
            chain.ok
              ? `nguyên vẹn / intact: ${chain.count} sự kiện/events`
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

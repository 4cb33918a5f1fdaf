import type { AuditChainResult } from '../../control/audit-verify.ts';
import { positiveInt, str } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { table, time } from '../format.ts';

export const auditCommands: Group = {
  name: 'audit',
  summary: 'Nhật ký thay đổi cấu hình (R-20) / Audit trail of configuration changes',
  subcommands: {
    list: {
      synopsis: '[--object <id>] [--limit N]',
      summary: 'Mới nhất trước / Newest first',
      options: { object: { type: 'string' }, limit: { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.call('listAuditEvents', {
          query: { objectId: str(ctx.values, 'object'), limit: positiveInt(ctx.values, 'limit', ctx.usage) },
        });
        ctx.print(body, () =>
          table(
            [
              'Thời điểm / Time',
              'Người thực hiện / Actor',
              'Hành động / Action',
              'Đối tượng / Object',
              'Rev',
            ],
            body.items.map((e) => [time(e.at), e.actor, e.action, e.objectId, e.revision]),
          ),
        );
        return 0;
      },
    },
    verify: {
      synopsis: '',
      summary:
        'Kiểm tra chuỗi băm của nhật ký, đọc thẳng kho dữ liệu theo cấu hình nền tảng (không qua API) / ' +
        'Check the audit hash chain, reading the store named by the platform configuration (not the API)',
      run: verifyOffline,
    },
  },
};

/**
 * `lgsp audit verify` (R-20) opens the store itself, from the platform configuration (LGSP_DATA_DIR,
 * LGSP_DATABASE_URL, lgsp.config.json), so the evidence can be checked with the platform stopped — and without
 * trusting the platform's own API to report on itself. On the embedded store the platform must be stopped first
 * (PGlite allows one process: the store's lock file says so); on PostgreSQL it may run. The modules that touch
 * the store load only here, so the client commands stay light.
 */
async function verifyOffline(ctx: Context): Promise<number> {
  const { ConfigError, loadConfig } = await import('../../core/config.ts');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(ctx.io.env ? { env: ctx.io.env } : {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    ctx.io.err(`${err.message}\n`);
    return 1;
  }
  const { openStore } = await import('../../store/open.ts');
  const { sealUnchainedAuditEvents } = await import('../../control/audit.ts');
  const { verifyAuditChain } = await import('../../control/audit-verify.ts');
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(config);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const hint = e.code === 'ECONNREFUSED' ? ' — kiểm tra / check LGSP_DATABASE_URL' : '';
    ctx.io.err(`Không mở được kho dữ liệu / Could not open the store: ${e.message ?? String(err)}${hint}\n`);
    return 1;
  }
  let result: AuditChainResult;
  try {
    // What the platform does at start: events from before the chain existed get their hashes (a no-op after).
    await sealUnchainedAuditEvents(store);
    result = await verifyAuditChain(store);
  } finally {
    await store.close();
  }
  ctx.print(result, () => {
    if (result.ok) {
      return (
        `Chuỗi nhật ký nguyên vẹn / Audit chain intact: ${result.count} sự kiện/events\n` +
        (result.lastHash ? `  Mã băm cuối / Last hash: ${result.lastHash}\n` : '')
      );
    }
    const { seq, id, reason } = result.brokenAt;
    return `Chuỗi nhật ký bị phá vỡ / Audit chain broken at #${seq}${id ? ` ${id}` : ''}: ${reason}\n`;
  });
  return result.ok ? 0 : 1;
}

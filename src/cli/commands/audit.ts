import type { AuditChainResult } from '../../control/audit-verify.ts';
import { PERIOD_NOTE, positiveInt, textOptions, vietnamPeriodFilter } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { listCommand } from '../command-builders.ts';
import { count, time } from '../format.ts';
import { openPlatformStore } from '../platform-store.ts';

export const auditCommands: Group = {
  name: 'audit',
  summary: 'Nhật ký thay đổi cấu hình (R-20) / Audit trail of configuration changes',
  subcommands: {
    list: listCommand({
      synopsis:
        '[--object <id>] [--type <loại/type>] [--action <hành động>] [--actor <user id>] [--from <dd/mm/yyyy[ HH:mm]>] [--to <dd/mm/yyyy[ HH:mm]>] ' +
        '[--limit N] [--cursor <c>]',
      summary: `Mới nhất trước / Newest first (--from/--to: ${PERIOD_NOTE})`,
      filters: {
        object: 'objectId',
        type: 'objectType',
        action: 'action',
        actor: 'actor',
        cursor: 'cursor',
      },
      options: textOptions('limit', 'from', 'to'),
      send: (ctx, query) =>
        ctx.api.call('listAuditEvents', {
          query: {
            ...query,
            ...vietnamPeriodFilter(ctx.values),
            limit: positiveInt(ctx.values, 'limit', ctx.usage),
          },
        }),
      headers: [
        'Thời điểm / Time',
        'Người thực hiện / Actor',
        'Hành động / Action',
        'Đối tượng / Object',
        'Rev',
      ],
      // The username a person knows, with the id the --actor filter takes beside it.
      row: (e) => [
        time(e.at),
        e.actorUsername ? `${e.actorUsername} (${e.actor})` : e.actor,
        e.action,
        e.objectId,
        e.revision,
      ],
      footer: (page) =>
        page.nextCursor ? `\nTrang sau / Next page: lgsp audit list --cursor ${page.nextCursor}\n` : '',
    }),
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
 * `lgsp audit verify` (R-20) opens the store itself (platform-store.ts), so the evidence can be checked with the
 * platform stopped — and without trusting the platform's own API to report on itself.
 */
async function verifyOffline(ctx: Context): Promise<number> {
  const opened = await openPlatformStore(ctx);
  if (typeof opened === 'number') return opened;
  const { store } = opened;
  const { sealUnchainedAuditEvents } = await import('../../control/audit.ts');
  const { verifyAuditChain } = await import('../../control/audit-verify.ts');
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
        `Chuỗi nhật ký nguyên vẹn / Audit chain intact: ${count(result.count)} sự kiện/events\n` +
        (result.lastHash ? `  Mã băm cuối / Last hash: ${result.lastHash}\n` : '')
      );
    }
    const { seq, id, reason } = result.brokenAt;
    return `Chuỗi nhật ký bị phá vỡ / Audit chain broken at #${seq}${id ? ` ${id}` : ''}: ${reason}\n`;
  });
  return result.ok ? 0 : 1;
}

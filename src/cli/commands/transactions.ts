import { PERIOD_NOTE, positiveInt, textOptions, vietnamPeriodFilter } from '../args.ts';
import type { Group } from '../command.ts';
import { listCommand } from '../command-builders.ts';
import { time } from '../format.ts';

type Party = { systemId: string | null; systemName: string | null; organizationCode: string | null };

/**
 * A side of a record as a person reads it: the system's name in the registry and the organization's code (the
 * names the API joins in); the `sys_…` id when the system is no longer registered. `--json` keeps every id.
 */
function party(p: Party): string | null {
  const name = p.systemName ?? p.systemId;
  if (name === null) return p.organizationCode;
  return p.organizationCode ? `${name} (${p.organizationCode})` : name;
}

export const transactionCommands: Group = {
  name: 'transactions',
  summary: 'Nhật ký giao dịch qua cổng (R-07, R-20) / Transactions through the gateway',
  subcommands: {
    list: listCommand({
      synopsis:
        '[--from <dd/mm/yyyy[ HH:mm]>] [--to <dd/mm/yyyy[ HH:mm]>] [--consumer <system id>] [--provider <system id>] [--service <id>] ' +
        '[--status 404|5xx|success|error] [--error <code>] [--message <id>] [--txn <id>] [--limit N] [--cursor <c>]',
      summary:
        'Tra cứu, mới nhất trước; hệ thống ghi theo tên (mã cơ quan), --json có mã hệ thống / Search, newest ' +
        `first; systems by name (organization code), --json has their ids (--from/--to: ${PERIOD_NOTE})`,
      filters: {
        consumer: 'consumerSystemId',
        provider: 'providerSystemId',
        service: 'serviceId',
        status: 'status',
        error: 'errorCode',
        message: 'messageId',
        txn: 'transactionId',
        cursor: 'cursor',
      },
      options: textOptions('limit', 'from', 'to'),
      send: (ctx, query) =>
        ctx.api.call('listTransactions', {
          query: {
            ...query,
            ...vietnamPeriodFilter(ctx.values),
            limit: positiveInt(ctx.values, 'limit', ctx.usage),
          },
        }),
      headers: [
        'Thời điểm / Time',
        'Bên khai thác / Consumer',
        'Bên cung cấp / Provider',
        'Dịch vụ / Service',
        'Tài nguyên / Resource',
        'KQ / Status',
        'Lỗi / Error',
        'ms',
      ],
      row: (t) => [
        time(t.requestInAt),
        party(t.consumer),
        party(t.provider),
        t.service.context ? `${t.service.context}/${t.service.version ?? '?'}` : null,
        `${t.method} ${t.resourceTemplate}`,
        t.consumerStatus,
        t.errorCode,
        t.durationMs,
      ],
      footer: (page) =>
        page.nextCursor
          ? `\nTrang sau / Next page: lgsp transactions list --cursor ${page.nextCursor}\n`
          : '',
    }),
  },
};

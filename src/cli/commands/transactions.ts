import { PERIOD_NOTE, positiveInt, textOptions, vietnamPeriodFilter } from '../args.ts';
import type { Group } from '../command.ts';
import { listCommand } from '../command-builders.ts';
import { time } from '../format.ts';

export const transactionCommands: Group = {
  name: 'transactions',
  summary: 'Nhật ký giao dịch qua cổng (R-07, R-20) / Transactions through the gateway',
  subcommands: {
    list: listCommand({
      synopsis:
        '[--from <dd/mm/yyyy[ HH:mm]>] [--to <dd/mm/yyyy[ HH:mm]>] [--consumer <system id>] [--provider <system id>] [--service <id>] ' +
        '[--status 404|5xx|success|error] [--error <code>] [--message <id>] [--txn <id>] [--limit N] [--cursor <c>]',
      summary: `Tra cứu, mới nhất trước / Search, newest first (--from/--to: ${PERIOD_NOTE})`,
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
        'Dịch vụ / Service',
        'Tài nguyên / Resource',
        'KQ / Status',
        'Lỗi / Error',
        'ms',
      ],
      row: (t) => [
        time(t.requestInAt),
        t.consumer.systemId,
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

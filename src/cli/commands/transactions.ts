import { positiveInt, str, textOptions } from '../args.ts';
import type { Group } from '../command.ts';
import { listCommand } from '../command-builders.ts';
import { time } from '../format.ts';

export const transactionCommands: Group = {
  name: 'transactions',
  summary: 'Nhật ký giao dịch qua cổng (R-07, R-20) / Transactions through the gateway',
  subcommands: {
    list: listCommand({
      synopsis:
        '[--from <ISO>] [--to <ISO>] [--consumer <system id>] [--provider <system id>] [--service <id>] ' +
        '[--status 404|5xx] [--error <code>] [--limit N] [--cursor <c>]',
      summary: 'Tra cứu, mới nhất trước / Search, newest first',
      options: textOptions(
        'from',
        'to',
        'consumer',
        'provider',
        'service',
        'status',
        'error',
        'limit',
        'cursor',
      ),
      send(ctx) {
        const v = ctx.values;
        return ctx.api.call('listTransactions', {
          query: {
            from: str(v, 'from'),
            to: str(v, 'to'),
            consumerSystemId: str(v, 'consumer'),
            providerSystemId: str(v, 'provider'),
            serviceId: str(v, 'service'),
            status: str(v, 'status'),
            errorCode: str(v, 'error'),
            limit: positiveInt(v, 'limit', ctx.usage),
            cursor: str(v, 'cursor'),
          },
        });
      },
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

import { positiveInt, str } from '../args.ts';
import type { Group } from '../command.ts';
import { table, time } from '../format.ts';

export const transactionCommands: Group = {
  name: 'transactions',
  summary: 'Nhật ký giao dịch qua cổng (R-07, R-20) / Transactions through the gateway',
  subcommands: {
    list: {
      synopsis:
        '[--from <ISO>] [--to <ISO>] [--consumer <system id>] [--provider <system id>] [--service <id>] ' +
        '[--status 404|5xx] [--error <code>] [--limit N] [--cursor <c>]',
      summary: 'Tra cứu, mới nhất trước / Search, newest first',
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        consumer: { type: 'string' },
        provider: { type: 'string' },
        service: { type: 'string' },
        status: { type: 'string' },
        error: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
      },
      async run(ctx) {
        const v = ctx.values;
        const page = await ctx.api.call('listTransactions', {
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
        ctx.print(page, () => {
          const rows = table(
            [
              'Thời điểm / Time',
              'Bên khai thác / Consumer',
              'Dịch vụ / Service',
              'Tài nguyên / Resource',
              'KQ / Status',
              'Lỗi / Error',
              'ms',
            ],
            page.items.map((t) => [
              time(t.requestInAt),
              t.consumer.systemId,
              t.service.context ? `${t.service.context}/${t.service.version ?? '?'}` : null,
              `${t.method} ${t.resourceTemplate}`,
              t.consumerStatus,
              t.errorCode,
              t.durationMs,
            ]),
          );
          return page.nextCursor
            ? `${rows}\nTrang sau / Next page: lgsp transactions list --cursor ${page.nextCursor}\n`
            : rows;
        });
        return 0;
      },
    },
  },
};

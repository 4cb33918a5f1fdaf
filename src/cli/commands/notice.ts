import { required, str } from '../args.ts';
import type { Group } from '../command.ts';
import { table, time } from '../format.ts';

export const noticeCommands: Group = {
  name: 'notice',
  summary: 'Thông báo công khai và lịch bảo trì (R-21, R-24) / Public notices and maintenance windows',
  subcommands: {
    list: {
      synopsis: '',
      summary: 'Các thông báo, mới nhất trước / Notices, newest first',
      async run(ctx) {
        const body = await ctx.api.call('listNotices');
        ctx.print(body, () =>
          table(
            [
              'Loại / Kind',
              'Tiêu đề / Title',
              'Dịch vụ / Service',
              'Từ / From',
              'Đến / To',
              'Công bố / Published',
            ],
            body.items.map((n) => [
              n.kind,
              n.title,
              n.serviceId ?? '*',
              n.startsAt ? time(n.startsAt) : '',
              n.endsAt ? time(n.endsAt) : '',
              time(n.publishedAt),
            ]),
          ),
        );
        return 0;
      },
    },
    maintenance: {
      synopsis: '--from <ISO> --to <ISO> --title <…> --body <…> [--service <id>]',
      summary:
        'Thông báo bảo trì trước; trong khung giờ dịch vụ trả 503 (R-24) / Announce maintenance; 503 inside the window',
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        title: { type: 'string' },
        body: { type: 'string' },
        service: { type: 'string' },
      },
      async run(ctx) {
        const notice = await ctx.api.call('announceMaintenance', {
          body: {
            serviceId: str(ctx.values, 'service') ?? null,
            startsAt: required(ctx.values, 'from', ctx.usage),
            endsAt: required(ctx.values, 'to', ctx.usage),
            title: required(ctx.values, 'title', ctx.usage),
            body: required(ctx.values, 'body', ctx.usage),
          },
        });
        ctx.print(
          notice,
          () =>
            `Đã thông báo bảo trì / Maintenance announced: ${notice.id} (${notice.startsAt} – ${notice.endsAt})`,
        );
        return 0;
      },
    },
  },
};

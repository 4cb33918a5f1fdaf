import { required, str, textOptions, vietnamInstant, vietnamPeriodEnd } from '../args.ts';
import type { Group } from '../command.ts';
import { callCommand, pagedListCommand } from '../command-builders.ts';
import { time } from '../format.ts';

export const noticeCommands: Group = {
  name: 'notice',
  summary: 'Thông báo công khai và lịch bảo trì (R-21, R-24) / Public notices and maintenance windows',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--kind deprecation|decommission|maintenance|endpoint_change|announcement] [--service <id>]',
      summary:
        'Các thông báo, mới nhất trước; tìm theo tiêu đề, nội dung / Notices, newest first; search by title, body',
      filters: { kind: 'kind', service: 'serviceId' },
      send: (ctx, query) => ctx.api.call('listNotices', { query }),
      headers: [
        'Loại / Kind',
        'Tiêu đề / Title',
        'Dịch vụ / Service',
        'Từ / From',
        'Đến / To',
        'Công bố / Published',
      ],
      row: (n) => [
        n.kind,
        n.title,
        n.serviceId ?? '*',
        n.startsAt ? time(n.startsAt) : '',
        n.endsAt ? time(n.endsAt) : '',
        time(n.publishedAt),
      ],
    }),
    maintenance: callCommand({
      synopsis:
        '--from <dd/mm/yyyy[ HH:mm]> --to <dd/mm/yyyy[ HH:mm]> (giờ Việt Nam, --to là một ngày thì gồm cả ngày đó / Vietnam time, a day in --to includes it) --title <…> --body <…> [--service <id>]',
      summary:
        'Thông báo bảo trì trước; trong khung giờ dịch vụ trả 503 (R-24) / Announce maintenance; 503 inside the window',
      options: textOptions('from', 'to', 'title', 'body', 'service'),
      send: (ctx) =>
        ctx.api.call('announceMaintenance', {
          body: {
            serviceId: str(ctx.values, 'service') ?? null,
            startsAt: vietnamInstant(required(ctx.values, 'from', ctx.usage), 'from'),
            // A day alone in --to is through that day, as for every period (args.ts `vietnamPeriodEnd`).
            endsAt: vietnamPeriodEnd(required(ctx.values, 'to', ctx.usage), 'to'),
            title: required(ctx.values, 'title', ctx.usage),
            body: required(ctx.values, 'body', ctx.usage),
          },
        }),
      render: (notice) =>
        `Đã thông báo bảo trì / Maintenance announced: ${notice.id} (${time(notice.startsAt)} – ${time(notice.endsAt)})`,
    }),
  },
};

import { required, str, textOptions, vietnamInstant, vietnamPeriodEnd } from '../args.ts';
import type { Group } from '../command.ts';
import { callCommand, pagedListCommand, recordCommand } from '../command-builders.ts';
import { time } from '../format.ts';

export const noticeCommands: Group = {
  name: 'notice',
  summary: 'Thông báo công khai và lịch bảo trì (R-21, R-24) / Public notices and maintenance windows',
  subcommands: {
    list: pagedListCommand({
      synopsis:
        '[--kind deprecation|decommission|maintenance|endpoint_change|announcement|maintenance_cancelled|decommission_cancelled] [--service <id>]',
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
        n.cancelledAt ? `${n.kind} (đã huỷ / cancelled)` : n.kind,
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
    'cancel-maintenance': recordCommand({
      synopsis: '[--reason <lý do, công khai / why, published>]',
      summary:
        'Huỷ lịch bảo trì chưa kết thúc; cổng phục vụ lại ngay, các bên được báo huỷ (R-24) / Cancel a maintenance window; served again at once, parties told',
      options: textOptions('reason'),
      send: (ctx, params) => {
        const reason = str(ctx.values, 'reason');
        return ctx.api.call('cancelMaintenance', { params, body: reason ? { reason } : {} });
      },
      render: (notice) =>
        `Đã huỷ lịch bảo trì / Maintenance cancelled: ${notice.cancelsNoticeId} (${time(notice.startsAt)} – ${time(notice.endsAt)}, giờ Việt Nam / Vietnam time)\n` +
        `Thông báo huỷ / Cancellation notice: ${notice.id}`,
    }),
  },
};

import { type Notice, noticeDates } from '../../api/contract/index.ts';
import { required, str, textOptions, vietnamInstant, vietnamPeriodEnd } from '../args.ts';
import type { Group } from '../command.ts';
import { callCommand, pagedListCommand, recordCommand } from '../command-builders.ts';
import { fields, time } from '../format.ts';

/**
 * One notice as a person reads it: its dates in words (a cancellation's are of what it cancelled, and say so),
 * and the link between an announcement and its cancellation either way.
 */
function showNotice(n: Notice): string {
  const dates = noticeDates(n, time);
  return `${fields([
    ['ID', n.id],
    ['Loại / Kind', n.kind],
    ['Tiêu đề / Title', n.title],
    ['Dịch vụ / Service', n.serviceId ?? '*'],
    ['Thời gian (giờ Việt Nam) / When (Vietnam time)', dates ? `${dates.vi} / ${dates.en}` : null],
    ['Công bố / Published', time(n.publishedAt)],
    [
      'Đã huỷ / Cancelled',
      n.cancelledBy ? `${time(n.cancelledBy.at)}, thông báo huỷ / cancellation: ${n.cancelledBy.id}` : null,
    ],
    ['Huỷ thông báo / Cancels', n.cancelsNoticeId],
  ])}\n${n.body}\n`;
}

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
        'Lịch từ / Scheduled from',
        'Đến / To',
        'Công bố / Published',
        'Huỷ / Cancellation',
      ],
      // A cancellation's dates are those of the schedule it cancelled: its kind and last column say so.
      row: (n) => [
        n.cancelledBy ? `${n.kind} (đã huỷ / cancelled)` : n.kind,
        n.title,
        n.serviceId ?? '*',
        n.startsAt ? time(n.startsAt) : '',
        n.endsAt ? time(n.endsAt) : '',
        time(n.publishedAt),
        n.cancelledBy
          ? `bởi / by ${n.cancelledBy.id}`
          : n.cancelsNoticeId
            ? `huỷ / cancels ${n.cancelsNoticeId}`
            : '',
      ],
    }),
    show: recordCommand({
      summary: 'Xem một thông báo, và việc huỷ nó nếu có / Show a notice, and its cancellation if any',
      send: (ctx, params) => ctx.api.call('getPublicNotice', { params }),
      render: showNotice,
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

import type { Alert } from '../../api/contract/alerts.ts';
import { required, textOptions } from '../args.ts';
import type { Group, Subcommand } from '../command.ts';
import { headed, pageArgs, pagedListCommand, recordCommand, shownOf } from '../command-builders.ts';
import { fields, table, time } from '../format.ts';

/** Vietnamese first, the API's word beside it (as `lgsp system connection` names its states). */
const SEVERITY_VI: Record<Alert['severity'], string> = {
  info: 'thông tin',
  warning: 'cảnh báo',
  critical: 'nghiêm trọng',
};
const STATE_VI: Record<Alert['state'], string> = { open: 'đang mở', resolved: 'đã xử lý' };

const severity = (a: Alert) => `${SEVERITY_VI[a.severity]} / ${a.severity}`;

/** Open, acknowledged (someone is on it) or escalated, as the console's alert screen says it. */
function state(a: Alert): string {
  if (a.state === 'resolved') return `${STATE_VI.resolved} / resolved`;
  if (a.acknowledgedAt) return 'đã tiếp nhận / acknowledged';
  if (a.escalatedAt) return 'đã báo cấp trên / escalated';
  return `${STATE_VI.open} / open`;
}

function showAlert(a: Alert): string {
  return fields([
    ['ID', a.id],
    ['Nội dung / Subject', a.subject],
    ['Loại / Kind', a.kind],
    ['Mức độ / Severity', severity(a)],
    ['Trạng thái / State', state(a)],
    ['Số lần / Occurrences', a.occurrences],
    ['Mở lúc / Opened', time(a.openedAt)],
    ['Gần nhất / Last seen', time(a.lastSeenAt)],
    ['Báo cấp trên lúc / Escalated', a.escalatedAt ? time(a.escalatedAt) : null],
    ['Tiếp nhận lúc / Acknowledged', a.acknowledgedAt ? time(a.acknowledgedAt) : null],
    ['Xử lý lúc / Resolved', a.resolvedAt ? time(a.resolvedAt) : null],
  ]);
}

/** Acknowledge or resolve `<id>` with a note; the API adds who said it (the signed-in user). */
const withNote = (
  summary: string,
  done: string,
  send: (ctx: Parameters<Subcommand['run']>[0], id: string, note: string) => Promise<Alert>,
): Subcommand =>
  recordCommand({
    synopsis: '--note <ghi chú>',
    summary,
    options: textOptions('note'),
    send: (ctx, { id }) => send(ctx, id, required(ctx.values, 'note', ctx.usage)),
    render: headed(done, showAlert),
  });

/**
 * Operator alerts from the command line, as the console's "Cảnh báo" screen has them: the list
 * (`GET /alerts`), an alert's history, acknowledging ("I am on it") and resolving with how it was dealt with.
 */
export const alertCommands: Group = {
  name: 'alerts',
  summary: 'Cảnh báo vận hành (R-06, R-22) / Operator alerts',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--state open|resolved] [--severity info|warning|critical] [--kind <loại/kind>]',
      summary:
        'Cảnh báo, mới nhất trước; tìm theo nội dung, loại, khoá / Alerts, newest first; search by subject, kind, key',
      filters: { state: 'state', severity: 'severity', kind: 'kind' },
      send: (ctx, query) => ctx.api.call('listAlerts', { query }),
      headers: [
        'ID',
        'Mức độ / Severity',
        'Trạng thái / State',
        'Loại / Kind',
        'Nội dung / Subject',
        'Mở lúc / Opened',
        'Gần nhất / Last seen',
        'Số lần / Times',
      ],
      row: (a) => [
        a.id,
        severity(a),
        state(a),
        a.kind,
        a.subject,
        time(a.openedAt),
        time(a.lastSeenAt),
        a.occurrences,
      ],
    }),
    history: recordCommand({
      synopsis: '[--limit N] [--offset N]',
      summary: 'Lịch sử trạng thái của một cảnh báo / An alert’s history of states',
      options: textOptions('limit', 'offset'),
      send: (ctx, params) => ctx.api.call('listAlertEvents', { params, query: pageArgs(ctx) }),
      render: (page, ctx) =>
        table(
          ['Lúc / At', 'Trạng thái / State', 'Ghi chú / Note'],
          page.items.map((e) => [time(e.at), e.state, e.note]),
        ) + shownOf(page, pageArgs(ctx).offset ?? 0),
    }),
    acknowledge: withNote(
      'Tiếp nhận: đã có người xử lý, không nâng mức nữa (vẫn mở) / Acknowledge: someone is on it, no escalation (stays open)',
      'Đã tiếp nhận / Acknowledged',
      (ctx, id, note) => ctx.api.call('acknowledgeAlert', { params: { id }, body: { note } }),
    ),
    resolve: withNote(
      'Đóng cảnh báo, ghi cách đã xử lý / Resolve, saying how it was dealt with',
      'Đã xử lý / Resolved',
      (ctx, id, note) => ctx.api.call('resolveAlert', { params: { id }, body: { note } }),
    ),
  },
};

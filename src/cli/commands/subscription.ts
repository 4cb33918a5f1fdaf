import type { Subscription, SubscriptionEnding, SubscriptionStatus } from '../../api/contract/index.ts';
import { environmentOption, nonEmpty, positiveInt, required, str, textOptions } from '../args.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import { callCommand, headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { count, createdAndUpdated, fields, time } from '../format.ts';

const quota = (s: Subscription) =>
  [
    s.quotaPerMinute ? `${count(s.quotaPerMinute)}/phút·min` : '',
    s.quotaPerDay ? `${count(s.quotaPerDay)}/ngày·day` : '',
  ]
    .filter(Boolean)
    .join(', ') || 'không giới hạn / unlimited';

const ENDING_WORDS: Record<SubscriptionEnding['kind'], string> = {
  version_sunset: 'phiên bản ngừng / version sunset (R-18)',
  service_decommission: 'dịch vụ ngừng cung cấp / service withdrawn (R-21)',
};

/** When and why the subscription ends (the API's `ending`), and where to move: empty while nothing ends. */
function ending(s: Subscription): string | null {
  const e = s.ending;
  if (!e) return null;
  const moveTo = e.replacementVersion
    ? ` · chuyển sang / move to ${e.replacementVersion} (${e.replacementVersionId})`
    : '';
  const notice = e.noticeId ? ` · thông báo / notice ${e.noticeId}` : '';
  return `${time(e.endsAt)} — ${ENDING_WORDS[e.kind]}${moveTo}${notice}`;
}

function showSubscription(s: Subscription): string {
  return fields([
    ['ID', s.id],
    ['Hệ thống khai thác / Consumer', s.systemId],
    ['Phiên bản dịch vụ / Version', s.versionId],
    ['Môi trường / Environment', s.environment],
    ['Trạng thái / Status', s.status],
    ['Hạn mức / Quota', quota(s)],
    ['Thời gian khai thác / Time of use', s.timeOfUse ?? 'cả ngày / all day'],
    ['Ngừng từ / Ends', ending(s) ?? '—'],
    ...createdAndUpdated(s),
  ]);
}

/** Quotas and time of use; on update the word `none` clears one. */
function limits(ctx: Context, allowNone: boolean): Record<string, unknown> {
  const perMinute = positiveInt(ctx.values, 'quota-per-minute', ctx.usage, allowNone);
  const perDay = positiveInt(ctx.values, 'quota-per-day', ctx.usage, allowNone);
  const window = str(ctx.values, 'time-of-use');
  return {
    ...(perMinute !== undefined ? { quotaPerMinute: perMinute } : {}),
    ...(perDay !== undefined ? { quotaPerDay: perDay } : {}),
    ...(window !== undefined ? { timeOfUse: allowNone && window === 'none' ? null : window } : {}),
  };
}

const setStatus = (status: SubscriptionStatus, summary: string, done: string): Subcommand =>
  recordCommand({
    summary,
    send: (ctx, params) => ctx.api.call('updateSubscription', { params, body: { status } }),
    render: headed(done, showSubscription),
  });

const LIMIT_OPTIONS = textOptions('quota-per-minute', 'quota-per-day', 'time-of-use');

export const subscriptionCommands: Group = {
  name: 'subscription',
  summary: 'Đăng ký khai thác dịch vụ (R-12, R-16) / Subscriptions to services',
  subcommands: {
    list: pagedListCommand({
      synopsis:
        '[--system <id>] [--version-id <id>] [--status <trạng thái>] [--env sandbox|production] [--ending true|false]',
      summary:
        'Danh sách đăng ký, mới nhất trước; tìm theo tên hệ thống, context / ' +
        'List subscriptions, newest first; search by system name, context',
      filters: {
        system: 'systemId',
        'version-id': 'versionId',
        status: 'status',
        env: 'environment',
        ending: 'ending',
      },
      send: (ctx, query) => ctx.api.call('listSubscriptions', { query }),
      headers: [
        'ID',
        'Hệ thống / System',
        'Phiên bản / Version',
        'Môi trường / Env',
        'Trạng thái / Status',
        'Hạn mức / Quota',
        'Giờ / Time',
        'Ngừng từ / Ends',
      ],
      row: (s) => [
        s.id,
        s.systemId,
        s.versionId,
        s.environment,
        s.status,
        quota(s),
        s.timeOfUse,
        s.ending ? time(s.ending.endsAt) : null,
      ],
    }),
    show: recordCommand({
      summary: 'Xem một đăng ký / Show a subscription',
      send: (ctx, params) => ctx.api.call('getSubscription', { params }),
      render: showSubscription,
    }),
    create: callCommand({
      synopsis:
        '--system <id> --version-id <id> --env sandbox|production [--quota-per-minute N] [--quota-per-day N] ' +
        '[--time-of-use 07:00-17:30]',
      summary: 'Cho phép hệ thống khai thác một phiên bản / Let a system call a version',
      options: { ...textOptions('system', 'version-id', 'env'), ...LIMIT_OPTIONS },
      send: (ctx) =>
        ctx.api.call('createSubscription', {
          body: {
            systemId: required(ctx.values, 'system', ctx.usage),
            versionId: required(ctx.values, 'version-id', ctx.usage),
            environment: environmentOption(ctx.values, ctx.usage),
            ...limits(ctx, false),
          },
        }),
      render: headed('Đã đăng ký / Subscription created', showSubscription),
    }),
    update: recordCommand({
      synopsis: '[--quota-per-minute N|none] [--quota-per-day N|none] [--time-of-use HH:MM-HH:MM|none]',
      summary: 'Sửa hạn mức, thời gian khai thác / Change quotas or time of use',
      options: LIMIT_OPTIONS,
      send: (ctx, params) =>
        ctx.api.call('updateSubscription', { params, body: nonEmpty(limits(ctx, true), ctx.usage) }),
      render: headed('Đã cập nhật / Updated', showSubscription),
    }),
    suspend: setStatus('suspended', 'Tạm dừng / Suspend', 'Đã tạm dừng / Suspended'),
    activate: setStatus('active', 'Kích hoạt lại / Activate again', 'Đã kích hoạt / Activated'),
    revoke: setStatus('revoked', 'Thu hồi quyền khai thác / Revoke', 'Đã thu hồi / Revoked'),
    cancel: recordCommand({
      summary:
        'Bên khai thác ngừng sử dụng; khoá không còn cần bị thu hồi ngay (R-21) / Consumer stops using it',
      send: (ctx, params) => ctx.api.call('cancelSubscription', { params, body: {} }),
      render: (result) =>
        `Đã huỷ đăng ký / Cancelled. Khoá bị thu hồi / Credentials revoked: ${result.revokedCredentials.join(', ') || '—'}`,
    }),
  },
};

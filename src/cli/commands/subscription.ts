import type { Subscription } from '../../api/contract/index.ts';
import { environmentOption, nonEmpty, positiveInt, required, str } from '../args.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import { fields, table, time } from '../format.ts';

const quota = (s: Subscription) =>
  [s.quotaPerMinute ? `${s.quotaPerMinute}/phút·min` : '', s.quotaPerDay ? `${s.quotaPerDay}/ngày·day` : '']
    .filter(Boolean)
    .join(', ') || 'không giới hạn / unlimited';

function showSubscription(s: Subscription): string {
  return fields([
    ['ID', s.id],
    ['Hệ thống khai thác / Consumer', s.systemId],
    ['Phiên bản dịch vụ / Version', s.versionId],
    ['Môi trường / Environment', s.environment],
    ['Trạng thái / Status', s.status],
    ['Hạn mức / Quota', quota(s)],
    ['Thời gian khai thác / Time of use', s.timeOfUse ?? 'cả ngày / all day'],
    ['Tạo lúc / Created', time(s.createdAt)],
    ['Cập nhật / Updated', time(s.updatedAt)],
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

async function patchSubscription(
  ctx: Context,
  patch: Record<string, unknown>,
  done: string,
): Promise<number> {
  const sub = await ctx.api.call('updateSubscription', {
    params: { id: ctx.args[0]! },
    body: patch,
  });
  ctx.print(sub, () => `${done}\n${showSubscription(sub)}`);
  return 0;
}

const setStatus = (status: string, summary: string, done: string): Subcommand => ({
  synopsis: '<id>',
  summary,
  args: ['id'],
  run: (ctx) => patchSubscription(ctx, { status }, done),
});

const LIMIT_OPTIONS = {
  'quota-per-minute': { type: 'string' },
  'quota-per-day': { type: 'string' },
  'time-of-use': { type: 'string' },
} as const;

export const subscriptionCommands: Group = {
  name: 'subscription',
  summary: 'Đăng ký khai thác dịch vụ (R-12, R-16) / Subscriptions to services',
  subcommands: {
    list: {
      synopsis: '[--system <id>] [--version-id <id>]',
      summary: 'Danh sách đăng ký / List subscriptions',
      options: { system: { type: 'string' }, 'version-id': { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.call('listSubscriptions', {
          query: { systemId: str(ctx.values, 'system'), versionId: str(ctx.values, 'version-id') },
        });
        ctx.print(body, () =>
          table(
            [
              'ID',
              'Hệ thống / System',
              'Phiên bản / Version',
              'Môi trường / Env',
              'Trạng thái / Status',
              'Hạn mức / Quota',
              'Giờ / Time',
            ],
            body.items.map((s) => [
              s.id,
              s.systemId,
              s.versionId,
              s.environment,
              s.status,
              quota(s),
              s.timeOfUse,
            ]),
          ),
        );
        return 0;
      },
    },
    show: {
      synopsis: '<id>',
      summary: 'Xem một đăng ký / Show a subscription',
      args: ['id'],
      async run(ctx) {
        const sub = await ctx.api.call('getSubscription', { params: { id: ctx.args[0]! } });
        ctx.print(sub, () => showSubscription(sub));
        return 0;
      },
    },
    create: {
      synopsis:
        '--system <id> --version-id <id> --env sandbox|production [--quota-per-minute N] [--quota-per-day N] ' +
        '[--time-of-use 07:00-17:30]',
      summary: 'Cho phép hệ thống khai thác một phiên bản / Let a system call a version',
      options: {
        system: { type: 'string' },
        'version-id': { type: 'string' },
        env: { type: 'string' },
        ...LIMIT_OPTIONS,
      },
      async run(ctx) {
        const sub = await ctx.api.call('createSubscription', {
          body: {
            systemId: required(ctx.values, 'system', ctx.usage),
            versionId: required(ctx.values, 'version-id', ctx.usage),
            environment: environmentOption(ctx.values, ctx.usage),
            ...limits(ctx, false),
          },
        });
        ctx.print(sub, () => `Đã đăng ký / Subscription created\n${showSubscription(sub)}`);
        return 0;
      },
    },
    update: {
      synopsis: '<id> [--quota-per-minute N|none] [--quota-per-day N|none] [--time-of-use HH:MM-HH:MM|none]',
      summary: 'Sửa hạn mức, thời gian khai thác / Change quotas or time of use',
      args: ['id'],
      options: LIMIT_OPTIONS,
      run: (ctx) => patchSubscription(ctx, nonEmpty(limits(ctx, true), ctx.usage), 'Đã cập nhật / Updated'),
    },
    suspend: setStatus('suspended', 'Tạm dừng / Suspend', 'Đã tạm dừng / Suspended'),
    activate: setStatus('active', 'Kích hoạt lại / Activate again', 'Đã kích hoạt / Activated'),
    revoke: setStatus('revoked', 'Thu hồi quyền khai thác / Revoke', 'Đã thu hồi / Revoked'),
    cancel: {
      synopsis: '<id>',
      summary:
        'Bên khai thác ngừng sử dụng; khoá không còn cần bị thu hồi ngay (R-21) / Consumer stops using it',
      args: ['id'],
      async run(ctx) {
        const result = await ctx.api.call('cancelSubscription', {
          params: { id: ctx.args[0]! },
          body: {},
        });
        ctx.print(
          result,
          () =>
            `Đã huỷ đăng ký / Cancelled. Khoá bị thu hồi / Credentials revoked: ${result.revokedCredentials.join(', ') || '—'}`,
        );
        return 0;
      },
    },
  },
};

import type { Credential } from '../../api/contract/index.ts';
import { environmentOption, required, str, UsageError } from '../args.ts';
import type { Group } from '../command.ts';
import { fields, table, time } from '../format.ts';

export const SECRET_WARNING =
  '⚠ Secret key chỉ hiển thị MỘT LẦN này và không thể xem lại: hãy lưu ngay vào nơi an toàn.\n' +
  '⚠ The secret is shown this ONCE and can never be shown again: store it somewhere safe now.\n';

function showCredential(c: Credential): string {
  return fields([
    ['ID', c.id],
    ['Hệ thống / System', c.systemId],
    ['Môi trường / Environment', c.environment],
    ['Consumer key', c.consumerKey],
    ['Trạng thái / Status', c.status],
    ['Cấp lúc / Issued', time(c.createdAt)],
    ['Thu hồi lúc / Revoked', c.revokedAt ? time(c.revokedAt) : null],
  ]);
}

export const credentialCommands: Group = {
  name: 'credential',
  summary: 'Consumer key và secret của hệ thống khai thác (R-14, R-25) / Consumer keys and secrets',
  subcommands: {
    list: {
      synopsis: '[--system <id>]',
      summary: 'Danh sách (không bao giờ có secret) / List (never the secret)',
      options: { system: { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.call('listCredentials', {
          query: { systemId: str(ctx.values, 'system') },
        });
        ctx.print(body, () =>
          table(
            [
              'ID',
              'Hệ thống / System',
              'Môi trường / Env',
              'Consumer key',
              'Trạng thái / Status',
              'Cấp lúc / Issued',
            ],
            body.items.map((c) => [
              c.id,
              c.systemId,
              c.environment,
              c.consumerKey,
              c.status,
              time(c.createdAt),
            ]),
          ),
        );
        return 0;
      },
    },
    show: {
      synopsis: '<id>',
      summary: 'Xem một thông tin kết nối (không có secret) / Show a credential (never the secret)',
      args: ['id'],
      async run(ctx) {
        const credential = await ctx.api.call('getCredential', {
          params: { id: ctx.args[0]! },
        });
        ctx.print(credential, () => showCredential(credential));
        return 0;
      },
    },
    issue: {
      synopsis: '--system <id> --env sandbox|production',
      summary:
        'Cấp consumer key và secret; secret chỉ hiện một lần / Issue a key and secret; the secret shows once',
      options: { system: { type: 'string' }, env: { type: 'string' } },
      async run(ctx) {
        const system = required(ctx.values, 'system', ctx.usage);
        const environment = environmentOption(ctx.values, ctx.usage);
        const issued = await ctx.api.call('issueCredential', {
          params: { id: system },
          body: { environment },
        });
        if (ctx.json) {
          ctx.io.out(`${JSON.stringify(issued, null, 2)}\n`);
          ctx.io.err(SECRET_WARNING);
          return 0;
        }
        ctx.io.out(
          `Đã cấp thông tin kết nối / Credential issued\n${showCredential(issued)}` +
            `\nConsumer key:    ${issued.consumerKey}\nConsumer secret: ${issued.consumerSecret}\n\n${SECRET_WARNING}`,
        );
        return 0;
      },
    },
    revoke: {
      synopsis: '<id> [--reason <lý do>]',
      summary: 'Thu hồi ngay trên mọi nút cổng (R-21) / Revoke at once on every gateway node',
      args: ['id'],
      options: { reason: { type: 'string' } },
      async run(ctx) {
        const reason = str(ctx.values, 'reason');
        const credential = await ctx.api.call('revokeCredential', {
          params: { id: ctx.args[0]! },
          body: reason ? { reason } : {},
        });
        ctx.print(credential, () => `Đã thu hồi / Revoked\n${showCredential(credential)}`);
        return 0;
      },
    },
    rotate: {
      synopsis: '<id> [--overlap-hours N]',
      summary:
        'Thay khoá; khoá cũ còn dùng được N giờ (mặc định 72, R-19) / Rotate; the old key works N more hours',
      args: ['id'],
      options: { 'overlap-hours': { type: 'string' } },
      async run(ctx) {
        const hours = str(ctx.values, 'overlap-hours');
        if (hours !== undefined && !/^\d+$/.test(hours))
          throw new UsageError('--overlap-hours: số giờ / hours', ctx.usage);
        const issued = await ctx.api.call('rotateCredential', {
          params: { id: ctx.args[0]! },
          body: hours ? { overlapHours: Number(hours) } : {},
        });
        ctx.print(issued, () =>
          [
            'Đã cấp khoá mới / New credential issued',
            showCredential(issued),
            `Consumer secret: ${issued.consumerSecret}`,
            'Secret chỉ hiện MỘT lần — hãy lưu ngay. / The secret is shown ONCE — store it now.',
          ].join('\n'),
        );
        return 0;
      },
    },
  },
};

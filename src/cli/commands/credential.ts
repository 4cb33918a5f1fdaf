import type { Credential } from '../../api/contract/index.ts';
import { environmentOption, required, str, textOptions, UsageError } from '../args.ts';
import type { Group } from '../command.ts';
import { headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { fields, terminalSafe, time } from '../format.ts';

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
    // A rotated key stays `active` until its overlap ends: without these the CLI hid that it stops.
    ['Hết hiệu lực / Expires', c.expiresAt ? time(c.expiresAt) : null],
    ['Thay bằng / Replaced by', c.replacedBy],
  ]);
}

export const credentialCommands: Group = {
  name: 'credential',
  summary: 'Consumer key và secret của hệ thống khai thác (R-14, R-25) / Consumer keys and secrets',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--system <id>] [--status active|revoked] [--env sandbox|production]',
      summary:
        'Danh sách, mới nhất trước, không bao giờ có secret; tìm theo consumer key, tên hệ thống / ' +
        'List, newest first, never the secret; search by consumer key, system name',
      filters: { system: 'systemId', status: 'status', env: 'environment' },
      send: (ctx, query) => ctx.api.call('listCredentials', { query }),
      headers: [
        'ID',
        'Hệ thống / System',
        'Môi trường / Env',
        'Consumer key',
        'Trạng thái / Status',
        'Cấp lúc / Issued',
        'Hết hiệu lực / Expires',
      ],
      row: (c) => [
        c.id,
        c.systemId,
        c.environment,
        c.consumerKey,
        c.status,
        time(c.createdAt),
        c.expiresAt ? time(c.expiresAt) : '',
      ],
    }),
    show: recordCommand({
      summary: 'Xem một thông tin kết nối (không có secret) / Show a credential (never the secret)',
      send: (ctx, params) => ctx.api.call('getCredential', { params }),
      render: showCredential,
    }),
    issue: {
      synopsis: '--system <id> --env sandbox|production',
      summary:
        'Cấp consumer key và secret; secret chỉ hiện một lần / Issue a key and secret; the secret shows once',
      options: textOptions('system', 'env'),
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
          terminalSafe(
            `Đã cấp thông tin kết nối / Credential issued\n${showCredential(issued)}` +
              `\nConsumer key:    ${issued.consumerKey}\nConsumer secret: ${issued.consumerSecret}\n\n${SECRET_WARNING}`,
          ),
        );
        return 0;
      },
    },
    revoke: recordCommand({
      synopsis: '[--reason <lý do>]',
      summary: 'Thu hồi ngay trên mọi nút cổng (R-21) / Revoke at once on every gateway node',
      options: textOptions('reason'),
      send: (ctx, params) => {
        const reason = str(ctx.values, 'reason');
        return ctx.api.call('revokeCredential', { params, body: reason ? { reason } : {} });
      },
      render: headed('Đã thu hồi / Revoked', showCredential),
    }),
    rotate: recordCommand({
      synopsis: '[--overlap-hours N]',
      summary:
        'Thay khoá; khoá cũ còn dùng được N giờ (mặc định 72, R-19) / Rotate; the old key works N more hours',
      options: textOptions('overlap-hours'),
      send: (ctx, params) => {
        const hours = str(ctx.values, 'overlap-hours');
        if (hours !== undefined && !/^\d+$/.test(hours))
          throw new UsageError('--overlap-hours: số giờ / hours', ctx.usage);
        return ctx.api.call('rotateCredential', {
          params,
          body: hours ? { overlapHours: Number(hours) } : {},
        });
      },
      render: (issued) =>
        [
          'Đã cấp khoá mới / New credential issued',
          showCredential(issued),
          `Consumer secret: ${issued.consumerSecret}`,
          'Secret chỉ hiện MỘT lần — hãy lưu ngay. / The secret is shown ONCE — store it now.',
        ].join('\n'),
    }),
  },
};

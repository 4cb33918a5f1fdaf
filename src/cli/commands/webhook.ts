import { list, required, str, textOptions } from '../args.ts';
import type { Group } from '../command.ts';
import { callCommand, listCommand, pagedListCommand, recordCommand } from '../command-builders.ts';
import { time } from '../format.ts';

export const webhookCommands: Group = {
  name: 'webhook',
  summary: 'Webhook nhận thông báo ký theo Standard Webhooks / Notification webhooks (Standard Webhooks)',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--org <id>]',
      summary: 'Các webhook; tìm theo URL / List webhooks; search by URL',
      filters: { org: 'organizationId' },
      send: (ctx, query) => ctx.api.call('listWebhooks', { query }),
      headers: ['ID', 'Cơ quan / Organization', 'URL', 'Sự kiện / Events', 'Tạo lúc / Created'],
      row: (w) => [w.id, w.organizationId, w.url, w.events.join(', ') || '*', time(w.createdAt)],
    }),
    create: callCommand({
      // Not `--url`: that is every command's admin API address (GLOBAL_OPTIONS), which the webhook's took the place of.
      synopsis: '--endpoint <https://…> [--org <id>] [--event notice.deprecation …]',
      summary:
        'Đăng ký webhook; khoá ký chỉ hiện một lần / Register a webhook; the signing key is shown once',
      options: { ...textOptions('endpoint', 'org'), event: { type: 'string', multiple: true } },
      send(ctx) {
        const org = str(ctx.values, 'org');
        return ctx.api.call('createWebhook', {
          body: {
            url: required(ctx.values, 'endpoint', ctx.usage),
            ...(org ? { organizationId: org } : {}),
            events: list(ctx.values, 'event'),
          },
        });
      },
      render: (created) =>
        [
          `Đã đăng ký / Registered: ${created.id} → ${created.url}`,
          `Khoá ký / Signing key: ${created.secret}`,
          'Chỉ hiện MỘT lần — hãy lưu ngay. / Shown ONCE — store it now. Xác minh bằng thư viện Standard Webhooks ' +
            '/ Verify with a Standard Webhooks library (webhook-id, webhook-timestamp, webhook-signature; docs/webhooks.md)',
        ].join('\n'),
    }),
    events: listCommand({
      summary: 'Các sự kiện webhook nền tảng gửi / The webhook events the platform sends',
      send: (ctx) => ctx.api.call('listWebhookEventTypes'),
      headers: ['Sự kiện / Event', 'Mô tả / Description'],
      row: (e) => [e.name, `${e.description.vi} / ${e.description.en}`],
      footer: (body) =>
        `\n${body.signature.name}: ${body.signature.signature} (${body.signature.specification})`,
    }),
    rotate: recordCommand({
      synopsis: '[--overlap-hours 24]',
      summary:
        'Đổi khoá ký; khoá mới hiện một lần, khoá cũ ký kèm trong thời gian chồng lấn / Rotate the signing key; ' +
        'the new one is shown once, the old one signs too during the overlap',
      options: textOptions('overlap-hours'),
      send: (ctx, params) => {
        const hours = str(ctx.values, 'overlap-hours');
        return ctx.api.call('rotateWebhookSecret', {
          params,
          body: hours !== undefined ? { overlapHours: Number(hours) } : {},
        });
      },
      render: (rotated) =>
        [
          `Khoá ký mới / New signing key: ${rotated.secret}`,
          'Chỉ hiện MỘT lần — hãy lưu ngay. / Shown ONCE — store it now.',
          rotated.previousSecretExpiresAt
            ? `Khoá cũ còn ký kèm đến / The old key also signs until: ${time(rotated.previousSecretExpiresAt)}`
            : 'Khoá cũ đã thôi ký / The old key no longer signs.',
        ].join('\n'),
    }),
    delete: recordCommand({
      summary: 'Xoá webhook / Delete a webhook',
      send: (ctx, params) => ctx.api.call('deleteWebhook', { params }),
      render: (deleted) => `Đã xoá / Deleted: ${deleted.id}`,
    }),
  },
};

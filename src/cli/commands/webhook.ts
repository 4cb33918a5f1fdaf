import { list, required, str } from '../args.ts';
import type { Group } from '../command.ts';
import { table, time } from '../format.ts';

export const webhookCommands: Group = {
  name: 'webhook',
  summary: 'Webhook nhận thông báo đã ký HMAC / HMAC-signed notification webhooks',
  subcommands: {
    list: {
      synopsis: '[--org <id>]',
      summary: 'Các webhook / List webhooks',
      options: { org: { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.call('listWebhooks', {
          query: { organizationId: str(ctx.values, 'org') },
        });
        ctx.print(body, () =>
          table(
            ['ID', 'Cơ quan / Organization', 'URL', 'Sự kiện / Events', 'Tạo lúc / Created'],
            body.items.map((w) => [
              w.id,
              w.organizationId,
              w.url,
              w.events.join(', ') || '*',
              time(w.createdAt),
            ]),
          ),
        );
        return 0;
      },
    },
    create: {
      synopsis: '--url <https://…> [--org <id>] [--event notice.deprecation …]',
      summary:
        'Đăng ký webhook; khoá ký chỉ hiện một lần / Register a webhook; the signing key is shown once',
      options: {
        url: { type: 'string' },
        org: { type: 'string' },
        event: { type: 'string', multiple: true },
      },
      async run(ctx) {
        const org = str(ctx.values, 'org');
        const created = await ctx.api.call('createWebhook', {
          body: {
            url: required(ctx.values, 'url', ctx.usage),
            ...(org ? { organizationId: org } : {}),
            events: list(ctx.values, 'event'),
          },
        });
        ctx.print(created, () =>
          [
            `Đã đăng ký / Registered: ${created.id} → ${created.url}`,
            `Khoá ký / Signing key: ${created.secret}`,
            'Chỉ hiện MỘT lần — hãy lưu ngay. / Shown ONCE — store it now. (X-LGSP-Signature: sha256=HMAC(key, timestamp + "." + body))',
          ].join('\n'),
        );
        return 0;
      },
    },
    delete: {
      synopsis: '<id>',
      summary: 'Xoá webhook / Delete a webhook',
      args: ['id'],
      async run(ctx) {
        const deleted = await ctx.api.call('deleteWebhook', {
          params: { id: ctx.args[0]! },
        });
        ctx.print(deleted, () => `Đã xoá / Deleted: ${deleted.id}`);
        return 0;
      },
    },
  },
};

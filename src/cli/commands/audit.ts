import { positiveInt, str } from '../args.ts';
import type { Group } from '../command.ts';
import { table, time } from '../format.ts';

interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  details: Record<string, unknown>;
  revision: number;
}

export const auditCommands: Group = {
  name: 'audit',
  summary: 'Nhật ký thay đổi cấu hình (R-20) / Audit trail of configuration changes',
  subcommands: {
    list: {
      synopsis: '[--object <id>] [--limit N]',
      summary: 'Mới nhất trước / Newest first',
      options: { object: { type: 'string' }, limit: { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.request<{ items: AuditEvent[] }>('GET', '/api/v1/audit-events', {
          query: { objectId: str(ctx.values, 'object'), limit: positiveInt(ctx.values, 'limit', ctx.usage) },
        });
        ctx.print(body, () =>
          table(
            [
              'Thời điểm / Time',
              'Người thực hiện / Actor',
              'Hành động / Action',
              'Đối tượng / Object',
              'Rev',
            ],
            body.items.map((e) => [time(e.at), e.actor, e.action, e.objectId, e.revision]),
          ),
        );
        return 0;
      },
    },
  },
};

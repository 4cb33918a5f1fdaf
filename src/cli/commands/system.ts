import { bool, nonEmpty, required, str } from '../args.ts';
import { seg } from '../client.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import { fields, table, time } from '../format.ts';

interface InformationSystem {
  id: string;
  organizationId: string;
  organizationCode: string;
  name: string;
  description: string | null;
  isProvider: boolean;
  isConsumer: boolean;
  status: string;
  createdAt: string;
  updatedAt: string;
}

const roles = (s: InformationSystem) =>
  [s.isProvider ? 'cung cấp/provider' : '', s.isConsumer ? 'khai thác/consumer' : '']
    .filter(Boolean)
    .join(', ');

function showSystem(s: InformationSystem): string {
  return fields([
    ['ID', s.id],
    ['Tên / Name', s.name],
    ['Cơ quan / Organization', `${s.organizationCode} (${s.organizationId})`],
    ['Vai trò / Roles', roles(s)],
    ['Trạng thái / Status', s.status],
    ['Mô tả / Description', s.description],
    ['Tạo lúc / Created', time(s.createdAt)],
    ['Cập nhật / Updated', time(s.updatedAt)],
  ]);
}

async function patchSystem(ctx: Context, patch: Record<string, unknown>, done: string): Promise<number> {
  const system = await ctx.api.request<InformationSystem>('PATCH', `/api/v1/systems/${seg(ctx.args[0])}`, {
    body: patch,
  });
  ctx.print(system, () => `${done}\n${showSystem(system)}`);
  return 0;
}

const setStatus = (status: 'active' | 'suspended', summary: string, done: string): Subcommand => ({
  synopsis: '<id>',
  summary,
  args: ['id'],
  run: (ctx) => patchSystem(ctx, { status }, done),
});

export const systemCommands: Group = {
  name: 'system',
  summary: 'Hệ thống thông tin kết nối (R-07) / Connected information systems',
  subcommands: {
    list: {
      synopsis: '[--org <id>]',
      summary: 'Danh sách hệ thống / List systems',
      options: { org: { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.request<{ items: InformationSystem[] }>('GET', '/api/v1/systems', {
          query: { organizationId: str(ctx.values, 'org') },
        });
        ctx.print(body, () =>
          table(
            ['ID', 'Cơ quan / Org', 'Tên / Name', 'Vai trò / Roles', 'Trạng thái / Status'],
            body.items.map((s) => [s.id, s.organizationCode, s.name, roles(s), s.status]),
          ),
        );
        return 0;
      },
    },
    show: {
      synopsis: '<id>',
      summary: 'Xem một hệ thống / Show a system',
      args: ['id'],
      async run(ctx) {
        const system = await ctx.api.request<InformationSystem>('GET', `/api/v1/systems/${seg(ctx.args[0])}`);
        ctx.print(system, () => showSystem(system));
        return 0;
      },
    },
    create: {
      synopsis: '--org <id> --name <tên> [--description <mô tả>] [--provider] [--consumer]',
      summary: 'Thêm hệ thống: bên cung cấp và/hoặc khai thác / Register a system: provider and/or consumer',
      options: {
        org: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        provider: { type: 'boolean' },
        consumer: { type: 'boolean' },
      },
      async run(ctx) {
        const system = await ctx.api.request<InformationSystem>('POST', '/api/v1/systems', {
          body: {
            organizationId: required(ctx.values, 'org', ctx.usage),
            name: required(ctx.values, 'name', ctx.usage),
            ...(str(ctx.values, 'description') !== undefined
              ? { description: str(ctx.values, 'description') }
              : {}),
            isProvider: bool(ctx.values, 'provider'),
            isConsumer: bool(ctx.values, 'consumer'),
          },
        });
        ctx.print(system, () => `Đã thêm hệ thống / System registered\n${showSystem(system)}`);
        return 0;
      },
    },
    update: {
      synopsis: '<id> [--name <tên>] [--description <mô tả>]',
      summary: 'Sửa tên, mô tả / Update name or description',
      args: ['id'],
      options: { name: { type: 'string' }, description: { type: 'string' } },
      run: (ctx) =>
        patchSystem(
          ctx,
          nonEmpty(
            {
              ...(str(ctx.values, 'name') !== undefined ? { name: str(ctx.values, 'name') } : {}),
              ...(str(ctx.values, 'description') !== undefined
                ? { description: str(ctx.values, 'description') }
                : {}),
            },
            ctx.usage,
          ),
          'Đã cập nhật / Updated',
        ),
    },
    suspend: setStatus(
      'suspended',
      'Tạm dừng: cổng từ chối mọi lời gọi của hệ thống ngay / Suspend: the gateway refuses its calls at once',
      'Đã tạm dừng / Suspended',
    ),
    activate: setStatus('active', 'Kích hoạt lại / Activate again', 'Đã kích hoạt / Activated'),
  },
};

import { readFileSync } from 'node:fs';
import type { Service } from '../../api/contract/index.ts';
import { nonEmpty, required, str, UsageError } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { fields, table, time } from '../format.ts';

/** The R-11 technical description, from a JSON file (keys: addressAndInterface, capacity, dataQuality …). */
function descriptionFrom(ctx: Context): Record<string, unknown> | undefined {
  const file = str(ctx.values, 'description-json');
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--description-json: không đọc được tệp / cannot read ${file}: ${(err as Error).message}`,
    );
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(
      `--description-json: ${file} không phải đối tượng JSON / is not a JSON object: ${(err as Error).message}`,
    );
  }
}

const DESCRIPTION_LABELS: Record<string, string> = {
  addressAndInterface: 'Địa chỉ, giao diện / Address, interface',
  communicationStandards: 'Tiêu chuẩn truyền thông / Communication',
  encryptionAndSecurity: 'Mã hoá, an toàn / Encryption, security',
  capacity: 'Năng lực đáp ứng / Capacity',
  connectionProcedure: 'Quy trình kết nối / Connection procedure',
  dataQuality: 'Chất lượng dữ liệu / Data quality',
  dataPresentation: 'Trình bày dữ liệu / Data presentation',
};

function showService(s: Service): string {
  return fields([
    ['ID', s.id],
    ['Context', s.context],
    ['Tên / Name', s.name],
    ['Hệ thống cung cấp / Provider', s.providerSystemId],
    ...Object.entries(s.description).map(([k, v]): [string, string] => [DESCRIPTION_LABELS[k] ?? k, v]),
    ['Tạo lúc / Created', time(s.createdAt)],
    ['Cập nhật / Updated', time(s.updatedAt)],
  ]);
}

export const serviceCommands: Group = {
  name: 'service',
  summary: 'Dịch vụ chia sẻ dữ liệu và mô tả kỹ thuật (R-11) / Data-sharing services',
  subcommands: {
    list: {
      synopsis: '[--provider-system <id>]',
      summary: 'Danh sách dịch vụ / List services',
      options: { 'provider-system': { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.call('listServices', {
          query: { providerSystemId: str(ctx.values, 'provider-system') },
        });
        ctx.print(body, () =>
          table(
            ['ID', 'Context', 'Tên / Name', 'Hệ thống cung cấp / Provider'],
            body.items.map((s) => [s.id, s.context, s.name, s.providerSystemId]),
          ),
        );
        return 0;
      },
    },
    show: {
      synopsis: '<id>',
      summary: 'Xem một dịch vụ / Show a service',
      args: ['id'],
      async run(ctx) {
        const service = await ctx.api.call('getService', { params: { id: ctx.args[0]! } });
        ctx.print(service, () => showService(service));
        return 0;
      },
    },
    create: {
      synopsis: '--context <context> --name <tên> --provider-system <id> [--description-json <tệp/file>]',
      summary: 'Thêm dịch vụ / Create a service',
      options: {
        context: { type: 'string' },
        name: { type: 'string' },
        'provider-system': { type: 'string' },
        'description-json': { type: 'string' },
      },
      async run(ctx) {
        const description = descriptionFrom(ctx);
        const service = await ctx.api.call('createService', {
          body: {
            context: required(ctx.values, 'context', ctx.usage),
            name: required(ctx.values, 'name', ctx.usage),
            providerSystemId: required(ctx.values, 'provider-system', ctx.usage),
            ...(description ? { description } : {}),
          },
        });
        ctx.print(service, () => `Đã thêm dịch vụ / Service created\n${showService(service)}`);
        return 0;
      },
    },
    update: {
      synopsis: '<id> [--name <tên>] [--description-json <tệp/file>]',
      summary: 'Sửa tên, mô tả kỹ thuật / Update name or technical description',
      args: ['id'],
      options: { name: { type: 'string' }, 'description-json': { type: 'string' } },
      async run(ctx) {
        const description = descriptionFrom(ctx);
        const patch = nonEmpty(
          {
            ...(str(ctx.values, 'name') !== undefined ? { name: str(ctx.values, 'name') } : {}),
            ...(description ? { description } : {}),
          },
          ctx.usage,
        );
        const service = await ctx.api.call('updateService', {
          params: { id: ctx.args[0]! },
          body: patch,
        });
        ctx.print(service, () => `Đã cập nhật / Updated\n${showService(service)}`);
        return 0;
      },
    },
    decommission: {
      synopsis: '<id> --at <ISO date ≥ 60 ngày/days> --reason <lý do>',
      summary:
        'Báo ngừng cung cấp dịch vụ, công bố ngay (R-21) / Schedule the end of a service, published at once',
      args: ['id'],
      options: { at: { type: 'string' }, reason: { type: 'string' } },
      async run(ctx) {
        const service = await ctx.api.call('decommissionService', {
          params: { id: ctx.args[0]! },
          body: {
            at: required(ctx.values, 'at', ctx.usage),
            reason: required(ctx.values, 'reason', ctx.usage),
          },
        });
        ctx.print(service, () => `Đã công bố ngừng dịch vụ / Decommission announced: ${service.context}`);
        return 0;
      },
    },
  },
};

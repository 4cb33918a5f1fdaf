import { readFileSync } from 'node:fs';
import type { Service } from '../../api/contract/index.ts';
import { given, nonEmpty, required, str, textOptions, UsageError, vietnamInstant } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { callCommand, headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { createdAndUpdated, fields, time } from '../format.ts';

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
    // the announced end, and the end once carried out.
    ['Ngừng cung cấp từ / Ends at', s.decommissionAt ? time(s.decommissionAt) : null],
    ['Đã ngừng lúc / Ended', s.decommissionedAt ? time(s.decommissionedAt) : null],
    ...createdAndUpdated(s),
  ]);
}

export const serviceCommands: Group = {
  name: 'service',
  summary: 'Dịch vụ chia sẻ dữ liệu và mô tả kỹ thuật (R-11) / Data-sharing services',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--provider-system <id>] [--org <id>]',
      summary: 'Danh sách dịch vụ; tìm theo context, tên / List services; search by context, name',
      filters: { 'provider-system': 'providerSystemId', org: 'organizationId' },
      send: (ctx, query) => ctx.api.call('listServices', { query }),
      headers: ['ID', 'Context', 'Tên / Name', 'Hệ thống cung cấp / Provider'],
      row: (s) => [s.id, s.context, s.name, s.providerSystemId],
    }),
    show: recordCommand({
      summary: 'Xem một dịch vụ / Show a service',
      send: (ctx, params) => ctx.api.call('getService', { params }),
      render: showService,
    }),
    create: callCommand({
      synopsis: '--context <context> --name <tên> --provider-system <id> [--description-json <tệp/file>]',
      summary: 'Thêm dịch vụ / Create a service',
      options: textOptions('context', 'name', 'provider-system', 'description-json'),
      send(ctx) {
        const description = descriptionFrom(ctx);
        return ctx.api.call('createService', {
          body: {
            context: required(ctx.values, 'context', ctx.usage),
            name: required(ctx.values, 'name', ctx.usage),
            providerSystemId: required(ctx.values, 'provider-system', ctx.usage),
            ...(description ? { description } : {}),
          },
        });
      },
      render: headed('Đã thêm dịch vụ / Service created', showService),
    }),
    update: recordCommand({
      synopsis: '[--name <tên>] [--description-json <tệp/file>]',
      summary: 'Sửa tên, mô tả kỹ thuật / Update name or technical description',
      options: textOptions('name', 'description-json'),
      send(ctx, params) {
        const description = descriptionFrom(ctx);
        const patch = nonEmpty(
          { ...given(ctx.values, { name: 'name' }), ...(description ? { description } : {}) },
          ctx.usage,
        );
        return ctx.api.call('updateService', { params, body: patch });
      },
      render: headed('Đã cập nhật / Updated', showService),
    }),
    decommission: recordCommand({
      synopsis: '--at <dd/mm/yyyy[ HH:mm], giờ Việt Nam/Vietnam time, ≥ 60 ngày/days> --reason <lý do>',
      summary:
        'Báo ngừng cung cấp dịch vụ, công bố ngay (R-21) / Schedule the end of a service, published at once',
      options: textOptions('at', 'reason'),
      send: (ctx, params) =>
        ctx.api.call('decommissionService', {
          params,
          body: {
            at: vietnamInstant(required(ctx.values, 'at', ctx.usage), 'at'),
            reason: required(ctx.values, 'reason', ctx.usage),
          },
        }),
      render: (service) =>
        `Đã công bố ngừng dịch vụ / Decommission announced: ${service.context} — ngừng từ / ends at ${time(service.decommissionAt)} (giờ Việt Nam / Vietnam time)`,
    }),
    'cancel-decommission': recordCommand({
      synopsis: '[--reason <lý do, công khai / why, published>]',
      summary:
        'Huỷ lịch ngừng cung cấp trước ngày ngừng; dịch vụ tiếp tục, các bên được báo huỷ (R-21) / Cancel a scheduled end before its date; parties told',
      options: textOptions('reason'),
      send: (ctx, params) => {
        const reason = str(ctx.values, 'reason');
        return ctx.api.call('cancelServiceDecommission', { params, body: reason ? { reason } : {} });
      },
      render: (service) =>
        `Đã huỷ lịch ngừng dịch vụ / Decommission cancelled: ${service.context} tiếp tục được cung cấp / carries on`,
    }),
  },
};

import type { InformationSystem, OperationResponse } from '../../api/contract/index.ts';
import { bool, given, nonEmpty, positiveInt, required, textOptions } from '../args.ts';
import type { Group, Subcommand } from '../command.ts';
import { callCommand, headed, listCommand, recordCommand } from '../command-builders.ts';
import { createdAndUpdated, fields, table, time } from '../format.ts';

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
    ...createdAndUpdated(s),
  ]);
}

type SystemConnection = OperationResponse<'getSystemConnection'>;

const STATE_VI: Record<string, string> = {
  active: 'đang hoạt động',
  idle: 'không hoạt động',
  failing: 'đang lỗi',
  never: 'chưa từng kết nối',
};

function showConnection(c: SystemConnection): string {
  const r = c.recent;
  return `${fields([
    ['ID', c.systemId],
    ['Tên / Name', `${c.name} (${c.organizationCode})`],
    ['Tình trạng / State', `${STATE_VI[c.state] ?? c.state} / ${c.state}`],
    ['Trạng thái danh mục / Registry status', c.systemStatus],
    ['Kết nối lần đầu / First connection', time(c.firstConnectionAt)],
    ['Kết nối gần nhất / Last connection', time(c.lastConnectionAt)],
    ['Gửi thành công cuối / Last successful send', time(c.lastSuccessfulSendAt)],
    ['Nhận thành công cuối / Last successful receive', time(c.lastSuccessfulReceiveAt)],
    [
      `${r.windowMinutes} phút qua / last ${r.windowMinutes} min`,
      `cung cấp/provider ${r.asProvider.failures}/${r.asProvider.calls} lỗi/failed · ` +
        `khai thác/consumer ${r.asConsumer.credentialRefusals}/${r.asConsumer.calls} bị từ chối khoá/credential refused`,
    ],
    ['Tổng hợp đến / Rolled up until', time(c.history.rolledUpUntil)],
  ])}\n${table(
    [
      'Ngày / Day',
      'Gọi (khai thác) / Calls as consumer',
      'Lỗi / Errors',
      'Được gọi (cung cấp) / Calls as provider',
      'Lỗi / Errors',
    ],
    c.history.items.map((d) => [
      d.day,
      d.asConsumer.calls,
      d.asConsumer.errors,
      d.asProvider.calls,
      d.asProvider.errors,
    ]),
  )}`;
}

const setStatus = (status: 'active' | 'suspended', summary: string, done: string): Subcommand =>
  recordCommand({
    summary,
    send: (ctx, params) => ctx.api.call('updateSystem', { params, body: { status } }),
    render: headed(done, showSystem),
  });

export const systemCommands: Group = {
  name: 'system',
  summary: 'Hệ thống thông tin kết nối (R-07) / Connected information systems',
  subcommands: {
    list: listCommand({
      synopsis: '[--org <id>]',
      summary: 'Danh sách hệ thống / List systems',
      filters: { org: 'organizationId' },
      send: (ctx, query) => ctx.api.call('listSystems', { query }),
      headers: ['ID', 'Cơ quan / Org', 'Tên / Name', 'Vai trò / Roles', 'Trạng thái / Status'],
      row: (s) => [s.id, s.organizationCode, s.name, roles(s), s.status],
    }),
    show: recordCommand({
      summary: 'Xem một hệ thống / Show a system',
      send: (ctx, params) => ctx.api.call('getSystem', { params }),
      render: showSystem,
    }),
    create: callCommand({
      synopsis: '--org <id> --name <tên> [--description <mô tả>] [--provider] [--consumer]',
      summary: 'Thêm hệ thống: bên cung cấp và/hoặc khai thác / Register a system: provider and/or consumer',
      options: {
        ...textOptions('org', 'name', 'description'),
        provider: { type: 'boolean' },
        consumer: { type: 'boolean' },
      },
      send: (ctx) =>
        ctx.api.call('createSystem', {
          body: {
            organizationId: required(ctx.values, 'org', ctx.usage),
            name: required(ctx.values, 'name', ctx.usage),
            ...given(ctx.values, { description: 'description' }),
            isProvider: bool(ctx.values, 'provider'),
            isConsumer: bool(ctx.values, 'consumer'),
          },
        }),
      render: headed('Đã thêm hệ thống / System registered', showSystem),
    }),
    update: recordCommand({
      synopsis: '[--name <tên>] [--description <mô tả>]',
      summary: 'Sửa tên, mô tả / Update name or description',
      options: textOptions('name', 'description'),
      send: (ctx, params) =>
        ctx.api.call('updateSystem', {
          params,
          body: nonEmpty(given(ctx.values, { name: 'name', description: 'description' }), ctx.usage),
        }),
      render: headed('Đã cập nhật / Updated', showSystem),
    }),
    connection: recordCommand({
      synopsis: '[--days N]',
      summary:
        'Lịch sử kết nối (R-07): lần đầu, cuối, gửi/nhận thành công, tình trạng, lưu lượng theo ngày / Connection history',
      options: textOptions('days'),
      send: (ctx, params) =>
        ctx.api.call('getSystemConnection', {
          params,
          query: { days: positiveInt(ctx.values, 'days', ctx.usage) ?? undefined },
        }),
      render: showConnection,
    }),
    suspend: setStatus(
      'suspended',
      'Tạm dừng: cổng từ chối mọi lời gọi của hệ thống ngay / Suspend: the gateway refuses its calls at once',
      'Đã tạm dừng / Suspended',
    ),
    activate: setStatus('active', 'Kích hoạt lại / Activate again', 'Đã kích hoạt / Activated'),
  },
};

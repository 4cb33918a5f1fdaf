import { readFileSync } from 'node:fs';
import type {
  ClientCertificateBinding,
  InformationSystem,
  OperationResponse,
} from '../../api/contract/index.ts';
import { bool, given, nonEmpty, positiveInt, required, str, textOptions, UsageError } from '../args.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import { callCommand, headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { count, createdAndUpdated, day, fields, table, time } from '../format.ts';

const roles = (s: InformationSystem) =>
  [s.isProvider ? 'cung cấp/provider' : '', s.isConsumer ? 'khai thác/consumer' : '']
    .filter(Boolean)
    .join(', ');

function certificateLine(s: InformationSystem): string | null {
  const c = s.clientCertificate;
  if (c === null) return null;
  const pinned = c.sha256
    ? `SHA-256 ${c.sha256}`
    : `subject "${c.subject}" (dưới CA máy khách / under the client CA)`;
  return [
    pinned,
    c.sha256 && c.subject ? `subject "${c.subject}"` : '',
    c.notAfter ? `hết hạn/expires ${time(c.notAfter)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

function showSystem(s: InformationSystem): string {
  return fields([
    ['ID', s.id],
    ['Tên / Name', s.name],
    ['Cơ quan / Organization', `${s.organizationCode} (${s.organizationId})`],
    ['Vai trò / Roles', roles(s)],
    ['Trạng thái / Status', s.status],
    ['Mô tả / Description', s.description],
    ['Chứng chỉ máy khách (mTLS) / Client certificate', certificateLine(s)],
    ...createdAndUpdated(s),
  ]);
}

type SystemConnection = OperationResponse<'getSystemConnection'>;

const STATE_VI: Record<string, string> = {
  active: 'đang hoạt động',
  idle: 'không có giao dịch thành công trong 24 giờ',
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
      `cung cấp/provider ${count(r.asProvider.failures)}/${count(r.asProvider.calls)} lỗi/failed · ` +
        `khai thác/consumer ${count(r.asConsumer.credentialRefusals)}/${count(r.asConsumer.calls)} bị từ chối khoá/credential refused`,
    ],
  ])}\n${table(
    [
      'Ngày (giờ Việt Nam) / Day (Vietnam time)',
      'Gọi (khai thác) / Calls as consumer',
      'Lỗi / Errors',
      'Được gọi (cung cấp) / Calls as provider',
      'Lỗi / Errors',
    ],
    c.history.items.map((d) => [
      day(d.day),
      count(d.asConsumer.calls),
      count(d.asConsumer.errors),
      count(d.asProvider.calls),
      count(d.asProvider.errors),
    ]),
  )}`;
}

const setStatus = (status: 'active' | 'suspended', summary: string, done: string): Subcommand =>
  recordCommand({
    summary,
    send: (ctx, params) => ctx.api.call('updateSystem', { params, body: { status } }),
    render: headed(done, showSystem),
  });

/** Exactly one of --cert (a PEM file, read here and sent whole), --sha256 or --subject (R-13). */
function bindingFrom(ctx: Context): ClientCertificateBinding {
  const file = str(ctx.values, 'cert');
  const sha256 = str(ctx.values, 'sha256');
  const subject = str(ctx.values, 'subject');
  if ([file, sha256, subject].filter((v) => v !== undefined).length !== 1)
    throw new UsageError('một trong / one of: --cert <tệp.pem> | --sha256 <hex> | --subject <DN>', ctx.usage);
  if (sha256 !== undefined) return { sha256 };
  if (subject !== undefined) return { subject };
  try {
    return { pem: readFileSync(file!, 'utf8') };
  } catch (err) {
    throw new UsageError(`--cert: không đọc được tệp / cannot read ${file}: ${(err as Error).message}`);
  }
}

export const systemCommands: Group = {
  name: 'system',
  summary: 'Hệ thống thông tin kết nối (R-07) / Connected information systems',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--org <id>] [--status active|suspended]',
      summary:
        'Danh sách hệ thống; tìm theo tên, mã cơ quan / List systems; search by name, organization code',
      filters: { org: 'organizationId', status: 'status' },
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
    'bind-cert': recordCommand({
      synopsis: '--cert <tệp.pem> | --sha256 <hex> | --subject <DN>',
      summary:
        'Gắn hệ thống với chứng chỉ máy khách (mTLS): chỉ kết nối có chứng chỉ này dùng được thông tin kết nối của nó / Bind the system to a client certificate (mTLS)',
      options: textOptions('cert', 'sha256', 'subject'),
      send: (ctx, params) =>
        ctx.api.call('updateSystem', { params, body: { clientCertificate: bindingFrom(ctx) } }),
      render: headed('Đã gắn chứng chỉ / Certificate bound', showSystem),
    }),
    'unbind-cert': recordCommand({
      summary: 'Bỏ gắn chứng chỉ máy khách / Remove the client certificate binding',
      send: (ctx, params) => ctx.api.call('updateSystem', { params, body: { clientCertificate: null } }),
      render: headed('Đã bỏ gắn chứng chỉ / Certificate binding removed', showSystem),
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

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OperationResponse } from '../../api/contract/index.ts';
import { bool, required, str, UsageError } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { fields, table, time } from '../format.ts';

type ConnectionRequest = OperationResponse<'getConnectionRequest'>;

const STATUS_VI: Record<string, string> = {
  submitted: 'chờ xử lý/submitted',
  approved: 'đã duyệt/approved',
  rejected: 'từ chối/rejected',
};

const roles = (r: ConnectionRequest) =>
  [r.isProvider ? 'cung cấp/provider' : '', r.isConsumer ? 'khai thác/consumer' : '']
    .filter(Boolean)
    .join(', ');

function showRequest(r: ConnectionRequest): string {
  const c = r.contact;
  return fields([
    ['ID', r.id],
    ['Cơ quan / Organization', `${r.organizationName} (${r.organizationCode})`],
    ['Hệ thống / System', r.systemName],
    ['Vai trò / Roles', roles(r)],
    ['Mô tả / Description', r.systemDescription],
    ['1. Mục đích / Purpose', r.purpose],
    ['2. Phạm vi / Scope of use', r.scopeOfUse],
    ['3. Đầu mối / Contact', [c.name, c.title, c.unit, c.phone, c.email].filter((v) => v).join('; ')],
    ['4. Đề xuất khác / Other', r.otherProposals],
    ['Số công văn / Letter no.', r.letterNumber],
    ['Trạng thái / Status', STATUS_VI[r.status] ?? r.status],
    ['Lý do, ghi chú / Reason', r.decisionReason],
    ['Quyết định lúc / Decided', r.decidedAt ? time(r.decidedAt) : null],
    ['Hệ thống đã tạo / System', r.systemId],
    ['Gửi lúc / Submitted', time(r.submittedAt)],
  ]);
}

/** Text options that were given, under their API names. */
function given(ctx: Context, names: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [option, field] of Object.entries(names)) {
    const value = str(ctx.values, option);
    if (value !== undefined) out[field] = value;
  }
  return out;
}

export const connectionRequestCommands: Group = {
  name: 'connection',
  summary: 'Đề nghị kết nối hệ thống theo mẫu Phụ lục (R-08) / Connection requests (the Appendix form)',
  subcommands: {
    submit: {
      synopsis:
        '[--org <id>] --system-name <tên> [--system-description <mô tả>] [--provider] [--consumer] ' +
        '--purpose <mục đích> --scope <phạm vi> --contact-name <họ tên> --contact-title <chức vụ> ' +
        '[--contact-unit <đơn vị>] --contact-phone <số> --contact-email <thư> [--other-proposals <đề xuất>] ' +
        '[--letter-number <số công văn>]',
      summary:
        'Gửi đề nghị kết nối (người dùng cơ quan: cho cơ quan mình) / Apply to connect a system (agency: for its own)',
      options: {
        org: { type: 'string' },
        'system-name': { type: 'string' },
        'system-description': { type: 'string' },
        provider: { type: 'boolean' },
        consumer: { type: 'boolean' },
        purpose: { type: 'string' },
        scope: { type: 'string' },
        'contact-name': { type: 'string' },
        'contact-title': { type: 'string' },
        'contact-unit': { type: 'string' },
        'contact-phone': { type: 'string' },
        'contact-email': { type: 'string' },
        'other-proposals': { type: 'string' },
        'letter-number': { type: 'string' },
      },
      async run(ctx) {
        if (!bool(ctx.values, 'provider') && !bool(ctx.values, 'consumer')) {
          throw new UsageError(
            'Cần --provider và/hoặc --consumer / Give --provider and/or --consumer',
            ctx.usage,
          );
        }
        const body = {
          ...given(ctx, { org: 'organizationId' }),
          systemName: required(ctx.values, 'system-name', ctx.usage),
          ...given(ctx, {
            'system-description': 'systemDescription',
            'other-proposals': 'otherProposals',
            'letter-number': 'letterNumber',
          }),
          isProvider: bool(ctx.values, 'provider'),
          isConsumer: bool(ctx.values, 'consumer'),
          purpose: required(ctx.values, 'purpose', ctx.usage),
          scopeOfUse: required(ctx.values, 'scope', ctx.usage),
          contact: {
            name: required(ctx.values, 'contact-name', ctx.usage),
            title: required(ctx.values, 'contact-title', ctx.usage),
            ...given(ctx, { 'contact-unit': 'unit' }),
            phone: required(ctx.values, 'contact-phone', ctx.usage),
            email: required(ctx.values, 'contact-email', ctx.usage),
          },
        };
        const created = await ctx.api.call('createConnectionRequest', {
          body,
        });
        ctx.print(
          created,
          () =>
            `Đã gửi đề nghị / Request submitted\n${showRequest(created)}` +
            `Tải công văn / Get the letter: lgsp connection letter ${created.id}\n`,
        );
        return 0;
      },
    },
    list: {
      synopsis: '[--status submitted|approved|rejected] [--org <id>]',
      summary: 'Danh sách đề nghị, mới nhất trước / List requests, newest first',
      options: { status: { type: 'string' }, org: { type: 'string' } },
      async run(ctx) {
        const body = await ctx.api.call('listConnectionRequests', {
          query: { status: str(ctx.values, 'status'), organizationId: str(ctx.values, 'org') },
        });
        ctx.print(body, () =>
          table(
            ['ID', 'Cơ quan / Org', 'Hệ thống / System', 'Trạng thái / Status', 'Gửi lúc / Submitted'],
            body.items.map((r) => [
              r.id,
              r.organizationCode,
              r.systemName,
              STATUS_VI[r.status] ?? r.status,
              time(r.submittedAt),
            ]),
          ),
        );
        return 0;
      },
    },
    show: {
      synopsis: '<id>',
      summary: 'Xem một đề nghị / Show a request',
      args: ['id'],
      async run(ctx) {
        const found = await ctx.api.call('getConnectionRequest', {
          params: { id: ctx.args[0]! },
        });
        ctx.print(found, () => showRequest(found));
        return 0;
      },
    },
    approve: {
      synopsis: '<id> [--note <ghi chú>]',
      summary:
        'Phê duyệt: tạo hệ thống, cấp quyền kết nối / Approve: creates the system, grants the connection',
      args: ['id'],
      options: { note: { type: 'string' } },
      async run(ctx) {
        const note = str(ctx.values, 'note');
        const result = await ctx.api.call('approveConnectionRequest', {
          params: { id: ctx.args[0]! },
          body: note !== undefined ? { note } : {},
        });
        ctx.print(
          result,
          () =>
            `Đã phê duyệt; đã tạo hệ thống ${result.system.id} / Approved; system ${result.system.id} created\n` +
            showRequest(result.request),
        );
        return 0;
      },
    },
    reject: {
      synopsis: '<id> --reason <lý do>',
      summary: 'Từ chối, nêu lý do (bắt buộc) / Reject with a reason (required)',
      args: ['id'],
      options: { reason: { type: 'string' } },
      async run(ctx) {
        const rejected = await ctx.api.call('rejectConnectionRequest', {
          params: { id: ctx.args[0]! },
          body: { reason: required(ctx.values, 'reason', ctx.usage) },
        });
        ctx.print(rejected, () => `Đã từ chối / Rejected\n${showRequest(rejected)}`);
        return 0;
      },
    },
    letter: {
      synopsis: '<id> [--out <tệp.docx>]',
      summary:
        'Tải công văn đề nghị (.docx, mẫu Phụ lục) / Download the request letter (.docx, the Appendix template)',
      args: ['id'],
      options: { out: { type: 'string' } },
      async run(ctx) {
        const id = ctx.args[0]!;
        const file = resolve(
          str(ctx.values, 'out') ?? `de-nghi-ket-noi-${id.replace(/[^A-Za-z0-9_-]/g, '_')}.docx`,
        );
        // The letter is a file, not JSON.
        const letter = await ctx.api.call('getConnectionRequestLetter', { params: { id } });
        writeFileSync(file, letter);
        ctx.print(
          { file, bytes: letter.length },
          () => `Đã lưu công văn / Letter saved: ${file} (${letter.length} bytes)\n`,
        );
        return 0;
      },
    },
  },
};

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OperationResponse } from '../../api/contract/index.ts';
import { bool, given, required, str, textOptions, UsageError } from '../args.ts';
import type { Group } from '../command.ts';
import { callCommand, headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { fields, time } from '../format.ts';

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

export const connectionRequestCommands: Group = {
  name: 'connection',
  summary: 'Đề nghị kết nối hệ thống theo mẫu Phụ lục (R-08) / Connection requests (the Appendix form)',
  subcommands: {
    submit: callCommand({
      synopsis:
        '[--org <id>] --system-name <tên> [--system-description <mô tả>] [--provider] [--consumer] ' +
        '--purpose <mục đích> --scope <phạm vi> --contact-name <họ tên> --contact-title <chức vụ> ' +
        '[--contact-unit <đơn vị>] --contact-phone <số> --contact-email <thư> [--other-proposals <đề xuất>] ' +
        '[--letter-number <số công văn>]',
      summary:
        'Gửi đề nghị kết nối (người dùng cơ quan: cho cơ quan mình) / Apply to connect a system (agency: for its own)',
      options: {
        ...textOptions(
          'org',
          'system-name',
          'system-description',
          'purpose',
          'scope',
          'contact-name',
          'contact-title',
          'contact-unit',
          'contact-phone',
          'contact-email',
          'other-proposals',
          'letter-number',
        ),
        provider: { type: 'boolean' },
        consumer: { type: 'boolean' },
      },
      send(ctx) {
        if (!bool(ctx.values, 'provider') && !bool(ctx.values, 'consumer')) {
          throw new UsageError(
            'Cần --provider và/hoặc --consumer / Give --provider and/or --consumer',
            ctx.usage,
          );
        }
        const body = {
          ...given(ctx.values, { org: 'organizationId' }),
          systemName: required(ctx.values, 'system-name', ctx.usage),
          ...given(ctx.values, {
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
            ...given(ctx.values, { 'contact-unit': 'unit' }),
            phone: required(ctx.values, 'contact-phone', ctx.usage),
            email: required(ctx.values, 'contact-email', ctx.usage),
          },
        };
        return ctx.api.call('createConnectionRequest', { body });
      },
      render: (created) =>
        `Đã gửi đề nghị / Request submitted\n${showRequest(created)}` +
        `Tải công văn / Get the letter: lgsp connection letter ${created.id}\n`,
    }),
    list: pagedListCommand({
      synopsis: '[--status submitted|approved|rejected] [--org <id>]',
      summary: 'Danh sách đề nghị, mới nhất trước / List requests, newest first',
      filters: { status: 'status', org: 'organizationId' },
      send: (ctx, query) => ctx.api.call('listConnectionRequests', { query }),
      headers: ['ID', 'Cơ quan / Org', 'Hệ thống / System', 'Trạng thái / Status', 'Gửi lúc / Submitted'],
      row: (r) => [
        r.id,
        r.organizationCode,
        r.systemName,
        STATUS_VI[r.status] ?? r.status,
        time(r.submittedAt),
      ],
    }),
    show: recordCommand({
      summary: 'Xem một đề nghị / Show a request',
      send: (ctx, params) => ctx.api.call('getConnectionRequest', { params }),
      render: showRequest,
    }),
    approve: recordCommand({
      synopsis: '[--note <ghi chú>]',
      summary:
        'Phê duyệt: tạo hệ thống, cấp quyền kết nối / Approve: creates the system, grants the connection',
      options: textOptions('note'),
      send: (ctx, params) =>
        ctx.api.call('approveConnectionRequest', { params, body: given(ctx.values, { note: 'note' }) }),
      render: (result) =>
        `Đã phê duyệt; đã tạo hệ thống ${result.system.id} / Approved; system ${result.system.id} created\n` +
        showRequest(result.request),
    }),
    reject: recordCommand({
      synopsis: '--reason <lý do>',
      summary: 'Từ chối, nêu lý do (bắt buộc) / Reject with a reason (required)',
      options: textOptions('reason'),
      send: (ctx, params) =>
        ctx.api.call('rejectConnectionRequest', {
          params,
          body: { reason: required(ctx.values, 'reason', ctx.usage) },
        }),
      render: headed('Đã từ chối / Rejected', showRequest),
    }),
    letter: recordCommand({
      synopsis: '[--out <tệp.docx>]',
      summary:
        'Tải công văn đề nghị (.docx, mẫu Phụ lục) / Download the request letter (.docx, the Appendix template)',
      options: textOptions('out'),
      async send(ctx, params) {
        const file = resolve(
          str(ctx.values, 'out') ?? `de-nghi-ket-noi-${params.id.replace(/[^A-Za-z0-9_-]/g, '_')}.docx`,
        );
        // The letter is a file, not JSON.
        const letter = await ctx.api.call('getConnectionRequestLetter', { params });
        writeFileSync(file, letter);
        return { file, bytes: letter.length };
      },
      render: ({ file, bytes }) => `Đã lưu công văn / Letter saved: ${file} (${bytes} bytes)\n`,
    }),
  },
};

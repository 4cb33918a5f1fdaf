import type { OperationResponse } from '../../api/contract/index.ts';
import { SANDBOX_CALL_LONGEST_MS } from '../../control/sandbox-try.ts';
import { samplePath, sandboxTestCall } from '../../gateway/sandbox-probe.ts';
import { list, type OptionSpecs, required, str, textOptions, UsageError } from '../args.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import { callCommand, headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { fields, time } from '../format.ts';
import { readAll } from '../io.ts';
import { parseResource } from './version.ts';

type VersionChange = OperationResponse<'getVersionChange'>;

const STATUS_VI: Record<string, string> = {
  submitted: 'chờ duyệt/submitted',
  sandbox_test: 'đang thử nghiệm sandbox/sandbox test',
  applied: 'đã áp dụng/applied',
  rejected: 'từ chối/rejected',
  withdrawn: 'đã rút/withdrawn',
};

const resourcesText = (resources: Array<{ method: string; path: string }> | null) =>
  resources ? resources.map((r) => `${r.method} ${r.path}`).join(', ') : null;

/** `old → new`, or the old value alone when the proposal keeps it. */
function change(current: string | null, proposed: string | null | undefined): string {
  return proposed === undefined
    ? `${current ?? '—'} (giữ nguyên / unchanged)`
    : `${current ?? '—'} → ${proposed ?? '—'}`;
}

function showChange(c: VersionChange): string {
  // An applied change is read against what it replaced; an open one against what is served now.
  const base = c.previous ?? c.current;
  return fields([
    ['ID', c.id],
    ['Phiên bản / Version', `${c.context} ${c.version} (${c.versionId})`],
    ['Trạng thái / Status', STATUS_VI[c.status] ?? c.status],
    ['Lý do / Reason', c.reason],
    ['Sandbox', change(base.upstreams.sandbox, c.proposed.upstreams.sandbox)],
    ['Production', change(base.upstreams.production, c.proposed.upstreams.production)],
    [
      'Tài nguyên / Resources',
      c.proposed.resources
        ? `${resourcesText(base.resources)} → ${resourcesText(c.proposed.resources)}`
        : `${resourcesText(base.resources)} (giữ nguyên / unchanged)`,
    ],
    ['Sandbox đang thử / Sandbox under test', c.sandboxTarget],
    ['Lý do từ chối / Rejected because', c.reasons.length ? c.reasons.join('; ') : null],
    ['Bằng chứng sandbox / Sandbox evidence', c.sandboxEvidenceTransactionId],
    ['Đề nghị bởi / Requested by', c.requestedBy],
    ['Gửi lúc / Submitted', time(c.submittedAt)],
    ['Quyết định lúc / Decided', c.decidedAt ? time(c.decidedAt) : null],
  ]);
}

function step(
  summary: string,
  done: string,
  send: (ctx: Context, params: { id: string }) => Promise<VersionChange>,
  usage: { synopsis?: string; options?: OptionSpecs } = {},
): Subcommand {
  return recordCommand({ summary, ...usage, send, render: headed(done, showChange) });
}

const REASONS_OPTION: OptionSpecs = { reason: { type: 'string', multiple: true } };

export const versionChangeCommands: Group = {
  name: 'version-change',
  summary:
    'Đề nghị thay đổi phiên bản đã công bố: duyệt, thử ở sandbox, áp dụng / Changes to a published version: review, sandbox test, apply',
  subcommands: {
    propose: callCommand({
      synopsis:
        "--version-id <id> --reason <lý do> [--sandbox-url <url>] [--production-url <url>] [--resource 'GET /duong/dan/{bien}' …]",
      summary:
        'Đề nghị địa chỉ dịch vụ nguồn, tài nguyên mới (cơ quan cung cấp) / Propose new upstreams or resources (provider agency)',
      options: {
        ...textOptions('version-id', 'reason', 'sandbox-url', 'production-url'),
        resource: { type: 'string', multiple: true },
      },
      send(ctx) {
        const sandbox = str(ctx.values, 'sandbox-url');
        const production = str(ctx.values, 'production-url');
        const resources = list(ctx.values, 'resource').map((r) => parseResource(r, ctx.usage));
        // An empty URL (`--production-url ''`) proposes removing that environment's upstream.
        const upstreams = {
          ...(sandbox !== undefined ? { sandbox: sandbox || null } : {}),
          ...(production !== undefined ? { production: production || null } : {}),
        };
        if (Object.keys(upstreams).length === 0 && resources.length === 0) {
          throw new UsageError(
            'Cần --sandbox-url, --production-url hoặc --resource / Nothing proposed',
            ctx.usage,
          );
        }
        return ctx.api.call('createVersionChange', {
          body: {
            versionId: required(ctx.values, 'version-id', ctx.usage),
            reason: required(ctx.values, 'reason', ctx.usage),
            ...(Object.keys(upstreams).length ? { upstreams } : {}),
            ...(resources.length ? { resources } : {}),
          },
        });
      },
      render: headed('Đã gửi đề nghị thay đổi / Change proposed', showChange),
    }),
    list: pagedListCommand({
      synopsis: '[--status <trạng thái>] [--version-id <id>] [--org <id>]',
      summary: 'Danh sách đề nghị thay đổi, mới nhất trước / List version changes, newest first',
      filters: { status: 'status', 'version-id': 'versionId', org: 'organizationId' },
      send: (ctx, query) => ctx.api.call('listVersionChanges', { query }),
      headers: ['ID', 'Phiên bản / Version', 'Trạng thái / Status', 'Gửi lúc / Submitted'],
      row: (c) => [c.id, `${c.context} ${c.version}`, STATUS_VI[c.status] ?? c.status, time(c.submittedAt)],
    }),
    show: recordCommand({
      summary:
        'Xem một đề nghị thay đổi, cạnh cấu hình đang phục vụ / Show a change beside what is served now',
      send: (ctx, params) => ctx.api.call('getVersionChange', { params }),
      render: showChange,
    }),
    approve: step(
      'Duyệt để thử ở sandbox: sandbox phục vụ cấu hình đề nghị, production giữ nguyên (Sở TT&TT) / Approve a sandbox test (operator)',
      'Đang thử nghiệm sandbox / In sandbox test',
      (ctx, params) => ctx.api.call('approveVersionChange', { params, body: {} }),
    ),
    test: {
      synopsis: '<id> --gateway <url> --key <consumer key> --secret-stdin [--path /tai-nguyen]',
      summary:
        'Gọi thử qua cổng bằng khoá sandbox; lời gọi được ghi nhận làm bằng chứng / One sandbox call through the gateway, recorded as evidence',
      args: ['id'],
      options: { ...textOptions('gateway', 'key', 'path'), 'secret-stdin': { type: 'boolean' } },
      async run(ctx) {
        const c = await ctx.api.call('getVersionChange', { params: { id: ctx.args[0]! } });
        if (c.status !== 'sandbox_test') {
          throw new UsageError(`${c.id}: ${c.status} — cần / needs sandbox_test (approve)`, ctx.usage);
        }
        // The secret never goes on the command line, where other users of the machine could read it.
        if (ctx.values['secret-stdin'] !== true || !ctx.io.stdin) {
          throw new UsageError(
            'Secret đọc từ stdin: --secret-stdin / The secret is read from stdin',
            ctx.usage,
          );
        }
        const consumerSecret = (await readAll(ctx.io.stdin)).trim();
        const path = str(ctx.values, 'path');
        const call = path
          ? { method: 'GET', path: `/${c.context}/${c.version}${path}` }
          : samplePath(c.context, c.version, c.proposed.resources ?? c.current.resources);
        const gateway = required(ctx.values, 'gateway', ctx.usage).replace(/\/$/, '');
        const consumerKey = required(ctx.values, 'key', ctx.usage);
        let status: number;
        try {
          status = await sandboxTestCall(
            gateway,
            { consumerKey, consumerSecret },
            call,
            SANDBOX_CALL_LONGEST_MS,
          );
        } catch (err) {
          // No answer to show (unreachable, too slow, too large): say what happened to the call, not "unexpected".
          ctx.io.err(
            `Lời gọi thử ${call.method} ${gateway}${call.path} không có kết quả / The test call got no result: ${(err as Error).message}\n` +
              'Chưa thành công: chưa áp dụng được / Not successful: cannot be applied yet\n',
          );
          return 1;
        }
        const answer = { id: c.id, call, status, sandboxTarget: c.sandboxTarget };
        ctx.print(
          answer,
          () =>
            fields([
              ['Lời gọi / Call', `${call.method} ${gateway}${call.path}`],
              ['Tới / To', c.sandboxTarget],
              ['Kết quả / Status', status],
            ]) +
            (status >= 200 && status < 300
              ? `Có thể áp dụng / Ready to apply: lgsp version-change apply ${c.id}\n`
              : 'Chưa thành công: chưa áp dụng được / Not successful: cannot be applied yet\n'),
        );
        return status >= 200 && status < 300 ? 0 : 1;
      },
    },
    apply: step(
      'Áp dụng vào production sau lời gọi sandbox thành công; bên khai thác được thông báo (Sở TT&TT) / Apply after a successful sandbox call (operator)',
      'Đã áp dụng / Applied',
      (ctx, params) => ctx.api.call('applyVersionChange', { params, body: {} }),
    ),
    reject: step(
      'Từ chối, nêu lý do (--reason lặp lại được) / Reject with reasons (--reason repeats)',
      'Đã từ chối / Rejected',
      (ctx, params) => {
        const reasons = list(ctx.values, 'reason').filter((r) => r.trim() !== '');
        if (reasons.length === 0) throw new UsageError('Thiếu / Missing --reason', ctx.usage);
        return ctx.api.call('rejectVersionChange', { params, body: { reasons } });
      },
      { synopsis: '--reason <lý do> [--reason …]', options: REASONS_OPTION },
    ),
    withdraw: step(
      'Rút lại đề nghị (cơ quan cung cấp) / Withdraw the proposal (provider agency)',
      'Đã rút / Withdrawn',
      (ctx, params) => ctx.api.call('withdrawVersionChange', { params, body: {} }),
    ),
  },
};

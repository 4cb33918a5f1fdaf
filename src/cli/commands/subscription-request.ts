import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OperationResponse, SubscriptionRequestCreate } from '../../api/contract/index.ts';
import {
  bool,
  environmentOption,
  given,
  list,
  type OptionSpecs,
  positiveInt,
  required,
  str,
  textOptions,
  UsageError,
} from '../args.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import { callCommand, headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { count, fields, table, time } from '../format.ts';

type SubscriptionRequest = OperationResponse<'getSubscriptionRequest'>;

const STATUS_VI: Record<string, string> = {
  submitted: 'chờ duyệt sandbox/submitted',
  sandbox_approved: 'đã duyệt sandbox/sandbox approved',
  production_requested: 'chờ duyệt chính thức/production requested',
  production_approved: 'đã duyệt chính thức/production approved',
  needs_completion: 'cần bổ sung/needs completion',
  rejected: 'từ chối/rejected',
};

function age(r: SubscriptionRequest): string | null {
  if (!r.age) return null;
  const flag = r.age.overdue ? ' — QUÁ HẠN / OVERDUE' : '';
  return `${r.age.workingDays} ngày làm việc / working days; hạn / deadline ${time(r.age.deadlineAt)}${flag}`;
}

function showRequest(r: SubscriptionRequest): string {
  const collected = (id: string | null, at: string | null) =>
    id ? `${id}${at ? ` (đã nhận / collected ${time(at)})` : ' (chưa nhận / not collected)'}` : null;
  return fields([
    ['ID', r.id],
    [
      'Hệ thống khai thác / Consumer',
      `${r.systemName} (${r.systemId}), ${r.organizationName} (${r.organizationCode})`,
    ],
    ['Dịch vụ / Service', `${r.serviceName}: ${r.context} ${r.version} (${r.versionId})`],
    ['Ứng dụng / Application', r.application],
    ['Mục đích / Purpose', r.purpose],
    [
      'Tần suất / Frequency',
      `${count(r.frequencyPerDay)} lượt/ngày per day${r.frequencyPerMinute ? `, ${count(r.frequencyPerMinute)}/phút per minute` : ''}`,
    ],
    ['Thời gian khai thác / Time of use', r.timeOfUse ?? 'cả ngày / all day'],
    ['Khác / Other notes', r.otherNotes],
    ['Trạng thái / Status', STATUS_VI[r.status] ?? r.status],
    ['Lý do, nội dung bổ sung / Reasons', r.reasons.length ? r.reasons.join('; ') : null],
    ['Thời gian chờ / Age', age(r)],
    ['Đăng ký sandbox / Sandbox subscription', r.sandboxSubscriptionId],
    ['Khoá sandbox / Sandbox credential', collected(r.sandboxCredentialId, r.sandboxCredentialCollectedAt)],
    ['Đăng ký chính thức / Production subscription', r.productionSubscriptionId],
    [
      'Khoá chính thức / Production credential',
      collected(r.productionCredentialId, r.productionCredentialCollectedAt),
    ],
    ['Gửi lúc / Submitted', time(r.submittedAt)],
    ['Quyết định lúc / Decided', r.decidedAt ? time(r.decidedAt) : null],
  ]);
}

function reasons(ctx: Context): string[] {
  const typed = list(ctx.values, 'reason').filter((r) => r.trim() !== '');
  if (typed.length === 0) throw new UsageError('Thiếu / Missing --reason', ctx.usage);
  return typed;
}

/** Frequency, time of use and notes as given; on resubmit `none` clears the optional ones. */
function terms(
  ctx: Context,
  allowNone: boolean,
): Partial<
  Pick<SubscriptionRequestCreate, 'frequencyPerDay' | 'frequencyPerMinute' | 'timeOfUse' | 'otherNotes'>
> {
  const perDay = positiveInt(ctx.values, 'frequency-per-day', ctx.usage);
  const perMinute = positiveInt(ctx.values, 'frequency-per-minute', ctx.usage, allowNone);
  const window = str(ctx.values, 'time-of-use');
  const notes = str(ctx.values, 'notes');
  return {
    ...(perDay !== undefined ? { frequencyPerDay: perDay } : {}),
    ...(perMinute !== undefined ? { frequencyPerMinute: perMinute } : {}),
    ...(window !== undefined ? { timeOfUse: allowNone && window === 'none' ? null : window } : {}),
    ...(notes !== undefined ? { otherNotes: allowNone && notes === 'none' ? null : notes } : {}),
  };
}

const TERM_OPTIONS = textOptions(
  'application',
  'purpose',
  'frequency-per-day',
  'frequency-per-minute',
  'time-of-use',
  'notes',
);

/** `--reason`, repeated for each reason of a return or a refusal. */
const REASONS_OPTION: OptionSpecs = { reason: { type: 'string', multiple: true } };

/** A step on one request that answers the request: sends it, then prints the request under a headline. */
function step(
  summary: string,
  done: string,
  send: (ctx: Context, params: { id: string }) => Promise<SubscriptionRequest>,
  usage: { synopsis?: string; options?: OptionSpecs } = {},
): Subcommand {
  return recordCommand({ summary, ...usage, send, render: headed(done, showRequest) });
}

export const subscriptionRequestCommands: Group = {
  name: 'subreq',
  summary:
    'Đề nghị đăng ký khai thác dịch vụ: sandbox rồi chính thức (R-12) / Subscription requests: sandbox, then production',
  subcommands: {
    submit: callCommand({
      synopsis:
        '--system <id> --version-id <id> --application <ứng dụng> --purpose <mục đích> --frequency-per-day N ' +
        '[--frequency-per-minute N] [--time-of-use HH:MM-HH:MM] [--notes <khác>]',
      summary:
        'Đăng ký khai thác một phiên bản đã công bố (tần suất → hạn mức, thời gian → khung giờ) / Register for a published version',
      options: { ...textOptions('system', 'version-id'), ...TERM_OPTIONS },
      send(ctx) {
        const perDay = positiveInt(ctx.values, 'frequency-per-day', ctx.usage);
        if (perDay === undefined) throw new UsageError('Thiếu / Missing --frequency-per-day', ctx.usage);
        return ctx.api.call('createSubscriptionRequest', {
          body: {
            systemId: required(ctx.values, 'system', ctx.usage),
            versionId: required(ctx.values, 'version-id', ctx.usage),
            application: required(ctx.values, 'application', ctx.usage),
            purpose: required(ctx.values, 'purpose', ctx.usage),
            ...terms(ctx, false),
            frequencyPerDay: perDay,
          },
        });
      },
      render: headed('Đã gửi đề nghị / Request submitted', showRequest),
    }),
    list: pagedListCommand({
      synopsis: '[--status <trạng thái>] [--system <id>] [--version-id <id>] [--org <id>] [--overdue]',
      summary:
        'Danh sách đề nghị, mới nhất trước; --overdue: chỉ đề nghị quá hạn 2 ngày làm việc / List; --overdue: past the deadline',
      filters: { status: 'status', system: 'systemId', 'version-id': 'versionId', org: 'organizationId' },
      options: { overdue: { type: 'boolean' } },
      send: (ctx, query) =>
        ctx.api.call('listSubscriptionRequests', {
          query: { ...query, overdue: bool(ctx.values, 'overdue') ? 'true' : undefined },
        }),
      headers: [
        'ID',
        'Cơ quan / Org',
        'Dịch vụ / Service',
        'Trạng thái / Status',
        'Chờ / Age',
        'Gửi lúc / Submitted',
      ],
      row: (r) => [
        r.id,
        r.organizationCode,
        `${r.context} ${r.version}`,
        STATUS_VI[r.status] ?? r.status,
        r.age ? `${r.age.workingDays}${r.age.overdue ? ' QUÁ HẠN/OVERDUE' : ''}` : '',
        time(r.submittedAt),
      ],
      footer: (body) => `Quá hạn / Overdue: ${count(body.overdueCount)}\n`,
    }),
    show: recordCommand({
      summary: 'Xem một đề nghị và thời gian chờ / Show a request and its age',
      send: (ctx, params) => ctx.api.call('getSubscriptionRequest', { params }),
      render: showRequest,
    }),
    guide: {
      synopsis: '<id> [--document-out <tệp>]',
      summary:
        'Tài liệu hướng dẫn kỹ thuật (sau khi duyệt sandbox); --document-out lưu OpenAPI/WSDL / The technical guide',
      args: ['id'],
      options: textOptions('document-out'),
      async run(ctx) {
        const guide = await ctx.api.call('getSubscriptionRequestGuide', {
          params: { id: ctx.args[0]! },
        });
        const out = str(ctx.values, 'document-out');
        let saved = '';
        if (out && guide.version.technicalDocument) {
          const file = resolve(out);
          writeFileSync(file, guide.version.technicalDocument);
          saved = `Đã lưu tài liệu / Document saved: ${file}\n`;
        }
        ctx.print(guide, () => {
          const d = guide.service.description;
          return (
            fields([
              [
                'Dịch vụ / Service',
                `${guide.service.name} (${guide.service.context} ${guide.version.version})`,
              ],
              ['Giao thức / Protocol', guide.version.protocol],
              ['Địa chỉ và giao diện / Address, interface', d['addressAndInterface']],
              ['Tiêu chuẩn / Standards', d['communicationStandards']],
              ['Mã hoá, an toàn / Security', d['encryptionAndSecurity']],
              ['Năng lực / Capacity', d['capacity']],
              ['Quy trình kết nối / Procedure', d['connectionProcedure']],
              ['Chất lượng dữ liệu / Data quality', d['dataQuality']],
              ['Trình bày dữ liệu / Presentation', d['dataPresentation']],
              [
                'Tài nguyên / Resources',
                guide.version.resources.map((r) => `${r.method} ${r.path}`).join(', '),
              ],
              ['Tài liệu / Document', guide.version.technicalDocumentType],
              ['Cách gọi / How to call', `${guide.gateway.howToCall.vi} / ${guide.gateway.howToCall.en}`],
            ]) +
            table(
              ['Môi trường / Env', 'Đăng ký / Subscription', 'Hạn mức / Quota', 'Giờ / Time', 'Consumer key'],
              guide.environments.map((e) => [
                e.environment,
                e.subscriptionId,
                `${e.quotaPerDay === null ? '∞' : count(e.quotaPerDay)}/ngày·day${e.quotaPerMinute ? `, ${count(e.quotaPerMinute)}/phút·min` : ''}`,
                e.timeOfUse ?? 'cả ngày / all day',
                e.consumerKey,
              ]),
            ) +
            saved
          );
        });
        return 0;
      },
    },
    'approve-sandbox': step(
      'Duyệt sandbox: đăng ký, khoá sandbox nếu chưa có, tài liệu hướng dẫn (Sở TT&TT) / Approve the sandbox (operator)',
      'Đã duyệt sandbox / Sandbox approved',
      (ctx, params) => ctx.api.call('approveSubscriptionRequestSandbox', { params, body: {} }),
    ),
    'request-production': step(
      'Đề nghị cấp tài khoản chính thức, sau lời gọi sandbox thành công / Ask for production after a successful sandbox call',
      'Đã đề nghị cấp tài khoản chính thức / Production requested',
      (ctx, params) => ctx.api.call('requestSubscriptionRequestProduction', { params, body: {} }),
    ),
    'approve-production': step(
      'Duyệt chính thức: đăng ký, khoá chính thức nếu chưa có (Sở TT&TT) / Approve production (operator)',
      'Đã duyệt chính thức / Production approved',
      (ctx, params) => ctx.api.call('approveSubscriptionRequestProduction', { params, body: {} }),
    ),
    'needs-completion': step(
      'Yêu cầu bổ sung, nêu từng nội dung (--reason lặp lại được) / Ask for completion (--reason repeats)',
      'Đã yêu cầu bổ sung / Completion asked for',
      (ctx, params) =>
        ctx.api.call('returnSubscriptionRequestForCompletion', { params, body: { reasons: reasons(ctx) } }),
      { synopsis: '--reason <nội dung> [--reason …]', options: REASONS_OPTION },
    ),
    reject: step(
      'Từ chối, nêu lý do (--reason lặp lại được) / Reject with reasons (--reason repeats)',
      'Đã từ chối / Rejected',
      (ctx, params) => ctx.api.call('rejectSubscriptionRequest', { params, body: { reasons: reasons(ctx) } }),
      { synopsis: '--reason <lý do> [--reason …]', options: REASONS_OPTION },
    ),
    resubmit: step(
      'Bổ sung và gửi lại; `none` bỏ tần suất phút, khung giờ, ghi chú / Complete and resubmit; `none` clears',
      'Đã gửi lại / Resubmitted',
      (ctx, params) => {
        const changes = {
          ...given(ctx.values, { application: 'application', purpose: 'purpose' }),
          ...terms(ctx, true),
        };
        return ctx.api.call('resubmitSubscriptionRequest', { params, body: { changes } });
      },
      {
        synopsis:
          '[--application …] [--purpose …] [--frequency-per-day N] [--frequency-per-minute N|none] ' +
          '[--time-of-use HH:MM-HH:MM|none] [--notes …|none]',
        options: TERM_OPTIONS,
      },
    ),
    collect: recordCommand({
      synopsis: '--env sandbox|production',
      summary:
        'Nhận consumer key và secret do phê duyệt cấp — secret chỉ hiện MỘT lần / Collect the key and secret — shown ONCE',
      options: textOptions('env'),
      send: (ctx, params) =>
        ctx.api.call('collectSubscriptionRequestCredential', {
          params: { ...params, environment: environmentOption(ctx.values, ctx.usage) },
          body: {},
        }),
      render: (collected) =>
        fields([
          ['Thông tin kết nối / Credential', collected.credentialId],
          ['Môi trường / Environment', collected.environment],
          ['Consumer key', collected.consumerKey],
          ['Secret key', collected.consumerSecret],
        ]) +
        'Lưu secret ngay: sẽ không hiển thị lại / Store the secret now: it is never shown again (R-25)\n',
    }),
  },
};

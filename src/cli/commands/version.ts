import { readFileSync } from 'node:fs';
import type { ServiceVersion, VersionPatch } from '../../api/contract/index.ts';
import { SandboxTryBody, type SandboxTryResult, TRY_METHODS } from '../../api/contract/sandbox-try.ts';
import { formatSize } from '../../core/size.ts';
import {
  isOneOf,
  list,
  nonEmpty,
  type OptionSpecs,
  required,
  str,
  textOptions,
  UsageError,
  vietnamInstant,
} from '../args.ts';
import type { Context, Group, Subcommand } from '../command.ts';
import {
  callCommand,
  headed,
  pageArgs,
  pagedListCommand,
  recordCommand,
  shownOf,
} from '../command-builders.ts';
import { count, createdAndUpdated, fields, table, time } from '../format.ts';

/** `GET /congdan/{soDinhDanh}` → {method, path}; a bare path means any method. */
export function parseResource(raw: string, usage: string): { method: string; path: string } {
  const parts = raw.trim().split(/\s+/);
  if (parts.length === 1 && parts[0]!.startsWith('/')) return { method: '*', path: parts[0]! };
  if (parts.length === 2 && parts[1]!.startsWith('/'))
    return { method: parts[0]!.toUpperCase(), path: parts[1]! };
  throw new UsageError(
    `--resource: cần dạng 'GET /duong/dan/{bien}' / expected 'METHOD /path/{param}': ${raw}`,
    usage,
  );
}

function changes(ctx: Context): VersionPatch {
  const sandbox = str(ctx.values, 'sandbox-url');
  const production = str(ctx.values, 'production-url');
  const resources = list(ctx.values, 'resource').map((r) => parseResource(r, ctx.usage));
  const protocol = str(ctx.values, 'protocol')?.toUpperCase();
  if (protocol !== undefined && protocol !== 'REST' && protocol !== 'SOAP') {
    throw new UsageError(`--protocol: REST | SOAP: ${protocol}`, ctx.usage);
  }
  const mode = str(ctx.values, 'mode');
  if (mode !== undefined && mode !== 'sync' && mode !== 'async') {
    throw new UsageError(`--mode: sync | async: ${mode}`, ctx.usage);
  }
  const concurrencyText = str(ctx.values, 'concurrency');
  const concurrency = concurrencyText === undefined ? undefined : Number(concurrencyText);
  if (
    concurrency !== undefined &&
    !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 256)
  ) {
    throw new UsageError(`--concurrency: 1–256: ${concurrencyText}`, ctx.usage);
  }
  // `--request-body-limit ''` returns the version to the platform's default (gateway.maxRequestBodyBytes).
  const bodyLimitText = str(ctx.values, 'request-body-limit');
  const bodyLimit = bodyLimitText === undefined || bodyLimitText === '' ? null : Number(bodyLimitText);
  if (bodyLimit !== null && !(Number.isInteger(bodyLimit) && bodyLimit >= 1024 && bodyLimit <= 2147483647)) {
    throw new UsageError(`--request-body-limit: 1024–2147483647 byte: ${bodyLimitText}`, ctx.usage);
  }
  // An empty URL (`--production-url ''`) removes the upstream of that environment.
  const upstreams = {
    ...(sandbox !== undefined ? { sandbox: sandbox || null } : {}),
    ...(production !== undefined ? { production: production || null } : {}),
  };
  // `--health-path ''` removes the probe.
  const healthPath = str(ctx.values, 'health-path');
  const healthIntervalText = str(ctx.values, 'health-interval');
  const healthInterval = healthIntervalText === undefined ? undefined : Number(healthIntervalText);
  if (healthInterval !== undefined && !(Number.isInteger(healthInterval) && healthInterval >= 10)) {
    throw new UsageError(`--health-interval: số giây ≥ 10 / seconds ≥ 10: ${healthIntervalText}`, ctx.usage);
  }
  if (healthInterval !== undefined && !healthPath) {
    throw new UsageError('--health-interval cần --health-path / needs --health-path', ctx.usage);
  }
  const healthCheck =
    healthPath === undefined
      ? undefined
      : healthPath === ''
        ? null
        : { path: healthPath, ...(healthInterval !== undefined ? { intervalSeconds: healthInterval } : {}) };
  return {
    ...compositeChange(ctx),
    ...(protocol ? { protocol } : {}),
    ...(healthCheck !== undefined ? { healthCheck } : {}),
    ...(mode ? { mode } : {}),
    ...(concurrency !== undefined ? { deliveryConcurrency: concurrency } : {}),
    ...(bodyLimitText !== undefined ? { requestBodyLimitBytes: bodyLimit } : {}),
    ...(Object.keys(upstreams).length ? { upstreams } : {}),
    ...(resources.length ? { resources } : {}),
  };
}

/**
 * `--composite <file.json>`: the version becomes a composite service (R-17, docs/aggregation.md), its definition
 * read from the file; `--composite ''` makes it a plain version again (both only while it is a draft).
 */
function compositeChange(ctx: Context): Pick<VersionPatch, 'composite'> {
  const file = str(ctx.values, 'composite');
  if (file === undefined) return {};
  if (file === '') return { composite: null };
  try {
    return { composite: JSON.parse(readFileSync(file, 'utf8')) as VersionPatch['composite'] };
  } catch (err) {
    throw new UsageError(
      `--composite: không đọc được JSON / not readable JSON: ${(err as Error).message}`,
      ctx.usage,
    );
  }
}

function showVersion(v: ServiceVersion): string {
  return fields([
    ['ID', v.id],
    ['Dịch vụ / Service', `${v.context} (${v.serviceId})`],
    ['Phiên bản / Version', v.version],
    ['Giao thức / Protocol', v.protocol],
    ['Trạng thái / Status', v.status],
    [
      'Kiểu / Mode',
      v.mode === 'async'
        ? `async (bất đồng bộ, tối đa ${v.deliveryConcurrency} lần đẩy đồng thời / at most ${v.deliveryConcurrency} concurrent pushes)`
        : 'sync (đồng bộ)',
    ],
    [
      'Kiểm tra sức khoẻ / Health check',
      v.healthCheck ? `GET ${v.healthCheck.path} mỗi / every ${v.healthCheck.intervalSeconds} s` : null,
    ],
    [
      'Giới hạn body / Request body limit',
      v.requestBodyLimitBytes === null
        ? 'mặc định của nền tảng / platform default'
        : `${v.requestBodyLimitBytes} byte`,
    ],
    ['Sandbox', v.upstreams.sandbox],
    ['Production', v.upstreams.production],
    ['Tài nguyên / Resources', v.resources.map((r) => `${r.method} ${r.path}`).join(', ')],
    [
      'Dịch vụ tổng hợp / Composite',
      v.composite
        ? `${v.composite.sequential ? 'lần lượt / sequential' : 'song song / parallel'}: ${v.composite.backends
            .map((b) => `${b.target}${b.path}${b.required ? ' (bắt buộc / required)' : ''}`)
            .join(', ')}`
        : null,
    ],
    ['Đường dẫn / Gateway path', `/${v.context}/${v.version}/…`],
    ['Công bố lúc / Published', v.publishedAt ? time(v.publishedAt) : null],
    ['Ngừng khuyến nghị lúc / Deprecated', v.deprecatedAt ? time(v.deprecatedAt) : null],
    [
      'Ngừng hoạt động lúc / Sunset',
      v.sunsetAt ? `${time(v.sunsetAt)}${v.successorVersionId ? ` → ${v.successorVersionId}` : ''}` : null,
    ],
    ...createdAndUpdated(v),
  ]);
}

/** The header fields a try may set, as the contract lists them (the platform adds the credentials itself). */
const TRY_HEADERS = Object.keys(SandboxTryBody.properties.headers.properties) as Array<
  keyof NonNullable<SandboxTryBody['headers']>
>;

/** `--method --path --query --header 'name: value' --body|--body-file` as the try's request (POST /versions/{id}/try). */
function tryRequest(ctx: Context): SandboxTryBody {
  const method = (str(ctx.values, 'method') ?? 'GET').toUpperCase();
  if (!isOneOf(method, TRY_METHODS)) {
    throw new UsageError(`--method: ${TRY_METHODS.join(' | ')}: ${method}`, ctx.usage);
  }
  const headers: NonNullable<SandboxTryBody['headers']> = {};
  for (const raw of list(ctx.values, 'header')) {
    const colon = raw.indexOf(':');
    const name = (colon > 0 ? raw.slice(0, colon) : '').trim().toLowerCase();
    if (!isOneOf(name, TRY_HEADERS)) {
      throw new UsageError(
        `--header: 'tên: giá trị' với tên là một trong / 'name: value', name one of ${TRY_HEADERS.join(', ')}: ${raw}`,
        ctx.usage,
      );
    }
    headers[name] = raw.slice(colon + 1).trim();
  }
  const text = str(ctx.values, 'body');
  const file = str(ctx.values, 'body-file');
  if (text !== undefined && file !== undefined) {
    throw new UsageError('--body hoặc / or --body-file, không cả hai / not both', ctx.usage);
  }
  const query = str(ctx.values, 'query')?.replace(/^\?/, '');
  const body = file !== undefined ? readFileSync(file, 'utf8') : text;
  return {
    method,
    path: required(ctx.values, 'path', ctx.usage),
    ...(query ? { query } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(body !== undefined ? { body } : {}),
  };
}

/** A 2xx answer: the command's exit status (docs/sandbox.md). */
const tryCounts = (r: SandboxTryResult) => r.status >= 200 && r.status < 300;

/**
 * Whether the try is the evidence publishing takes — the provider's own 2xx, recorded (src/control/sandbox-evidence.ts).
 * A mock answer made from the document's examples reached no provider, and an async version's 202 is the message
 * taken in, whose evidence is its delivery: both were printed as "yes" while publishing was refused.
 */
export function tryEvidence(r: SandboxTryResult): string {
  if (!tryCounts(r)) return 'không: cần câu trả lời 2xx / no: it takes a 2xx answer';
  if (r.headers['x-lgsp-mock'] === 'true') {
    return (
      'không: câu trả lời mẫu từ ví dụ của tài liệu, bên cung cấp không được gọi — cần địa chỉ sandbox thật / ' +
      'no: a mock answer from the document’s examples, no provider was called — it takes a real sandbox upstream'
    );
  }
  if (r.status === 202 && r.headers['x-lgsp-message-id'] !== undefined) {
    return (
      'chưa: thông điệp đã được nhận; bằng chứng là lần chuyển tới bên đích (đẩy được trả lời 2xx, hoặc bên đích ' +
      'lấy và xác nhận) / not yet: the message is taken in; the evidence is its delivery (a push answered 2xx, or ' +
      'the destination’s pull and acknowledgement)'
    );
  }
  return 'có: lời gọi 2xx đã ghi bền / yes: a 2xx call, durably recorded';
}

function showTry(r: SandboxTryResult): string {
  const size = formatSize(r.bodyBytes);
  const head = fields([
    ['Trạng thái / Status', r.status],
    ['Bằng chứng công bố / Publishing evidence', tryEvidence(r)],
    ['Giao dịch / Transaction', r.transactionId],
    ['Gọi lúc / Called at', time(r.calledAt)],
    ['Thời gian / Duration', `${r.durationMs} ms`],
    ['Kích thước / Size', `${size.vi}${r.bodyTruncated ? ' (đã cắt bớt / truncated)' : ''}`],
    ['Content-Type', r.headers['content-type']],
  ]);
  const body =
    r.bodyEncoding === 'base64' ? `(nội dung nhị phân, base64 / binary body, base64)\n${r.body}` : r.body;
  return `${head}\n${body}${body.endsWith('\n') ? '' : '\n'}`;
}

/** A step or change of a version (R-11): one call on `<id>`, then the version under a headline. */
const step = (
  synopsis: string,
  summary: string,
  done: string,
  options: OptionSpecs,
  send: (ctx: Context, params: { id: string }) => Promise<ServiceVersion>,
): Subcommand => recordCommand({ synopsis, summary, options, send, render: headed(done, showVersion) });

const CHANGE_OPTIONS: OptionSpecs = {
  ...textOptions(
    'protocol',
    'mode',
    'concurrency',
    'request-body-limit',
    'health-path',
    'health-interval',
    'sandbox-url',
    'production-url',
    'composite',
  ),
  resource: { type: 'string', multiple: true },
};
const CHANGE_SYNOPSIS =
  "[--protocol REST|SOAP] [--mode sync|async] [--concurrency <1-256>] [--request-body-limit <byte>|''] [--health-path /health [--health-interval <s>]] [--sandbox-url <url>] [--production-url <url>] [--resource 'GET /congdan/{soDinhDanh}' …] [--composite <composite.json>|'']";

export const versionCommands: Group = {
  name: 'version',
  summary: 'Phiên bản dịch vụ, chạy song song (R-18) / Service versions, side by side',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--service <id>] [--status <trạng thái>]',
      summary:
        'Danh sách phiên bản; tìm theo context, số phiên bản / List versions; search by context, version',
      filters: { status: 'status' },
      options: textOptions('service'),
      send(ctx, query) {
        const service = str(ctx.values, 'service');
        return service
          ? ctx.api.call('listServiceVersions', { params: { id: service }, query })
          : ctx.api.call('listVersions', { query });
      },
      headers: [
        'ID',
        'Context',
        'Phiên bản / Version',
        'Giao thức / Protocol',
        'Trạng thái / Status',
        'Production',
      ],
      row: (v) => [v.id, v.context, v.version, v.protocol, v.status, v.upstreams.production],
    }),
    show: recordCommand({
      summary: 'Xem một phiên bản / Show a version',
      send: (ctx, params) => ctx.api.call('getVersion', { params }),
      render: showVersion,
    }),
    create: callCommand({
      synopsis: `--service <id> --version <1.0> ${CHANGE_SYNOPSIS}`,
      summary: 'Thêm phiên bản (bản nháp) / Create a version (as a draft)',
      options: { ...textOptions('service', 'version'), ...CHANGE_OPTIONS },
      send: (ctx) =>
        ctx.api.call('createVersion', {
          params: { id: required(ctx.values, 'service', ctx.usage) },
          body: { version: required(ctx.values, 'version', ctx.usage), ...changes(ctx) },
        }),
      render: headed('Đã thêm phiên bản / Version created', showVersion),
    }),
    update: step(
      CHANGE_SYNOPSIS,
      'Sửa giao thức, địa chỉ dịch vụ nguồn, tài nguyên / Update protocol, upstreams, resources',
      'Đã cập nhật / Updated',
      CHANGE_OPTIONS,
      (ctx, params) => ctx.api.call('updateVersion', { params, body: nonEmpty(changes(ctx), ctx.usage) }),
    ),
    submit: step(
      '--document <openapi.json|.yaml|.wsdl> [--type openapi|wsdl]',
      'Gửi phiên bản kèm tài liệu kỹ thuật (R-11) / Submit with the technical document',
      'Đã gửi / Submitted',
      textOptions('document', 'type'),
      (ctx, params) => {
        const file = required(ctx.values, 'document', ctx.usage);
        const type = str(ctx.values, 'type') ?? (/\.wsdl$/i.test(file) ? 'wsdl' : 'openapi');
        if (type !== 'openapi' && type !== 'wsdl') throw new UsageError('--type: openapi | wsdl', ctx.usage);
        return ctx.api.call('submitVersion', {
          params,
          body: { technicalDocument: readFileSync(file, 'utf8'), documentType: type },
        });
      },
    ),
    'start-sandbox-test': step(
      '',
      'Mở thử nghiệm ở sandbox / Open the sandbox test',
      'Đang thử nghiệm sandbox / In sandbox test',
      {},
      (ctx, params) => ctx.api.call('startVersionSandboxTest', { params, body: {} }),
    ),
    try: {
      synopsis:
        "<id> --path </đường/dẫn> [--method GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS] [--query <a=1&b=2>] [--header 'accept: application/json' …] [--body <văn bản/text> | --body-file <tệp/file>]",
      summary:
        'Gọi thử phiên bản trên sandbox qua cổng kết nối bằng khoá kiểm thử của nền tảng; lời gọi 2xx là bằng chứng để công bố (exit 1 nếu không phải 2xx) / ' +
        "Try the version in the sandbox through the gateway with the platform's test key; a 2xx call is the evidence publishing needs (exit 1 otherwise)",
      options: {
        ...textOptions('method', 'path', 'query', 'body', 'body-file'),
        header: { type: 'string', multiple: true },
      },
      args: ['id'],
      async run(ctx) {
        const result = await ctx.api.call('trySandboxCall', {
          params: { id: ctx.args[0]! },
          body: tryRequest(ctx),
        });
        ctx.print(result, showTry);
        return tryCounts(result) ? 0 : 1;
      },
    },
    reject: step(
      '--reason <lý do>',
      'Từ chối, nêu lý do / Reject, with the reason',
      'Đã từ chối / Rejected',
      textOptions('reason'),
      (ctx, params) =>
        ctx.api.call('rejectVersion', {
          params,
          body: { reason: required(ctx.values, 'reason', ctx.usage) },
        }),
    ),
    publish: step(
      '[--previous-sunset <dd/mm/yyyy[ HH:mm], giờ Việt Nam/Vietnam time>]',
      'Công bố (cần lời gọi sandbox thành công); bản trước ngừng sau ≥ 180 ngày / Publish; predecessor sunset ≥ 180 days',
      'Đã công bố / Published',
      textOptions('previous-sunset'),
      (ctx, params) => {
        const sunset = str(ctx.values, 'previous-sunset');
        return ctx.api.call('publishVersion', {
          params,
          body: sunset ? { previousSunsetAt: vietnamInstant(sunset, 'previous-sunset') } : {},
        });
      },
    ),
    consumers: recordCommand({
      synopsis:
        '[--since <dd/mm/yyyy[ HH:mm]>] [--search <chữ>] [--sort calls|lastCallAt|organizationCode] [--limit N] [--offset N]',
      summary:
        'Ai vẫn gọi phiên bản này, gọi nhiều nhất trước (R-18) / Who still calls this version, busiest first',
      options: textOptions('since', 'search', 'sort', 'limit', 'offset'),
      send: (ctx, params) => {
        const since = str(ctx.values, 'since');
        return ctx.api.call('listVersionConsumers', {
          params,
          query: { ...(since ? { since: vietnamInstant(since, 'since') } : {}), ...pageArgs(ctx) },
        });
      },
      render: (body, ctx) =>
        table(
          [
            'Hệ thống / System',
            'Cơ quan / Organization',
            'Môi trường / Env',
            'Lượt gọi / Calls',
            'Gần nhất / Last',
          ],
          body.items.map((c) => [
            c.systemId,
            c.organizationCode ?? '',
            c.environment ?? '',
            count(c.calls),
            time(c.lastCallAt),
          ]),
        ) + shownOf(body, pageArgs(ctx).offset ?? 0),
    }),
  },
};

import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ERROR_PAGES_PATH, ERRORS, type ErrorCode } from '../core/errors.ts';
import { pageHeaders } from './console-files.ts';
import { errorGroups } from './errors-doc.ts';

/**
 * The page each problem's `type` names (`/portal/errors/<CODE>`) and the whole list (`/portal/errors`).
 *
 * Rendered here, on the server, not as a route of the portal's browser app, because:
 * - a `type` is followed by developers with curl or a link checker as often as with a browser: a plain GET must
 *   get the code's titles, and an unknown code must get a real 404 (the browser app answers 200 for every path);
 * - it must work on every node's admin port — the gateway and worker roles serve only a health server there, with
 *   no web build — and on a checkout where `npm run build:web` was never run;
 * - nothing is written twice: the text is the registry's (src/core/errors.ts, the same titles the console shows
 *   beside a recorded code, web/src/shared/error-code.tsx) and the grouping is docs/errors.md's (errors-doc.ts).
 * The page runs no script (the console's Content-Security-Policy, same origin); every text is HTML-escaped, and the
 * code in the path is only ever compared with the registry's own names, never echoed.
 */

const CODE_SHAPE = /^[A-Z][A-Z0-9_]{0,79}$/;

/** A code of the registry, or null: the path parameter is anyone's input (`__proto__`, `<script>`, 10 kB). */
export function knownErrorCode(candidate: string): ErrorCode | null {
  return CODE_SHAPE.test(candidate) && Object.hasOwn(ERRORS, candidate) ? (candidate as ErrorCode) : null;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** Reason phrases node:http does not know (499 is nginx's, the registry uses it for a consumer that went away). */
const EXTRA_REASONS: Record<number, string> = { 499: 'Client Closed Request' };
const statusText = (status: number) =>
  `${status} ${STATUS_CODES[status] ?? EXTRA_REASONS[status] ?? ''}`.trim();

const STYLE = `body{font-family:system-ui,sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.5;color:#1f1f1f}
code{background:#f3f3f3;padding:0 .25em;border-radius:3px}h1 code{font-size:.8em}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
.en{color:#555}nav{margin-bottom:1.5em}dt{font-weight:600;margin-top:.8em}dd{margin-left:0}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
<nav><a href="/portal">Cổng thông tin <span lang="en" class="en">/ Portal</span></a> ·
<a href="${ERROR_PAGES_PATH}">Mọi mã lỗi <span lang="en" class="en">/ All error codes</span></a></nav>
${body}
</body></html>
`;
}

const groupOf = (code: ErrorCode) => errorGroups().find((g) => g.codes.includes(code))?.heading ?? '';

/** The page of one code: its titles in Vietnamese then English, its HTTP status, where it comes from. */
export function errorCodePage(code: ErrorCode): string {
  const spec = ERRORS[code];
  const c = escapeHtml(code);
  return page(
    `${code} — ${spec.titleVi} / ${spec.title}`,
    `<h1><code>${c}</code></h1>
<p><strong>${escapeHtml(spec.titleVi)}</strong></p>
<p lang="en" class="en"><strong>${escapeHtml(spec.title)}</strong></p>
<dl>
<dt>HTTP</dt><dd>${escapeHtml(statusText(spec.status))}</dd>
<dt>Nhóm <span lang="en" class="en">/ Group</span></dt><dd>${escapeHtml(groupOf(code))}</dd>
</dl>
<h2>Mã lỗi này nghĩa là gì <span lang="en" class="en">/ What this code means</span></h2>
<p>Nền tảng trả lời <code>application/problem+json</code> (RFC 9457) với <code>"code": "${c}"</code>. Tiêu đề ở trên
nói điều gì đã xảy ra và cần làm gì; <code>detail</code> của câu trả lời (nếu có) nói cụ thể hơn cho lời gọi đó.
Khi cần hỗ trợ, gửi cho đơn vị vận hành mã giao dịch <code>transactionId</code> (hoặc tiêu đề
<code>X-LGSP-Transaction-Id</code>) cùng mã lỗi này — không gửi dữ liệu của lời gọi.</p>
<p lang="en" class="en">The platform answered <code>application/problem+json</code> (RFC 9457) with
<code>"code": "${c}"</code>. The title above says what happened and what to do; the answer's <code>detail</code>,
when present, says more about that call. When asking the operator for help, send the transaction id
(<code>transactionId</code>, or the <code>X-LGSP-Transaction-Id</code> header) with this code — never the call's data.</p>`,
  );
}

/** Every code, grouped as in docs/errors.md, each linking to its page. */
export function errorListPage(): string {
  const sections = errorGroups()
    .map(
      ({ heading, codes }) => `<h2>${escapeHtml(heading)}</h2>
<table><thead><tr><th>code</th><th>HTTP</th><th>Tiếng Việt</th><th lang="en">English</th></tr></thead><tbody>
${codes
  .map((code) => {
    const spec = ERRORS[code];
    return `<tr><td><a href="${ERROR_PAGES_PATH}/${escapeHtml(code)}"><code>${escapeHtml(code)}</code></a></td><td>${spec.status}</td><td>${escapeHtml(spec.titleVi)}</td><td lang="en" class="en">${escapeHtml(spec.title)}</td></tr>`;
  })
  .join('\n')}
</tbody></table>`,
    )
    .join('\n');
  return page(
    'Mã lỗi / Error codes — OpenLGSP',
    `<h1>Mã lỗi <span lang="en" class="en">/ Error codes</span></h1>
<p>Mọi lỗi do chính nền tảng trả về (cổng kết nối và API quản trị) là <code>application/problem+json</code> theo
RFC 9457 với một <code>code</code> ổn định dưới đây; <code>type</code> của nó là trang của mã đó.</p>
<p lang="en" class="en">Every error the platform itself answers (gateway and admin API) is RFC 9457
<code>application/problem+json</code> with one of the stable <code>code</code>s below; its <code>type</code> is the
code's page.</p>
${sections}`,
  );
}

const NOT_FOUND_PAGE = page(
  'Không có mã lỗi này / No such error code',
  `<h1>Không có mã lỗi này <span lang="en" class="en">/ No such error code</span></h1>
<p>Nền tảng không có mã lỗi nào như vậy. Xem danh sách đầy đủ ở <a href="${ERROR_PAGES_PATH}">${ERROR_PAGES_PATH}</a>.</p>
<p lang="en" class="en">The platform has no such error code. The full list is at
<a href="${ERROR_PAGES_PATH}">${ERROR_PAGES_PATH}</a>.</p>`,
);

function sendHtml(reply: FastifyReply, status: number, html: string) {
  return pageHeaders(reply).code(status).type('text/html; charset=utf-8').send(html);
}

/**
 * `GET /portal/errors` and `GET /portal/errors/:code`, on the admin API and on a node's health server alike: the
 * problems every node answers name these pages (core/errors.ts `setProblemTypeOrigin`). Registered before the
 * console's catch-all, which would otherwise answer the browser app's page.
 */
export async function errorPageRoutes(app: FastifyInstance): Promise<void> {
  const schema = { hide: true } as const;
  // Built once: the registry does not change under a running platform.
  const list = errorListPage();
  app.get(ERROR_PAGES_PATH, { schema }, (_request, reply) => sendHtml(reply, 200, list));
  app.get(`${ERROR_PAGES_PATH}/`, { schema }, (_request, reply) => sendHtml(reply, 200, list));
  app.get<{ Params: { code: string } }>(`${ERROR_PAGES_PATH}/:code`, { schema }, (request, reply) => {
    const code = knownErrorCode(request.params.code);
    return code ? sendHtml(reply, 200, errorCodePage(code)) : sendHtml(reply, 404, NOT_FOUND_PAGE);
  });
  // Deeper paths are no code either (without this the console's catch-all would answer its page with 200).
  app.get(`${ERROR_PAGES_PATH}/*`, { schema }, (_request, reply) => sendHtml(reply, 404, NOT_FOUND_PAGE));
}

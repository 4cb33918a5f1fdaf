import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_PAGES_PATH, ERRORS, type ErrorCode } from '../core/errors.ts';

/**
 * docs/errors.md is generated from the error registry (DESIGN.md "One error registry") and committed, so agency
 * developers read it on the portal; test/api.openapi.test.ts fails when the two disagree.
 * Regenerate: `node --import tsx src/api/errors-doc.ts`.
 */
const GROUPS: Array<{ prefix: string; heading: string }> = [
  { prefix: 'GW_', heading: 'Cổng kết nối / Gateway (data plane)' },
  { prefix: 'API_', heading: 'API quản trị / Admin API' },
  { prefix: 'CP_', heading: 'Quản lý kết nối / Control plane' },
];

const cell = (text: string) => text.replaceAll('|', '\\|');

/**
 * The registry's codes in the groups docs/errors.md shows, in registry order; codes of no listed prefix last, under
 * "Khác / Other". The portal's error pages (error-pages.ts) list them the same way.
 */
export function errorGroups(): Array<{ heading: string; codes: ErrorCode[] }> {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  const groups = GROUPS.map(({ prefix, heading }) => ({
    heading,
    codes: codes.filter((c) => c.startsWith(prefix)),
  }));
  const others = codes.filter((c) => !GROUPS.some(({ prefix }) => c.startsWith(prefix)));
  return [...groups, { heading: 'Khác / Other', codes: others }].filter((g) => g.codes.length > 0);
}

export function errorsMarkdown(): string {
  const lines = [
    '# Mã lỗi / Error codes',
    '',
    '<!-- Sinh tự động từ src/core/errors.ts — đừng sửa tay. Generated from src/core/errors.ts — do not edit by',
    '     hand; regenerate with `node --import tsx src/api/errors-doc.ts`. -->',
    '',
    'Mọi lỗi do chính nền tảng trả về (cổng kết nối và API quản trị) là `application/problem+json` theo',
    'RFC 9457, có `code` ổn định dưới đây; mã không bao giờ được dùng lại cho nghĩa khác. Lỗi do chính hệ thống',
    'cung cấp trả lời không phải lỗi của nền tảng và không có trong danh sách này.',
    '',
    'Every error the platform itself answers (gateway and admin API) is RFC 9457 `application/problem+json`',
    'with one of the stable `code`s below; a code is never reused. Errors that a provider system itself answers',
    'are not platform errors and are not listed here.',
    '',
    '```json',
    '{',
    `  "type": "https://lgsp.tinh.gov.vn${ERROR_PAGES_PATH}/CP_ORGANIZATION_CODE_INVALID",`,
    `  "title": "${ERRORS.CP_ORGANIZATION_CODE_INVALID.titleVi} / ${ERRORS.CP_ORGANIZATION_CODE_INVALID.title}",`,
    '  "status": 400,',
    '  "code": "CP_ORGANIZATION_CODE_INVALID",',
    '  "detail": "SO-Y-TE",',
    '  "instance": "/api/v1/organizations",',
    '  "transactionId": "api_0mxdha95k0jjwe82yc9b7zdh3"',
    '}',
    '```',
    '',
    '`type` là trang giải thích mã lỗi trên chính nền tảng: `<admin.publicUrl>/portal/errors/<code>` (tiếng Việt',
    'trước, tiếng Anh bên cạnh, mã HTTP, liên kết tới danh sách đầy đủ ở `/portal/errors`), do cổng quản trị dựng',
    'sẵn ở máy chủ — mở bằng `curl` hay trình duyệt đều được; mã không có → 404. Khi chưa đặt `admin.publicUrl`,',
    '`type` dùng địa chỉ cổng quản trị đang nghe (ví dụ `http://127.0.0.1:9080/portal/errors/<code>`). Khi chạy',
    'nhiều nút, đặt cùng `admin.publicUrl` (`LGSP_ADMIN_PUBLIC_URL`) trên **mọi** nút, kể cả nút chỉ chạy gateway:',
    'đó là cách duy nhất để lỗi của cổng kết nối trỏ tới cổng thông tin mà cơ quan tới được.',
    '',
    'The `type` is the page explaining the code, on the platform itself: `<admin.publicUrl>/portal/errors/<code>`',
    '(Vietnamese first, English beside it, the HTTP status, a link to the whole list at `/portal/errors`), rendered',
    'on the server by the admin port — `curl` reads it as well as a browser; an unknown code answers 404. Without',
    '`admin.publicUrl`, `type` uses the admin listener’s own address (e.g. `http://127.0.0.1:9080/portal/errors/<code>`).',
    'In a cluster, set the same `admin.publicUrl` (`LGSP_ADMIN_PUBLIC_URL`) on **every** node, gateway-only ones',
    'included: it is the only way a gateway node’s problems name the portal agencies can reach.',
    '',
    '`transactionId` là mã người bị từ chối gửi cho đơn vị vận hành (bảng điều khiển hiện nó dưới lỗi): ở cổng kết',
    'nối là mã giao dịch (`txn_…`; tra ở màn hình Giao dịch); ở API quản trị là mã của yêu cầu (`api_…`), tra trong',
    'nhật ký máy chủ: dòng của yêu cầu đó có `reqId` bằng mã này.',
    '',
    '`transactionId` is what a refused person sends the operator (the console shows it under the refusal): on the',
    'gateway, the transaction id (`txn_…`; looked up on the Transactions screen); on the admin API, the request’s id',
    '(`api_…`), looked up in the server log, whose lines for that request carry it as `reqId`.',
    '',
    '**Tiêu đề `X-LGSP-Transaction-Id`.** Cổng kết nối gửi mã giao dịch trong tiêu đề `X-LGSP-Transaction-Id`',
    '([gateway.md](gateway.md)); cổng quản trị cũng dùng đúng tên ấy cho mã của yêu cầu, trên **mọi** câu trả lời,',
    'thành công cũng như lỗi: API, bảng điều khiển và cổng thông tin (cả tệp của chúng), trang mã lỗi, `/healthz`,',
    'đường dẫn không có (404), JSON hỏng, nội dung quá lớn, địa chỉ không giải mã được — cả cổng quản trị của nút',
    'chỉ chạy gateway hoặc worker. Một thao tác thành công cũng có mã để đối chiếu: ghi nó vào nhật ký của proxy',
    '(nginx: `$sent_http_x_lgsp_transaction_id`), xem ở tab Network của trình duyệt, dán vào phiếu hỗ trợ. Khi câu',
    'trả lời là problem, tiêu đề và `transactionId` luôn là một mã. Mã do nền tảng tạo: mã bên gọi gửi kèm',
    '(`X-Request-Id`, `X-LGSP-Transaction-Id`, …) không bao giờ được nhận làm mã của yêu cầu, cũng không được gửi',
    'lại — bên gọi gửi được bất kỳ chuỗi nào, kể cả mã của một yêu cầu khác để các dòng nhật ký của mình trông như',
    'của yêu cầu ấy. Chỉ lời từ chối trước khi có yêu cầu (dòng yêu cầu hỏng, phần tiêu đề quá lớn hoặc gửi quá',
    'chậm) là không có mã.',
    '',
    '_**The `X-LGSP-Transaction-Id` header.** The gateway sends its transaction id in the `X-LGSP-Transaction-Id`',
    'header ([gateway.md](gateway.md)); the admin port uses that same name for the request’s id, on **every**',
    'answer, successes as well as refusals: the API, the console and the portal (their files too), the error-code',
    'pages, `/healthz`, unknown paths (404), malformed JSON, a body too large, a URL that cannot be decoded — on a',
    'gateway-only or worker node’s admin port too. A successful action has an id to match as well: log it at the',
    'proxy (nginx: `$sent_http_x_lgsp_transaction_id`), read it in the browser’s network tab, paste it into a support',
    'ticket. When the answer is a problem, the header and `transactionId` are always the same id. The platform makes',
    'the id: one a caller sends (`X-Request-Id`, `X-LGSP-Transaction-Id`, …) is never taken as the request’s, nor',
    'sent back — a caller can send any string, another request’s id among them, to make its log lines pass for that',
    'request’s. Only a refusal before there is a request (a malformed request line, headers too large or too slow)',
    'has no id._',
    '',
    'Lỗi kiểm tra dữ liệu vào (`API_VALIDATION_FAILED`) có thêm `errors`: mỗi chỗ sai một dòng `{in, path,',
    'message}` — `path` là JSON Pointer, `message` viết "Tiếng Việt / English" và gọi trường bằng tên tiếng Việt',
    'trong hợp đồng API khi có (ví dụ `"Hệ thống khai thác": bắt buộc / required`); giá trị đã gửi không bao giờ',
    'được nhắc lại. Lỗi ngày quá sớm (`CP_SUNSET_TOO_EARLY`, `CP_DECOMMISSION_TOO_EARLY`,',
    '`CP_MAINTENANCE_NOTICE_TOO_SHORT`) nêu quy định, lý do và thời điểm sớm nhất được chấp nhận theo giờ Việt Nam',
    '(`dd/mm/yyyy HH:mm`) trong `detail`, và dạng ISO 8601 trong `earliestAllowedAt`.',
    '',
    'A validation problem (`API_VALIDATION_FAILED`) also has `errors`, one `{in, path, message}` per place:',
    '`path` is a JSON Pointer, `message` reads "Tiếng Việt / English" and names the field by its Vietnamese label',
    'from the API contract when it has one; the value sent is never repeated. A date refused as too early',
    '(`CP_SUNSET_TOO_EARLY`, `CP_DECOMMISSION_TOO_EARLY`, `CP_MAINTENANCE_NOTICE_TOO_SHORT`) says the rule, why,',
    'and the earliest accepted time in Vietnam time in `detail`, and as ISO 8601 in `earliestAllowedAt`.',
    '',
  ];
  for (const { heading, codes } of errorGroups()) {
    lines.push(`## ${heading}`, '', '| code | HTTP | Tiếng Việt | English |', '|---|---|---|---|');
    for (const code of codes) {
      const spec = ERRORS[code];
      lines.push(`| \`${code}\` | ${spec.status} | ${cell(spec.titleVi)} | ${cell(spec.title)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));
  writeFileSync(target, errorsMarkdown());
  console.log(`wrote ${target}`);
}

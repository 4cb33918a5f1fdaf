/**
 * Canonical paths (DESIGN.md "Trust boundary", issue 10 item 2). The gateway decides on the path it forwards, and
 * providers resolve paths in their own ways: a WHATWG URL parser turns `.%2e` into `..`, nginx decodes `%2e%2e` and
 * `%2f`, IIS and Windows servers take `\` for `/` and trim trailing dots and spaces, Tomcat drops `;params` before
 * it looks at `..`, a Java or .NET stack may apply Unicode compatibility mapping (fullwidth `．．` → `..`) or accept
 * overlong UTF-8 (`%c0%ae` → `.`), and a provider that decodes twice sees `%252e` as `.`. So a path is refused when
 * any one of these readings could leave the segment it appears to be in; what remains is forwarded byte for byte
 * (still percent-encoded), so the provider sees exactly the path that was decided on. The same rule keeps a
 * version's health-check path (`control/registry/services.ts`) under its upstream's base. Pure, hence in core.
 *
 * Refused (each is GW_PATH_INVALID, the reason in the problem's detail):
 * - a request target that is not origin-form (`http://…`, `*`);
 * - a raw `#`: an origin-form target has no fragment (RFC 9112 §3.2), and a provider that parses the target as a URL
 *   (WHATWG, `url.parse`, nginx) cuts the path there — `/congdan/1#/anh` would match the resource `/congdan/{id}/anh`
 *   here and reach the provider as `/congdan/1`, outside the version's resources (`%23` is data and passes);
 * - an empty segment (`//`) anywhere but at the end (`/a/b/` keeps its trailing slash);
 * - a backslash, raw or encoded (`\`, `%5c`), or an encoded slash (`%2f`);
 * - an invalid percent-encoding (`%zz`, `%2`), or decoded bytes that are not valid UTF-8 (overlong forms included);
 * - a decoded control character (NUL `%00`, CR, LF, DEL …);
 * - a percent escape that survives one decoding (`%252e`, `%25%32%65`): double encoding has no legitimate use in a
 *   service path, and a provider that decodes twice would read a dot or a slash;
 * - a dot segment: a segment whose decoded text, NFKC-normalized when it is not ASCII, up to any `;`, with trailing
 *   spaces trimmed, is only dots (`.`, `..`, `...`, `.%2e`, `%2E%2E`, `%c0%ae`, `%ef%bc%8e%ef%bc%8e`, `..;x`).
 * `/a/..b`, `/a/b..`, `/a/b.json` and `/a/%20b` are ordinary segments and pass.
 */

const SLASH = 0x2f;

/**
 * Why the path cannot be forwarded, or null when it is canonical. Per request, so the usual path costs five
 * `indexOf` scans: a path with no `%`, no `\`, no `//` and no segment that starts with a dot has nothing to decode.
 */
export function pathProblem(path: string): string | null {
  if (path.charCodeAt(0) !== SLASH) return 'không ở dạng /đường-dẫn / not an origin-form path';
  if (path.indexOf('#') >= 0) return 'dấu # (phân đoạn) trong đường dẫn / a raw # (fragment) in the path';
  if (path.indexOf('%') < 0 && path.indexOf('\\') < 0 && path.indexOf('//') < 0 && path.indexOf('/.') < 0)
    return null;
  let start = 1;
  for (;;) {
    const end = path.indexOf('/', start);
    const last = end < 0;
    const segment = last ? path.slice(start) : path.slice(start, end);
    if (segment === '') {
      if (!last) return 'đoạn rỗng (//) / empty segment';
    } else {
      const problem = segmentProblem(segment);
      if (problem !== null) return problem;
    }
    if (last) return null;
    start = end + 1;
  }
}

const ESCAPE = /%[0-9a-f]{2}/i;
// C0 controls, DEL and the C1 controls: no path segment needs them, and CR/LF/NUL break naive providers.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const NON_ASCII = /[^\x20-\x7e]/; // after the CONTROL test, only printable ASCII is left out
const ONLY_DOTS = /^\.+$/;

function segmentProblem(raw: string): string | null {
  if (raw.indexOf('\\') >= 0) return 'dấu \\ / backslash';
  let text = raw;
  if (raw.indexOf('%') >= 0) {
    const decoded = percentDecode(raw);
    if (decoded === BAD_ESCAPE) return 'mã hóa %XX không hợp lệ / invalid percent-encoding';
    if (decoded === NOT_UTF8) return 'byte không phải UTF-8 hợp lệ (kể cả dạng overlong) / not valid UTF-8';
    text = decoded;
    if (text.indexOf('/') >= 0) return 'dấu / được mã hóa (%2f) / encoded slash';
    if (text.indexOf('\\') >= 0) return 'dấu \\ được mã hóa (%5c) / encoded backslash';
    if (CONTROL.test(text)) return 'ký tự điều khiển (%00…) / control character';
    if (ESCAPE.test(text)) return 'mã hóa hai lần (%25XX) / double percent-encoding';
    if (NON_ASCII.test(text)) {
      text = text.normalize('NFKC');
      if (text.indexOf('/') >= 0 || text.indexOf('\\') >= 0)
        return 'ký tự tương đương / hoặc \\ / a slash or backslash look-alike';
    }
  }
  const semicolon = text.indexOf(';');
  const name = (semicolon < 0 ? text : text.slice(0, semicolon)).trimEnd();
  if (ONLY_DOTS.test(name)) return 'đoạn . hoặc .. / dot segment';
  return null;
}

const BAD_ESCAPE = Symbol('bad escape');
const NOT_UTF8 = Symbol('not UTF-8');
const MALFORMED_ESCAPE = /%(?![0-9a-f]{2})/i;

/**
 * The segment decoded once as UTF-8 (RFC 3986 §2.5), or why it cannot be. `decodeURIComponent` is the engine's
 * own strict decoder: it refuses overlong forms, surrogates and truncated sequences (ECMA-262 Decode).
 */
function percentDecode(raw: string): string | typeof BAD_ESCAPE | typeof NOT_UTF8 {
  if (MALFORMED_ESCAPE.test(raw)) return BAD_ESCAPE;
  try {
    return decodeURIComponent(raw);
  } catch {
    return NOT_UTF8;
  }
}

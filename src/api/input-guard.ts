import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LgspError } from '../core/errors.ts';
import type { FieldError } from './problems.ts';

/**
 * No 5xx for client input (issue 10 item 8): text that no store can hold — a NUL character (PostgreSQL text
 * cannot contain one: 22021/22P05), a lone UTF-16 surrogate (no UTF-8 form; it would be silently changed), or a
 * body that is not valid UTF-8 (it would be silently replaced by U+FFFD) — is refused with 400 before any
 * handler runs, naming where it was. One rule for every route, so no handler has to remember it.
 */

/** A surrogate half without its partner. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (s: string) => s.includes('\u0000') || LONE_SURROGATE.test(s);
/** JSON nested deeper than this is refused rather than walked (no route takes more than a few levels). */
const MAX_DEPTH = 64;

const pointerEscape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** Where in `value` the first unstorable string is (a key or a value), as a JSON Pointer; null when none. */
export function unstorableAt(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return unstorable(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = unstorableAt(value[i], `${path}/${i}`, depth + 1);
      if (at !== null) return at;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value)) {
    const here = `${path}/${pointerEscape(key)}`;
    if (unstorable(key)) return here;
    const at = unstorableAt(v, here, depth + 1);
    if (at !== null) return at;
  }
  return null;
}

const MESSAGE =
  'chứa ký tự NUL, nửa cặp surrogate hoặc lồng quá sâu / holds a NUL character, a lone surrogate or is nested too deep';

/** Throws 400 API_VALIDATION_FAILED naming the first unstorable string in the request's parts. */
export function refuseUnstorable(request: FastifyRequest): void {
  refuseUnstorableIn('params', request.params);
  refuseUnstorableIn('querystring', request.query);
  refuseUnstorableIn('body', request.body);
}

/**
 * Throws 400 API_VALIDATION_FAILED when `value`, found at `path` of the request's `part`, holds an unstorable
 * string — also where a body is read apart from this guard (a reconciliation's file, src/api/reconciliation-json.ts).
 */
export function refuseUnstorableIn(part: string, value: unknown, path = ''): void {
  const at = unstorableAt(value, path);
  if (at === null) return;
  const errors: FieldError[] = [{ in: part, path: at, message: MESSAGE }];
  throw new LgspError('API_VALIDATION_FAILED', `${part}${at}: ${MESSAGE}`, { errors });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What a JSON body that is not UTF-8 is told (the reconciliation's own reader says the same). */
export const NOT_UTF8 = 'không phải UTF-8 hợp lệ / not valid UTF-8';

/**
 * Installs the guard on every route of `app` (registered before the routes): JSON bodies are decoded as strict
 * UTF-8 (invalid bytes → 400 API_MALFORMED_JSON, where the default parser would replace them), then params,
 * query and body are checked before validation.
 */
export function installInputGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      done(new LgspError('API_MALFORMED_JSON', NOT_UTF8), undefined);
      return;
    }
    parseJson(request, text, done);
  });
  app.addHook('preValidation', async (request) => refuseUnstorable(request));
}

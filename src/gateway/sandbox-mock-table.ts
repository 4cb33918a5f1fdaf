import { createHash } from 'node:crypto';
import type { MockDocument } from '../control/snapshot.ts';

/**
 * The sandbox mock's table and its decisions (issue 12 item 9), pure — compiled into the snapshot's routes
 * (compiled-snapshot.ts) without pulling in the gateway's answering code; `sandbox-mock.ts` answers with them.
 *
 * Sandbox mocks (issue 12 item 9): a sync version the sandbox serves with no sandbox upstream answers sandbox calls
 * from its OpenAPI examples, so consumers can build against a service before the provider's sandbox exists. The
 * examples were read from the document when the snapshot was built (control/api-examples.ts) and are compiled here
 * into the route, so a call parses nothing. A call has passed every policy step first — token, subscription,
 * resource template, quota — exactly as a forwarded one.
 *
 * Which answer, as Prism chooses it: the operation by method and path template (literal segments before
 * parameters); `Prefer: code=NNN` picks the response of that status (else its `NXX` range, else `default`),
 * `Prefer: example=name` the named example; without either, the lowest 2xx response that has an example (or no
 * body at all); the media type by `Accept`, else the first with an example. The answer says it is a mock
 * (`X-LGSP-Mock: true`), and is recorded as a sandbox transaction with no provider status — the provider was never
 * called, so a mocked call is never the sandbox evidence publishing requires (R-11, control/sandbox-evidence.ts).
 * Production never mocks: `policy.environment` lets a version without an upstream through in the sandbox only.
 */

export interface CompiledExample {
  name: string | null;
  body: Buffer;
  sha256: string;
}

export interface CompiledContent {
  mediaType: string;
  /** `application`, `json`, lower case, for matching `Accept` ranges. */
  type: string;
  subtype: string;
  examples: CompiledExample[];
}

export interface CompiledResponse {
  /** The exact status; null for a range (`2XX`) or `default`. */
  status: number | null;
  /** `2` for `2XX`; null otherwise. */
  range: number | null;
  isDefault: boolean;
  contents: CompiledContent[];
}

export interface CompiledOperation {
  method: string;
  path: string;
  /** Per segment: literal text, null for a whole `{param}`, a pattern for a segment mixing both. */
  segments: Array<string | RegExp | null>;
  literals: number;
  /** Exact statuses ascending, then ranges, then `default`. */
  responses: CompiledResponse[];
}

export interface CompiledMock {
  /** Most specific first: more literal segments win over parameters (OpenAPI 3 "Path Templating Matching"). */
  operations: CompiledOperation[];
  problem: string | null;
}

export function compileMock(doc: MockDocument): CompiledMock {
  const operations = doc.operations.map((op): CompiledOperation => {
    const segments = trimSlash(op.path)
      .split('/')
      .slice(1)
      .map((s): string | RegExp | null => {
        if (!s.includes('{')) return s;
        if (/^\{[^{}]*\}$/.test(s)) return null;
        const pattern = s
          .split(/(\{[^{}]*\})/)
          .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('');
        return new RegExp(`^${pattern}$`);
      });
    const responses = op.responses
      .map((r): CompiledResponse => {
        const exact = /^\d{3}$/.test(r.status) ? Number(r.status) : null;
        const range = /^[1-5]XX$/.test(r.status) ? Number(r.status[0]) : null;
        return {
          status: exact,
          range,
          isDefault: r.status === 'default',
          contents: r.contents.map((c) => {
            const [type = '', subtype = ''] = c.mediaType.split(';')[0]!.trim().toLowerCase().split('/');
            return {
              mediaType: c.mediaType,
              type,
              subtype,
              examples: c.examples.map((e) => {
                const body = Buffer.from(e.body, 'utf8');
                return { name: e.name, body, sha256: createHash('sha256').update(body).digest('hex') };
              }),
            };
          }),
        };
      })
      .filter((r) => r.status !== null || r.range !== null || r.isDefault)
      .sort((a, b) => rank(a) - rank(b));
    return {
      method: op.method,
      path: op.path,
      segments,
      literals: segments.filter((s) => typeof s === 'string').length,
      responses,
    };
  });
  operations.sort((a, b) => b.literals - a.literals);
  return { operations, problem: doc.problem };
}

function rank(r: CompiledResponse): number {
  if (r.status !== null) return r.status;
  if (r.range !== null) return r.range * 100 + 99.5;
  return 1000;
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** The operation for this method and resource path (after `/{context}/{version}`); HEAD falls back to GET. */
export function mockOperation(
  mock: CompiledMock,
  method: string,
  resourcePath: string,
): CompiledOperation | null {
  const segments = trimSlash(resourcePath || '/')
    .split('/')
    .slice(1)
    .map(decodeSegment);
  const find = (m: string) =>
    mock.operations.find(
      (op) =>
        op.method === m &&
        op.segments.length === segments.length &&
        op.segments.every((want, i) => {
          const got = segments[i]!;
          if (want === null) return got !== '';
          return typeof want === 'string' ? want === got : want.test(got);
        }),
    ) ?? null;
  return find(method) ?? (method === 'HEAD' ? find('GET') : null);
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** RFC 7240 preferences Prism reads: `code=404`, `example=notFound` (either may be quoted). */
export function parsePrefer(header: string | string[] | undefined): { code?: string; example?: string } {
  const out: { code?: string; example?: string } = {};
  if (header === undefined) return out;
  for (const item of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const [pair = ''] = item.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    const value = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (key === 'code' && out.code === undefined) out.code = value;
    if (key === 'example' && out.example === undefined) out.example = value;
  }
  return out;
}

/** What the mock answers, or why it cannot (a refusal's code and detail). */
export type MockChoice =
  | { ok: true; status: number; content: CompiledContent | null; example: CompiledExample | null }
  | { ok: false; code: 'GW_MOCK_UNAVAILABLE' | 'GW_MOCK_PREFER_UNMATCHED'; detail: string };

/** The answer for one call: a pure decision, tested in a table (test/sandbox-mocks.test.ts). */
export function chooseMock(
  mock: CompiledMock,
  method: string,
  resourcePath: string,
  prefer: { code?: string; example?: string },
  accept: string | undefined,
): MockChoice {
  if (mock.problem !== null) return { ok: false, code: 'GW_MOCK_UNAVAILABLE', detail: mock.problem };
  const op = mockOperation(mock, method, resourcePath);
  if (op === null) {
    return {
      ok: false,
      code: 'GW_MOCK_UNAVAILABLE',
      detail: `tài liệu OpenAPI không có thao tác ${method} cho đường dẫn này / the OpenAPI document has no ${method} operation for this path`,
    };
  }
  const where = `${op.method} ${op.path}`;
  const unmatched = (what: string): MockChoice => ({
    ok: false,
    code: 'GW_MOCK_PREFER_UNMATCHED',
    detail: `${where}: ${what}`,
  });
  const named = prefer.example;
  const pick = (r: CompiledResponse, status: number): MockChoice => {
    if (r.contents.length === 0) {
      return named === undefined
        ? { ok: true, status, content: null, example: null }
        : unmatched(`example=${named}`);
    }
    const candidates = r.contents.filter((c) =>
      named === undefined ? c.examples.length > 0 : c.examples.some((e) => e.name === named),
    );
    if (candidates.length === 0) {
      return named === undefined
        ? {
            ok: false,
            code: 'GW_MOCK_UNAVAILABLE',
            detail: `${where} ${status}: không có ví dụ / no example`,
          }
        : unmatched(`example=${named}`);
    }
    const content = negotiate(candidates, accept);
    const example =
      named === undefined ? content.examples[0]! : content.examples.find((e) => e.name === named)!;
    return { ok: true, status, content, example };
  };

  if (prefer.code !== undefined) {
    if (!/^[1-5]\d\d$/.test(prefer.code)) return unmatched(`code=${prefer.code.slice(0, 20)}`);
    const code = Number(prefer.code);
    const r =
      op.responses.find((x) => x.status === code) ??
      op.responses.find((x) => x.range === Math.floor(code / 100)) ??
      op.responses.find((x) => x.isDefault);
    return r ? pick(r, code) : unmatched(`code=${code}`);
  }
  if (named !== undefined) {
    const r = op.responses.find((x) => x.contents.some((c) => c.examples.some((e) => e.name === named)));
    return r ? pick(r, statusOf(r)) : unmatched(`example=${named}`);
  }
  const success = op.responses.find(
    (x) =>
      (x.status !== null ? Math.floor(x.status / 100) === 2 : x.range === 2) &&
      (x.contents.length === 0 || x.contents.some((c) => c.examples.length > 0)),
  );
  if (!success) {
    return {
      ok: false,
      code: 'GW_MOCK_UNAVAILABLE',
      detail: `${where}: không có trả lời 2xx nào có ví dụ / no 2xx response with an example`,
    };
  }
  return pick(success, statusOf(success));
}

function statusOf(r: CompiledResponse): number {
  return r.status ?? (r.range !== null ? r.range * 100 : 200);
}

/**
 * The content `Accept` asks for (RFC 9110 §12.5.1: ranges by quality, `q=0` never), else the first: a mock is
 * lenient where a provider might answer 406.
 */
function negotiate(contents: CompiledContent[], accept: string | undefined): CompiledContent {
  if (accept === undefined || accept === '') return contents[0]!;
  const ranges = accept
    .split(',')
    .map((item, order) => {
      const [range = '', ...params] = item.split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
      return { type, subtype, q: q ? Number(q.slice(2)) : 1, order };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  for (const r of ranges) {
    const found = contents.find(
      (c) => (r.type === '*' || r.type === c.type) && (r.subtype === '*' || r.subtype === c.subtype),
    );
    if (found) return found;
  }
  return contents[0]!;
}

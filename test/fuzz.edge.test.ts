import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../src/core/config.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { seedProvince } from './helpers/seed.ts';
import { withMigratedStore } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

/**
 * Issue 10 item 8, no 5xx for client input: thousands of generated requests — random methods, paths with odd
 * encodings, headers, bodies (JSON with NUL and lone surrogates, huge numbers, deep nesting, wrong types, invalid
 * UTF-8) — at every admin operation of /api/v1/openapi.json with and without a session, and at the gateway's
 * `/token`, a service path and the `/_lgsp/` message endpoints with and without a token, on both ports over real
 * HTTP. Not one answer may be ≥ 500, no error-level log line may be written for them, and both servers answer a
 * good request at the end. Bounded in time; the PRNG is seeded, and the seed and every failing request are printed
 * (rerun one with LGSP_FUZZ_SEED=<seed>).
 */

const SEED = Number(process.env['LGSP_FUZZ_SEED'] ?? randomInt(2 ** 31));
/**
 * The generated requests run for `FUZZ_MS`, and on until at least `MIN_REQUESTS` were sent — never past twice
 * `FUZZ_MS`, whatever the machine's speed (the suite's time bound).
 */
const FUZZ_MS = Number(process.env['LGSP_FUZZ_MS'] ?? 30_000);
const MIN_REQUESTS = 2000;
const MAX_REQUESTS = 20_000;
const PARALLEL = 6;
/** Non-ASCII bytes in a header (UTF-8 of "khóa"), as Node's client lets them through: one latin1 char a byte. */
const LATIN1_UTF8 = Buffer.from('khóa').toString('latin1');

/** mulberry32: small, fast, and the same sequence for the same seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FuzzRequest {
  port: 'admin' | 'gateway';
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
}

interface Answer {
  status: number;
  body: string;
}

function send(base: string, r: FuzzRequest): Promise<Answer> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    let req: ReturnType<typeof request>;
    try {
      req = request(
        { hostname, port, method: r.method, path: r.path, headers: r.headers, agent: false, timeout: 20_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8').slice(0, 500),
            }),
          );
          res.on('error', reject);
        },
      );
    } catch (err) {
      // Node's client refuses to send some generated requests at all (a control character in the path or a
      // header): nothing reached the server, so there is nothing to judge.
      resolve({ status: -1, body: (err as Error).message });
      return;
    }
    req.on('timeout', () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
    req.end(r.body ?? undefined);
  });
}

/** What a failing request looked like, printable and short. */
function describeRequest(r: FuzzRequest): string {
  const body =
    r.body === null
      ? ''
      : ` body(${r.body.length}B)=${JSON.stringify(r.body.subarray(0, 300).toString('latin1'))}`;
  return `${r.port} ${r.method} ${r.path.slice(0, 300)} headers=${JSON.stringify(r.headers).slice(0, 300)}${body}`;
}

interface Operation {
  operationId: string | undefined;
  method: string;
  path: string;
  query: string[];
  bodySchema: Schema | null;
}

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  $ref?: string;
}

/** The generators: each takes the PRNG and the ids of the seeded objects. */
class Generator {
  constructor(
    readonly random: () => number,
    readonly ids: string[],
  ) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }

  /** A path segment or query value, already percent-encoded where it must be (the request line is ASCII). */
  segment(): string {
    const odd = [
      '%00',
      'a%00b',
      '%ff',
      '%fe%ff',
      '%c0%ae',
      '%c0%af',
      '%ED%A0%80',
      '%F0%9F%98%80',
      '%E2%80%AE',
      '%2e%2e',
      '%2E%2e',
      '..',
      '.',
      '%2f',
      '%5c',
      '%',
      '%zz',
      '%%30',
      '%0d%0a',
      '%22%3E%3Cscript%3E',
      '%27%20OR%201=1--',
      'null',
      'undefined',
      '-1',
      '0',
      '1e309',
      '99999999999999999999999',
      'NaN',
      'true',
      '__proto__',
      'constructor',
      'x'.repeat(3000),
      `${'%41'.repeat(500)}`,
      'org_',
      'ver_00000000000000000000000000',
      '2026-13-45',
      '2026-02-30T25:61:00Z',
      'production',
      'sandbox',
      encodeURIComponent('Tên có dấu tiếng Việt'),
    ];
    if (this.chance(0.3)) return this.pick(this.ids);
    if (this.chance(0.1)) return this.pick(this.ids) + this.pick(odd);
    return this.pick(odd);
  }

  query(names: string[]): string {
    if (this.chance(0.4)) return '';
    const keys = [
      ...names,
      'limit',
      'offset',
      'from',
      'to',
      '__proto__',
      'constructor[prototype]',
      'a%00',
      '%ff',
    ];
    const parts: string[] = [];
    for (let i = 0, n = 1 + this.int(4); i < n; i++) {
      const key = this.pick(keys);
      parts.push(this.chance(0.1) ? key : `${key}=${this.segment()}`);
    }
    return `?${parts.join('&')}`;
  }

  /** A value for a schema, often wrong in one of the ways a client can be wrong. */
  value(schema: Schema | undefined, depth = 0): unknown {
    const wrong = [
      '\u0000',
      'admin\u0000',
      '\ud800',
      'a\udc00b',
      '\u202e',
      'x'.repeat(20_000),
      1e308,
      -1,
      0,
      2 ** 63,
      1.5,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      true,
      null,
      [],
      {},
      [null],
      { $ne: null },
      '2026-02-30',
      'not-a-date',
      '../../etc/passwd',
      'http://127.0.0.1:1/',
      'ftp://x',
    ];
    if (!schema || depth > 4 || this.chance(0.35)) return this.pick(wrong);
    if (schema.enum && this.chance(0.7)) return this.pick(schema.enum);
    if (schema.anyOf) return this.value(this.pick(schema.anyOf), depth + 1);
    const type = Array.isArray(schema.type) ? this.pick(schema.type) : schema.type;
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [k, s] of Object.entries(schema.properties ?? {})) {
          if (this.chance(0.85)) out[k] = this.value(s, depth + 1);
        }
        if (this.chance(0.1)) out[this.pick(['extra', '__proto__', 'a\u0000'])] = 1;
        return out;
      }
      case 'array':
        return Array.from({ length: this.int(4) }, () => this.value(schema.items, depth + 1));
      case 'integer':
        return this.pick([1, 10, 1000, -5, 2 ** 31, 1e20]);
      case 'number':
        return this.pick([1.5, 0, 1e300]);
      case 'boolean':
        return this.chance(0.5);
      case 'string':
        return this.pick([
          'Sở Tư pháp',
          '000.00.31.H01',
          'abc',
          'http://127.0.0.1:9/x',
          '2026-03-01',
          '2026-03-01T00:00:00Z',
          ...this.ids,
          '\u0000',
        ]);
      default:
        return this.pick(wrong);
    }
  }

  /** A JSON body, or something that only claims to be one. */
  body(schema: Schema | null): Buffer {
    const r = this.random();
    if (r < 0.55) return Buffer.from(JSON.stringify(this.value(schema ?? { type: 'object' })));
    if (r < 0.65)
      return Buffer.from(
        `{"a":"\\u0000","b":"\\ud800","c":1e999,"d":-1e999,"e":123456789012345678901234567890}`,
      );
    if (r < 0.7) {
      const depth = this.pick([100, 1000, 5000]);
      return Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    }
    if (r < 0.74) {
      const depth = this.pick([100, 3000]);
      return Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    }
    if (r < 0.82) {
      // Invalid UTF-8 inside a JSON string: a lone continuation byte, an overlong '/', a surrogate's encoding.
      const bad = this.pick([
        [0xff],
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0x80],
      ]);
      const key = this.pick(Object.keys(schema?.properties ?? { name: {} }));
      return Buffer.concat([Buffer.from(`{"${key}":"a`), Buffer.from(bad), Buffer.from('"}')]);
    }
    if (r < 0.86) return Buffer.from('{"constructor":{"prototype":{"polluted":1}},"__proto__":{"x":1}}');
    if (r < 0.9) return Buffer.from(this.pick(['', '{', 'null', '[]', '"x"', '1', 'true', '{"a":1,"a":2}']));
    if (r < 0.95) return Buffer.from(Array.from({ length: 1 + this.int(200) }, () => this.int(256)));
    return Buffer.from(JSON.stringify({ big: 'x'.repeat(this.pick([1000, 100_000, 2_000_000])) }));
  }

  contentType(): string | null {
    const r = this.random();
    if (r < 0.75) return 'application/json';
    return this.pick([
      null,
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
      'application/xml',
      'APPLICATION/JSON',
    ]);
  }
}

/** Resolves `$ref`s of the OpenAPI document's schemas (components/schemas, or an `$id` such as `Problem#`). */
function resolveSchema(
  doc: Record<string, unknown>,
  schema: Schema | undefined,
  depth = 0,
): Schema | undefined {
  if (!schema || depth > 8) return schema;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '').replace(/#$/, '');
    const found = (
      (doc['components'] as Record<string, unknown> | undefined)?.['schemas'] as
        | Record<string, Schema>
        | undefined
    )?.[name];
    return resolveSchema(doc, found, depth + 1);
  }
  return schema;
}

function operationsOf(doc: Record<string, unknown>): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc['paths'] as Record<string, Record<string, unknown>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const o = op as {
        operationId?: string;
        parameters?: Array<{ in: string; name: string }>;
        requestBody?: { content?: Record<string, { schema?: Schema }> };
      };
      // Signing out would end the session the rest of the run uses.
      if (o.operationId === 'logout') continue;
      out.push({
        operationId: o.operationId,
        method: method.toUpperCase(),
        path,
        query: (o.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        bodySchema: resolveSchema(doc, o.requestBody?.content?.['application/json']?.schema) ?? null,
      });
    }
  }
  return out;
}

describe(`fuzz: no 5xx for client input on both ports (LGSP_FUZZ_SEED=${SEED})`, () => {
  let platform: Platform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-fuzz-'));
  const errorLines: string[] = [];
  let session = '';
  let fuzzToken = '';
  let finalToken = '';
  let ids: string[] = [];

  before(async () => {
    upstream = await startUpstream({ slowMs: 100 });
    await withMigratedStore(dataDir);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1', upstreamTimeoutMs: 2000 },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
      },
    });
    // Every line at warn and above is kept; an error-level one (50+) for client input fails the test.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line && (JSON.parse(line) as { level: number }).level >= 50) errorLines.push(line);
        }
        done();
      },
    });
    platform = await startPlatform(config, { logger: pino({ level: 'warn' }, sink) });
    const seed = await seedProvince(platform, upstream.url);
    // A consumer of its own for the last good call, so the fuzzing cannot use up its quota or revoke it.
    const finalSystem = await platform.registry.createSystem(
      {
        organizationId: seed.consumer.id,
        name: 'Hệ thống kiểm tra cuối',
        isProvider: false,
        isConsumer: true,
      },
      'test',
    );
    await platform.registry.createSubscription(
      { systemId: finalSystem.id, versionId: seed.v1.id, environment: 'production' },
      'test',
    );
    const finalCredential = await platform.registry.issueCredential(finalSystem.id, 'production', 'test');
    await platform.snapshots.refresh();
    fuzzToken = await getToken(
      platform.gatewayUrl,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
    );
    finalToken = await getToken(
      platform.gatewayUrl,
      finalCredential.consumerKey,
      finalCredential.consumerSecret,
    );
    session = (await platform.accounts.login('admin', 'mat-khau-kiem-thu')).token;
    ids = [
      seed.provider.id,
      seed.consumer.id,
      seed.providerSystem.id,
      seed.consumerSystem.id,
      seed.dancu.id,
      seed.v1.id,
      seed.thue.id,
      seed.subscription.id,
      seed.credential.id,
      seed.credential.consumerKey,
      'admin',
    ];
  });
  after(async () => {
    await platform.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('thousands of generated requests: zero answers ≥ 500, no error log, both servers still up', async (t) => {
    const docRes = await fetch(`${platform.adminUrl}/api/v1/openapi.json`);
    const doc = (await docRes.json()) as Record<string, unknown>;
    const operations = operationsOf(doc);
    assert.ok(operations.length > 50, 'every admin operation is in the document');

    const g = new Generator(prng(SEED), ids);
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

    function adminRequest(): FuzzRequest {
      const op = g.pick(operations);
      // Resetting the run's own account's password would end the session the rest of the run uses, as signing
      // out would: every other name is fair game.
      const own = (segment: string) => op.operationId === 'resetUserPassword' && segment === 'admin';
      const path =
        op.path.replace(/\{[^}]+\}/g, () => {
          const segment = g.segment();
          return own(segment) ? 'nobody' : segment;
        }) + g.query(op.query);
      const method = g.chance(0.85) ? op.method : g.pick(methods);
      const headers: Record<string, string> = {};
      if (g.chance(0.75)) headers['authorization'] = `Bearer ${session}`;
      else if (g.chance(0.3))
        headers['authorization'] = g.pick(['Bearer x', 'Basic eDp5', `Bearer ${'a'.repeat(5000)}`, 'Bearer']);
      let body: Buffer | null = null;
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && g.chance(0.9)) {
        body = g.body(op.bodySchema);
        const type = g.contentType();
        if (type) headers['content-type'] = type;
      }
      return { port: 'admin', method, path, headers, body };
    }

    function gatewayRequest(): FuzzRequest {
      const r = g.random();
      const headers: Record<string, string> = {};
      let method = g.chance(0.8) ? 'GET' : g.pick(methods);
      let path: string;
      let body: Buffer | null = null;
      if (r < 0.3) {
        // The token endpoint: forms and Basic credentials in every shape.
        method = g.chance(0.9) ? 'POST' : g.pick(methods);
        headers['content-type'] = g.chance(0.85)
          ? 'application/x-www-form-urlencoded'
          : g.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded; charset=latin1']);
        const fields = ['grant_type', 'client_id', 'client_secret', 'scope', g.segment()];
        const form: string[] = [];
        for (let i = 0, n = g.int(5); i < n; i++) {
          form.push(`${g.pick(fields)}=${g.chance(0.3) ? 'client_credentials' : g.segment()}`);
        }
        body = g.chance(0.1) ? g.body(null) : Buffer.from(form.join('&'));
        if (g.chance(0.3)) {
          const raw = g.chance(0.5)
            ? Buffer.from(`${g.segment()}:${g.segment()}`)
            : Buffer.from(Array.from({ length: g.int(40) }, () => g.int(256)));
          headers['authorization'] = `Basic ${g.chance(0.9) ? raw.toString('base64') : g.segment()}`;
        }
        path = g.pick(['/token', '/oauth2/token', `/token${g.query(['grant_type'])}`]);
      } else {
        if (r < 0.7) {
          path = g.pick([
            `/dancu/1.0/congdan/${g.segment()}`,
            `/dancu/1.0/${g.segment()}`,
            `/dancu/${g.segment()}/congdan/1`,
            `/${g.segment()}/1.0/congdan/1`,
            '/dancu/1.0/hoso',
            '/thue/1.0/',
            `/dancu/1.0/congdan/1${g.query(['a'])}`,
          ]);
        } else {
          path = g.pick([
            `/_lgsp/messages/${g.segment()}`,
            `/_lgsp/messages/${g.segment()}/receipt`,
            '/_lgsp/inbox',
            `/_lgsp/inbox${g.query(['limit', 'wait'])}`,
            `/_lgsp/inbox/${g.segment()}/ack`,
            `/_lgsp/${g.segment()}`,
          ]);
        }
        const auth = g.random();
        if (auth < 0.6) headers['authorization'] = `Bearer ${fuzzToken}`;
        else if (auth < 0.8)
          headers['authorization'] = g.pick([
            'Bearer x.y.z',
            'Bearer eyJhbGciOiJub25lIn0.e30.',
            `Bearer ${'a'.repeat(10_000)}`,
            'Basic eDp5',
            'Bearer',
            `Bearer ${fuzzToken}x`,
          ]);
        if (g.chance(0.3))
          headers['idempotency-key'] = g.pick(['k1', 'a'.repeat(300), '%00', LATIN1_UTF8, '']);
        if (g.chance(0.2)) headers['x-forwarded-for'] = g.pick(['1.2.3.4', 'x', '::1, 999.1.1.1']);
        if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
          body = g.body(null);
          const type = g.contentType();
          if (type) headers['content-type'] = type;
        }
      }
      return { port: 'gateway', method, path, headers, body };
    }

    const failures: string[] = [];
    const unanswered: string[] = [];
    const notSent: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const startMs = Date.now();
    // The requests are generated in one order from the seed, whatever order their answers come back in.
    const next = (): FuzzRequest | null => {
      const elapsedMs = Date.now() - startMs;
      if (sent >= MAX_REQUESTS || elapsedMs > 2 * FUZZ_MS || (elapsedMs > FUZZ_MS && sent >= MIN_REQUESTS)) {
        return null;
      }
      sent++;
      return g.chance(0.55) ? adminRequest() : gatewayRequest();
    };
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        for (let r = next(); r !== null; r = next()) {
          const base = r.port === 'admin' ? platform.adminUrl : platform.gatewayUrl;
          try {
            const answer = await send(base, r);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status === -1 && notSent.length < 3) notSent.push(answer.body);
            if (answer.status >= 500)
              failures.push(`${answer.status} ← ${describeRequest(r)}\n    ${answer.body}`);
          } catch (err) {
            unanswered.push(`${(err as Error).message} ← ${describeRequest(r)}`);
          }
        }
      }),
    );
    t.diagnostic(`seed ${SEED}: ${sent} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    // A connection closed without an answer is allowed (a body too large is cut off on purpose); shown to read.
    for (const why of notSent) t.diagnostic(`not sent (Node's client refused it): ${why}`);
    for (const line of unanswered.slice(0, 5)) t.diagnostic(`no answer: ${line.slice(0, 400)}`);
    assert.ok(sent >= MIN_REQUESTS, `only ${sent} requests within ${2 * FUZZ_MS} ms`);
    assert.deepEqual(failures.slice(0, 20), [], `LGSP_FUZZ_SEED=${SEED}: ${failures.length} answers ≥ 500`);
    assert.deepEqual(errorLines.slice(0, 10), [], 'no error-level log line for client input');

    // Still up: a good request to each port succeeds.
    const me = await fetch(`${platform.adminUrl}/api/v1/me`, {
      headers: { authorization: `Bearer ${session}` },
    });
    assert.equal(me.status, 200);
    const call = await fetch(`${platform.gatewayUrl}/dancu/1.0/congdan/001099000001`, {
      headers: { authorization: `Bearer ${finalToken}` },
    });
    assert.equal(call.status, 200, await call.text());
  });

  test('what the HTTP parser refuses is problem+json with a stable code on both ports, and the port still serves', async () => {
    for (const [base, prefix] of [
      [platform.gatewayUrl, 'GW'],
      [platform.adminUrl, 'API'],
    ] as const) {
      const { port } = new URL(base);
      const cases: Array<[string, number, string]> = [
        // Headers over node:http's 16 KiB.
        [
          `GET /dancu/1.0/x HTTP/1.1\r\nHost: x\r\nX-Lon: ${'a'.repeat(20_000)}\r\n\r\n`,
          431,
          `${prefix}_HEADERS_TOO_LARGE`,
        ],
        // A header line without a colon; a request line that is not HTTP.
        ['GET /dancu/1.0/x HTTP/1.1\r\nHost: x\r\nKhong co dau hai cham\r\n\r\n', 400, ''],
        ['\u0000\u0001 rac\r\n\r\n', 400, ''],
        // HTTP/1.1 without Host: node:http's own check answered a bare 400, no problem.
        ['GET /dancu/1.0/x HTTP/1.1\r\nConnection: close\r\n\r\n', 400, ''],
        // CONNECT: neither port is a forward proxy; node:http alone would close the connection without a word.
        [
          'CONNECT noi-bo.example:443 HTTP/1.1\r\nHost: noi-bo.example:443\r\n\r\n',
          405,
          `${prefix}_CONNECT_REFUSED`,
        ],
      ];
      for (const [raw, status, code] of cases) {
        const answer = await rawAnswer(Number(port), raw);
        assert.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `), `${prefix}: ${answer.slice(0, 200)}`);
        assert.match(
          answer,
          /content-type: application\/problem\+json/i,
          `${prefix}: ${answer.slice(0, 300)}`,
        );
        const problem = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
        assert.equal(problem['status'], status);
        assert.equal(problem['code'], code || (prefix === 'GW' ? 'GW_REQUEST_MALFORMED' : 'API_BAD_REQUEST'));
        assert.ok(
          !answer.includes('aaaa') && !answer.includes('Khong co'),
          'nothing of the request is echoed',
        );
      }
    }
    assert.equal((await fetch(`${platform.adminUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${platform.gatewayUrl}/healthz`)).status, 200);
  });

  test('a refused request after answered ones on a keep-alive connection is answered too, not only cut', async () => {
    for (const [base, prefix] of [
      [platform.gatewayUrl, 'GW'],
      [platform.adminUrl, 'API'],
    ] as const) {
      const answer = await keepAliveAnswer(
        Number(new URL(base).port),
        'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
        `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Lon: ${'a'.repeat(20_000)}\r\n\r\n`,
      );
      const second = answer.slice(answer.indexOf('HTTP/1.1', 1));
      assert.match(answer, /^HTTP\/1\.1 200 /, `${prefix}: ${answer.slice(0, 200)}`);
      assert.match(second, /^HTTP\/1\.1 431 /, `${prefix}: ${second.slice(0, 200)}`);
      assert.match(
        second,
        new RegExp(`"code":"${prefix}_HEADERS_TOO_LARGE"`),
        `${prefix}: ${second.slice(0, 400)}`,
      );
    }
  });
});

/** Sends `first` on a fresh connection, waits for its answer, then sends `second` on the same connection. */
function keepAliveAnswer(port: number, first: string, second: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(first, 'latin1'));
    let answer = '';
    let sentSecond = false;
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      answer += c;
      // The first answer is whole once its body (Content-Length) has arrived.
      const head = answer.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(answer)?.[1];
      if (!sentSecond && head > 0 && length !== undefined && answer.length >= head + 4 + Number(length)) {
        sentSecond = true;
        socket.write(second, 'latin1');
      }
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
  });
}

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing it. */
function rawAnswer(port: number, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(raw, 'latin1'));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (answer += c));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
  });
}

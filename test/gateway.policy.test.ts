import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Environment } from '../src/api/contract/index.ts';
import type { SnapshotData } from '../src/control/snapshot.ts';
import {
  type CompiledSnapshot,
  compileSnapshot,
  type Route,
  type SubscriptionPolicy,
} from '../src/gateway/compiled-snapshot.ts';
import {
  ALLOWED,
  asyncMethod,
  bearerToken,
  boundToken,
  canonicalPath,
  clientCertificate,
  credentialState,
  type Decision,
  environment,
  maintenance,
  quota,
  type Refusal,
  resourceFor,
  routeFor,
  subscriptionFor,
  timeWindow,
  versionState,
} from '../src/gateway/policy.ts';
import { QuotaCounters } from '../src/gateway/quota.ts';
import type { TokenClaims } from '../src/gateway/tokens.ts';
import type { PeerCertificate } from '../src/net/tls.ts';
import { snapshotData } from './helpers/gateway-snapshot.ts';

/**
 * The gateway's decisions as pure functions (issue 9, DESIGN.md "Decisions are pure functions"): one table per
 * decision, over a snapshot compiled from hand-written data — no store, no socket.
 */
const NOW = Date.parse('2026-11-24T03:00:00Z'); // 10:00 in Vietnam
const VN_OFFSET_MS = 420 * 60_000;
const HOUR = 3_600_000;

let snapshot: CompiledSnapshot;
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  credentialId: 'cred_active',
  systemId: 'sys_consumer',
  environment: 'production',
  expiresAtMs: NOW + HOUR,
  ...over,
});
const route = (key: string): Route => snapshot.routes.get(key)!;
const codeOf = (d: Decision | Route | SubscriptionPolicy | Refusal | string) =>
  typeof d === 'string' ? 'ok' : d.ok ? 'ok' : d.code;

before(async () => {
  const data: SnapshotData = { ...(await snapshotData(NOW)), revision: 7 };
  snapshot = await compileSnapshot(data, NOW);
});

describe('gateway policy decisions (pure, no socket)', () => {
  test('token: a Bearer header gives its token; anything else is GW_TOKEN_MISSING with a challenge', () => {
    const table: Array<[string | undefined, string]> = [
      ['Bearer abc.def.ghi', 'ok'],
      ['Bearer  padded ', 'ok'],
      [undefined, 'GW_TOKEN_MISSING'],
      ['Basic a2V5OnNlY3JldA==', 'GW_TOKEN_MISSING'],
      ['Bearer ', 'GW_TOKEN_MISSING'],
      ['bearer abc', 'GW_TOKEN_MISSING'],
    ];
    for (const [header, want] of table) assert.equal(codeOf(bearerToken(header)), want, String(header));
    assert.equal(bearerToken('Bearer  padded '), 'padded');
    const missing = bearerToken(undefined) as Refusal;
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="lgsp"');
  });

  test('credential state: active, rotated within its overlap, overlap over, revoked', () => {
    const table: Array<[string, number, string]> = [
      ['cred_active', NOW, 'ok'],
      ['cred_rotated', NOW, 'ok'],
      ['cred_rotated', NOW + HOUR, 'GW_CREDENTIAL_EXPIRED'],
      ['cred_overlap_over', NOW, 'GW_CREDENTIAL_EXPIRED'],
      ['cred_revoked', NOW, 'GW_CREDENTIAL_REVOKED'],
    ];
    for (const [credentialId, at, want] of table)
      assert.equal(
        codeOf(credentialState(claims({ credentialId }), snapshot, at)),
        want,
        `${credentialId} @${at}`,
      );
    assert.equal(credentialState(claims(), snapshot, NOW), ALLOWED, 'success allocates nothing');
  });

  test('client certificate (mTLS): pinned fingerprint, subject under the client CA, certificate-bound token', () => {
    const A = 'a'.repeat(64);
    const B = 'b'.repeat(64);
    const peer = (sha256: string, subject: string, authorized: boolean): PeerCertificate => ({
      sha256,
      subject,
      authorized,
      issuer: 'CN=CA',
      serialNumber: '01',
      notBeforeMs: 0,
      notAfterMs: NOW + HOUR,
    });
    const subject = 'C=VN, O=So Tu phap, CN=ho-tich';
    const rows: Array<[string, Parameters<typeof clientCertificate>[0], PeerCertificate | null, string]> = [
      ['pinned, none presented', { sha256: A, subject: null }, null, 'GW_CLIENT_CERT_REQUIRED'],
      ['pinned, another', { sha256: A, subject: null }, peer(B, subject, true), 'GW_CLIENT_CERT_MISMATCH'],
      ['pinned, it (no CA needed)', { sha256: A, subject: null }, peer(A, 'CN=x', false), 'ok'],
      ['subject, none presented', { sha256: null, subject }, null, 'GW_CLIENT_CERT_REQUIRED'],
      ['subject, under the CA', { sha256: null, subject }, peer(B, subject, true), 'ok'],
      [
        'subject, not under the CA',
        { sha256: null, subject },
        peer(B, subject, false),
        'GW_CLIENT_CERT_MISMATCH',
      ],
      [
        'subject, another',
        { sha256: null, subject },
        peer(B, 'C=VN, O=X, CN=y', true),
        'GW_CLIENT_CERT_MISMATCH',
      ],
    ];
    for (const [name, binding, presented, want] of rows)
      assert.equal(codeOf(clientCertificate(binding, presented)), want, name);
    assert.equal(codeOf(boundToken(A, null)), 'GW_CLIENT_CERT_REQUIRED');
    assert.equal(codeOf(boundToken(A, peer(B, subject, true))), 'GW_CLIENT_CERT_MISMATCH');
    assert.equal(clientCertificate({ sha256: A, subject: null }, peer(A, subject, true)), ALLOWED);
    assert.equal(boundToken(A, peer(A, subject, false)), ALLOWED);
  });

  test('credential state: the token’s system and environment must be its credential’s (issue 10)', () => {
    const table: Array<[Partial<TokenClaims>, string]> = [
      [{}, 'ok'],
      [{ systemId: 'sys_other' }, 'GW_TOKEN_INVALID'],
      [{ environment: 'sandbox' }, 'GW_TOKEN_INVALID'],
      [{ credentialId: 'cred_unknown', systemId: 'sys_other' }, 'GW_CREDENTIAL_REVOKED'],
    ];
    for (const [over, want] of table)
      assert.equal(codeOf(credentialState(claims(over), snapshot, NOW)), want, JSON.stringify(over));
  });

  test('route: by context (one or more segments) and version; the found route itself on success', () => {
    const table: Array<[string, string | null]> = [
      ['/dancu/1.0/congdan/1', 'dancu/1.0'],
      ['/dancu/1.0', 'dancu/1.0'],
      ['/dancu/1.0/', 'dancu/1.0'],
      ['/bhxh/tracuu/2.0/x', 'bhxh/tracuu/2.0'],
      ['/bhxh/2.0/x', null],
      ['/dancu/9.9/congdan/1', null],
      ['/khongco/1.0/x', null],
      ['/dancu', null],
      ['/', null],
    ];
    for (const [path, want] of table) {
      const found = routeFor(snapshot, path, path.split('/'));
      if (want === null) assert.equal(codeOf(found), 'GW_ROUTE_NOT_FOUND', path);
      else assert.equal(found, route(want), path);
    }
    assert.equal(route('bhxh/tracuu/2.0').prefixSegments, 4);
    assert.equal(route('bhxh/tracuu/2.0').pathPrefix, '/bhxh/tracuu/2.0');
  });

  test('canonical path: a dot segment in any encoding, backslashes, encoded slashes, NUL and bad escapes are refused', () => {
    const refused = [
      '/dancu/1.0/congdan/..',
      '/dancu/1.0/./x',
      '/dancu/1.0/congdan/%2e%2e',
      '/dancu/1.0/congdan/%2E',
      '/dancu/1.0/congdan/a%2F..%2F..',
      '/dancu/1.0/.%2e/.%2e/secret',
      '/dancu/1.0/%2e./x',
      '/dancu/1.0/%2E%2e/x',
      '/dancu/1.0/..\\..\\secret',
      '/dancu/1.0/a%5cb',
      '/dancu/1.0/a%5Cb',
      '/dancu/1.0/%2e%2e%2fsecret',
      '/dancu/1.0/a%2fb',
      '/dancu/1.0/%252e%252e/x', // double encoding: a provider that decodes twice reads `..`
      '/dancu/1.0/%25%32%65%25%32%65/x',
      '/dancu/1.0/%c0%ae%c0%ae/x', // overlong UTF-8 for `.`
      '/dancu/1.0/%e0%80%ae/x',
      '/dancu/1.0/%ef%bc%8e%ef%bc%8e/x', // fullwidth full stops: NFKC makes them `..`
      '/dancu/1.0/%ef%bc%8f', // fullwidth solidus
      '/dancu/1.0/a%00b',
      '/dancu/1.0/a%0d%0ab',
      '/dancu/1.0/a%zz',
      '/dancu/1.0/a%2',
      '/dancu/1.0/a//b',
      '//dancu/1.0/a',
      '/dancu/1.0/..;jsessionid=1/x', // Tomcat drops `;params` before it looks at `..`
      '/dancu/1.0/..%20/x', // Windows trims trailing spaces
      '/dancu/1.0/...',
      'http://evil/dancu/1.0/x',
      '*',
    ];
    for (const path of refused) {
      const decision = canonicalPath(path);
      assert.equal(codeOf(decision), 'GW_PATH_INVALID', path);
      assert.ok(!decision.ok && decision.detail, `${path}: the detail says why`);
    }
    const allowed = [
      '/dancu/1.0/congdan/1',
      '/dancu/1.0/congdan/a.b',
      '/dancu/1.0/a/b.json',
      '/dancu/1.0/a/%20b',
      '/dancu/1.0/a/..b',
      '/dancu/1.0/a/b..',
      '/dancu/1.0/a/b/',
      '/dancu/1.0',
      '/dancu/1.0/Nguy%E1%BB%85n%20An',
      '/dancu/1.0/50%25off',
      '/.well-known/x',
    ];
    for (const path of allowed) assert.equal(codeOf(canonicalPath(path)), 'ok', path);
  });

  test('version state: retired or past sunset → 410 with the successor; decommissioned → 410', () => {
    const table: Array<[string, number, string]> = [
      ['dancu/1.0', NOW, 'ok'],
      ['cu/1.9', NOW, 'ok'],
      ['cu/1.9', NOW + HOUR, 'GW_VERSION_SUNSET'],
      ['cu/1.5', NOW, 'GW_VERSION_SUNSET'],
      ['cu/1.0', NOW, 'GW_VERSION_SUNSET'],
      ['dong/1.0', NOW - 1, 'ok'],
      ['dong/1.0', NOW, 'GW_SERVICE_DECOMMISSIONED'],
    ];
    for (const [key, at, want] of table)
      assert.equal(codeOf(versionState(route(key), at)), want, `${key} @${at}`);
    const retired = versionState(route('cu/1.0'), NOW) as Refusal;
    assert.equal(retired.detail, '→ /cu/2.0');
    assert.equal(retired.headers['link'], '</cu/2.0>; rel="successor-version"');
    assert.deepEqual(retired.members, { successor: '/cu/2.0' });
    assert.deepEqual((versionState(route('cu/1.5'), NOW) as Refusal).headers, {});
  });

  test('environment: published everywhere, sandbox test in sandbox only, a sync version needs an endpoint', () => {
    const table: Array<[string, 'sandbox' | 'production', string]> = [
      ['dancu/1.0', 'production', 'ok'],
      ['dancu/1.0', 'sandbox', 'ok'],
      ['thu/1.0', 'sandbox', 'ok'],
      ['thu/1.0', 'production', 'GW_NOT_IN_ENVIRONMENT'],
      ['sandboxonly/1.0', 'sandbox', 'ok'],
      ['sandboxonly/1.0', 'production', 'GW_NOT_IN_ENVIRONMENT'],
      ['hopthu/1.0', 'production', 'ok'],
    ];
    for (const [key, env, want] of table)
      assert.equal(codeOf(environment(route(key), env)), want, `${key} ${env}`);
    assert.equal((environment(route('thu/1.0'), 'production') as Refusal).detail, 'production');
  });

  test('method: an async version takes POST only', () => {
    const table: Array<[string, string, string]> = [
      ['hopthu/1.0', 'POST', 'ok'],
      ['hopthu/1.0', 'GET', 'MQ_METHOD_NOT_ALLOWED'],
      ['dancu/1.0', 'DELETE', 'ok'],
    ];
    for (const [key, method, want] of table) assert.equal(codeOf(asyncMethod(route(key), method)), want);
    assert.equal((asyncMethod(route('hopthu/1.0'), 'PUT') as Refusal).headers['allow'], 'POST');
  });

  test('resource template: method and segments; the found template itself on success', () => {
    const table: Array<[string, string, string | null]> = [
      ['GET', '/dancu/1.0/congdan/0123', '/congdan/{soDinhDanh}'],
      ['DELETE', '/dancu/1.0/congdan/0123', null],
      ['GET', '/dancu/1.0/congdan', null],
      ['GET', '/dancu/1.0/congdan/1/2', null],
      ['POST', '/dancu/1.0/hoso', '/hoso'],
      ['PUT', '/dancu/1.0/tep/a/b/c', '/tep/*'],
      ['GET', '/dancu/1.0/tep', '/tep/*'],
      ['GET', '/dancu/1.0/khac/1', null],
    ];
    for (const [method, path, want] of table) {
      const found = resourceFor(route('dancu/1.0'), method, path.split('/'), 3);
      assert.equal(
        found.ok ? found.template : found.code,
        want ?? 'GW_RESOURCE_NOT_FOUND',
        `${method} ${path}`,
      );
    }
  });

  test('resource template in the sandbox: those of a proposed change under test; production keeps its own (issue 10)', async () => {
    const data = await snapshotData(NOW);
    const dancu = data.routes.find((r) => r.context === 'dancu' && r.version === '1.0')!;
    dancu.sandboxResources = [{ method: 'GET', path: '/moi/{ma}' }];
    const proposed = (await compileSnapshot(data, NOW)).routes.get('dancu/1.0')!;
    const table: Array<[Environment, string, string | null]> = [
      ['sandbox', '/dancu/1.0/moi/1', '/moi/{ma}'],
      ['sandbox', '/dancu/1.0/congdan/0123', null],
      ['production', '/dancu/1.0/moi/1', null],
      ['production', '/dancu/1.0/congdan/0123', '/congdan/{soDinhDanh}'],
    ];
    for (const [env, path, want] of table) {
      const found = resourceFor(proposed, 'GET', path.split('/'), 3, env);
      assert.equal(found.ok ? found.template : found.code, want ?? 'GW_RESOURCE_NOT_FOUND', `${env} ${path}`);
    }
    // Without a change under test, the sandbox lets through what production does.
    assert.equal(route('dancu/1.0').sandboxResources, route('dancu/1.0').resources);
  });

  test('maintenance: a window of the service or the whole platform → 503 with Retry-After', () => {
    const table: Array<[string, number, string, string | undefined]> = [
      ['svc_dancu', NOW, 'GW_MAINTENANCE', '91'],
      ['svc_dancu', NOW + 90_500, 'ok', undefined],
      ['svc_bhxhtracuu', NOW, 'ok', undefined],
      ['svc_bhxhtracuu', NOW + HOUR, 'GW_MAINTENANCE', '3600'],
      ['svc_dancu', NOW + 2 * HOUR, 'ok', undefined],
    ];
    for (const [serviceId, at, want, retryAfter] of table) {
      const d = maintenance(snapshot, serviceId, at, VN_OFFSET_MS);
      assert.equal(codeOf(d), want, `${serviceId} @${at}`);
      if (!d.ok) assert.equal(d.headers['retry-after'], retryAfter);
    }
    // The detail is for the person reading the refusal: the end in Vietnam time, as the notice says it — it was
    // the ISO instant in UTC (`2026-11-24T03:01:30.000Z`), seven hours off what the notice announced.
    const closed = maintenance(snapshot, 'svc_dancu', NOW, VN_OFFSET_MS);
    assert.equal(closed.ok ? 'ok' : closed.detail, 'đến / until 24/11/2026 10:01 (UTC+07:00)');
  });

  test('subscription: this system, this version, this environment; the policy itself on success', () => {
    const table: Array<[Partial<TokenClaims>, string, string | null]> = [
      [{}, 'dancu/1.0', 'sub_any'],
      [{ environment: 'sandbox' }, 'dancu/1.0', null],
      [{ systemId: 'sys_other' }, 'dancu/1.0', null],
      [{}, 'thu/1.0', null],
    ];
    for (const [over, key, want] of table) {
      const found = subscriptionFor(snapshot, claims(over), route(key));
      assert.equal(
        found.ok ? found.id : found.code,
        want ?? 'GW_SUBSCRIPTION_REQUIRED',
        `${key} ${JSON.stringify(over)}`,
      );
    }
  });

  test('time window: local time of day, windows across midnight included', () => {
    const policy = (id: string) => [...snapshot.subscriptions.values()].find((p) => p.id === id)!;
    const at = (hhmm: string) => Date.parse(`2026-11-24T${hhmm}:00+07:00`);
    const table: Array<[string, string, string]> = [
      ['sub_any', '03:00', 'ok'],
      ['sub_office', '10:00', 'GW_OUTSIDE_TIME_WINDOW'],
      ['sub_office', '13:00', 'ok'],
      ['sub_office', '16:59', 'ok'],
      ['sub_office', '17:00', 'GW_OUTSIDE_TIME_WINDOW'],
      ['sub_night', '23:30', 'ok'],
      ['sub_night', '10:59', 'ok'],
      ['sub_night', '11:00', 'GW_OUTSIDE_TIME_WINDOW'],
    ];
    for (const [id, hhmm, want] of table)
      assert.equal(codeOf(timeWindow(policy(id), at(hhmm), VN_OFFSET_MS)), want, `${id} ${hhmm}`);
    assert.equal(
      (timeWindow(policy('sub_office'), at('10:00'), VN_OFFSET_MS) as Refusal).detail,
      '13:00-17:00 (UTC+07:00)',
    );
  });

  test('quota: per minute and per local day, with Retry-After to the next window', () => {
    const policy = (id: string) => [...snapshot.subscriptions.values()].find((p) => p.id === id)!;
    const quotas = new QuotaCounters(VN_OFFSET_MS);
    const minuteStart = Math.floor(NOW / 60_000) * 60_000;
    // [policy, time, expected] in order: each allowed call is counted.
    const table: Array<[string, number, string, string | undefined]> = [
      ['sub_any', minuteStart, 'ok', undefined],
      ['sub_any', minuteStart + 1_000, 'ok', undefined],
      ['sub_any', minuteStart + 20_500, 'GW_QUOTA_EXCEEDED', '40'],
      ['sub_any', minuteStart + 60_000, 'ok', undefined],
      ['sub_office', NOW, 'ok', undefined],
      ['sub_office', NOW + 60_000, 'ok', undefined],
      ['sub_office', NOW + 120_000, 'ok', undefined],
      ['sub_office', NOW + 180_000, 'GW_QUOTA_EXCEEDED', String(14 * 3600 - 180)],
      ['sub_night', NOW, 'ok', undefined],
    ];
    for (const [id, at, want, retryAfter] of table) {
      const d = quota(quotas, policy(id), at);
      assert.equal(codeOf(d), want, `${id} @${at - NOW}`);
      if (!d.ok) assert.equal(d.headers['retry-after'], retryAfter, `${id} @${at - NOW}`);
    }
    // The detail is read by a person beside the bilingual title: Vietnamese first, English beside.
    assert.equal(
      (quota(quotas, policy('sub_office'), NOW) as Refusal).detail,
      'Đã hết hạn mức số lần gọi trong ngày / the per-day quota is used up',
    );
    assert.equal(quota(quotas, policy('sub_night'), NOW), ALLOWED, 'success allocates nothing');
  });
});

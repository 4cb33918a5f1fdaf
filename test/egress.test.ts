import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { decideEgress, decideHostName, egressTargetOf, parseEgressAllow } from '../src/core/egress.ts';
import { EgressDeniedError, EgressPolicy } from '../src/net/egress.ts';
import { enqueueNotification } from '../src/notify/outbox.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { getToken, within } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, testInSandbox } from './helpers/onboard.ts';
import { freePort } from './helpers/platform-process.ts';
import { seedProvince } from './helpers/seed.ts';
import { withMigratedStore } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

/** The pure decision on a URL as the save-time check makes it, without DNS: the rule, or 'ok'. */
function decideUrl(url: string, allow: string[] = [], ownPorts: number[] = []): string {
  const target = egressTargetOf(url);
  if (!target) return 'invalid';
  if (target.ip === null) {
    const byName = decideHostName(target.host);
    return byName.ok ? 'name' : byName.rule;
  }
  const decision = decideEgress(target.ip, target.port, {
    allow: parseEgressAllow(allow).entries,
    ownPorts: new Set(ownPorts),
    localAddresses: new Set(['10.9.8.7']),
  });
  return decision.ok ? 'ok' : decision.rule;
}

describe('egress policy: the pure decision (issue 10, no SSRF)', () => {
  const refused: Array<[string, string]> = [
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.0.0.1:9080/metrics', 'loopback'],
    ['http://127.9.9.9/', 'loopback'],
    ['http://localhost/', 'loopback'],
    ['http://LOCALHOST./', 'loopback'],
    ['http://localhost../', 'loopback'],
    ['http://api.localhost/', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://127.0.0.1./', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[0:0:0:0:0:ffff:127.0.0.1]/', 'loopback'],
    ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
    // IPv6 forms that carry an IPv4 address a translator or relay would reach (were 'ok' before).
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[::7f00:1]/', 'loopback'],
    ['http://[::ffff:0:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:0:a9fe:a9fe]/', 'metadata'],
    ['http://[2002:7f00:1::]/', 'loopback'],
    ['http://[2002:a9fe:a9fe::1]/', 'metadata'],
    ['http://[2002:a00:5::]/', 'private'],
    ['http://[::10.0.0.5]/', 'private'],
    ['http://[64:ff9b:1::7f00:1]/', 'private'],
    ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'reserved'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://[::ffff:169.254.169.254]/', 'metadata'],
    ['http://0xa9fea9fe/', 'metadata'],
    ['http://2852039166/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://100.100.100.200/', 'metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['http://METADATA.GOOGLE.INTERNAL./', 'metadata'],
    ['http://169.254.1.1/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    ['http://10.0.0.5/', 'private'],
    ['http://172.16.3.4/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://100.64.0.1/', 'private'],
    ['http://[fd12:3456::1]/', 'private'],
    ['http://[::ffff:10.0.0.5]/', 'private'],
    ['ftp://203.0.113.5/', 'invalid'],
    ['not a url', 'invalid'],
  ];
  for (const [url, rule] of refused) {
    test(`${url} → ${rule}`, () => assert.equal(decideUrl(url), rule));
  }

  const accepted = [
    'http://203.0.113.5/',
    'https://8.8.8.8:8443/api',
    'http://172.32.0.1/',
    'http://[2001:db8::1]/',
    'http://[2002:808:808::1]/',
    'http://[64:ff9b::8.8.8.8]/',
    'http://11.0.0.1/',
  ];
  for (const url of accepted) test(`${url} → ok`, () => assert.equal(decideUrl(url), 'ok'));

  test('host names are decided after resolution, except the names that are always loopback or metadata', () => {
    assert.equal(decideUrl('https://api.tinh.gov.vn/'), 'name');
    assert.equal(decideUrl('https://hotich.angiang.gov.vn:8443/x'), 'name');
  });

  test('egress.allow opens exactly what it lists: CIDR, address, port', () => {
    assert.equal(decideUrl('http://10.0.0.5/', ['10.0.0.0/8']), 'ok');
    assert.equal(decideUrl('http://10.0.0.5:8080/', ['10.0.0.5:8080']), 'ok');
    assert.equal(decideUrl('http://10.0.0.5:8081/', ['10.0.0.5:8080']), 'private', 'another port');
    assert.equal(decideUrl('http://10.0.0.6:8080/', ['10.0.0.5:8080']), 'private', 'another address');
    assert.equal(decideUrl('http://127.0.0.1:43123/', ['127.0.0.1:43123']), 'ok', 'a test upstream');
    assert.equal(decideUrl('http://127.0.0.1:43124/', ['127.0.0.1:43123']), 'loopback');
    assert.equal(decideUrl('http://localhost:43123/', ['127.0.0.1:43123']), 'loopback', 'names stay names');
    assert.equal(decideUrl('http://[fd00::5]/', ['[fd00::]/8']), 'ok');
    assert.equal(decideUrl('http://[fd00::5]:8443/', ['[fd00::]/8:443']), 'private');
    assert.equal(
      decideUrl('http://0x0a.1:80/', ['10.0.0.1:80']),
      'ok',
      'numeric forms normalized on both sides',
    );
  });

  test('never allowed, whatever egress.allow lists: metadata, unspecified, multicast, the own ports', () => {
    assert.equal(decideUrl('http://169.254.169.254/', ['169.254.0.0/16', '0.0.0.0/0']), 'metadata');
    assert.equal(decideUrl('http://0.0.0.0/', ['0.0.0.0/0']), 'unspecified');
    assert.equal(decideUrl('http://224.0.0.1/', ['0.0.0.0/0']), 'multicast');
    assert.equal(decideUrl('http://127.0.0.1:9080/', ['127.0.0.1:9080'], [9080]), 'own-port');
    assert.equal(decideUrl('http://127.0.0.2:9080/', ['127.0.0.0/8'], [9080]), 'own-port');
    assert.equal(decideUrl('http://10.9.8.7:9080/', ['10.0.0.0/8'], [9080]), 'own-port', 'this machine');
    assert.equal(decideUrl('http://[::ffff:127.0.0.1]:9080/', ['127.0.0.1:9080'], [9080]), 'own-port');
    assert.equal(decideUrl('http://10.1.1.1:9080/', ['10.0.0.0/8'], [9080]), 'ok', 'another machine');
  });

  test('a host-name entry opens that name’s private addresses, never loopback', () => {
    const ctx = {
      allow: parseEgressAllow(['api.tinh.gov.vn']).entries,
      ownPorts: new Set<number>(),
      localAddresses: new Set<string>(),
    };
    assert.deepEqual(decideEgress('10.1.2.3', 443, ctx, 'api.tinh.gov.vn'), { ok: true });
    assert.deepEqual(decideEgress('127.0.0.1', 443, ctx, 'api.tinh.gov.vn'), { ok: false, rule: 'loopback' });
    assert.deepEqual(decideEgress('10.1.2.3', 443, ctx, 'other.gov.vn'), { ok: false, rule: 'private' });
  });

  test('the allow list is configured in egress.allow or LGSP_EGRESS_ALLOW; bad entries are listed at start', () => {
    const config = loadConfig({ env: { LGSP_EGRESS_ALLOW: '10.0.0.0/8, api.tinh.gov.vn:443,[fd00::]/8' } });
    assert.deepEqual(config.egress.allow, ['10.0.0.0/8', 'api.tinh.gov.vn:443', '[fd00::]/8']);
    assert.deepEqual(loadConfig({ env: {} }).egress.allow, []);
    assert.throws(
      () => loadConfig({ env: { LGSP_EGRESS_ALLOW: '10.0.0.0/40,host/8,10.0.0.1:99999' } }),
      (err: Error) =>
        err.message.includes('10.0.0.0/40') &&
        err.message.includes('host/8') &&
        err.message.includes('10.0.0.1:99999'),
    );
  });
});

describe('egress policy: names resolved, and resolved again at connect time', () => {
  const resolvingTo =
    (answers: Record<string, string[]>) =>
    async (host: string): Promise<Array<{ address: string }>> => {
      const list = answers[host];
      if (!list) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return list.map((address) => ({ address }));
    };

  test('save time: any denied address of a name refuses it; an unresolvable name is accepted', async () => {
    const policy = new EgressPolicy(
      { allow: [] },
      { lookup: resolvingTo({ 'a.gov.vn': ['203.0.113.5'], 'b.gov.vn': ['203.0.113.6', '127.0.0.1'] }) },
    );
    assert.equal(await policy.check('https://a.gov.vn/api'), null);
    assert.deepEqual(await policy.check('https://b.gov.vn/api'), {
      rule: 'loopback',
      host: 'b.gov.vn',
      port: 443,
    });
    assert.equal(await policy.check('https://not-yet.gov.vn/api'), null);
    await assert.rejects(
      policy.assertAllowed('http://b.gov.vn/', 'url'),
      (err: Error & { code?: string }) => {
        assert.equal(err.code, 'API_EGRESS_DENIED');
        assert.match(err.message, /loopback/);
        return true;
      },
    );
  });

  test('save time: a refusal egress.allow can lift says how; one it cannot lift does not offer it', async () => {
    const policy = new EgressPolicy({ allow: [] }, { lookup: resolvingTo({}) });
    await assert.rejects(
      policy.assertAllowed('http://127.0.0.1:28999/sb', 'upstreams.sandbox'),
      (err: Error) => {
        assert.match(err.message, /upstreams\.sandbox: 127\.0\.0\.1:28999 — địa chỉ loopback/);
        assert.match(err.message, /thêm 127\.0\.0\.1:28999 vào egress\.allow \(LGSP_EGRESS_ALLOW/);
        assert.match(err.message, /adds 127\.0\.0\.1:28999 to egress\.allow/);
        return true;
      },
    );
    await assert.rejects(
      policy.assertAllowed('http://10.1.2.3/api', 'url'),
      /thêm 10\.1\.2\.3:80 vào egress\.allow/,
    );
    await assert.rejects(policy.assertAllowed('http://169.254.169.254/latest', 'url'), (err: Error) => {
      assert.match(err.message, /metadata/);
      assert.doesNotMatch(err.message, /egress\.allow/);
      return true;
    });
  });

  test('connect time: the address checked is the one connected to, and a refusal is told to listeners', async () => {
    const answers: Record<string, string[]> = { 'rebind.gov.vn': ['203.0.113.5'] };
    const policy = new EgressPolicy({ allow: [] }, { lookup: resolvingTo(answers) });
    const told: unknown[] = [];
    policy.onDenied((d) => told.push(d));
    assert.equal(await policy.resolve('gateway', 'rebind.gov.vn', 443), '203.0.113.5');
    answers['rebind.gov.vn'] = ['127.0.0.1'];
    await assert.rejects(policy.resolve('gateway', 'rebind.gov.vn', 443), EgressDeniedError);
    assert.deepEqual(told, [
      { client: 'gateway', host: 'rebind.gov.vn', address: '127.0.0.1', port: 443, rule: 'loopback' },
    ]);
    await assert.rejects(policy.resolve('probe', '[::ffff:169.254.169.254]', 80), EgressDeniedError);
  });

  test('the platform’s own ports: configured ones at once, bound ones when registered', () => {
    const config = loadConfig({ env: {}, overrides: { egress: { allow: ['127.0.0.0/8'] } } });
    const policy = EgressPolicy.forPlatform(config);
    assert.deepEqual(policy.decide('127.0.0.1', 9080), { ok: false, rule: 'own-port' });
    assert.deepEqual(policy.decide('127.0.0.1', 8280), { ok: false, rule: 'own-port' });
    assert.deepEqual(policy.decide('127.0.0.1', 41000), { ok: true });
    policy.addOwnListener({ address: '127.0.0.1', family: 'IPv4', port: 41000 });
    assert.deepEqual(policy.decide('127.0.0.1', 41000), { ok: false, rule: 'own-port' });
  });
});

describe('egress policy on a running platform: save time (400) and connect time (502), recorded and alerted', () => {
  let platform: Platform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  let adminPort: number;
  let adminToken: string;
  /** What the staged resolver answers, by name: changed in the test to re-point a name (DNS rebinding). */
  const dns: Record<string, string[]> = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-egress-'));

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${platform.adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  before(async () => {
    upstream = await startUpstream();
    await withMigratedStore(dataDir);
    adminPort = await freePort();
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1' },
        // The operator lists a private range and — by mistake — the admin port itself: the latter stays refused.
        admin: { port: adminPort, host: '127.0.0.1', password: 'mat-khau-kiem-thu' },
        egress: { allow: ['10.20.0.0/16', `127.0.0.1:${adminPort}`] },
        recorder: { flushIntervalMs: 20 },
        notifications: { pollIntervalMs: 100 },
        alerts: { evaluateIntervalSeconds: 3600 },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, {
      logger: silentLogger(),
      lookup: async (host) => {
        const list = dns[host];
        if (!list) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
        return list.map((address) => ({ address }));
      },
    });
    seed = await seedProvince(platform, upstream.url);
    await platform.snapshots.refresh();
    const login = await fetch(`${platform.adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'mat-khau-kiem-thu' }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
  });
  after(async () => {
    await platform?.stop();
    await upstream?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('PATCH of a published version’s upstream to a denied address: 400 API_EGRESS_DENIED naming the rule, nothing changed', async () => {
    const before = await admin('GET', `/api/v1/versions/${seed.v1.id}`);
    assert.equal(before.body['status'], 'published');
    const denied: Array<[string, string]> = [
      [`http://127.0.0.1:${adminPort}/`, 'own-port'],
      [`http://[::ffff:127.0.0.1]:${adminPort}/metrics`, 'own-port'],
      ['http://localhost/', 'loopback'],
      ['http://LOCALHOST./', 'loopback'],
      ['http://169.254.169.254/latest/meta-data/', 'metadata'],
      ['http://2130706433/', 'loopback'],
      ['http://0x7f.1/', 'loopback'],
      ['http://0.0.0.0/', 'unspecified'],
      ['http://10.0.0.5/', 'private'],
    ];
    for (const [url, rule] of denied) {
      const res = await admin('PATCH', `/api/v1/versions/${seed.v1.id}`, { upstreams: { production: url } });
      assert.equal(res.status, 400, url);
      assert.equal(res.body['code'], 'API_EGRESS_DENIED', url);
      assert.equal(res.body['rule'], rule, url);
      assert.match(String(res.body['detail']), /upstreams\.production/, url);
    }
    const after = await admin('GET', `/api/v1/versions/${seed.v1.id}`);
    assert.deepEqual(after.body['upstreams'], before.body['upstreams'], 'nothing changed');
    assert.equal(after.body['updatedAt'], before.body['updatedAt']);
    // The attempt itself alerts the operator (an SSRF try through the admin API), naming who met it: `save`.
    const metadataKey = 'egress.denied:169.254.169.254:80';
    await within(5_000, async () =>
      (await platform.alerts.list({ kind: 'egress.denied' })).some((a) => a.key === metadataKey),
    );
    const alert = (await platform.alerts.list({ kind: 'egress.denied' })).find((a) => a.key === metadataKey);
    assert.equal((alert!.details as Record<string, unknown>)['client'], 'save');
  });

  test('a new version is checked the same way; a listed private CIDR is accepted', async () => {
    const refused = await admin('POST', `/api/v1/services/${seed.dancu.id}/versions`, {
      version: '9.0',
      upstreams: { sandbox: 'http://169.254.169.254/' },
    });
    assert.equal(refused.status, 400);
    assert.equal(refused.body['code'], 'API_EGRESS_DENIED');
    const listed = await admin('POST', `/api/v1/services/${seed.dancu.id}/versions`, {
      version: '9.0',
      upstreams: { sandbox: 'http://10.20.30.40:8080/hotich' },
    });
    assert.equal(listed.status, 201, JSON.stringify(listed.body));
  });

  test('webhook URLs: a denied address is refused with the same code, a listed one accepted', async () => {
    const organizationId = seed.consumer.id;
    for (const [url, rule] of [
      [`http://127.0.0.1:${adminPort}/api/v1/public/services`, 'own-port'],
      ['http://localhost:8080/hook', 'loopback'],
      ['http://169.254.169.254/', 'metadata'],
      ['http://192.168.1.10/hook', 'private'],
    ] as const) {
      const res = await admin('POST', '/api/v1/webhooks', { organizationId, url });
      assert.equal(res.status, 400, url);
      assert.equal(res.body['code'], 'API_EGRESS_DENIED', url);
      assert.equal(res.body['rule'], rule, url);
    }
    const listed = await admin('POST', '/api/v1/webhooks', { organizationId, url: 'http://10.20.1.2/hook' });
    assert.equal(listed.status, 201, JSON.stringify(listed.body));
  });

  test('a health-check path that could leave the upstream’s base path is refused when saved, nothing changed', async () => {
    // The probe asks for upstream base + this path; a provider (nginx, a URL parser) resolving `..` would answer
    // from outside the service's base — another service on a shared host. The gateway's canonical-path rule.
    const before = await admin('GET', `/api/v1/versions/${seed.v1.id}`);
    for (const path of [
      '/../../metrics',
      '/health/..',
      '/.%2e/admin',
      '/%2E%2E/admin',
      '/%c0%ae%c0%ae/admin',
      '/a%2f..%2fadmin',
      '/a%5c..%5cadmin',
      '//other/health',
      '/%00',
      '/%252e%252e/admin',
      '/../admin?x=1',
    ]) {
      const res = await admin('PATCH', `/api/v1/versions/${seed.v1.id}`, { healthCheck: { path } });
      assert.equal(res.status, 400, path);
      assert.equal(res.body['code'], 'API_VALIDATION_FAILED', path);
      assert.match(String(res.body['detail']), /healthCheck\.path/, path);
    }
    const after = await admin('GET', `/api/v1/versions/${seed.v1.id}`);
    assert.deepEqual(after.body['healthCheck'], before.body['healthCheck'], 'nothing changed');
    // Ordinary paths, a query included, are still accepted.
    for (const path of ['/health', '/a/..b/status.json', '/health?full=1&x=..']) {
      const ok = await admin('PATCH', `/api/v1/versions/${seed.v1.id}`, { healthCheck: { path } });
      assert.equal(ok.status, 200, `${path}: ${JSON.stringify(ok.body)}`);
    }
    const reset = await admin('PATCH', `/api/v1/versions/${seed.v1.id}`, { healthCheck: null });
    assert.equal(reset.status, 200);
  });

  test('DNS rebinding: a name accepted when saved but resolving to this machine at connect time → 502 GW_EGRESS_DENIED, recorded, alerted', async () => {
    dns['hotich.rebind.test'] = ['203.0.113.10'];
    const url = `http://hotich.rebind.test:${adminPort}/api/dancu`;
    const saved = await admin('PATCH', `/api/v1/versions/${seed.v1.id}`, { upstreams: { production: url } });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    await platform.snapshots.refresh();

    dns['hotich.rebind.test'] = ['127.0.0.1'];
    // A health check on the re-pointed name is refused when saved, too.
    const probe = await admin('PATCH', `/api/v1/versions/${seed.v1.id}`, {
      healthCheck: { path: '/health' },
    });
    assert.equal(probe.status, 400);
    assert.equal(probe.body['rule'], 'own-port');

    const token = await getToken(
      platform.gatewayUrl,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
    );
    const seenBefore = upstream.seen.length;
    const res = await fetch(`${platform.gatewayUrl}/dancu/1.0/congdan/001090000123`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const problem = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 502);
    assert.equal(problem['code'], 'GW_EGRESS_DENIED');
    assert.equal(problem['rule'], 'own-port');
    // `type` is the code's page on the platform's own admin listener (127.0.0.1 here), not the provider's address.
    const { type: _page, ...told } = problem;
    assert.doesNotMatch(JSON.stringify(told), /127\.0\.0\.1/, 'the consumer is not told the address');
    assert.equal(upstream.seen.length, seenBefore);

    await platform.recorder.flush();
    const record = await platform.store.db
      .selectFrom('transactions')
      .select(['error_code', 'consumer_status'])
      .where('id', '=', String(problem['transactionId']))
      .executeTakeFirstOrThrow();
    assert.deepEqual(record, { error_code: 'GW_EGRESS_DENIED', consumer_status: 502 });

    const rebindKey = `egress.denied:hotich.rebind.test:${adminPort}`;
    const rebindAlerts = async () =>
      (await platform.alerts.list({ kind: 'egress.denied' })).filter((a) => a.key === rebindKey);
    await within(5_000, async () => (await rebindAlerts()).length > 0);
    const [opened] = await rebindAlerts();
    assert.equal(opened!.key, rebindKey);
    assert.equal((opened!.details as Record<string, unknown>)['rule'], 'own-port');

    // A second refused call is the same alert, counted, not a new one.
    await fetch(`${platform.gatewayUrl}/dancu/1.0/congdan/001090000123`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((r) => r.arrayBuffer());
    assert.equal((await rebindAlerts()).length, 1);
  });

  test('an async push the policy refuses: the source agency reads GW_EGRESS_DENIED as lastError, never the rule; the operator alert names it', async () => {
    dns['hoso.rebind.test'] = ['203.0.113.13'];
    const service = await platform.registry.createService(
      {
        context: 'hosochan',
        name: 'Nộp hồ sơ',
        providerSystemId: seed.providerSystem.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    const version = await platform.registry.createVersion(
      service.id,
      {
        version: '1.0',
        mode: 'async',
        upstreams: { sandbox: `http://hoso.rebind.test:${adminPort}/nhan` },
        resources: [{ method: 'POST', path: '/nop' }],
      },
      'test',
    );
    dns['hoso.rebind.test'] = ['127.0.0.1'];
    await testInSandbox(platform, version.id);
    await platform.registry.createSubscription(
      { systemId: seed.consumerSystem.id, versionId: version.id, environment: 'sandbox' },
      'test',
    );
    const key = await platform.registry.issueCredential(seed.consumerSystem.id, 'sandbox', 'test');
    await platform.snapshots.refresh();
    const token = await getToken(platform.gatewayUrl, key.consumerKey, key.consumerSecret);
    const sent = await fetch(`${platform.gatewayUrl}/hosochan/1.0/nop`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"so":"1"}',
    });
    assert.equal(sent.status, 202);
    const { messageId } = (await sent.json()) as { messageId: string };
    // What the source agency reads: its message's status (and the same lastError in its `message.dead` webhook).
    let status: Record<string, unknown> = {};
    await within(10_000, async () => {
      const res = await fetch(`${platform.gatewayUrl}/_lgsp/messages/${messageId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      status = (await res.json()) as Record<string, unknown>;
      return status['lastError'] !== null && status['lastError'] !== undefined;
    });
    assert.equal(status['lastError'], 'GW_EGRESS_DENIED');
    assert.doesNotMatch(JSON.stringify(status), /own-port|loopback|127\.0\.0\.1|egress\.allow/);
    // The operator's alert keeps the rule and the target.
    const alertKey = `egress.denied:hoso.rebind.test:${adminPort}`;
    await within(5_000, async () =>
      (await platform.alerts.list({ kind: 'egress.denied' })).some((a) => a.key === alertKey),
    );
    const alert = (await platform.alerts.list({ kind: 'egress.denied' })).find((a) => a.key === alertKey)!;
    assert.equal((alert.details as Record<string, unknown>)['rule'], 'own-port');
  });

  test('health probes and webhooks are checked at connect time too: refused, logged, alerted per target', async () => {
    dns['probe.rebind.test'] = ['203.0.113.11'];
    dns['hook.rebind.test'] = ['203.0.113.12'];
    const version = await admin('PATCH', `/api/v1/versions/${seed.thueV1.id}`, {
      upstreams: { sandbox: `http://probe.rebind.test:${adminPort}/api` },
      healthCheck: { path: '/health', intervalSeconds: 10 },
    });
    assert.equal(version.status, 200, JSON.stringify(version.body));
    const hook = await admin('POST', '/api/v1/webhooks', {
      organizationId: seed.consumer.id,
      url: `http://hook.rebind.test:${adminPort}/lgsp`,
    });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    await platform.snapshots.refresh();

    dns['probe.rebind.test'] = ['127.0.0.1'];
    dns['hook.rebind.test'] = ['::ffff:127.0.0.1'];
    await platform.health.evaluate();
    await platform.store.db.transaction().execute((trx) =>
      enqueueNotification(
        trx,
        {
          eventType: 'notice.maintenance',
          recipients: { organizationIds: [seed.consumer.id] },
          subject: 'Bảo trì / Maintenance',
          text: 'Bảo trì / Maintenance',
          payload: {},
        },
        Date.now(),
      ),
    );
    const keys = [
      `egress.denied:probe.rebind.test:${adminPort}`,
      `egress.denied:hook.rebind.test:${adminPort}`,
    ];
    await within(10_000, async () => {
      const open = await platform.alerts.list({ kind: 'egress.denied' });
      return keys.every((key) => open.some((a) => a.key === key));
    });
    const open = await platform.alerts.list({ kind: 'egress.denied' });
    const clientOf = (key: string) =>
      (open.find((a) => a.key === key)!.details as Record<string, unknown>)['client'];
    assert.equal(clientOf(keys[0]!), 'probe');
    assert.equal(clientOf(keys[1]!), 'webhook');
  });
});

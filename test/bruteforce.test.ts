import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Accounts } from '../src/control/accounts.ts';
import { blockMs } from '../src/core/backoff.ts';
import { ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { HealthMonitor } from '../src/telemetry/health.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { startGatewayHarness } from './helpers/gateway-harness.ts';
import { storeKinds } from './helpers/stores.ts';

/**
 * Issue 10 item 5, brute-force limits: wrong secrets at `/token` and wrong passwords at the admin login slow down
 * and then lock out the key, username or address that sends them — the right secret too while blocked — with
 * Retry-After; another consumer is served all along; a success resets its key's count; the limits hold across
 * gateway workers and across a restart of the admin API; an operator lifts a lockout; a burst opens an alert.
 */

interface TokenAnswer {
  status: number;
  retryAfter: string | null;
  body: Record<string, unknown>;
}

/** POST /token with client_secret_post, from `localAddress` (Linux routes all of 127.0.0.0/8 to loopback). */
function tokenCall(
  gatewayUrl: string,
  key: string,
  secret: string,
  localAddress = '127.0.0.1',
): Promise<TokenAnswer> {
  const { hostname, port } = new URL(gatewayUrl);
  const body = `grant_type=client_credentials&client_id=${encodeURIComponent(key)}&client_secret=${encodeURIComponent(secret)}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        path: '/token',
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('the backoff: free failures, then blocks doubling up to the lockout', () => {
  const policy = { freeFailures: 3, baseBlockMs: 1000, maxBlockMs: 10_000, windowMs: 60_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 1000].map((n) => blockMs(n, policy)),
    [0, 0, 0, 1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});

describe('POST /token: wrong secrets block the key and the address, not other consumers', () => {
  const clock = new ManualClock(Date.parse('2026-06-01T03:00:00Z'));
  let h: Awaited<ReturnType<typeof startGatewayHarness>>;
  let a: { consumerKey: string; consumerSecret: string };
  let b: { consumerKey: string; consumerSecret: string };
  let c: { consumerKey: string; consumerSecret: string };
  const warnings: string[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        warnings.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    h = await startGatewayHarness('pglite', { clock, logger: pino({ level: 'warn' }, sink) });
    const org = await h.registry.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 'test');
    const systems = [];
    for (const name of ['Hộ tịch', 'Lý lịch tư pháp', 'Công chứng']) {
      systems.push(
        await h.registry.createSystem(
          { organizationId: org.id, name, isProvider: false, isConsumer: true },
          'test',
        ),
      );
    }
    a = await h.registry.issueCredential(systems[0]!.id, 'production', 'test');
    b = await h.registry.issueCredential(systems[1]!.id, 'production', 'test');
    c = await h.registry.issueCredential(systems[2]!.id, 'production', 'test');
    await h.snapshots.refresh();
  });
  after(() => h.close());

  test('20 wrong secrets in a row for one key → 429 with Retry-After, the right one too; another consumer is served', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await tokenCall(h.url, a.consumerKey, `sai-${i}`)).status);
    // 10 free failures, the 11th blocks the key for 1 s (the clock stands still): the rest are refused unchecked.
    assert.deepEqual(statuses, [...Array(11).fill(401), ...Array(9).fill(429)]);

    const right = await tokenCall(h.url, a.consumerKey, a.consumerSecret);
    assert.equal(right.status, 429, 'the right secret is refused during the block');
    assert.equal(right.retryAfter, '1');
    assert.equal(right.body['error'], 'invalid_client');
    assert.match(String(right.body['error_description']), /retry after 1 s/);

    // Another consumer from the same address is not slowed (11 failures from this address, 50 are free).
    assert.equal((await tokenCall(h.url, b.consumerKey, b.consumerSecret)).status, 200);

    // After the block, one more wrong secret doubles it; then the right secret works and resets the count.
    clock.advance(1001);
    assert.equal((await tokenCall(h.url, a.consumerKey, 'sai-nua')).status, 401);
    const doubled = await tokenCall(h.url, a.consumerKey, a.consumerSecret);
    assert.deepEqual([doubled.status, doubled.retryAfter], [429, '2']);
    clock.advance(2001);
    assert.equal((await tokenCall(h.url, a.consumerKey, a.consumerSecret)).status, 200);
    for (let i = 0; i < 10; i++) assert.equal((await tokenCall(h.url, a.consumerKey, 'sai')).status, 401);
    assert.equal((await tokenCall(h.url, a.consumerKey, a.consumerSecret)).status, 200, 'count was reset');

    // Each block is logged once as it starts, with the key and address, never the secret: 11th failure, then 12th.
    const blocks = warnings.filter((w) => w.includes('blocked after repeated failed'));
    assert.equal(blocks.length, 2);
    assert.match(
      blocks[0]!,
      new RegExp(`"consumerKey":"${a.consumerKey}","address":"127.0.0.1","blockedMs":1000`),
    );
    assert.ok(!warnings.join('\n').includes('sai-'), 'no secret in the log');

    // Recorded as transactions with their codes, and never the secret.
    await h.recorder.flush();
    const rows = await h.store.db
      .selectFrom('transactions')
      .select(['error_code', 'consumer_status'])
      .where('resource_template', '=', '/token')
      .execute();
    assert.equal(rows.filter((r) => r.error_code === 'GW_TOKEN_THROTTLED').length, 11);
    assert.ok(
      rows.filter((r) => r.error_code === 'GW_TOKEN_CLIENT_INVALID').length >= 22,
      "rows.filter((r) => r.error_code === 'GW_TOKEN_CLIENT_INVALID').length >= 22",
    );
  });

  test('one address spraying made-up keys is blocked for every key; another address is served', async () => {
    clock.advance(3_600_000);
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++) {
      statuses.push((await tokenCall(h.url, `khong-co-${i}`, 'x', '127.0.0.3')).status);
    }
    assert.deepEqual(statuses, [...Array(51).fill(401), 429]);
    const sameAddress = await tokenCall(h.url, c.consumerKey, c.consumerSecret, '127.0.0.3');
    assert.deepEqual([sameAddress.status, sameAddress.retryAfter], [429, '1']);
    assert.equal((await tokenCall(h.url, c.consumerKey, c.consumerSecret, '127.0.0.4')).status, 200);
  });

  test('a burst of failures opens an auth.bruteforce alert (no secret in it)', async () => {
    await h.recorder.flush();
    const config = loadConfig({ env: {}, overrides: { limits: { alertFailures: 20 } } });
    const alerts = new Alerts(h.store, clock, config.alerts, silentLogger());
    const monitor = new HealthMonitor({
      store: h.store,
      clock,
      config,
      alerts,
      egress: EgressPolicy.forPlatform(config),
      logger: silentLogger(),
      routes: () => null,
      pendingMessages: async () => 0,
    });
    await monitor.evaluate();
    const open = await alerts.list({ state: 'open', kind: 'auth.bruteforce' });
    assert.deepEqual(
      open.map((x) => x.key),
      ['auth.bruteforce:token'],
    );
    assert.ok(Number(open[0]!.details['failures']) >= 20, "Number(open[0]!.details['failures']) >= 20");
    assert.ok(
      !JSON.stringify(open).includes(c.consumerSecret),
      '!JSON.stringify(open).includes(c.consumerSecret)',
    );
  });
});

for (const kind of storeKinds) {
  describe(`admin login: wrong passwords back off to a lockout an operator lifts; a restart keeps it (${kind})`, () => {
    let h: AdminHarness;
    let configHome: string;
    let url: string;
    const login = (username: string, password: string, remoteAddress = '127.0.0.1') =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username, password }),
      });

    before(async () => {
      // The real time: the CLI judges the session's expiry by it.
      h = await openAdminHarness(kind, { startMs: Date.now() });
      await h.accounts.createUser(
        {
          username: 'kiemtoan',
          displayName: 'Kiểm toán viên',
          password: 'mat-khau-kiem-toan',
          role: 'auditor',
          organizationId: null,
        },
        'test',
      );
      url = await h.app.listen({ port: 0, host: '127.0.0.1' });
      configHome = mkdtempSync(join(tmpdir(), 'lgsp-bruteforce-'));
    });
    after(async () => {
      await h.dispose();
      rmSync(configHome, { recursive: true, force: true });
    });

    test('5 free failures, then doubling blocks — the right password refused with 429 API_LOGIN_LOCKED', async () => {
      for (let i = 0; i < 6; i++) assert.equal((await login('admin', `sai-${i}`)).statusCode, 401);
      const locked = await login('admin', TEST_PASSWORD);
      assert.equal(locked.statusCode, 429);
      assert.match(String(locked.headers['content-type']), /^application\/problem\+json/);
      assert.equal(locked.headers['retry-after'], '1');
      assert.equal(locked.json().code, 'API_LOGIN_LOCKED');
      assert.equal(locked.json().retryAfterSeconds, 1);

      // Another user from another address is not slowed; nor from this one (6 failures, 30 are free).
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '10.0.0.9')).statusCode, 200);
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan')).statusCode, 200);

      // Each further failure doubles the block, up to the 15-minute lockout.
      let retryAfter = '';
      for (let i = 0; i < 10; i++) {
        h.clock.advance(16 * 60_000);
        assert.equal((await login('admin', 'van-sai')).statusCode, 401);
        retryAfter = String((await login('admin', TEST_PASSWORD)).headers['retry-after']);
      }
      assert.equal(retryAfter, '900');
      // Nothing of any password is kept.
      const rows = await h.store.db.selectFrom('login_throttle').selectAll().execute();
      assert.ok(!JSON.stringify(rows).includes('van-sai'), "!JSON.stringify(rows).includes('van-sai')");
    });

    test('a restart does not lift the lockout', async () => {
      const config = loadConfig({ env: {} });
      const restarted = new Accounts(h.store, h.clock, 12, config.limits);
      await assert.rejects(restarted.login('admin', TEST_PASSWORD, '127.0.0.1'), {
        code: 'API_LOGIN_LOCKED',
      });
    });

    test('the lockout opens an auth.bruteforce alert', async () => {
      const alerts = new Alerts(h.store, h.clock, h.config.alerts, silentLogger());
      const monitor = new HealthMonitor({
        store: h.store,
        clock: h.clock,
        config: h.config,
        alerts,
        egress: EgressPolicy.forPlatform(h.config),
        logger: silentLogger(),
        routes: () => null,
        pendingMessages: async () => 0,
      });
      await monitor.evaluate();
      const open = await alerts.list({ state: 'open', kind: 'auth.bruteforce' });
      assert.deepEqual(
        open.map((x) => x.key),
        ['auth.bruteforce:login'],
      );
      assert.deepEqual(open[0]!.details['lockedOut'], ['user:admin']);
    });

    test('an operator lifts it with `lgsp user unlock`, audited; then the right password works', async () => {
      const run = await runCli(['user', 'unlock', 'admin'], adminEnv(url, h.token, configHome));
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /Đã mở khóa \/ Unlocked: admin/);
      assert.equal((await login('admin', TEST_PASSWORD)).statusCode, 200);
      const audit = await h.store.db
        .selectFrom('audit_events')
        .select(['action', 'object_id'])
        .where('action', '=', 'user.unlock')
        .execute();
      assert.deepEqual(audit, [{ action: 'user.unlock', object_id: 'admin' }]);

      // The success reset the count: 5 more failures are free again.
      for (let i = 0; i < 5; i++) assert.equal((await login('admin', 'sai')).statusCode, 401);
      assert.equal((await login('admin', TEST_PASSWORD)).statusCode, 200);
    });

    test('one address trying many usernames is blocked for all of them; another address is not', async () => {
      for (let i = 0; i < 31; i++) {
        assert.equal((await login(`nguoi-${i}`, 'sai-mat-khau', '10.0.0.66')).statusCode, 401);
      }
      const blocked = await login('admin', TEST_PASSWORD, '10.0.0.66');
      assert.equal(blocked.statusCode, 429);
      assert.equal((await login('admin', TEST_PASSWORD, '10.0.0.67')).statusCode, 200);
      const unlocked = await h.call('POST', '/api/v1/users/admin/unlock', { address: '10.0.0.66' });
      assert.equal(unlocked.statusCode, 200);
      assert.equal(unlocked.json().cleared, 1);
      assert.equal((await login('admin', TEST_PASSWORD, '10.0.0.66')).statusCode, 200);
    });
  });
}

describe('POST /token with 2 gateway workers: the limit holds across them', () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-bruteforce-cluster-'));
  let a: { consumerKey: string; consumerSecret: string };
  let b: { consumerKey: string; consumerSecret: string };

  before(async () => {
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1', workers: 2 },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        // 5 free failures per key; blocks long enough that none ends while the test runs on a slow machine.
        limits: { tokenFreeFailures: 5, tokenBlockBaseMs: 120_000 },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { logger: silentLogger() });
    const org = await platform.registry.createOrganization(
      { code: '000.00.12.H01', name: 'Sở Tư pháp' },
      'test',
    );
    const systems = [];
    for (const name of ['Hộ tịch', 'Lý lịch tư pháp']) {
      systems.push(
        await platform.registry.createSystem(
          { organizationId: org.id, name, isProvider: false, isConsumer: true },
          'test',
        ),
      );
    }
    a = await platform.registry.issueCredential(systems[0]!.id, 'production', 'test');
    b = await platform.registry.issueCredential(systems[1]!.id, 'production', 'test');
    await platform.snapshots.refresh();
    // Both workers have the snapshot with the new credentials before the test starts.
    await platform.gatewayWorkers!.quotaSynced();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const probes = await Promise.all(
        [0, 1].map(() => tokenCall(platform.gatewayUrl, b.consumerKey, b.consumerSecret)),
      );
      if (probes.every((p) => p.status === 200)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('6 wrong secrets spread over both workers (≤ 5 on each) block the key on both', async () => {
    // A fresh connection per call: the primary hands them to the workers in turn.
    for (let i = 0; i < 6; i++) {
      assert.equal((await tokenCall(platform.gatewayUrl, a.consumerKey, `sai-${i}`)).status, 401);
    }
    await platform.gatewayWorkers!.quotaSynced();
    const after = [];
    for (let i = 0; i < 4; i++)
      after.push(await tokenCall(platform.gatewayUrl, a.consumerKey, a.consumerSecret));
    assert.deepEqual(
      after.map((r) => r.status),
      [429, 429, 429, 429],
    );
    assert.ok(Number(after[0]!.retryAfter) > 60, 'Number(after[0]!.retryAfter) > 60');
    assert.equal((await tokenCall(platform.gatewayUrl, b.consumerKey, b.consumerSecret)).status, 200);
  });
});

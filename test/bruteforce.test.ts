import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Accounts } from '../src/control/accounts.ts';
import { blockMs } from '../src/core/backoff.ts';
import { ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { openRedis } from '../src/core/redis.ts';
import { formatVietnamDateTime, VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import { TokenThrottle } from '../src/gateway/token-throttle.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { HealthMonitor } from '../src/telemetry/health.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { startGatewayHarness } from './helpers/gateway-harness.ts';
import { agentPerWorker, untilEveryWorker } from './helpers/gateway-workers.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { freePort, type PlatformProcess } from './helpers/platform-process.ts';
import { testRedisPrefix, testRedisUrl } from './helpers/redis.ts';
import { sharedProvince } from './helpers/shared-nodes.ts';
import { storeKinds, testDatabaseUrl, withMigratedStore } from './helpers/stores.ts';
import { waitFor } from './helpers/wait.ts';

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
  headers: IncomingHttpHeaders;
}

/**
 * POST /token with client_secret_post, from `localAddress` (Linux routes all of 127.0.0.0/8 to loopback), on a
 * fresh connection or on the one `agent` keeps (to choose the gateway worker: test/helpers/gateway-workers.ts).
 */
function tokenCall(
  gatewayUrl: string,
  key: string,
  secret: string,
  localAddress = '127.0.0.1',
  agent?: Agent,
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
        agent: agent ?? false,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(agent ? {} : { connection: 'close' }),
        },
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
            headers: res.headers,
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
    const blocks = warnings.filter((w) => w.includes('tạm chặn sau nhiều lần xác thực sai liên tiếp / '));
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

/** A password typed into the username box: no account has that name. */
const PASSWORD_AS_NAME = 'MatKhau.Bi.Mat-2026';

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
      // Someone types their password into the name box as often, from another desk: locked out alike (the alert
      // test below finds the name nowhere in the alert).
      for (let i = 0; i < 6; i++) await login(PASSWORD_AS_NAME, 'x', '10.0.0.7');
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
        assert.equal((await login(PASSWORD_AS_NAME, 'x', '10.0.0.7')).statusCode, 401);
        retryAfter = String((await login('admin', TEST_PASSWORD)).headers['retry-after']);
      }
      assert.equal(retryAfter, '900');
      // Nothing of any password is kept.
      const rows = await h.store.db.selectFrom('login_throttle').selectAll().execute();
      assert.ok(!JSON.stringify(rows).includes('van-sai'), "!JSON.stringify(rows).includes('van-sai')");
      // Nor a name no account has (often a password typed into the name box): only its keyed digest, in every
      // backup — and it is locked out all the same, as an account's name is.
      assert.ok(!JSON.stringify(rows).includes(PASSWORD_AS_NAME), 'the typed name is not kept');
      assert.ok(
        rows.some((r) => /^name#[A-Za-z0-9_-]{43}$/.test(r.subject)),
        'its digest counts',
      );
      assert.equal((await login(PASSWORD_AS_NAME, 'x', '10.0.0.8')).statusCode, 429);
    });

    test('a restart does not lift the lockout', async () => {
      const config = loadConfig({ env: {} });
      const restarted = new Accounts(h.store, h.clock, 12, config.limits, TEST_KEK);
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
      // The name no account has, locked as long, is counted, never named: it is often a password.
      assert.deepEqual(open[0]!.details['lockedOut'], ['user:admin']);
      assert.equal(open[0]!.details['lockedOutUnknownNames'], 1);
      assert.equal(JSON.stringify(open).includes(PASSWORD_AS_NAME), false, 'the typed name is in the alert');
    });

    test('an operator lifts it with `lgsp user unlock`, audited; then the right password works', async () => {
      // `lgsp user list` shows whom to unlock: locked until when, Vietnam time; --json as the API gives it.
      const lockedRow = async () => {
        const listed = await runCli(
          ['user', 'list', '--search', 'admin'],
          adminEnv(url, h.token, configHome),
        );
        assert.equal(listed.code, 0, listed.err);
        assert.match(listed.out, /Khoá tới \/ Locked until/);
        return listed.out.split('\n').find((line) => / admin /.test(line)) ?? '';
      };
      const json = await runCli(
        ['user', 'list', '--search', 'admin', '--json'],
        adminEnv(url, h.token, configHome),
      );
      assert.equal(json.code, 0, json.err);
      const admin = (JSON.parse(json.out).items as Array<Record<string, unknown>>).find(
        (u) => u.username === 'admin',
      );
      assert.equal(typeof admin?.lockedUntil, 'string', json.out);
      assert.ok((admin?.failedSignIns as number) > 5, json.out);
      assert.equal(admin?.mustChangePassword, false);
      const until = formatVietnamDateTime(Date.parse(admin!.lockedUntil as string), VIETNAM_OFFSET_MINUTES);
      assert.match(until, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
      assert.ok((await lockedRow()).includes(until), 'the table shows the lock in Vietnam time');

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
      assert.equal((await lockedRow()).includes(until), false, 'unlocked: the table shows no lock');

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

    test('IPv6: the addresses of one /64 share a counter; another /64 does not; unlock takes any of them', async () => {
      // One host may use every address of its /64: counted one by one, each had its own 30 free failures.
      for (let i = 1; i <= 31; i++) {
        const from = `2001:db8:7:7::${i.toString(16)}`;
        assert.equal((await login(`v6-${i}`, 'sai', from)).statusCode, 401);
      }
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '2001:db8:7:7:ffff::9')).statusCode, 429);
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '2001:db8:7:8::1')).statusCode, 200);
      // An IPv4 client seen through a dual-stack socket is its IPv4 address.
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '::ffff:10.0.0.66')).statusCode, 200);
      const unlocked = await h.call('POST', '/api/v1/users/kiemtoan/unlock', {
        address: '2001:0db8:0007:0007::abcd',
      });
      assert.equal(unlocked.json().cleared, 1, unlocked.body);
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '2001:db8:7:7::1')).statusCode, 200);
    });

    test('a burst of wrong passwords sent at once gets no more checked than one at a time: the right one in it is refused', async () => {
      await h.accounts.createUser(
        {
          username: 'dong-loat',
          displayName: 'Đồng loạt',
          password: 'mat-khau-dong-loat',
          role: 'auditor',
          organizationId: null,
        },
        'test',
      );
      // Sent together, as a script would: every check used to read "not blocked" before any failure was counted,
      // so all 40 passwords were tried (and the right one, last, signed in) where 6 are.
      const burst = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          login('dong-loat', i === 39 ? 'mat-khau-dong-loat' : `sai-${i}`, '10.0.0.90'),
        ),
      );
      const statuses = burst.map((r) => r.statusCode);
      // 5 free failures and the 6th, which starts the block; every later one is refused before its check.
      assert.equal(statuses.filter((s) => s === 401).length, 6, statuses.join(' '));
      assert.equal(statuses.filter((s) => s === 429).length, 34, statuses.join(' '));
      assert.equal(burst[39]!.statusCode, 429, 'the right password, late in the burst, is refused');

      // The address's counter alike: 60 made-up names at once from one address check 31 (30 free, then the block).
      const spray = await Promise.all(
        Array.from({ length: 60 }, (_, i) => login(`bia-${i}`, 'sai', '10.0.0.91')),
      );
      assert.equal(spray.filter((r) => r.statusCode === 401).length, 31);
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '10.0.0.91')).statusCode, 429);

      // A success counts nothing against its address: 30 failures, then the right password, then more are free.
      for (let i = 0; i < 30; i++)
        assert.equal((await login(`ten-${i}`, 'sai', '10.0.0.92')).statusCode, 401);
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '10.0.0.92')).statusCode, 200);
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '10.0.0.92')).statusCode, 200);
      assert.equal((await login('ten-x', 'sai', '10.0.0.92')).statusCode, 401);
      assert.equal((await login('kiemtoan', 'mat-khau-kiem-toan', '10.0.0.92')).statusCode, 429);
    });
  });
}

describe('POST /token with 2 gateway workers: the limit holds across them', () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-bruteforce-cluster-'));
  let a: { consumerKey: string; consumerSecret: string };
  let b: { consumerKey: string; consumerSecret: string };

  before(async () => {
    await withMigratedStore(dataDir);
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
      const probes = await untilEveryWorker(() =>
        tokenCall(platform.gatewayUrl, b.consumerKey, b.consumerSecret),
      );
      if (probes.every((p) => p.status === 200)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await platform.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('6 wrong secrets spread over both workers (3 on each) block the key on both', async () => {
    // One kept connection to each worker (found with b's right secret, which counts nothing against a): the
    // failures alternate between the workers, whichever accepts fresh connections.
    const agents = await agentPerWorker((agent) =>
      tokenCall(platform.gatewayUrl, b.consumerKey, b.consumerSecret, '127.0.0.1', agent),
    );
    for (let i = 0; i < 6; i++) {
      const agent = agents[i % 2]!;
      assert.equal(
        (await tokenCall(platform.gatewayUrl, a.consumerKey, `sai-${i}`, '127.0.0.1', agent)).status,
        401,
      );
    }
    await platform.gatewayWorkers!.quotaSynced();
    const after = [];
    for (const agent of [...agents, ...agents])
      after.push(await tokenCall(platform.gatewayUrl, a.consumerKey, a.consumerSecret, '127.0.0.1', agent));
    for (const agent of agents) agent.destroy();
    assert.deepEqual(
      after.map((r) => r.status),
      [429, 429, 429, 429],
    );
    assert.ok(Number(after[0]!.retryAfter) > 60, 'Number(after[0]!.retryAfter) > 60');
    assert.equal((await tokenCall(platform.gatewayUrl, b.consumerKey, b.consumerSecret)).status, 200);
  });
});

/**
 * Issue 13 item 3: the `/token` limits shared in Redis. Two throttles on one Redis stand for two nodes: the count is
 * exact across them, a block reaches both, and a success of a key with no failures never makes a round trip.
 */
describe('shared /token counters in Redis (two nodes in one process)', {
  skip: testRedisUrl ? false : 'LGSP_TEST_REDIS_URL not set',
}, () => {
  const limits = loadConfig({
    env: {},
    overrides: { limits: { tokenFreeFailures: 5, tokenBlockBaseMs: 120_000 } },
  }).limits;
  const throttles: TokenThrottle[] = [];
  const node = (prefix: string, url = testRedisUrl, onUnavailable: 'open' | 'closed' = 'open') => {
    const t = new TokenThrottle(limits, {
      redis: openRedis(url),
      subscriber: openRedis(url),
      keyPrefix: prefix,
      onUnavailable,
      logger: silentLogger(),
    });
    throttles.push(t);
    return t;
  };
  after(() => Promise.all(throttles.map((t) => t.close())));

  test('6 failures alternating over two nodes block the key on both at the 6th; successes cost no round trip', async () => {
    const prefix = testRedisPrefix();
    const [one, two] = [node(prefix), node(prefix)];
    await Promise.all([one.start(), two.start()]);
    assert.deepEqual([one.state, two.state], ['redis', 'redis']);
    const now = Date.now();
    const blocked: number[] = [];
    for (let i = 0; i < 6; i++) blocked.push(await (i % 2 ? two : one).failed('key-a', '10.1.0.1', now));
    assert.deepEqual(
      blocked.map((ms) => ms > 0),
      [false, false, false, false, false, true],
      'the 6th failure, counted across both, starts the block',
    );
    // The block was published: the node that did not count the 6th refuses too (its view, no round trip).
    await waitFor(async () => one.retryAfterMs('key-a', '10.1.0.2', Date.now()) > 60_000, {
      what: 'the block heard on the other node',
      timeoutMs: 10_000,
    });
    assert.ok(
      two.retryAfterMs('key-a', '10.1.0.2', Date.now()) > 60_000,
      'the node that counted the 6th refuses too',
    );
    assert.equal(one.retryAfterMs('key-b', '10.1.0.3', Date.now()), 0, 'another key is not blocked');

    // A key with no failures: authenticating it never asks Redis.
    const shared = (t: TokenThrottle) => (t as unknown as { shared: { roundTrips: number } }).shared;
    const before = shared(one).roundTrips;
    for (let i = 0; i < 100; i++) {
      assert.equal(one.retryAfterMs('key-b', '10.1.0.3', Date.now()), 0);
      one.succeeded('key-b');
    }
    assert.equal(shared(one).roundTrips, before, 'no round trip for 100 successes of a clean key');
  });

  test('a node that starts late learns the blocks still running when it connects', async () => {
    const prefix = testRedisPrefix();
    const first = node(prefix);
    await first.start();
    for (let i = 0; i < 6; i++) await first.failed('key-c', '10.1.0.4', Date.now());
    const late = node(prefix);
    await late.start();
    assert.ok(late.retryAfterMs('key-c', '10.1.0.5', Date.now()) > 60_000, 'the late node knows the block');
  });

  test('the command connection drops while the subscription stays: counted here meanwhile, shared again after', async () => {
    const prefix = testRedisPrefix();
    const [one, two] = [node(prefix), node(prefix)];
    await Promise.all([one.start(), two.start()]);
    const commands = (one as unknown as { shared: { redis: { stream: { destroy(): void } } } }).shared.redis;
    commands.stream.destroy();
    // While it reconnects: this node counts alone (open), and says so.
    await one.failed('key-e', '10.1.0.7', Date.now());
    assert.equal(one.state, 'redis-unavailable', 'the failed command shows');
    await waitFor(() => one.state === 'redis', { what: 'shared again', timeoutMs: 10_000 });
    for (let i = 0; i < 6; i++) await one.failed('key-f', '10.1.0.8', Date.now());
    await waitFor(() => two.retryAfterMs('key-f', '10.1.0.9', Date.now()) > 60_000, {
      what: 'a block counted after the recovery heard on the other node',
      timeoutMs: 10_000,
    });
  });

  test('Redis unreachable: closed refuses, open counts on this node; the state says so', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`;
    const closed = node(testRedisPrefix(), nowhere, 'closed');
    const open = node(testRedisPrefix(), nowhere, 'open');
    await Promise.all([closed.start(), open.start()]);
    assert.deepEqual([closed.state, open.state], ['redis-unavailable', 'redis-unavailable']);
    assert.equal(closed.unavailable(), true, 'closed: no authentication without the shared counts');
    assert.equal(open.unavailable(), false);
    const blocked: number[] = [];
    for (let i = 0; i < 6; i++) blocked.push(await open.failed('key-d', '10.1.0.6', Date.now()));
    assert.deepEqual(
      blocked.map((ms) => ms > 0),
      [false, false, false, false, false, true],
      'open: the same limit on this node alone',
    );
    assert.ok(open.unavailableDecisions >= 6, 'each decision without Redis counted for /metrics');
  });

  test('closed, end to end: /token answers 503 GW_TOKEN_THROTTLE_UNAVAILABLE with Retry-After', async () => {
    const h = await startGatewayHarness('pglite', {
      redis: { redisUrl: `redis://127.0.0.1:${await freePort()}`, redis: { onUnavailable: 'closed' } },
    });
    try {
      const org = await h.registry.createOrganization({ code: '000.00.13.H01', name: 'Sở Xây dựng' }, 'test');
      const system = await h.registry.createSystem(
        { organizationId: org.id, name: 'Cấp phép', isProvider: false, isConsumer: true },
        'test',
      );
      const cred = await h.registry.issueCredential(system.id, 'production', 'test');
      await h.snapshots.refresh();
      const answer = await tokenCall(h.url, cred.consumerKey, cred.consumerSecret);
      assert.equal(answer.status, 503);
      assert.equal(answer.retryAfter, '5');
      assert.equal(answer.body['error'], 'temporarily_unavailable');
    } finally {
      await h.close();
    }
  });
});

/**
 * Issue 13 item 3 with real processes: three gateway nodes on one PostgreSQL and one Redis, the third with two
 * gateway workers. Twenty wrong secrets spread over the nodes: the key is blocked on every node (and every worker),
 * the right secret too; another consumer is served everywhere. The primary of the two-worker node shows each
 * worker's Redis state in its /metrics (issue 13 item 3, "gateway.workers = N").
 */
describe('POST /token across three gateway nodes on one Redis', {
  skip: !testRedisUrl
    ? 'LGSP_TEST_REDIS_URL not set'
    : !testDatabaseUrl
      ? 'LGSP_TEST_DATABASE_URL not set'
      : false,
}, () => {
  let province: Awaited<ReturnType<typeof sharedProvince>>;
  const nodes: PlatformProcess[] = [];

  before(async () => {
    province = await sharedProvince();
    const prefix = testRedisPrefix();
    for (const workers of [1, 1, 2]) {
      nodes.push(
        await province.node({
          LGSP_ROLE: 'gateway',
          LGSP_GATEWAY_WORKERS: String(workers),
          LGSP_REDIS_URL: testRedisUrl,
          LGSP_REDIS_KEY_PREFIX: prefix,
          LGSP_TOKEN_FREE_FAILURES: '5',
          LGSP_TOKEN_BLOCK_BASE_MS: '120000',
        }),
      );
    }
    await Promise.all(nodes.map((n) => n.start()));
  });
  after(() => province?.dispose());

  test('20 wrong secrets over 3 nodes → refused on every node, the right one too; another consumer served', {
    timeout: 120_000,
  }, async () => {
    const a = province.seed.credential;
    const b = province.credential;
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      statuses.push((await tokenCall(nodes[i % 3]!.gatewayUrl, a.consumerKey, `sai-${i}`)).status);
    }
    // 5 free failures, the 6th blocks: counted across the nodes, so every later attempt is refused unchecked.
    assert.deepEqual(statuses, [...Array(6).fill(401), ...Array(14).fill(429)]);
    for (const [i, n] of nodes.entries()) {
      // Fresh connections until every worker of the node has answered.
      const workers = i === 2 ? 2 : 1;
      for (const right of await untilEveryWorker(
        () => tokenCall(n.gatewayUrl, a.consumerKey, a.consumerSecret),
        { workers },
      )) {
        assert.equal(right.status, 429, `node ${i}: the right secret is refused during the block`);
        assert.ok(Number(right.retryAfter) > 60, `node ${i}: Retry-After ${right.retryAfter}`);
      }
      for (const other of await untilEveryWorker(
        () => tokenCall(n.gatewayUrl, b.consumerKey, b.consumerSecret),
        { workers },
      )) {
        assert.equal(other.status, 200, `node ${i}: another consumer is served`);
      }
    }
    const metrics = await (await fetch(`${nodes[2]!.adminUrl}/metrics`)).text();
    assert.match(metrics, /^lgsp_bruteforce_redis_up 1$/m);
    assert.match(metrics, /^lgsp_quota_redis_up 1$/m);
    const workerLines = metrics.match(
      /^lgsp_gateway_worker_redis_up\{worker="\d+",counters="bruteforce"\} 1$/gm,
    );
    assert.equal(workerLines?.length, 2, `each of the 2 workers reports Redis reachable:\n${metrics}`);
    assert.match(metrics, /^lgsp_bruteforce_decisions_without_redis_total 0$/m);
  });
});

describe('admin login behind a reverse proxy (admin.trustedProxies)', () => {
  let h: AdminHarness;
  let plain: AdminHarness;
  const login = (on: AdminHarness, forwardedFor: string, username: string, password: string) =>
    on.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '127.0.0.1',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      payload: JSON.stringify({ username, password }),
    });
  before(async () => {
    h = await openAdminHarness('pglite', { overrides: { admin: { trustedProxies: ['127.0.0.1'] } } });
    plain = await openAdminHarness('pglite');
  });
  after(async () => {
    await h?.dispose();
    await plain?.dispose();
  });

  test("the proxy's X-Forwarded-For is the client: one client spraying names blocks itself, not everyone behind the proxy", async () => {
    // Through nginx every connection comes from 127.0.0.1: counted by the socket, one client's 31 failures blocked
    // every sign-in through the proxy, and the history said 127.0.0.1 for everyone.
    for (let i = 0; i < 31; i++) {
      assert.equal((await login(h, '203.0.113.5', `nguoi-${i}`, 'sai')).statusCode, 401);
    }
    assert.equal((await login(h, '203.0.113.5', 'admin', TEST_PASSWORD)).statusCode, 429);
    // What the client wrote left of what the proxy appended is the client's own word, and not believed.
    assert.equal((await login(h, '198.51.100.1, 203.0.113.5', 'admin', TEST_PASSWORD)).statusCode, 429);
    assert.equal((await login(h, '203.0.113.6', 'admin', TEST_PASSWORD)).statusCode, 200);
    // The history says where each attempt came from (the harness's own sign-in aside), never the proxy.
    const rows = await h.store.db.selectFrom('sign_ins').select('address').distinct().execute();
    const addresses = rows.map((r) => r.address).filter((a) => a !== '');
    assert.deepEqual(addresses.sort(), ['203.0.113.5', '203.0.113.6']);

    // Without it (the default), the header is the caller's own word: the socket's address is counted.
    for (let i = 0; i < 31; i++) {
      assert.equal((await login(plain, `203.0.113.${i}`, `nguoi-${i}`, 'sai')).statusCode, 401);
    }
    assert.equal((await login(plain, '203.0.113.200', 'admin', TEST_PASSWORD)).statusCode, 429);
  });
});

describe('POST /token counts an IPv6 client by its /64, as the admin sign-in does', () => {
  const limits = loadConfig({
    env: {},
    overrides: { limits: { tokenAddressFreeFailures: 5, tokenBlockBaseMs: 120_000 } },
  }).limits;

  test('failures from five addresses of one /64 block a sixth of it; another /64 and IPv4 are not blocked', async () => {
    const throttle = new TokenThrottle(limits);
    const now = Date.now();
    const blocked: number[] = [];
    // A host free to use every address of its /64 (RFC 6177) sprays made-up keys from a new one each time.
    for (let i = 1; i <= 6; i++) blocked.push(await throttle.failed(null, `2001:db8:1:2::${i}`, now));
    assert.deepEqual(
      blocked.map((ms) => ms > 0),
      [false, false, false, false, false, true],
      'the 6th failure of the /64 starts its block',
    );
    assert.ok(
      throttle.retryAfterMs(null, '2001:db8:1:2:ffff::9', now) > 60_000,
      'another address of the /64 waits',
    );
    assert.equal(throttle.retryAfterMs(null, '2001:db8:1:3::1', now), 0, 'the next /64 is not blocked');
    assert.equal(throttle.retryAfterMs(null, '10.1.2.3', now), 0, 'an IPv4 client is not blocked');
  });
});

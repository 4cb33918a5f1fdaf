import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { healthOf } from './helpers/cluster.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { freePort } from './helpers/platform-process.ts';
import { seedProvince } from './helpers/seed.ts';
import { createTestDatabase, testDatabaseUrl } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';

/**
 * A TCP proxy to PostgreSQL that the test cuts and restores: cut, every connection through it is reset and new
 * ones are refused (the listener is closed); restored, it listens on the same port again.
 */
class CuttableProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.resetAndDestroy();
    await closed;
  }
}

/**
 * Issue 13 item 7: while PostgreSQL cannot be reached, the admin API answers 503 with Retry-After (a registered
 * code, problem+json) instead of 500, the gateway keeps serving from its snapshot and says so at /healthz and in
 * /metrics; once PostgreSQL is back, both recover without a restart.
 */
describe('degraded store: PostgreSQL unreachable, then back', {
  skip: testDatabaseUrl ? false : 'LGSP_TEST_DATABASE_URL not set',
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'lgsp-degraded-'));
  let drop = async () => {};
  let proxy: CuttableProxy;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let platform: Platform;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  let sessionToken = '';

  before(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    const real = new URL(db.url);
    proxy = new CuttableProxy(await freePort(), { host: real.hostname, port: Number(real.port || 5432) });
    await proxy.open();
    const throughProxy = new URL(db.url);
    throughProxy.host = `127.0.0.1:${proxy.port}`;
    upstream = await startUpstream();
    platform = await startPlatform(
      loadConfig({
        env: {},
        overrides: {
          dataDir: join(root, 'data'),
          databaseUrl: throughProxy.toString(),
          gateway: { port: 0, host: '127.0.0.1' },
          admin: { port: 0, password: 'mat-khau-kiem-thu-mat-kho' },
          egress: { allow: [new URL(upstream.url).host] },
          logLevel: 'silent',
        },
      }),
      { logger: silentLogger() },
    );
    seed = await seedProvince(platform, upstream.url);
    await platform.snapshots.refresh();
    sessionToken = (await platform.accounts.login('admin', 'mat-khau-kiem-thu-mat-kho')).token;
  });

  after(async () => {
    await proxy.open();
    await platform?.stop();
    await upstream?.close();
    await proxy.cut();
    await drop();
    rmSync(root, { recursive: true, force: true });
  });

  const adminGet = (path: string) =>
    fetch(`${platform.adminUrl}${path}`, {
      headers: { authorization: `Bearer ${sessionToken}` },
      signal: AbortSignal.timeout(20_000),
    });

  test('admin API 503 + Retry-After, gateway serves from its snapshot and says so; back without restart', {
    timeout: 180_000,
  }, async () => {
    const token = await getToken(
      platform.gatewayUrl,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
    );
    const callGateway = () =>
      fetch(`${platform.gatewayUrl}/dancu/1.0/congdan/1`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await adminGet('/api/v1/organizations')).status, 200);

    await proxy.cut();
    const refused = await adminGet('/api/v1/organizations');
    const body = (await refused.json()) as Record<string, unknown>;
    assert.equal(refused.status, 503, JSON.stringify(body));
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.match(refused.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(body['code'], 'API_STORE_UNAVAILABLE');
    assert.match(String(body['title']), /^Kho dữ liệu tạm thời không truy cập được/);
    // A sign-in needs the store too: the same answer, not a 500.
    const login = await fetch(`${platform.adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'sai' }),
    });
    assert.equal(login.status, 503, await login.text());

    // The gateway answers from its snapshot all along; in strict durability (the default on PostgreSQL) each
    // answered call's record is durable first, in the node's journal while the store is away.
    const answeredWhileAway: string[] = [];
    const served = await callGateway();
    assert.equal(served.status, 200, await served.text());
    answeredWhileAway.push(served.headers.get('x-lgsp-transaction-id') ?? 'no id');
    await waitFor(
      async () => {
        const { status, body: h } = await healthOf(platform.gatewayUrl);
        return (
          status === 200 &&
          h['status'] === 'degraded' &&
          h['servingFromSnapshot'] === true &&
          h['engines'].store.state === 'unreachable'
        );
      },
      { what: 'the gateway says it serves from its snapshot', timeoutMs: 30_000 },
    );
    const metrics = await (await fetch(`${platform.adminUrl}/metrics`)).text();
    assert.match(metrics, /^lgsp_store_reachable 0$/m);
    const again = await callGateway();
    assert.equal(again.status, 200, 'still served while the store is away');
    answeredWhileAway.push(again.headers.get('x-lgsp-transaction-id') ?? 'no id');
    assert.ok(
      platform.recorder.journaled >= 2,
      'the records of the calls answered meanwhile went to the journal',
    );

    await proxy.open();
    await waitFor(async () => (await adminGet('/api/v1/organizations')).status === 200, {
      what: 'the admin API answers again without a restart',
      timeoutMs: 60_000,
    });
    await waitFor(
      async () => {
        const { body: h } = await healthOf(platform.gatewayUrl);
        return h['status'] === 'ok' && h['engines'].store.state === 'ok';
      },
      { what: 'the gateway says the store is back', timeoutMs: 30_000 },
    );
    assert.match(await (await fetch(`${platform.adminUrl}/metrics`)).text(), /^lgsp_store_reachable 1$/m);
    // The journal is shipped once the store takes writes again: every call answered meanwhile has its record.
    await waitFor(
      async () => {
        const rows = await platform.store.db
          .selectFrom('transactions')
          .select('id')
          .where('id', 'in', answeredWhileAway)
          .execute();
        return rows.length === answeredWhileAway.length;
      },
      { what: 'the records journaled during the outage are in the store', timeoutMs: 30_000 },
    );
  });
});

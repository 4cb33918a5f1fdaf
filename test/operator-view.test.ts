import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { withMigratedStore } from './helpers/stores.ts';

/**
 * A node's operational detail (`/healthz` role, engines, jobs, lag; `/metrics`) is for the operator's side only:
 * both ports face the outside (consumers call the gateway; the admin port serves the public portal). Asked from
 * another machine, or relayed by a proxy on this one, `/healthz` says only `{status, ready}` (with the same status
 * code a load balancer reads) and `/metrics` answers 401 unless the metrics token is sent.
 */

/** This machine's own non-loopback IPv4 address: a request to it has a peer that is not loopback. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

const METRICS_TOKEN = 'token-cua-prometheus-0123456789';

async function getJson(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A platform listening on every address, so the same node can be asked from "outside" (its LAN address) and locally. */
async function startOnEveryAddress(
  dataDir: string,
  admin: { metricsToken?: string } = {},
): Promise<Platform> {
  await withMigratedStore(dataDir);
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      gateway: { port: 0, host: '0.0.0.0' },
      admin: { port: 0, host: '0.0.0.0', password: 'mat-khau-kiem-thu', ...admin },
      logLevel: 'silent',
    },
  });
  return startPlatform(config, { logger: silentLogger() });
}

describe('operational detail only for the operator', {
  skip: outsideAddress === undefined && 'no non-loopback IPv4 address',
}, () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-operator-view-'));
  let gatewayPort = '';
  let adminPort = '';
  const at = (host: string, port: string, path: string) => `http://${host}:${port}${path}`;

  before(async () => {
    platform = await startOnEveryAddress(dataDir);
    gatewayPort = new URL(platform.gatewayUrl).port;
    adminPort = new URL(platform.adminUrl).port;
  });
  after(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  for (const [name, port] of [
    ['gateway', () => gatewayPort],
    ['admin', () => adminPort],
  ] as const) {
    test(`${name} /healthz and /readyz: the detail locally, only {status, ready} from outside or through a proxy`, async () => {
      for (const path of ['/healthz', '/readyz']) {
        const local = await getJson(at('127.0.0.1', port(), path));
        assert.equal(local.status, 200);
        assert.equal(local.body['role'], 'all', `${path} locally names the role`);
        assert.ok(local.body['engines'], `${path} locally says the engines' state`);

        const outside = await getJson(at(outsideAddress!, port(), path));
        assert.equal(outside.status, 200, 'a load balancer still reads ready from the status code');
        assert.deepEqual(outside.body, { status: 'ok', ready: true }, `${path} from another address`);

        const relayed = await getJson(at('127.0.0.1', port(), path), { 'x-forwarded-for': '203.0.113.9' });
        assert.deepEqual(
          relayed.body,
          { status: 'ok', ready: true },
          `${path} relayed by a proxy on this machine`,
        );
      }
    });
  }

  test('admin /metrics: locally readable, 401 from outside or relayed', async () => {
    assert.equal((await fetch(at('127.0.0.1', adminPort, '/metrics'))).status, 200);
    const outside = await fetch(at(outsideAddress!, adminPort, '/metrics'));
    assert.equal(outside.status, 401);
    assert.match(((await outside.json()) as { detail: string }).detail, /metricsToken/);
    const relayed = await fetch(at('127.0.0.1', adminPort, '/metrics'), {
      headers: { forwarded: 'for=203.0.113.9' },
    });
    assert.equal(relayed.status, 401);
  });
});

describe('operational detail with admin.metricsToken set', {
  skip: outsideAddress === undefined && 'no non-loopback IPv4 address',
}, () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-operator-view-token-'));

  before(async () => {
    platform = await startOnEveryAddress(dataDir, { metricsToken: METRICS_TOKEN });
  });
  after(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('from another machine, the token opens the detail of /healthz on both ports and /metrics', async () => {
    const bearer = { authorization: `Bearer ${METRICS_TOKEN}` };
    for (const base of [platform.gatewayUrl, platform.adminUrl]) {
      const url = new URL('/healthz', base);
      url.hostname = outsideAddress!;
      assert.deepEqual((await getJson(url.href)).body, { status: 'ok', ready: true });
      assert.deepEqual((await getJson(url.href, { authorization: 'Bearer wrong' })).body, {
        status: 'ok',
        ready: true,
      });
      assert.equal((await getJson(url.href, bearer)).body['role'], 'all');
    }
    const metrics = new URL('/metrics', platform.adminUrl);
    metrics.hostname = outsideAddress!;
    assert.equal((await fetch(metrics)).status, 401);
    assert.equal((await fetch(metrics, { headers: bearer })).status, 200);
  });
});

/** A GET with the `Host` header a browser sends for a page's own name (fetch may not set it), its status and body. */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('operational detail and DNS rebinding', () => {
  let platform: Platform;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-operator-rebind-'));
  before(async () => {
    await withMigratedStore(dataDir);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, host: '127.0.0.1', password: 'mat-khau-kiem-thu' },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { logger: silentLogger() });
  });
  after(async () => {
    await platform?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a page rebound to 127.0.0.1 (its own name in Host) reads no detail; loopback names still do', async () => {
    for (const base of [platform.gatewayUrl, platform.adminUrl]) {
      const port = new URL(base).port;
      const url = `http://127.0.0.1:${port}/healthz`;
      const rebound = await getWithHost(url, `rebind.attacker.example:${port}`);
      assert.equal(rebound.status, 200, 'a load balancer still reads ready from the status code');
      assert.deepEqual(JSON.parse(rebound.body), { status: 'ok', ready: true }, `${base}: rebound`);
      for (const host of [
        `localhost:${port}`,
        `127.0.0.1:${port}`,
        `[::1]:${port}`,
        'LOCALHOST.',
        `a.localhost:${port}`,
      ])
        assert.ok(JSON.parse((await getWithHost(url, host)).body)['role'], `${base}: Host ${host} is local`);
    }
    const metrics = `http://127.0.0.1:${new URL(platform.adminUrl).port}/metrics`;
    assert.equal((await getWithHost(metrics, 'rebind.attacker.example')).status, 401);
    assert.equal((await getWithHost(metrics, 'localhost')).status, 200);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { getToken, within } from './helpers/gateway-harness.ts';
import { seedProvince } from './helpers/seed.ts';
import { startUpstream } from './helpers/upstream.ts';

/** LGSP_GATEWAY_WORKERS=2: the gateway in two worker processes, the store and recorder in the primary. */
describe('gateway in worker processes', () => {
  let platform: Platform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-cluster-'));
  // A fresh connection per call, so the primary spreads the calls over both workers.
  const call = (url: string, token: string) =>
    fetch(url, { headers: { authorization: `Bearer ${token}`, connection: 'close' } }).then(async (r) => {
      await r.arrayBuffer();
      return r;
    });

  before(async () => {
    upstream = await startUpstream();
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1', workers: 2 },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { logger: silentLogger() });
    seed = await seedProvince(platform, upstream.url);
    await platform.snapshots.refresh();
  });
  after(async () => {
    await platform.stop();
    await upstream.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('calls through the workers are answered, and every one is recorded by the primary', async () => {
    const token = await getToken(
      platform.gatewayUrl,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
    );
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await call(`${platform.gatewayUrl}/dancu/1.0/congdan/${i}`, token);
      assert.equal(res.status, 200);
      ids.add(res.headers.get('x-lgsp-transaction-id')!);
    }
    await within(3_000, async () => {
      await platform.recorder.flush();
      const { items } = await queryTransactions(platform.store, {
        consumerSystemId: seed.consumerSystem.id,
        limit: 1000,
      });
      return [...ids].every((id) => items.some((t) => t.id === id));
    });
  });

  test('a revocation reaches every worker within 1 s', async () => {
    const cred = await platform.registry.issueCredential(seed.consumerSystem.id, 'production', 'test');
    await platform.snapshots.refresh();
    await within(1_000, async () => {
      const r = await fetch(`${platform.gatewayUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
        body: `grant_type=client_credentials&client_id=${cred.consumerKey}&client_secret=${cred.consumerSecret}`,
      });
      await r.arrayBuffer();
      return r.status === 200;
    });
    const token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    await platform.registry.revokeCredential(cred.id, 'test');
    await within(1_000, async () => {
      // Several fresh connections: every worker must refuse, not just one.
      const statuses = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(`${platform.gatewayUrl}/dancu/1.0/congdan/1`, token).then((r) => r.status),
        ),
      );
      return statuses.every((s) => s === 401);
    });
  });

  test('a quota holds across workers (within one 100 ms sync of traffic)', async () => {
    const sys = await platform.registry.createSystem(
      { organizationId: seed.consumer.id, name: 'Hệ thống hạn mức', isProvider: false, isConsumer: true },
      'test',
    );
    await platform.registry.createSubscription(
      { systemId: sys.id, versionId: seed.v1.id, environment: 'production', quotaPerMinute: 10 },
      'test',
    );
    const cred = await platform.registry.issueCredential(sys.id, 'production', 'test');
    await platform.snapshots.refresh();
    await new Promise((r) => setTimeout(r, 300));
    const token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    // Stay clear of a minute boundary, where the window (rightly) starts again.
    const msIntoMinute = Date.now() % 60_000;
    if (msIntoMinute > 50_000) await new Promise((r) => setTimeout(r, 61_000 - msIntoMinute));
    let allowed = 0;
    for (let i = 0; i < 24; i++) {
      if ((await call(`${platform.gatewayUrl}/dancu/1.0/congdan/${i}`, token)).status === 200) allowed++;
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.equal(allowed, 10, 'the two workers together allow the quota, not twice it');
  });
});

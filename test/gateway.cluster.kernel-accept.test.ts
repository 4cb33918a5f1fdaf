import assert from 'node:assert/strict';
import cluster from 'node:cluster';
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

/**
 * Issue 14 item 5, `gateway.workerAccept = kernel`: the workers accept on the one shared socket instead of the primary
 * handing connections out. What worker mode guarantees still holds — every call recorded by the primary, a quota
 * summed across the workers. A file of its own: node:cluster freezes its scheduling policy at a
 * process's first setupPrimary, and test/gateway.cluster.test.ts runs the round-robin default.
 */
describe('gateway workers accepting on the shared socket (gateway.workerAccept = kernel)', () => {
  let platform: Platform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-cluster-kernel-'));
  // A fresh connection per call: each one is accepted by whichever worker the kernel wakes.
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
        gateway: { port: 0, host: '127.0.0.1', workers: 2, workerAccept: 'kernel' },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        // Local noon now: the quota test's local day cannot end while it runs.
        timezoneOffsetMinutes: 720 - Math.floor((Date.now() % 86_400_000) / 60_000),
        egress: { allow: [new URL(upstream.url).host] },
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

  test('the workers share the listening socket: the primary hands out nothing', () => {
    assert.equal(cluster.schedulingPolicy, cluster.SCHED_NONE);
    assert.equal(platform.gatewayWorkers?.workerCount, 2);
  });

  test('calls on fresh connections are answered, and every one is recorded by the primary', async () => {
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

  test('a quota holds across the workers: what one counted is known to the other before the next call', async () => {
    const sys = await platform.registry.createSystem(
      { organizationId: seed.consumer.id, name: 'Hệ thống hạn mức', isProvider: false, isConsumer: true },
      'test',
    );
    await platform.registry.createSubscription(
      { systemId: sys.id, versionId: seed.v1.id, environment: 'production', quotaPerDay: 10 },
      'test',
    );
    const cred = await platform.registry.issueCredential(sys.id, 'production', 'test');
    await platform.snapshots.refresh();
    // Every worker has the new snapshot once each of them hands out a token for the new credential.
    const tokenStatus = () =>
      fetch(`${platform.gatewayUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
        body: `grant_type=client_credentials&client_id=${cred.consumerKey}&client_secret=${cred.consumerSecret}`,
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    await within(5_000, async () =>
      (await Promise.all([1, 2, 3, 4].map(tokenStatus))).every((s) => s === 200),
    );
    const token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    let allowed = 0;
    for (let i = 0; i < 24; i++) {
      if ((await call(`${platform.gatewayUrl}/dancu/1.0/congdan/${i}`, token)).status === 200) allowed++;
      await platform.gatewayWorkers!.quotaSynced();
    }
    assert.equal(allowed, 10, 'the two workers together allow the quota, not twice it');
  });
});

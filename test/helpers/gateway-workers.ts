import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/core/config.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { queryTransactions } from '../../src/telemetry/transactions.ts';
import { getToken, within } from './gateway-harness.ts';
import { seedProvince } from './seed.ts';
import { startUpstream } from './upstream.ts';

/** A platform whose gateway runs in two worker processes (the store and recorder in the primary), seeded. */
export interface WorkersPlatform {
  platform: Platform;
  upstream: Awaited<ReturnType<typeof startUpstream>>;
  seed: Awaited<ReturnType<typeof seedProvince>>;
  stop(): Promise<void>;
}

export async function startWorkersPlatform(
  gateway: Partial<Config['gateway']> = {},
): Promise<WorkersPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-workers-'));
  const upstream = await startUpstream();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      gateway: { port: 0, host: '127.0.0.1', workers: 2, ...gateway },
      admin: { port: 0, password: 'mat-khau-kiem-thu' },
      // Local noon now: a quota test's local day cannot end while it runs, whatever the time of the run.
      timezoneOffsetMinutes: 720 - Math.floor((Date.now() % 86_400_000) / 60_000),
      // Issue 10: the workers start with the test's upstream allowed, exactly.
      egress: { allow: [new URL(upstream.url).host] },
      logLevel: 'silent',
    },
  });
  const platform = await startPlatform(config, { logger: silentLogger() });
  const seed = await seedProvince(platform, upstream.url);
  await platform.snapshots.refresh();
  return {
    platform,
    upstream,
    seed,
    async stop() {
      await platform.stop();
      await upstream.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A GET on a fresh connection (so that it may reach any worker), its body read. */
export function freshCall(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}`, connection: 'close' } }).then(
    async (r) => {
      await r.arrayBuffer();
      return r;
    },
  );
}

/** The status of a token request for this credential, on a fresh connection (so that it may reach any worker). */
export async function tokenStatus(
  gatewayUrl: string,
  cred: { consumerKey: string; consumerSecret: string },
): Promise<number> {
  const r = await fetch(`${gatewayUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
    body: `grant_type=client_credentials&client_id=${cred.consumerKey}&client_secret=${cred.consumerSecret}`,
  });
  await r.arrayBuffer();
  return r.status;
}

/** Twenty calls on fresh connections: each answered, and each recorded by the primary within 3 s. */
export async function assertEveryCallRecorded(w: WorkersPlatform): Promise<void> {
  const { platform, seed } = w;
  const token = await getToken(
    platform.gatewayUrl,
    seed.credential.consumerKey,
    seed.credential.consumerSecret,
  );
  const ids = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const res = await freshCall(`${platform.gatewayUrl}/dancu/1.0/congdan/${i}`, token);
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
}

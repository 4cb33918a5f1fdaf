import { request } from 'node:http';
import type { Logger } from 'pino';
import { Lifecycle } from '../../src/control/lifecycle/index.ts';
import { Registry } from '../../src/control/registry/index.ts';
import { ensureSigningKey } from '../../src/control/signing-keys.ts';
import { storeSnapshotSource } from '../../src/control/snapshot.ts';
import { revokeAccessToken } from '../../src/control/token-revocations.ts';
import type { Clock } from '../../src/core/clock.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createGateway } from '../../src/gateway/server.ts';
import type { SignatureMemory } from '../../src/gateway/signature-memory.ts';
import { SnapshotHolder } from '../../src/gateway/snapshot-holder.ts';
import { TokenThrottle } from '../../src/gateway/token-throttle.ts';
import { EgressPolicy, type LookupAll } from '../../src/net/egress.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { Recorder } from '../../src/telemetry/recorder.ts';
import { TEST_KEK } from './keys.ts';
import { openTestStore } from './stores.ts';

/** A gateway wired as the platform wires it, on a fresh test store, listening on a free port. */
export async function startGatewayHarness(
  kind: 'pglite' | 'postgres',
  options: {
    clock?: Clock;
    upstreamTimeoutMs?: number;
    lookup?: LookupAll;
    logger?: Logger;
    gateway?: Record<string, unknown>;
    /** `clientConventions` settings (issue 12 item 8). */
    clientConventions?: Record<string, unknown>;
    /** The recorder's durability (issue 13 item 5); batched unless asked. */
    durability?: 'strict' | 'batched';
    /** Shared quota counters (issue 13 item 3): `redisUrl` and `redis` settings. */
    redis?: { redisUrl: string; redis?: Record<string, unknown> };
    /**
     * `/token` failures counted in this process even with `redis` set: for a test of the quota step alone, whose
     * `closed` Redis would otherwise refuse `/token` too (docs/security.md §2.5).
     */
    tokenLimitsInProcess?: boolean;
    /** Where accepted federation signatures are remembered (a test's own, to count what asks it). */
    signatures?: SignatureMemory;
  } = {},
) {
  const clock = options.clock ?? { nowMs: () => Date.now() };
  const t = await openTestStore(kind);
  const logger = options.logger ?? silentLogger();
  const config = loadConfig({
    env: {},
    overrides: {
      gateway: { upstreamTimeoutMs: options.upstreamTimeoutMs ?? 30_000, ...options.gateway },
      ...(options.clientConventions ? { clientConventions: options.clientConventions } : {}),
      ...(options.redis ?? {}),
    },
  });
  await ensureSigningKey(t.store, TEST_KEK, clock.nowMs());
  // The platform's defaults (issue 10): a test allows exactly its own upstream's host:port (`allowEgressTo`).
  const egress = EgressPolicy.forPlatform(config, options.lookup ? { lookup: options.lookup } : {});
  const registry = new Registry(t.store, clock, egress);
  const lifecycle = new Lifecycle(t.store, registry, clock);
  const recorder = new Recorder(
    t.store,
    {
      flushIntervalMs: 50,
      batchSize: 1000,
      maxBacklog: 100_000,
      durability: options.durability ?? 'batched',
    },
    logger,
  );
  recorder.start();
  const snapshots = new SnapshotHolder(storeSnapshotSource(t.store, TEST_KEK, clock), clock, logger);
  registry.onChange(() => void snapshots.refresh());
  await snapshots.refresh();
  snapshots.startPolling(200);
  const gateway = createGateway({
    config,
    clock,
    logger,
    snapshots,
    records: recorder,
    egress,
    ...(options.tokenLimitsInProcess ? { tokenThrottle: new TokenThrottle(config.limits) } : {}),
    ...(options.signatures ? { signatures: options.signatures } : {}),
    // As the platform wires it: a change, then this node's snapshot has it (src/platform.ts).
    revokeToken: async (revocation) => {
      await revokeAccessToken(registry.changes, revocation);
      await snapshots.refresh();
    },
  });
  const url = await gateway.listen(0, '127.0.0.1');
  return {
    ...t,
    registry,
    egress,
    lifecycle,
    recorder,
    snapshots,
    gateway,
    url,
    gatewayUrl: url,
    async close() {
      snapshots.stop();
      await gateway.close();
      await recorder.close();
      await t.dispose();
    },
  };
}

export async function getToken(gatewayUrl: string, key: string, secret: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Polls `check` until it returns true, failing after `withinMs`; returns how long it took. */
export async function within(withinMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < withinMs) {
    if (await check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${withinMs} ms`);
}

/** A raw HTTP/1.1 request, for what fetch will not send: Connection headers, un-normalized `..` paths. */
export function rawRequest(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: import('node:http').IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    // host/port/path given apart: a URL string would have `..` normalized away before sending.
    const req = request({ hostname, port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

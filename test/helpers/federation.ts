import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, PlatformProcess } from './platform-process.ts';
import { withMigratedStore } from './stores.ts';

/**
 * One platform of a federation test (issue 12): a real `lgsp start` process on its own embedded store, its admin
 * API signed in as the operator, and its federation code (its RFC 9421 signature label at its peers).
 */
export interface FederatedPlatform {
  code: string;
  process: PlatformProcess;
  gatewayUrl: string;
  adminUrl: string;
  /** JSON call to the admin API as the operator; throws with the answer unless 2xx. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
  /** Stops the process and removes its data directory. */
  dispose(): Promise<void>;
  /** The same, giving the status and body whatever they are. */
  raw(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

const PASSWORD = 'federation-test-password';

/** Ports first, so each platform's egress policy can allow exactly the others (and the test's upstreams). */
export async function federationPorts(count: number): Promise<Array<{ gateway: number; admin: number }>> {
  const ports: Array<{ gateway: number; admin: number }> = [];
  for (let i = 0; i < count; i++) ports.push({ gateway: await freePort(), admin: await freePort() });
  return ports;
}

/**
 * Starts platforms side by side. Should one fail, the others are stopped before its error is thrown: a test's
 * `before` that fails leaves no platform running (one did, and its live child processes kept the test file — and
 * the whole run — from ever ending).
 */
export async function startTogether<T extends readonly Promise<{ dispose(): Promise<void> }>[] | []>(
  starts: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled<Promise<{ dispose(): Promise<void> }>>(starts);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed === undefined)
    return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as {
      -readonly [K in keyof T]: Awaited<T[K]>;
    };
  await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.dispose() : undefined)));
  throw failed.reason;
}

export async function startFederatedPlatform(
  code: string,
  ports: { gateway: number; admin: number },
  egressAllow: string[],
  /** More `LGSP_*` settings (e.g. shorter delivery retries for an async test). */
  extraEnv: Record<string, string> = {},
): Promise<FederatedPlatform> {
  const root = mkdtempSync(join(tmpdir(), `lgsp-fed-${code}-`));
  const dataDir = join(root, 'data');
  // Its embedded store copied migrated (no initdb, no migrations: seconds of CPU each, three platforms at once); a
  // first start on an empty data dir is what the `lgsp start` and `lgsp demo` suites prove.
  if (!extraEnv['LGSP_DATABASE_URL']) await withMigratedStore(dataDir);
  const process = new PlatformProcess({
    cwd: root,
    env: {
      LGSP_DATA_DIR: dataDir,
      LGSP_GATEWAY_HOST: '127.0.0.1',
      LGSP_GATEWAY_PORT: String(ports.gateway),
      LGSP_ADMIN_PORT: String(ports.admin),
      LGSP_ADMIN_PASSWORD: PASSWORD,
      LGSP_LOG_LEVEL: 'warn',
      LGSP_RECORDER_FLUSH_INTERVAL_MS: '50',
      LGSP_EGRESS_ALLOW: egressAllow.join(','),
      LGSP_FEDERATION_CODE: code,
      ...extraEnv,
    },
    // Three platforms start at once on a shared machine.
    readyTimeoutMs: 480_000,
  });
  await process.start();
  const adminUrl = process.adminUrl;
  const login = await fetch(`${adminUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  const { token } = (await login.json()) as { token: string };
  const raw = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  return {
    code,
    process,
    gatewayUrl: process.gatewayUrl,
    adminUrl,
    raw,
    async dispose() {
      await process.stop();
      rmSync(root, { recursive: true, force: true });
    },
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await raw(method, path, body);
      if (res.status < 200 || res.status > 299)
        throw new Error(`${code}: ${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as T;
    },
  };
}

/** A token at a gateway for a consumer key and secret. */
export async function gatewayToken(gatewayUrl: string, key: string, secret: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token from ${gatewayUrl}: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** Polls until `find` gives a value (records reach the store in batches), at most `withinMs`. */
export async function eventually<T>(find: () => Promise<T | undefined>, withinMs = 10_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not found in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A consumer key and secret as the admin API issues them (shown once). */
export interface IssuedCredential {
  consumerKey: string;
  consumerSecret: string;
}

/**
 * `host` admits a peer platform that will call it (docs/federation.md §1, §3): registers the peer (its code is its
 * signature label), issues the production credential of the peer's `platform` system — to hand to that platform —
 * and subscribes that system to `versionId`.
 */
export async function admitCallingPeer(
  host: FederatedPlatform,
  peer: { code: string; name: string; kind: string; gatewayUrl: string },
  versionId: string,
): Promise<{ peerId: string; systemId: string; credential: IssuedCredential; subscriptionId: string }> {
  const registered = await host.api<{ id: string; systemId: string }>('POST', '/api/v1/peers', peer);
  const credential = await host.api<IssuedCredential>(
    'POST',
    `/api/v1/systems/${registered.systemId}/credentials`,
    { environment: 'production' },
  );
  const subscription = await host.api<{ id: string }>('POST', '/api/v1/subscriptions', {
    systemId: registered.systemId,
    versionId,
    environment: 'production',
  });
  return {
    peerId: registered.id,
    systemId: registered.systemId,
    credential,
    subscriptionId: subscription.id,
  };
}

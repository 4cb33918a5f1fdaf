import { loadConfig } from '../../src/core/config.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { freePort, PlatformProcess } from './platform-process.ts';

export interface ClusterOptions {
  /** The one PostgreSQL every node shares (issue 13: roles share state through it). */
  databaseUrl: string;
  /** Shared by the nodes of this machine: message data keys (`<dataDir>/message-keys`), archives. */
  dataDir: string;
  /** The key-encryption key file every node must have (docs/scaling.md: copy it to each machine). */
  keyFile: string;
  cwd: string;
  gateways: number;
  workers: number;
  adminPassword: string;
  /** More LGSP_* settings for every node. */
  env?: Record<string, string>;
}

/** Nodes of one cluster on this machine, as real `lgsp start --role …` processes (test/helpers/platform-process.ts). */
export interface Cluster {
  control: PlatformProcess;
  gateways: PlatformProcess[];
  workers: PlatformProcess[];
  all: PlatformProcess[];
  /** One more node of the cluster (same database, data dir and settings), started: a standby, a replacement. */
  addNode(role: 'gateway' | 'control' | 'worker'): Promise<PlatformProcess>;
  /** Kills (SIGKILL) every node still running: for `after`, whatever happened. */
  killAll(): Promise<void>;
  /** Every node's last output, for a failure message. */
  output(): string;
}

/**
 * Starts a control node first (it prepares a fresh store: signing key, operator), then the gateways and workers
 * side by side; resolves once every node answers /healthz with 200.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const node = async (role: 'gateway' | 'control' | 'worker') =>
    new PlatformProcess({
      cwd: options.cwd,
      role,
      env: {
        LGSP_DATA_DIR: options.dataDir,
        LGSP_DATABASE_URL: options.databaseUrl,
        LGSP_KEY_ENCRYPTION_KEY_FILE: options.keyFile,
        LGSP_ADMIN_PASSWORD: options.adminPassword,
        LGSP_GATEWAY_HOST: '127.0.0.1',
        LGSP_GATEWAY_PORT: String(await freePort()),
        LGSP_ADMIN_PORT: String(await freePort()),
        LGSP_LOG_LEVEL: 'warn',
        ...options.env,
      },
    });
  const control = await node('control');
  const gateways: PlatformProcess[] = [];
  const workers: PlatformProcess[] = [];
  for (let i = 0; i < options.gateways; i++) gateways.push(await node('gateway'));
  for (let i = 0; i < options.workers; i++) workers.push(await node('worker'));
  const all = [control, ...gateways, ...workers];
  const cluster: Cluster = {
    control,
    gateways,
    workers,
    all,
    addNode: async (role) => {
      const added = await node(role);
      all.push(added);
      (role === 'gateway' ? gateways : role === 'worker' ? workers : []).push(added);
      await added.start();
      return added;
    },
    killAll: async () => {
      await Promise.all(all.map((p) => p.kill()));
    },
    output: () => all.map((p, i) => `--- node ${i} ---\n${p.output()}`).join('\n'),
  };
  try {
    await control.start();
    await Promise.all([...gateways, ...workers].map((p) => p.start()));
  } catch (err) {
    await cluster.killAll();
    throw err;
  }
  return cluster;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field
export async function healthOf(url: string): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Signs in to the control node's admin API as the operator and returns a caller with the session's token. */
export async function adminCaller(adminUrl: string, password: string) {
  const login = await fetch(`${adminUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${adminUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  };
}

/**
 * Seeds a cluster's database before its nodes start, as an operator would: one platform on the database (and the
 * data dir whose key file the nodes share), `seed` run against it, then stopped cleanly.
 */
export async function seedClusterDatabase<T>(
  options: { databaseUrl: string; dataDir: string; upstreamUrl: string; adminPassword: string },
  seed: (platform: Platform) => Promise<T>,
): Promise<T> {
  const platform = await startPlatform(
    loadConfig({
      env: {},
      overrides: {
        dataDir: options.dataDir,
        databaseUrl: options.databaseUrl,
        gateway: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, password: options.adminPassword },
        egress: { allow: [new URL(options.upstreamUrl).host] },
        logLevel: 'silent',
      },
    }),
    { logger: silentLogger() },
  );
  try {
    return await seed(platform);
  } finally {
    await platform.stop();
  }
}

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config.ts';
import { startPlatform } from '../../src/platform.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { freePort, PlatformProcess } from './platform-process.ts';
import { seedProvince } from './seed.ts';
import { createTestDatabase } from './stores.ts';
import { startUpstream } from './upstream.ts';

const ADMIN_PASSWORD = 'shared-nodes-admin-1';

/**
 * A province on a fresh PostgreSQL database, seeded in-process and stopped, ready for `lgsp start` nodes that share
 * it (issue 13): the citizen lookup of `seedProvince` against a real upstream, plus `consumer` — a consumer system
 * subscribed with the given quotas and its production credential. `node(env)` builds one more `lgsp start` on the
 * same database (its own ports and data dir); `dispose` kills them all, drops the database, stops the upstream.
 */
export async function sharedProvince(subscription: { quotaPerMinute?: number; quotaPerDay?: number } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'lgsp-nodes-'));
  const db = await createTestDatabase();
  const upstream = await startUpstream();
  // One key-encryption key for every node: they share the store's sealed secrets (signing key, R-25).
  const kek = randomBytes(32).toString('base64');
  const seeding = await startPlatform(
    loadConfig({
      env: {},
      overrides: {
        dataDir: join(root, 'seed'),
        databaseUrl: db.url,
        gateway: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, password: ADMIN_PASSWORD },
        recorder: { flushIntervalMs: 20 },
        egress: { allow: [new URL(upstream.url).host] },
        logLevel: 'silent',
        keys: { encryptionKey: kek },
      },
    }),
    { logger: silentLogger() },
  );
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  let credential: { consumerKey: string; consumerSecret: string };
  try {
    seed = await seedProvince(seeding, upstream.url);
    const system = await seeding.registry.createSystem(
      { organizationId: seed.consumer.id, name: 'Cổng dịch vụ công', isProvider: false, isConsumer: true },
      'test',
    );
    await seeding.registry.createSubscription(
      { systemId: system.id, versionId: seed.v1.id, environment: 'production', ...subscription },
      'test',
    );
    credential = await seeding.registry.issueCredential(system.id, 'production', 'test');
  } finally {
    await seeding.stop();
  }
  const nodes: PlatformProcess[] = [];
  return {
    databaseUrl: db.url,
    upstream,
    seed,
    credential,
    nodes,
    /** One more `lgsp start` on the shared database, not started yet. */
    async node(env: Record<string, string> = {}): Promise<PlatformProcess> {
      const dataDir = join(root, `node${nodes.length}`);
      mkdirSync(dataDir, { recursive: true });
      const node = new PlatformProcess({
        cwd: root,
        env: {
          LGSP_DATA_DIR: dataDir,
          LGSP_DATABASE_URL: db.url,
          LGSP_GATEWAY_HOST: '127.0.0.1',
          LGSP_GATEWAY_PORT: String(await freePort()),
          LGSP_ADMIN_PORT: String(await freePort()),
          LGSP_ADMIN_PASSWORD: ADMIN_PASSWORD,
          LGSP_LOG_LEVEL: 'warn',
          LGSP_EGRESS_ALLOW: new URL(upstream.url).host,
          LGSP_KEY_ENCRYPTION_KEY: kek,
          ...env,
        },
      });
      nodes.push(node);
      return node;
    },
    async dispose(): Promise<void> {
      await Promise.all(nodes.map((n) => n.kill()));
      await upstream.close();
      await db.drop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

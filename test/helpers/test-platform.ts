import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, mergeSettings } from '../../src/core/config.ts';
import { type Platform, type PlatformOptions, startPlatform } from '../../src/platform.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { createTestDatabase, migratedDataDir } from './stores.ts';

/** The operator's password of a platform started by `startTestPlatform`. */
export const TEST_PLATFORM_PASSWORD = 'mat-khau-kiem-thu';

export interface TestPlatform {
  platform: Platform;
  /** Stops the platform, drops its PostgreSQL database and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * A whole platform in this process (gateway and admin API on free loopback ports, silent), on a fresh embedded store
 * or a fresh PostgreSQL database as `kind` says — the set-up the suites of whole-platform behaviour share.
 * `overrides` are laid over these defaults like a config file (objects merge key by key).
 */
export async function startTestPlatform(
  kind: 'pglite' | 'postgres',
  overrides: Record<string, unknown> = {},
  options: PlatformOptions = {},
): Promise<TestPlatform> {
  const dataDir =
    kind === 'pglite'
      ? await migratedDataDir('lgsp-platform-')
      : mkdtempSync(join(tmpdir(), 'lgsp-platform-'));
  const database = kind === 'postgres' ? await createTestDatabase() : null;
  let platform: Platform | null = null;
  const stop = async () => {
    await platform?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const config = loadConfig({
      env: {},
      overrides: mergeSettings(
        {
          dataDir,
          databaseUrl: database?.url ?? '',
          gateway: { port: 0, host: '127.0.0.1' },
          admin: { port: 0, password: TEST_PLATFORM_PASSWORD },
          recorder: { flushIntervalMs: 20 },
          logLevel: 'silent',
        },
        overrides,
      ),
    });
    platform = await startPlatform(config, { logger: silentLogger(), ...options });
    return { platform, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

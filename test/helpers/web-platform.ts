import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../src/core/config.ts';
import { localUrl, type Platform, startPlatform } from '../../src/platform.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { migratedDataDir } from './stores.ts';

/** The operator's password in browser tests (the first `admin` account). */
export const WEB_ADMIN_PASSWORD = 'mat-khau-quan-tri-web';

/**
 * The whole platform as `npm start` runs it (embedded store, gateway and admin port with the built console), on
 * free ports and a throwaway data dir, for tests that drive the console in a browser.
 */
export async function startWebPlatform(overrides: Record<string, unknown> = {}): Promise<{
  platform: Platform;
  adminUrl: string;
  gatewayUrl: string;
  stop: () => Promise<void>;
}> {
  const dataDir = await migratedDataDir('lgsp-web-');
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      gateway: { port: 0, host: '127.0.0.1' },
      admin: { port: 0, password: WEB_ADMIN_PASSWORD },
      keys: { encryptionKey: randomBytes(32).toString('base64') },
      logLevel: 'silent',
      ...overrides,
    },
  });
  const platform = await startPlatform(config, { logger: silentLogger() });
  return {
    platform,
    adminUrl: localUrl(platform.adminUrl),
    gatewayUrl: localUrl(platform.gatewayUrl),
    stop: async () => {
      await platform.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

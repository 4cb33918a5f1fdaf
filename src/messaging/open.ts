import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { type KeyEncryptionKey, loadKeyEncryptionKey } from '../keys/index.ts';
import type { Store } from '../store/port.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import { Alerts } from '../telemetry/alerts.ts';
import { EmbeddedQueue } from './embedded-queue.ts';
import { Messaging } from './messaging.ts';
import { NatsQueue } from './nats-queue.ts';
import { PayloadCipher } from './payload-cipher.ts';
import { PayloadKeys } from './payload-keys.ts';

/**
 * Where the message data keys live: `messaging.keyDir`, else `<dataDir>/message-keys`; null (in memory
 * only) for an in-memory store, whose messages die with the process anyway.
 */
export function messageKeyDir(config: Pick<Config, 'dataDir' | 'messaging'>): string | null {
  if (config.messaging.keyDir) return resolve(config.messaging.keyDir);
  return config.dataDir === 'memory://' ? null : resolve(config.dataDir, 'message-keys');
}

/**
 * The async store-and-forward service over the configured engine (docs/messaging.md "Engines"): the store's own
 * tables (`embedded`) or NATS JetStream, with payloads sealed under the epoch data keys (docs/messaging.md
 * "Cryptographic deletion"). The platform opens it once per node as the keys' owner; a gateway worker opens its own
 * when the store is PostgreSQL, which every process may reach (PGlite has one owner, the primary), and only reads
 * the key file. Closing it closes the queue engine and forgets the keys, not the store.
 */
export async function openMessaging(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  alerts: Alerts;
  /** The platform's key-encryption key: wraps the data keys in their file (never in the store). */
  kek: KeyEncryptionKey;
  /** The primary owns the key file (creates, destroys); a gateway worker reads it. */
  keyRole?: 'owner' | 'reader';
  /** An owner among several nodes on one key directory owns it only while this says so (payload-keys.ts). */
  keysOwnedNow?: () => boolean;
}): Promise<Messaging> {
  const { config, store } = deps;
  const role = deps.keyRole ?? 'owner';
  const dir = messageKeyDir(config);
  const keys = PayloadKeys.open(
    {
      dir,
      wrapper: deps.kek,
      epochMs: config.messaging.keyEpochMinutes * 60_000,
      ttlMs: config.messaging.ttlHours * 3_600_000,
      role,
      ...(deps.keysOwnedNow ? { ownsNow: deps.keysOwnedNow } : {}),
    },
    deps.clock.nowMs(),
  );
  const cipher = new PayloadCipher(keys);
  try {
    const queue =
      config.messaging.engine === 'nats'
        ? await NatsQueue.open(config.messaging.natsUrl, cipher, {
            prefix: config.messaging.natsPrefix,
            replicas: config.messaging.natsReplicas,
          })
        : new EmbeddedQueue(store, cipher);
    return new Messaging({ ...deps, queue, keys, config: config.messaging });
  } catch (err) {
    keys.close();
    throw err;
  }
}

/**
 * The async path of a process that does not own the platform's store — a gateway worker: on PostgreSQL it opens
 * its own few connections (its store work is intake, status and the pull inbox); on PGlite, which has one owner
 * (the primary), there is none and async calls there answer 503 MQ_ASYNC_UNAVAILABLE. Closing it closes the queue
 * engine and those connections.
 */
export async function openOwnMessaging(
  config: Config,
  clock: Clock,
  logger: Logger,
): Promise<{ messaging: Messaging; close: () => Promise<void> } | null> {
  if (!config.databaseUrl) return null;
  const store = await PostgresStore.open(config.databaseUrl, 4);
  try {
    const alerts = new Alerts(store, clock, config.alerts, logger);
    // The same KEK as the primary (env, KMS command or key file); a worker never generates one.
    const { kek } = loadKeyEncryptionKey(config, { mayGenerate: false });
    const messaging = await openMessaging({ config, store, clock, logger, alerts, kek, keyRole: 'reader' });
    return {
      messaging,
      close: async () => {
        await messaging.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

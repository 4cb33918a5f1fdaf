import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import { PostgresStore } from '../store/postgres-store.ts';
import { Alerts } from '../telemetry/alerts.ts';
import { EmbeddedQueue } from './embedded-queue.ts';
import { Messaging } from './messaging.ts';
import { NatsQueue } from './nats-queue.ts';

/**
 * The async store-and-forward service over the configured engine (docs/messaging.md "Engines"): the store's own
 * tables (`embedded`) or NATS JetStream. The platform opens it once per node; a gateway worker opens its own when
 * the store is PostgreSQL, which every process may reach (PGlite has one owner, the primary). Closing it closes
 * the queue engine, not the store.
 */
export async function openMessaging(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  alerts: Alerts;
}): Promise<Messaging> {
  const { config, store } = deps;
  const queue =
    config.messaging.engine === 'nats'
      ? await NatsQueue.open(config.messaging.natsUrl, { prefix: config.messaging.natsPrefix })
      : new EmbeddedQueue(store);
  return new Messaging({ ...deps, queue, config: config.messaging });
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
    const messaging = await openMessaging({ config, store, clock, logger, alerts });
    return {
      messaging,
      close: async () => {
        await messaging.queue.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

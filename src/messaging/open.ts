import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import type { Alerts } from '../telemetry/alerts.ts';
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

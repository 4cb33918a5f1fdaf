import { Redis } from 'ioredis';

/**
 * One connection to the cluster's Redis (DESIGN.md "Scaling out": Redis holds the counters every node shares).
 * Built to fail fast rather than queue: while Redis is unreachable a command fails at once (no offline queue, no
 * retry of a sent command) and within `commandTimeoutMs` when Redis stops answering, so the gateway decides per
 * `redis.onUnavailable` instead of holding calls; the connection itself keeps trying in the background. Nothing
 * connects until the first command (a gateway built in a test starts no socket). The URL may carry a password: it
 * is never logged.
 */
export function openRedis(url: string, commandTimeoutMs = 500): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Errors surface on the commands that fail; the 'error' event only repeats them (and would crash unhandled).
  client.on('error', () => {});
  return client;
}

/** Connects a lazily built client if it is not connected yet; resolves once it can take commands. */
export async function ensureConnected(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  if (client.status === 'wait') {
    await client.connect();
    return;
  }
  throw new Error(`redis not ready (${client.status})`);
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { EmbeddedQueue } from '../../src/messaging/embedded-queue.ts';
import type { MessageQueue } from '../../src/messaging/port.ts';
import { migrate } from '../../src/store/migrate.ts';
import { PgliteStore } from '../../src/store/pglite-store.ts';
import type { Store } from '../../src/store/port.ts';
import { openNatsTestQueue, testNatsUrl } from './nats-queue.ts';
import { testCipher } from './payload-keys.ts';
import { openTestStore, testDatabaseUrl } from './stores.ts';

/**
 * The async engines `test/messaging.contract.test.ts` runs the same suite on (DESIGN.md "One contract suite per
 * port"): the embedded queue on PGlite always and on PostgreSQL when LGSP_TEST_DATABASE_URL is set; NATS
 * JetStream when its URL is set.
 */
export interface QueueEngine {
  name: string;
  /**
   * True when the engine's database runs inside this process (PGlite): its memory then counts in RSS, so the
   * big-payload test bounds only this isolate's JS memory.
   */
  embeddedDatabase?: boolean;
  /**
   * True when leases and retry delays run on the server's wall clock (NATS JetStream's `ack_wait` and nak delays),
   * not on the `nowMs` the port is given: the contract's timing cases then wait for real time to pass.
   */
  serverClock?: boolean;
  open(): Promise<{
    queue: MessageQueue;
    dispose(): Promise<void>;
    /** Raw bytes still stored anywhere for this engine, for the R-02 scan. */
    scanForBytes(needle: Buffer): Promise<boolean>;
  }>;
}

/**
 * R-02 scan of the embedded engine: the needle in any payload chunk, or anywhere in a metadata row's text. A
 * needle split across two chunks is not found, so tests put their marker well inside one 256 KiB chunk.
 */
async function scanEmbedded(store: Store, needle: Buffer): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`SELECT
      EXISTS (SELECT 1 FROM message_payloads WHERE position(${needle}::bytea IN chunk) > 0)
      OR EXISTS (SELECT 1 FROM messages m WHERE position(${needle}::bytea IN convert_to(m::text, 'UTF8')) > 0)
      AS found`.execute(store.db);
  return rows[0]?.found === true;
}

export const queueEngines: QueueEngine[] = [
  {
    // On disk rather than in memory: an in-memory PGlite would hold every stored byte in this process, and the
    // big-payload test measures that the queue itself never does.
    name: 'embedded on pglite',
    embeddedDatabase: true,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-mq-'));
      const store = await PgliteStore.open(dir);
      await migrate(store);
      return {
        queue: new EmbeddedQueue(store, testCipher()),
        scanForBytes: (needle) => scanEmbedded(store, needle),
        dispose: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  ...(testDatabaseUrl
    ? [
        {
          name: 'embedded on postgres',
          async open() {
            const t = await openTestStore('postgres');
            return {
              queue: new EmbeddedQueue(t.store, testCipher()),
              scanForBytes: (needle: Buffer) => scanEmbedded(t.store, needle),
              dispose: () => t.dispose(),
            };
          },
        },
      ]
    : []),
  // NATS JetStream (work-queue stream, KV, object store) under a random prefix per open, deleted by dispose.
  ...(testNatsUrl ? [{ name: 'nats jetstream', serverClock: true, open: openNatsTestQueue }] : []),
];

/**
 * The engine and store pairs the whole-platform messaging suites (flow, resource, loss) run on: the embedded queue
 * on PGlite always and on PostgreSQL when its URL is set; NATS JetStream (over PGlite) when its URL is set.
 */
export interface PlatformEngineSetup {
  name: string;
  engine: 'embedded' | 'nats';
  store: 'pglite' | 'postgres';
  /** Retry delays run on the engine server's wall clock (NATS `nak` delays): moving the test clock is not enough. */
  serverClock?: boolean;
}

export const platformEngines: PlatformEngineSetup[] = [
  { name: 'embedded (PGlite)', engine: 'embedded', store: 'pglite' },
];
if (testDatabaseUrl)
  platformEngines.push({ name: 'embedded (PostgreSQL)', engine: 'embedded', store: 'postgres' });
if (testNatsUrl)
  platformEngines.push({ name: 'NATS JetStream', engine: 'nats', store: 'pglite', serverClock: true });

import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Store } from './port.ts';

/**
 * The channel a config change is announced on: migration 0035's trigger runs `pg_notify` with the new revision
 * whenever `config_state.revision` moves, in the changing transaction, so listeners hear it at COMMIT (issue 13
 * item 2).
 */
export const CHANGES_CHANNEL = 'lgsp_changes';

/**
 * The first key of the platform's named advisory locks (the second is `hashtext(name)`: a job's lease, an outbox
 * lane's claim): "LGSP".
 */
export const LOCK_NAMESPACE = 0x4c475350;

/**
 * One database session that lives as long as the node: it holds the node's job leases (session advisory locks,
 * which PostgreSQL releases the moment the session ends — a `kill -9` of the node included) and LISTENs for
 * config changes. `alive` is false from the moment the session is lost until it is back; the leases it held are
 * gone with it, and `onLost` says so at once so nobody goes on believing it holds them.
 */
export interface ClusterSession {
  readonly alive: boolean;
  /** Takes the named advisory lock if free (or already ours); false when another session holds it. */
  tryLock(name: string): Promise<boolean>;
  unlock(name: string): Promise<void>;
  /** Proves the session still answers (a lease holder asks before each renewal round). */
  ping(): Promise<void>;
  /** Called with each change's revision announced on {@link CHANGES_CHANNEL}, and with 0 after a reconnection. */
  onChange(listener: (revision: number) => void): void;
  onLost(listener: () => void): void;
  close(): Promise<void>;
}

/** The session for the configured store: its own connection on PostgreSQL, the store's only one on PGlite. */
export function openClusterSession(
  store: Store,
  databaseUrl: string,
  logger: Logger,
): Promise<ClusterSession> {
  return store.kind === 'postgres'
    ? PostgresClusterSession.open(databaseUrl, logger)
    : Promise.resolve(new StoreClusterSession(store));
}

/**
 * The embedded store is one session in one process: the same advisory-lock queries run on it, and always get the
 * lock. Changes are heard in process (`registry.onChange`), so there is nothing to LISTEN to.
 */
class StoreClusterSession implements ClusterSession {
  readonly alive = true;
  constructor(private readonly store: Store) {}

  async tryLock(name: string): Promise<boolean> {
    const { rows } = await sql<{
      locked: boolean;
    }>`SELECT pg_try_advisory_lock(${LOCK_NAMESPACE}, hashtext(${name})) AS locked`.execute(this.store.db);
    return rows[0]?.locked === true;
  }

  async unlock(name: string): Promise<void> {
    await sql`SELECT pg_advisory_unlock(${LOCK_NAMESPACE}, hashtext(${name}))`.execute(this.store.db);
  }

  async ping(): Promise<void> {
    await sql`SELECT 1`.execute(this.store.db);
  }

  onChange(): void {}
  onLost(): void {}
  async close(): Promise<void> {}
}

/** How long a lost session waits before connecting again, then again. */
const RECONNECT_MS = 1_000;
/**
 * A node that hangs (stopped, swapping) without its socket closing must not keep its leases for ever: the server
 * ends this session when it has been idle this long, and the node pings it far more often than that.
 */
const IDLE_SESSION_TIMEOUT = '60s';

class PostgresClusterSession implements ClusterSession {
  private client: pg.Client | null = null;
  private closed = false;
  private readonly changeListeners = new Set<(revision: number) => void>();
  private readonly lostListeners = new Set<() => void>();

  private constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  static async open(url: string, logger: Logger): Promise<PostgresClusterSession> {
    const session = new PostgresClusterSession(url, logger);
    session.client = await session.connect();
    return session;
  }

  get alive(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
      application_name: 'lgsp-cluster-session',
    });
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      for (const listener of this.lostListeners) listener();
      client.end().catch(() => undefined);
      if (!this.closed) this.reconnectLater();
    };
    client.on('error', (err) => {
      this.logger.warn(
        { err: err.message },
        'mất phiên cụm; đã nhả khoá việc định kỳ, đang kết nối lại / cluster session lost; leases released, reconnecting',
      );
      lost();
    });
    client.on('end', lost);
    client.on('notification', (message) => {
      const revision = Number(message.payload);
      if (!Number.isSafeInteger(revision)) return;
      for (const listener of this.changeListeners) listener(revision);
    });
    await client.connect();
    await client.query(`SET idle_session_timeout = '${IDLE_SESSION_TIMEOUT}'`);
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    return client;
  }

  private reconnectLater(): void {
    const timer = setTimeout(async () => {
      if (this.closed) return;
      try {
        const client = await this.connect();
        if (this.closed) {
          await client.end();
          return;
        }
        this.client = client;
        this.logger.info('phiên cụm đã nối lại / cluster session back');
        // Changes made while we were away were not heard: a reload catches up.
        for (const listener of this.changeListeners) listener(0);
      } catch {
        this.reconnectLater();
      }
    }, RECONNECT_MS);
    timer.unref();
  }

  private live(): pg.Client {
    if (!this.client) throw new Error('cluster session is not connected');
    return this.client;
  }

  async tryLock(name: string): Promise<boolean> {
    const { rows } = await this.live().query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
      [LOCK_NAMESPACE, name],
    );
    return rows[0]?.locked === true;
  }

  async unlock(name: string): Promise<void> {
    await this.live().query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, name]);
  }

  async ping(): Promise<void> {
    await this.live().query('SELECT 1');
  }

  onChange(listener: (revision: number) => void): void {
    this.changeListeners.add(listener);
  }

  onLost(listener: () => void): void {
    this.lostListeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    // Ending the session releases every lock it holds.
    await client?.end().catch(() => undefined);
  }
}

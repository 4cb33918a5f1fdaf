import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Store } from './port.ts';
import type { Database } from './schema.ts';

// int8 as number, as the embedded adapter does: counts and sizes here stay far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Real PostgreSQL (`LGSP_DATABASE_URL`): shared by every node when the platform is scaled out. */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly db: Kysely<Database>;
  private readonly pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.pool = pool;
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }

  static async open(connectionString: string, maxConnections = 10): Promise<PostgresStore> {
    // A server that does not answer at all (a cut network) fails a request in 5 s rather than holding it open.
    const pool = new pg.Pool({
      connectionString,
      max: maxConnections,
      types,
      connectionTimeoutMillis: 5_000,
    });
    // An idle connection the server ends (a restart, a failover, an administrator) is dropped from the pool and
    // the next query opens a new one; unhandled, pg's 'error' event would end the whole process.
    pool.on('error', () => {});
    // A connection checked out of the pool has no 'error' listener of the pool's: reset between two statements (a
    // PostgreSQL outage, issue 13 item 7), pg would raise it as an uncaught exception and end the process. The
    // statement that uses it next fails instead (answered 503), and the pool drops the broken connection.
    pool.on('connect', (client) => client.on('error', () => {}));
    // Fail at start-up, with the server's own message, rather than on the first request.
    const client = await pool.connect();
    client.release();
    return new PostgresStore(pool);
  }

  async execScript(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

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

/**
 * The copy-in sub-protocol of one simple-query `COPY … FROM STDIN WITH (FORMAT binary)` (PostgreSQL protocol
 * §55.2.6), as a pg
 * "submittable": pg has no COPY API of its own (pg-copy-streams adds one as a stream; the recorder's batch is already
 * one buffer in memory, so it is sent as one CopyData message and no dependency is needed). On an error the server
 * drops the rest of the copy and answers ErrorResponse: nothing of the statement is kept.
 */
class CopyIn {
  private rows = 0;
  private done = false;

  constructor(
    readonly text: string,
    private readonly data: Uint8Array,
    private readonly callback: (err: Error | null, rows: number) => void,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    connection.sendCopyFromChunk(this.data);
    connection.endCopyFrom();
  }

  handleCommandComplete(msg: { text: string }): void {
    // The command tag: `COPY <rows>`.
    this.rows = Number(msg.text.split(' ')[1]);
  }

  handleReadyForQuery(): void {
    this.settle(null);
  }

  handleError(err: Error): void {
    this.settle(err);
  }

  private settle(err: Error | null): void {
    if (this.done) return;
    this.done = true;
    this.callback(err, this.rows);
  }

  // The other messages a submittable may be handed; COPY FROM sends none of them.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** What CopyIn uses of pg's (untyped) connection. */
interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Uint8Array): void;
  endCopyFrom(): void;
}

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

  async copyIn(target: string, data: Uint8Array): Promise<number> {
    const statement = `COPY ${target} FROM STDIN WITH (FORMAT binary)`;
    const client = await this.pool.connect();
    let failed: Error | undefined;
    try {
      return await new Promise<number>((resolve, reject) => {
        client.query(new CopyIn(statement, data, (err, rows) => (err ? reject(err) : resolve(rows))));
      });
    } catch (err) {
      failed = err as Error;
      throw err;
    } finally {
      // A connection that failed mid-copy is dropped rather than handed to the next statement in an unknown state.
      client.release(failed);
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/**
 * The database port. Both adapters speak PostgreSQL SQL through Kysely: `PgliteStore` (embedded, default) and
 * `PostgresStore` (`LGSP_DATABASE_URL`). `test/store.contract.test.ts` runs the same suite on each.
 */
export interface Store {
  readonly kind: 'pglite' | 'postgres';
  readonly db: Kysely<Database>;
  /** Runs a multi-statement SQL script (migrations), outside Kysely's one-statement queries. */
  execScript(sql: string): Promise<void>;
  /**
   * `COPY <target> FROM … WITH (FORMAT binary)` (`target` is a table and its column list) with `data` as its input —
   * PostgreSQL's binary copy format whole: signature and header, tuples, trailer (`binaryCopy` in
   * src/telemetry/record-copy.ts) — in one round trip, all or nothing; resolves the rows copied. The recorder's path
   * for batches of transaction records (issue 14 item 3). PostgreSQL reads `data` from STDIN; PGlite from its
   * `/dev/blob`, the buffer transferred to its thread without a copy (so the caller must not use `data` after the
   * call).
   */
  copyIn(target: string, data: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/** A database error as both adapters report it (PostgreSQL's SQLSTATE in `code`). */
export interface DatabaseErrorLike {
  code?: string;
  constraint?: string;
}

/**
 * Whether an error says the database could not be reached, rather than that it refused a statement (issue 13
 * item 7): a refused or broken connection, a connection timeout, or SQLSTATE class 08 (connection exception) and
 * 57P01–57P03 (the server shutting down or starting). The caller may try again later; nothing was half-written,
 * since a statement on a broken connection is rolled back by the server.
 */
export function isStoreUnreachable(err: unknown): boolean {
  const e = err as (DatabaseErrorLike & { message?: string }) | undefined;
  const code = e?.code ?? '';
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND'].includes(
      code,
    )
  )
    return true;
  if (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) return true;
  // pg and pg-pool say these in words only.
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(
    e?.message ?? '',
  );
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as DatabaseErrorLike | undefined;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

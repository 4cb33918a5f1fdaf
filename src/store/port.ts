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
  close(): Promise<void>;
}

/** A database error as both adapters report it (PostgreSQL's SQLSTATE in `code`). */
export interface DatabaseErrorLike {
  code?: string;
  constraint?: string;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as DatabaseErrorLike | undefined;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

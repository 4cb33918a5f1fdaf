import type { Kysely, Selectable } from 'kysely';
import { type ErrorCode, LgspError } from '../../core/errors.ts';
import type { Database } from '../../store/schema.ts';

/** The registry's tables read without a join, each with the error that says one of its rows is not there. */
const NOT_FOUND = {
  organizations: 'CP_ORGANIZATION_NOT_FOUND',
  services: 'CP_SERVICE_NOT_FOUND',
  subscriptions: 'CP_SUBSCRIPTION_NOT_FOUND',
  credentials: 'CP_CREDENTIAL_NOT_FOUND',
} as const satisfies Record<string, ErrorCode>;
type PlainTable = keyof typeof NOT_FOUND;
type Row<T extends PlainTable> = Selectable<Database[T]>;

/** One row by id, or the table's not-found error. */
export function requireRow<T extends PlainTable>(db: Kysely<Database>, table: T, id: string): Promise<Row<T>>;
export async function requireRow(db: Kysely<Database>, table: PlainTable, id: string) {
  const row = await db.selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError(NOT_FOUND[table], id);
  return row;
}

/** The rows whose columns equal the values given (an undefined value filters nothing), in `orderBy` order. */
export function listRows<T extends PlainTable>(
  db: Kysely<Database>,
  table: T,
  where: { [C in keyof Row<T>]?: string | undefined },
  orderBy: keyof Row<T> & string,
): Promise<Row<T>[]>;
export async function listRows(
  db: Kysely<Database>,
  table: PlainTable,
  where: Record<string, string | undefined>,
  orderBy: string,
) {
  let q = db.selectFrom(table).selectAll();
  for (const [column, value] of Object.entries(where))
    if (value) q = q.where(db.dynamic.ref(column), '=', value);
  return q.orderBy(db.dynamic.ref(orderBy)).execute();
}

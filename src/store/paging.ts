import { type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool, sql } from 'kysely';

/**
 * Server-side paging of the registry lists (issue 11; docs/api-lists.md): the page and the count of matching rows
 * are both computed in SQL with the same WHERE, so a list of 1,000 services sends 50 rows over the wire and never
 * loads the other 950 into the process.
 */

/** Which rows of the ordered result: at most `limit`, after skipping `offset`. */
export interface PageWindow {
  limit: number;
  offset: number;
}

/** A sort key as the API takes it: a field name, with `-` in front for descending. */
export type SortKey<K extends string> = K | `-${K}`;

// biome-ignore lint/suspicious/noExplicitAny: any query of any table; each caller keeps its own precise type
type AnySelect = SelectQueryBuilder<any, any, any>;

/**
 * One page of `query` in `order`, and `total`, the number of rows `query` matches in all. `query` holds the
 * filters and the select list but no order: the count runs the same FROM and WHERE with `count(*)` instead.
 */
export async function pageOf<Q extends AnySelect>(
  query: Q,
  window: PageWindow,
  order: (query: Q) => Q,
): Promise<{ rows: Awaited<ReturnType<Q['execute']>>; total: number }> {
  const rows = await order(query).limit(window.limit).offset(window.offset).execute();
  const counted = await query
    .clearSelect()
    .select(sql<string | number>`count(*)`.as('total'))
    .executeTakeFirstOrThrow();
  return { rows: rows as Awaited<ReturnType<Q['execute']>>, total: Number(counted.total) };
}

/**
 * The order of a list from its `sort` key: `columns` maps each field the API lets one sort by to its SQL (one or more expressions; names
 * through `byName`, so "an Giang" and "An Giang" sort together); `tiebreak` (a unique column) follows in the
 * same direction, so that pages never overlap or skip rows that share a value.
 */
export function ordering<K extends string>(
  sort: SortKey<K> | undefined,
  fallback: SortKey<K>,
  columns: Record<K, Expression<unknown> | Expression<unknown>[]>,
  tiebreak: string,
): <Q extends AnySelect>(query: Q) => Q {
  const key = sort ?? fallback;
  const descending = key.startsWith('-');
  const field = (descending ? key.slice(1) : key) as K;
  const direction = descending ? 'desc' : 'asc';
  const keys: Expression<unknown>[] = [columns[field], sql.ref(tiebreak)].flat();
  return <Q extends AnySelect>(query: Q) =>
    keys.reduce<AnySelect>((ordered, column) => ordered.orderBy(column, direction), query) as Q;
}

/** A column to sort by, as is (times, codes compared byte-wise). */
export const byColumn = (column: string): Expression<unknown> => sql.ref(column);
/**
 * A text column to sort by as a Vietnamese reader expects: by its folded form first (`lgsp_fold`, migration 0024 —
 * case and accents set aside, đ as d), so "Điện Biên" and "Đồng Tháp" sort among the D's instead of after "Z" as
 * byte order (the C collation of PGlite and of many servers) puts them; then by `lower()` and the text itself, so
 * names that fold alike still come in one stable order. The `lower(name)` indexes of migration 0022 no longer serve
 * these sorts; a registry's thousands of rows sort in well under a millisecond each (test/web.scale.test.ts).
 */
export const byName = (column: string): Expression<unknown>[] => [
  sql`lgsp_fold(${sql.ref(column)})`,
  sql`lower(${sql.ref(column)})`,
];

/**
 * `q` searched as a substring of any of `columns`, without regard to case or Vietnamese accents: `so tu phap`,
 * `SỞ TƯ PHÁP` and `Sở Tư pháp` all find "Sở Tư pháp tỉnh An Giang". Column and pattern are folded alike by the
 * SQL function `lgsp_fold` (migration 0024: Vietnamese letters to their plain base, đ to d, then lower case), so
 * PGlite and PostgreSQL answer the same; `%`, `_` and `\` in `q` are taken literally. pg_trgm is not on PGlite, so
 * the "contains" search is a scan of the filtered rows, cheap for the thousands of rows of a registry.
 */
export function matchesAny<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  columns: string[],
  q: string,
): Expression<SqlBool> {
  const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return eb.or(
    columns.map((column) => sql<SqlBool>`lgsp_fold(${sql.ref(column)}) LIKE lgsp_fold(${pattern})`),
  );
}

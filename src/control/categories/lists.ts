import { type Kysely, sql } from 'kysely';
import type {
  CategoryItem,
  CategoryItemQuery,
  CategoryList,
  CategoryListCreate,
  CategoryListPatch,
  CategoryListQuery,
  CategoryMapping,
  CategoryMappingQuery,
  CategoryVersion,
  CategoryVersionQuery,
  PageOf,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { canonicalJson, sha256Hex } from '../../core/hashing.ts';
import { isoOf } from '../../core/time.ts';
import { byColumn, byName, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import { isUniqueViolation } from '../../store/port.ts';
import type { CategoryField, CategoryValue, Database } from '../../store/schema.ts';
import { auditOf, type Command, type CommandOn } from '../change.ts';

/**
 * The shared category lists (issue 12 item 7) as commands and queries, in the registry's style: a command runs on
 * the caller's change (one transaction with its audit event and a config revision, so every gateway reloads the
 * served items) and returns its result with its events. A version is written once and never changed.
 */

const audit = auditOf('category_list');
/** Items are inserted this many at a time: one statement's parameters stay well under PostgreSQL's 65,535. */
const INSERT_BATCH = 500;

export interface ParsedItem {
  code: string;
  data: Record<string, CategoryValue>;
}

type ListRow = Database['category_lists'] extends infer T
  ? { [K in keyof T]: T[K] extends import('kysely').ColumnType<infer S, unknown, unknown> ? S : T[K] }
  : never;

function toList(row: ListRow, itemCount: number): CategoryList {
  return {
    code: row.code,
    nameVi: row.name_vi,
    nameEn: row.name_en,
    description: row.description,
    source: row.source,
    fields: row.fields,
    currentVersion: row.current_version,
    itemCount,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
  };
}

function listQuery(db: Kysely<Database>) {
  return db
    .selectFrom('category_lists')
    .leftJoin('category_versions', (join) =>
      join
        .onRef('category_versions.list_code', '=', 'category_lists.code')
        .onRef('category_versions.version', '=', 'category_lists.current_version'),
    )
    .selectAll('category_lists')
    .select(sql<number | null>`category_versions.item_count`.as('item_count'));
}

/** Field names are compared without case (a file's heading may differ in case): two may not differ only in it. */
function checkFields(fields: CategoryField[]): CategoryField[] {
  const seen = new Set<string>();
  for (const f of fields) {
    const key = f.name.toLowerCase();
    if (seen.has(key)) {
      throw new LgspError('API_VALIDATION_FAILED', `fields: "${f.name}" lặp lại / repeated`);
    }
    seen.add(key);
  }
  return fields.map((f) => ({ name: f.name, type: f.type, description: f.description }));
}

export async function requireList(db: Kysely<Database>, code: string): Promise<CategoryList> {
  const row = await listQuery(db).where('category_lists.code', '=', code).executeTakeFirst();
  if (!row) throw new LgspError('CP_CATEGORY_NOT_FOUND', code);
  return toList(row, row.item_count ?? 0);
}

export async function pageLists(
  db: Kysely<Database>,
  query: CategoryListQuery,
): Promise<PageOf<CategoryList>> {
  let q = listQuery(db);
  if (query.q) {
    const text = query.q;
    q = q.where((eb) =>
      matchesAny(eb, ['category_lists.code', 'category_lists.name_vi', 'category_lists.name_en'], text),
    );
  }
  const { rows, total } = await pageOf(
    q,
    query,
    ordering(
      query.sort,
      'code',
      {
        code: byColumn('category_lists.code'),
        nameVi: byName('category_lists.name_vi'),
        updatedAt: byColumn('category_lists.updated_at'),
      },
      'category_lists.code',
    ),
  );
  return { items: rows.map((r) => toList(r, r.item_count ?? 0)), total };
}

export const createList: Command<CategoryListCreate, CategoryList> = async (trx, input, actor, now) => {
  const fields = checkFields(input.fields);
  const row = await trx
    .insertInto('category_lists')
    .values({
      code: input.code,
      name_vi: input.nameVi,
      name_en: input.nameEn,
      description: input.description ?? '',
      source: input.source ?? '',
      fields: JSON.stringify(fields),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err) => {
      throw isUniqueViolation(err) ? new LgspError('CP_CATEGORY_CODE_TAKEN', input.code) : err;
    });
  return {
    result: toList(row, 0),
    events: [audit(actor, 'create', input.code, { nameVi: input.nameVi, fields: fields.map((f) => f.name) })],
  };
};

export const updateList: CommandOn<CategoryListPatch, CategoryList> = async (
  trx,
  code,
  patch,
  actor,
  now,
) => {
  await requireList(trx, code);
  await trx
    .updateTable('category_lists')
    .set({
      ...(patch.nameVi !== undefined ? { name_vi: patch.nameVi } : {}),
      ...(patch.nameEn !== undefined ? { name_en: patch.nameEn } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.source !== undefined ? { source: patch.source } : {}),
      updated_at: now,
    })
    .where('code', '=', code)
    .execute();
  return {
    result: await requireList(trx, code),
    events: [audit(actor, 'update', code, { fields: Object.keys(patch) })],
  };
};

export interface VersionInput {
  items: ParsedItem[];
  /** The version's fields; absent: the list's current ones. */
  fields?: CategoryField[];
  /** csv | xlsx | seed | peer:<name>. */
  origin: string;
  note?: string;
}

/**
 * A new version of a list: its items written, then the list served from it — one transaction, so a gateway loads
 * either the old items or the new ones (R-20: audited with the items' SHA-256). The list row is locked first, so
 * two imports at once take turns and number their versions one after the other.
 */
export const importVersion: CommandOn<VersionInput, CategoryVersion> = async (
  trx,
  code,
  input,
  actor,
  now,
) => {
  const list = await trx
    .selectFrom('category_lists')
    .selectAll()
    .where('code', '=', code)
    .forUpdate()
    .executeTakeFirst();
  if (!list) throw new LgspError('CP_CATEGORY_NOT_FOUND', code);
  const fields = input.fields ? checkFields(input.fields) : list.fields;
  const last = await trx
    .selectFrom('category_versions')
    .select(sql<number | null>`max(version)`.as('last'))
    .where('list_code', '=', code)
    .executeTakeFirstOrThrow();
  const version = Number(last.last ?? 0) + 1;
  const itemsSha256 = sha256Hex(canonicalJson(input.items.map((i) => i.data)));
  const row = await trx
    .insertInto('category_versions')
    .values({
      list_code: code,
      version,
      fields: JSON.stringify(fields),
      item_count: input.items.length,
      items_sha256: itemsSha256,
      origin: input.origin,
      note: input.note ?? '',
      created_by: actor,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (let i = 0; i < input.items.length; i += INSERT_BATCH) {
    await trx
      .insertInto('category_items')
      .values(
        input.items.slice(i, i + INSERT_BATCH).map((item, j) => ({
          list_code: code,
          version,
          position: i + j + 1,
          code: item.code,
          data: JSON.stringify(item.data),
        })),
      )
      .execute();
  }
  await trx
    .updateTable('category_lists')
    .set({ current_version: version, fields: JSON.stringify(fields), updated_at: now })
    .where('code', '=', code)
    .execute();
  return {
    result: toVersion(row, version),
    events: [
      audit(actor, 'import', code, {
        version,
        itemCount: input.items.length,
        itemsSha256,
        origin: input.origin,
      }),
    ],
  };
};

function toVersion(
  row: {
    list_code: string;
    version: number;
    fields: CategoryField[];
    item_count: number;
    items_sha256: string;
    origin: string;
    note: string;
    created_by: string;
    created_at: Date | string;
  },
  current: number | null,
): CategoryVersion {
  return {
    listCode: row.list_code,
    version: row.version,
    fields: row.fields,
    itemCount: row.item_count,
    itemsSha256: row.items_sha256,
    origin: row.origin,
    note: row.note,
    createdBy: row.created_by,
    createdAt: isoOf(row.created_at),
    current: row.version === current,
  };
}

export async function pageVersions(
  db: Kysely<Database>,
  code: string,
  query: CategoryVersionQuery,
): Promise<PageOf<CategoryVersion>> {
  const list = await requireList(db, code);
  let q = db.selectFrom('category_versions').selectAll().where('list_code', '=', code);
  if (query.q) {
    const text = query.q;
    q = q.where((eb) => matchesAny(eb, ['origin', 'note', 'created_by'], text));
  }
  const { rows, total } = await pageOf(
    q,
    query,
    ordering(
      query.sort,
      '-version',
      { version: byColumn('version'), createdAt: byColumn('created_at') },
      'version',
    ),
  );
  return { items: rows.map((r) => toVersion(r, list.currentVersion)), total };
}

export async function pageItems(
  db: Kysely<Database>,
  code: string,
  query: CategoryItemQuery,
): Promise<PageOf<CategoryItem> & { version: number }> {
  const list = await requireList(db, code);
  const version = query.version ?? list.currentVersion;
  if (version === null)
    throw new LgspError('CP_CATEGORY_NOT_FOUND', `${code}: chưa có phiên bản / no version yet`);
  const exists = await db
    .selectFrom('category_versions')
    .select('version')
    .where('list_code', '=', code)
    .where('version', '=', version)
    .executeTakeFirst();
  if (!exists) throw new LgspError('CP_CATEGORY_NOT_FOUND', `${code} v${version}`);
  let q = db
    .selectFrom('category_items')
    .select(['position', 'code', 'data'])
    .where('list_code', '=', code)
    .where('version', '=', version);
  if (query.q) {
    const text = query.q;
    // The values are searched in the JSON text of the item: a scan of one version's rows, as for every list.
    const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where(sql<boolean>`(code ILIKE ${pattern} OR data::text ILIKE ${pattern})`);
  }
  const { rows, total } = await pageOf(
    q,
    query,
    ordering(query.sort, 'position', { position: byColumn('position'), code: byColumn('code') }, 'position'),
  );
  return { version, items: rows.map((r) => ({ position: r.position, code: r.code, data: r.data })), total };
}

// ── Mappings: a province's local codes → the national codes of a list ──────────────────────────────────────────

function toMapping(r: {
  local_code: string;
  national_code: string;
  note: string;
  updated_at: Date | string;
}): CategoryMapping {
  return {
    localCode: r.local_code,
    nationalCode: r.national_code,
    note: r.note,
    updatedAt: isoOf(r.updated_at),
  };
}

export async function pageMappings(
  db: Kysely<Database>,
  code: string,
  query: CategoryMappingQuery,
): Promise<PageOf<CategoryMapping>> {
  await requireList(db, code);
  let q = db.selectFrom('category_mappings').selectAll().where('list_code', '=', code);
  if (query.q) {
    const text = query.q;
    q = q.where((eb) => matchesAny(eb, ['local_code', 'national_code'], text));
  }
  const { rows, total } = await pageOf(
    q,
    query,
    ordering(
      query.sort,
      'localCode',
      { localCode: byColumn('local_code'), nationalCode: byColumn('national_code') },
      'local_code',
    ),
  );
  return { items: rows.map(toMapping), total };
}

export interface MappingInput {
  rows: Array<{ localCode: string; nationalCode: string; note?: string | undefined }>;
  /** Drop the list's mappings that are not among `rows`. */
  replace: boolean;
}

/** Adds or changes mappings (one local code → one national code), optionally dropping the others; audited. */
export const putMappings: CommandOn<MappingInput, { upserted: number; removed: number }> = async (
  trx,
  code,
  input,
  actor,
  now,
) => {
  await requireList(trx, code);
  const seen = new Set<string>();
  for (const r of input.rows) {
    if (seen.has(r.localCode)) {
      throw new LgspError(
        'API_VALIDATION_FAILED',
        `mappings: mã "${r.localCode}" lặp lại / local code repeated`,
      );
    }
    seen.add(r.localCode);
  }
  let removed = 0;
  if (input.replace) {
    const gone = await trx
      .deleteFrom('category_mappings')
      .where('list_code', '=', code)
      .$if(input.rows.length > 0, (q) => q.where('local_code', 'not in', [...seen]))
      .executeTakeFirst();
    removed = Number(gone.numDeletedRows ?? 0);
  }
  for (let i = 0; i < input.rows.length; i += INSERT_BATCH) {
    await trx
      .insertInto('category_mappings')
      .values(
        input.rows.slice(i, i + INSERT_BATCH).map((r) => ({
          list_code: code,
          local_code: r.localCode,
          national_code: r.nationalCode,
          note: r.note ?? '',
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['list_code', 'local_code']).doUpdateSet((eb) => ({
          national_code: eb.ref('excluded.national_code'),
          note: eb.ref('excluded.note'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  return {
    result: { upserted: input.rows.length, removed },
    events: [audit(actor, 'map', code, { upserted: input.rows.length, removed, replace: input.replace })],
  };
};

export const deleteMapping: CommandOn<string, CategoryMapping> = async (trx, code, localCode, actor) => {
  const row = await trx
    .deleteFrom('category_mappings')
    .where('list_code', '=', code)
    .where('local_code', '=', localCode)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new LgspError('CP_CATEGORY_NOT_FOUND', `${code}: ${localCode}`);
  return { result: toMapping(row), events: [audit(actor, 'unmap', code, { localCode })] };
};

/** A local code's national code, with the national item it names in the version served (null when absent). */
export async function lookupMapping(db: Kysely<Database>, code: string, localCode: string) {
  const list = await requireList(db, code);
  const row = await db
    .selectFrom('category_mappings')
    .selectAll()
    .where('list_code', '=', code)
    .where('local_code', '=', localCode)
    .executeTakeFirst();
  if (!row) throw new LgspError('CP_CATEGORY_NOT_FOUND', `${code}: ${localCode}`);
  const item =
    list.currentVersion === null
      ? undefined
      : await db
          .selectFrom('category_items')
          .select(['position', 'code', 'data'])
          .where('list_code', '=', code)
          .where('version', '=', list.currentVersion)
          .where('code', '=', row.national_code)
          .executeTakeFirst();
  return { listCode: code, ...toMapping(row), nationalItem: item ?? null };
}

import type { Transaction } from 'kysely';
import { msOf } from '../../core/time.ts';
import type { Database } from '../../store/schema.ts';
import type { ServedCategory } from '../snapshot.ts';

/**
 * What the gateway serves at `/dmdc/1.0` (issue 12 item 7), read into the configuration snapshot: every list that
 * has a version, with that version's fields and items. The gateway answers from it without reading the store per
 * request (DESIGN.md "Shape"). A version never changes once written, so its items are kept here by list, version
 * and content hash, and a snapshot after an unrelated change reads only the lists' rows, not their items again.
 */
const itemsCache = new Map<string, ServedCategory['items']>();

export async function loadServedCategories(trx: Transaction<Database>): Promise<ServedCategory[]> {
  const lists = await trx
    .selectFrom('category_lists')
    .innerJoin('category_versions', (join) =>
      join
        .onRef('category_versions.list_code', '=', 'category_lists.code')
        .onRef('category_versions.version', '=', 'category_lists.current_version'),
    )
    .select([
      'category_lists.code',
      'category_lists.name_vi',
      'category_lists.name_en',
      'category_lists.description',
      'category_lists.source',
      'category_versions.version',
      'category_versions.fields',
      'category_versions.items_sha256',
      'category_versions.created_at',
    ])
    .orderBy('category_lists.code')
    .execute();
  const served: ServedCategory[] = [];
  const keep = new Set<string>();
  for (const l of lists) {
    const key = `${l.code}@${l.version}@${l.items_sha256}`;
    keep.add(key);
    let items = itemsCache.get(key);
    if (items === undefined) {
      const rows = await trx
        .selectFrom('category_items')
        .select('data')
        .where('list_code', '=', l.code)
        .where('version', '=', l.version)
        .orderBy('position')
        .execute();
      items = rows.map((r) => r.data);
      itemsCache.set(key, items);
    }
    served.push({
      code: l.code,
      nameVi: l.name_vi,
      nameEn: l.name_en,
      description: l.description,
      source: l.source,
      version: l.version,
      effectiveAtMs: msOf(l.created_at),
      fields: l.fields,
      items,
    });
  }
  // Only this store's current versions stay cached (a test process may hold several stores: their keys differ).
  if (itemsCache.size > keep.size + 64)
    for (const key of itemsCache.keys()) if (!keep.has(key)) itemsCache.delete(key);
  return served;
}

/** Version id → the built-in kind the gateway answers itself (`builtin_services`, migration 0028). */
export async function loadBuiltinVersions(trx: Transaction<Database>): Promise<Map<string, 'categories'>> {
  const rows = await trx.selectFrom('builtin_services').select(['kind', 'version_id']).execute();
  return new Map(rows.map((r) => [r.version_id, r.kind]));
}

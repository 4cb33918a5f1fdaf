import { readFileSync } from 'node:fs';
import type { CategoryListCreate } from '../../api/contract/index.ts';
import type { Changes } from '../change.ts';
import { createSubscription } from '../registry/subscriptions.ts';
import { itemsFromRows, readCsvRows } from './files.ts';
import type { Categories } from './index.ts';

/**
 * Real public lists typed from their published standards, for `lgsp demo` (issue 12 item 7): no download at run
 * time — the files are in `seed/` beside this one and go through the same CSV importer an operator uses.
 */
export const SEED_LISTS: Array<CategoryListCreate & { file: string }> = [
  {
    file: 'GIOITINH.csv',
    code: 'GIOITINH',
    nameVi: 'Giới tính',
    nameEn: 'Sex',
    source: 'ISO/IEC 5218 (0 chưa xác định, 1 nam, 2 nữ, 9 không áp dụng)',
    fields: [
      { name: 'Ma', type: 'string', description: 'Mã giới tính / code' },
      { name: 'Ten', type: 'string', description: 'Tên / name' },
      { name: 'TenTiengAnh', type: 'string', description: 'Tên tiếng Anh / English name' },
    ],
  },
  {
    file: 'DANTOC.csv',
    code: 'DANTOC',
    nameVi: 'Danh mục các dân tộc Việt Nam',
    nameEn: 'Ethnic groups of Viet Nam',
    source: 'Quyết định 121-TCTK/PPCĐ ngày 02/3/1979 của Tổng cục Thống kê',
    fields: [
      { name: 'Ma', type: 'string', description: 'Mã dân tộc (2 chữ số) / two-digit code' },
      { name: 'Ten', type: 'string', description: 'Tên gọi chính thức / official name' },
      { name: 'TenKhac', type: 'string', description: 'Tên gọi khác / other name' },
    ],
  },
  {
    file: 'QUOCGIA.csv',
    code: 'QUOCGIA',
    nameVi: 'Quốc gia và vùng lãnh thổ',
    nameEn: 'Countries and territories',
    source: 'ISO 3166-1 (alpha-2, alpha-3, mã số); tên tiếng Việt theo cách viết thông dụng',
    fields: [
      { name: 'Ma', type: 'string', description: 'Mã ISO 3166-1 alpha-2' },
      { name: 'MaAlpha3', type: 'string', description: 'Mã ISO 3166-1 alpha-3' },
      { name: 'MaSo', type: 'string', description: 'Mã số ISO 3166-1 (3 chữ số) / numeric code' },
      { name: 'Ten', type: 'string', description: 'Tên tiếng Việt / Vietnamese name' },
      { name: 'TenTiengAnh', type: 'string', description: 'Tên tiếng Anh (ISO 3166) / English short name' },
    ],
  },
];

/**
 * The demo's lists, each imported once (a list that already has a version is left as it is), and the consumer
 * system subscribed in production to the built-in `/dmdc/1.0`, so the demo's token may call it.
 */
export async function seedDemoCategories(
  categories: Categories,
  changes: Changes,
  consumerSystemId: string,
  actor: string,
): Promise<void> {
  for (const { file, ...list } of SEED_LISTS) {
    const existing = await categories.list({ q: list.code, limit: 1, offset: 0 });
    const current = existing.items.find((l) => l.code === list.code);
    if (current?.currentVersion) continue;
    if (!current) await categories.create(list, actor);
    const text = readFileSync(new URL(`./seed/${file}`, import.meta.url), 'utf8');
    await categories.importItems(list.code, itemsFromRows(readCsvRows(text), list.fields), 'seed', actor);
  }
  const service = await categories.serviceRef();
  await changes.run(async (trx, now) => {
    const subscribed = await trx
      .selectFrom('subscriptions')
      .select('id')
      .where('system_id', '=', consumerSystemId)
      .where('version_id', '=', service.versionId)
      .where('environment', '=', 'production')
      .executeTakeFirst();
    if (subscribed) return { result: undefined, events: [] };
    return createSubscription(
      trx,
      { systemId: consumerSystemId, versionId: service.versionId, environment: 'production' },
      actor,
      now,
    );
  });
}

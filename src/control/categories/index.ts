import type { Kysely } from 'kysely';
import type {
  CategoryImportBody,
  CategoryItemQuery,
  CategoryListCreate,
  CategoryListPatch,
  CategoryListQuery,
  CategoryMappingImport,
  CategoryMappingQuery,
  CategoryVersionQuery,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import type { CategoryField, CategoryValue, Database } from '../../store/schema.ts';
import type { Changes } from '../change.ts';
import { type CategoryServiceRef, categoryServiceRef, ensureCategoryService } from './builtin.ts';
import { invalidFile, itemsFromRows } from './files.ts';
import {
  createList,
  deleteMapping,
  importVersion,
  lookupMapping,
  pageItems,
  pageLists,
  pageMappings,
  pageVersions,
  putMappings,
  requireList,
  updateList,
} from './lists.ts';
import { readFileRowsOffThread } from './read-rows.ts';

export { CATEGORY_SERVICE, type CategoryServiceRef, ensureCategoryService } from './builtin.ts';

/** Mapping files' columns: the local code, the national code, an optional note. */
const MAPPING_FIELDS: CategoryField[] = [
  { name: 'localCode', type: 'string', description: 'Mã địa phương / local code' },
  { name: 'nationalCode', type: 'string', description: 'Mã quốc gia / national code' },
  { name: 'note', type: 'string', description: 'Ghi chú / note' },
];

/**
 * A category list as a peer platform (NDXP/NGSP) answers it — `/dmdc/1.0/Metadata/{code}` and every page of
 * `/dmdc/1.0/Category/{code}` put together — read through federation by `src/federation/category-sync.ts`.
 */
export interface PeerCategoryAnswer {
  /** The peer's name, recorded as the version's origin (`peer:<name>`). */
  peer: string;
  metadata: {
    CategoryCode: string;
    CategoryName?: string;
    CategoryNameEn?: string;
    Fields: Array<{ FieldName: string; DataType: string; Description?: string }>;
  };
  items: Array<Record<string, unknown>>;
}

/**
 * The shared category lists (issue 12 item 7): the operator's lists, their versions and mappings, and the built-in
 * service that serves them. Built once by the composition root (src/platform.ts) and handed to the admin API.
 */
export class Categories {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly changes: Changes,
  ) {}

  /** Makes the built-in `/dmdc/1.0` service when it is not there (start-up); null when `dmdc` is someone else's. */
  async ensureService(): Promise<CategoryServiceRef | null> {
    return ensureCategoryService(this.changes);
  }

  /** The built-in service as made at start-up (a read: it makes nothing); 404 when there is none. */
  async serviceRef(): Promise<CategoryServiceRef> {
    const row = await this.db
      .selectFrom('builtin_services')
      .selectAll()
      .where('kind', '=', 'categories')
      .executeTakeFirst();
    if (!row) {
      throw new LgspError(
        'CP_CATEGORY_NOT_FOUND',
        'dmdc: dịch vụ dựng sẵn chưa được tạo hoặc ngữ cảnh đã có dịch vụ khác / the built-in service is not there',
      );
    }
    return categoryServiceRef(row.service_id, row.version_id, row.system_id);
  }

  list(query: CategoryListQuery) {
    return pageLists(this.db, query);
  }
  get(code: string) {
    return requireList(this.db, code);
  }
  create(input: CategoryListCreate, actor: string) {
    return this.changes.run((trx, now) => createList(trx, input, actor, now));
  }
  update(code: string, patch: CategoryListPatch, actor: string) {
    return this.changes.run((trx, now) => updateList(trx, code, patch, actor, now));
  }
  versions(code: string, query: CategoryVersionQuery) {
    return pageVersions(this.db, code, query);
  }
  items(code: string, query: CategoryItemQuery) {
    return pageItems(this.db, code, query);
  }

  /** A new version from a CSV or XLSX file: the whole file checked first (row and column named), then one change. */
  async importFile(code: string, body: CategoryImportBody, actor: string) {
    const list = await requireList(this.db, code);
    const fields = body.fields ?? list.fields;
    const items = itemsFromRows(await readFileRowsOffThread(body.format, body.content), fields);
    return this.changes.run((trx, now) =>
      importVersion(
        trx,
        code,
        {
          items,
          ...(body.fields ? { fields: body.fields } : {}),
          origin: body.format,
          ...(body.note ? { note: body.note } : {}),
        },
        actor,
        now,
      ),
    );
  }

  /** A new version from items already parsed (the demo's seed files, a peer's answer). */
  importItems(
    code: string,
    items: Array<{ code: string; data: Record<string, CategoryValue> }>,
    origin: string,
    actor: string,
    fields?: CategoryField[],
  ) {
    return this.changes.run((trx, now) =>
      importVersion(trx, code, { items, origin, ...(fields ? { fields } : {}) }, actor, now),
    );
  }

  /**
   * Peers' lists as new local versions (issue 12 item 7, `lgsp categories sync`): every answer is checked like a
   * file first (fields, one row per item), then all of them are written in **one** change — a list is created
   * when it is new here, each gets a new version of origin `peer:<code>` with the peer's fields, audited. Nothing
   * is half-written: a bad item in the last list leaves every list as it was. Code mappings are not touched: the
   * local → national table stays the operator's.
   */
  async importFromPeers(answers: PeerCategoryAnswer[], actor: string) {
    const parsed = answers.map((answer) => {
      const fields: CategoryField[] = answer.metadata.Fields.map((f) => ({
        name: f.FieldName,
        type:
          (['string', 'integer', 'number', 'date', 'boolean'] as const).find((t) => t === f.DataType) ??
          'string',
        description: f.Description ?? '',
      }));
      const rows = [
        { row: 1, cells: fields.map((f) => f.name) },
        ...answer.items.map((item, i) => ({
          row: i + 2,
          cells: fields.map((f) =>
            item[f.name] === null || item[f.name] === undefined ? '' : String(item[f.name]),
          ),
        })),
      ];
      return { answer, fields, items: itemsFromRows(rows, fields) };
    });
    return this.changes.run(async (trx, now) => {
      const events = [];
      const result = [];
      for (const { answer, fields, items } of parsed) {
        const code = answer.metadata.CategoryCode;
        const exists = await trx
          .selectFrom('category_lists')
          .select('code')
          .where('code', '=', code)
          .executeTakeFirst();
        if (!exists) {
          const made = await createList(
            trx,
            {
              code,
              nameVi: answer.metadata.CategoryName || code,
              nameEn: answer.metadata.CategoryNameEn || code,
              fields,
            },
            actor,
            now,
          );
          events.push(...made.events);
        }
        const version = await importVersion(
          trx,
          code,
          { items, origin: `peer:${answer.peer}`, fields },
          actor,
          now,
        );
        events.push(...version.events);
        result.push({ ...version.result, created: !exists });
      }
      return { result, events };
    });
  }

  /** One peer's list as a new local version (see `importFromPeers`). */
  async importFromPeer(answer: PeerCategoryAnswer, actor: string) {
    return (await this.importFromPeers([answer], actor))[0]!;
  }

  mappings(code: string, query: CategoryMappingQuery) {
    return pageMappings(this.db, code, query);
  }

  /** Mappings given as JSON rows, or in a CSV/XLSX file with localCode, nationalCode and note columns. */
  async putMappings(code: string, body: CategoryMappingImport, actor: string) {
    const fromFile = body.format !== undefined || body.content !== undefined;
    if (fromFile === (body.mappings !== undefined) || (fromFile && (!body.format || !body.content))) {
      throw new LgspError(
        'API_VALIDATION_FAILED',
        'cần mappings, hoặc format cùng content / send mappings, or format with content',
      );
    }
    let rows = body.mappings ?? [];
    if (fromFile) {
      const fileRows = await readFileRowsOffThread(body.format!, body.content!);
      const heading = fileRows[0]?.cells.map((c) => c.toLowerCase()) ?? [];
      // The note column is optional in a file: a file without one is read as if it were there, empty.
      const fields = heading.includes('note') ? MAPPING_FIELDS : MAPPING_FIELDS.slice(0, 2);
      rows = itemsFromRows(fileRows, fields).map((i) => {
        if (i.data['nationalCode'] === null) {
          throw invalidFile([
            { row: 0, column: 'nationalCode', message: `thiếu mã quốc gia của ${i.code} / no national code` },
          ]);
        }
        return {
          localCode: i.code,
          nationalCode: String(i.data['nationalCode']),
          ...(i.data['note'] ? { note: String(i.data['note']) } : {}),
        };
      });
    }
    return this.changes.run((trx, now) =>
      putMappings(trx, code, { rows, replace: body.replace ?? false }, actor, now),
    );
  }

  lookup(code: string, localCode: string) {
    return lookupMapping(this.db, code, localCode);
  }

  deleteMapping(code: string, localCode: string, actor: string) {
    return this.changes.run((trx, now) => deleteMapping(trx, code, localCode, actor, now));
  }
}

import { type Static, Type } from '@sinclair/typebox';
import { Nullable, OneOf, PageQuery, Strict, Text, Timestamp, Timestamps } from './common.ts';

/**
 * Shared category lists (danh mục dùng chung, issue 12 item 7): versioned lists the operator keeps, served to
 * consumers by the gateway as the built-in service `/dmdc/1.0` (docs/categories.md), and a mapping per list from a
 * province's local codes to the national ones.
 */

/** A list's code: what consumers name it by in `/dmdc/1.0/Category/{code}` — upper-case letters, digits, `_`. */
export const CATEGORY_CODE_PATTERN = '^[A-Z][A-Z0-9_]{0,49}$';
export const CATEGORY_FIELD_TYPES = ['string', 'integer', 'number', 'date', 'boolean'] as const;
/** How a file is sent: CSV text (UTF-8), or an XLSX workbook in base64 (its first sheet is read). */
export const CATEGORY_FILE_FORMATS = ['csv', 'xlsx'] as const;
/** The most fields a list may have (and columns a file may have). */
export const CATEGORY_FIELDS_MAX = 50;
/** The largest file accepted, before base64 (CSV text or XLSX bytes). */
export const CATEGORY_FILE_MAX_BYTES = 5 * 1024 * 1024;
/** The most items (data rows) one version may have. */
export const CATEGORY_ROWS_MAX = 50_000;

export const CategoryCodeParams = Type.Object(
  {
    code: Type.String({
      pattern: CATEGORY_CODE_PATTERN,
      description: 'Mã danh mục / list code',
      examples: ['DANTOC'],
    }),
  },
  Strict,
);

export const CategoryMappingParams = Type.Object(
  {
    code: CategoryCodeParams.properties.code,
    localCode: Type.String({ minLength: 1, maxLength: 100, description: 'Mã địa phương / local code' }),
  },
  Strict,
);

export const CategoryFieldSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z][A-Za-z0-9_]{0,49}$',
      description: 'Tên trường (tiêu đề cột của tệp) / field name (the file’s column heading)',
      examples: ['MaDanToc'],
    }),
    type: OneOf(CATEGORY_FIELD_TYPES, {
      description: 'Kiểu: chuỗi, số nguyên, số, ngày (yyyy-mm-dd), đúng/sai / type',
    }),
    description: Type.String({ maxLength: 500, description: 'Ý nghĩa của trường / meaning' }),
  },
  Strict,
);
export type CategoryField = Static<typeof CategoryFieldSchema>;

const Fields = Type.Array(CategoryFieldSchema, {
  minItems: 1,
  maxItems: CATEGORY_FIELDS_MAX,
  description:
    'Các trường theo thứ tự; trường đầu tiên là mã của mục (duy nhất) / the fields in order; the first is the item’s key (unique)',
});

export const CategoryListCreate = Type.Object(
  {
    code: CategoryCodeParams.properties.code,
    nameVi: Text(300, 'Tên danh mục / name (Vietnamese)'),
    nameEn: Text(300, 'Tên tiếng Anh / name (English)'),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    source: Type.Optional(
      Type.String({
        maxLength: 500,
        description: 'Văn bản, tiêu chuẩn ban hành danh mục / the standard or decision it comes from',
        examples: ['QĐ 121-TCTK/PPCĐ'],
      }),
    ),
    fields: Fields,
  },
  Strict,
);
export type CategoryListCreate = Static<typeof CategoryListCreate>;

export const CategoryListPatch = Type.Object(
  {
    nameVi: Type.Optional(Text(300)),
    nameEn: Type.Optional(Text(300)),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    source: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { ...Strict, minProperties: 1 },
);
export type CategoryListPatch = Static<typeof CategoryListPatch>;

export const CategoryListSchema = Type.Object({
  code: Type.String(),
  nameVi: Type.String(),
  nameEn: Type.String(),
  description: Type.String(),
  source: Type.String(),
  fields: Type.Array(CategoryFieldSchema),
  currentVersion: Nullable(Type.Integer({ description: 'Phiên bản đang cung cấp / version served' })),
  itemCount: Type.Integer({ description: 'Số mục của phiên bản đang cung cấp / items served' }),
  ...Timestamps,
});
export type CategoryList = Static<typeof CategoryListSchema>;

export const CategoryListQuery = PageQuery(
  {},
  { searches: 'mã, tên / code, names', sortable: ['code', 'nameVi', 'updatedAt'] },
);
export type CategoryListQuery = Static<typeof CategoryListQuery>;

export const CategoryImportBody = Type.Object(
  {
    format: OneOf(CATEGORY_FILE_FORMATS, {
      description:
        'csv: nội dung là văn bản UTF-8; xlsx: nội dung là base64 / csv: content is UTF-8 text; xlsx: base64',
    }),
    content: Type.String({
      minLength: 1,
      // 5 MiB of bytes is ≈ 7 MiB of base64.
      maxLength: Math.ceil((CATEGORY_FILE_MAX_BYTES * 4) / 3) + 4,
      description:
        'Tệp: dòng đầu là tên trường, mỗi dòng sau là một mục / the file: a heading row of field names, then one item per row',
    }),
    fields: Type.Optional(Fields),
    note: Type.Optional(Type.String({ maxLength: 1000, description: 'Ghi chú phiên bản / version note' })),
  },
  Strict,
);
export type CategoryImportBody = Static<typeof CategoryImportBody>;

export const CategoryVersionSchema = Type.Object({
  listCode: Type.String(),
  version: Type.Integer(),
  fields: Type.Array(CategoryFieldSchema),
  itemCount: Type.Integer(),
  itemsSha256: Type.String({
    description: 'SHA-256 của các mục (JSON chuẩn tắc) / of the items as canonical JSON',
  }),
  origin: Type.String({ description: 'csv | xlsx | seed | peer:<tên/name>' }),
  note: Type.String(),
  createdBy: Type.String(),
  createdAt: Timestamp,
  current: Type.Boolean({ description: 'Đang được cung cấp / the version served' }),
});
export type CategoryVersion = Static<typeof CategoryVersionSchema>;

export const CategoryVersionQuery = PageQuery(
  {},
  { searches: 'nguồn, ghi chú, người nhập / origin, note, who imported', sortable: ['version', 'createdAt'] },
);
export type CategoryVersionQuery = Static<typeof CategoryVersionQuery>;

export const CategoryValueSchema = Nullable(Type.Union([Type.String(), Type.Number(), Type.Boolean()]));
export const CategoryItemSchema = Type.Object({
  position: Type.Integer({ description: 'Thứ tự trong tệp, từ 1 / order in the file, from 1' }),
  code: Type.String(),
  data: Type.Record(Type.String(), CategoryValueSchema),
});
export type CategoryItem = Static<typeof CategoryItemSchema>;

export const CategoryItemQuery = PageQuery(
  {
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'Phiên bản; mặc định: đang cung cấp / default: the one served',
      }),
    ),
  },
  { searches: 'mã, mọi giá trị / code, every value', sortable: ['position', 'code'] },
);
export type CategoryItemQuery = Static<typeof CategoryItemQuery>;

export const CategoryItemPageSchema = Type.Object({
  version: Type.Integer(),
  items: Type.Array(CategoryItemSchema),
  total: Type.Integer({ minimum: 0 }),
});

export const CategoryMappingSchema = Type.Object({
  localCode: Type.String(),
  nationalCode: Type.String(),
  note: Type.String(),
  updatedAt: Timestamp,
});
export type CategoryMapping = Static<typeof CategoryMappingSchema>;

export const CategoryMappingLookupSchema = Type.Object({
  listCode: Type.String(),
  localCode: Type.String(),
  nationalCode: Type.String(),
  note: Type.String(),
  updatedAt: Timestamp,
  /** The national item the code maps to, from the version served; null when it is not (or no longer) in it. */
  nationalItem: Nullable(CategoryItemSchema),
});

export const CategoryMappingQuery = PageQuery(
  {},
  {
    searches: 'mã địa phương, mã quốc gia / local code, national code',
    sortable: ['localCode', 'nationalCode'],
  },
);
export type CategoryMappingQuery = Static<typeof CategoryMappingQuery>;

const MappingRow = Type.Object(
  {
    localCode: Type.String({ minLength: 1, maxLength: 100 }),
    nationalCode: Type.String({ minLength: 1, maxLength: 100 }),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  Strict,
);
export const CategoryMappingImport = Type.Object(
  {
    mappings: Type.Optional(Type.Array(MappingRow, { minItems: 1, maxItems: 5000 })),
    format: Type.Optional(OneOf(CATEGORY_FILE_FORMATS)),
    content: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: Math.ceil((CATEGORY_FILE_MAX_BYTES * 4) / 3) + 4,
        description:
          'Tệp có cột localCode, nationalCode và (tuỳ chọn) note / a file with localCode, nationalCode and optional note columns',
      }),
    ),
    replace: Type.Optional(
      Type.Boolean({
        description: 'true: xoá ánh xạ cũ không có trong lần này / drop mappings not in this import',
      }),
    ),
  },
  Strict,
);
export type CategoryMappingImport = Static<typeof CategoryMappingImport>;

export const CategoryMappingImportResultSchema = Type.Object({
  upserted: Type.Integer(),
  removed: Type.Integer(),
});

/** Where consumers call the lists: the built-in service in the registry (subscribe systems to `versionId`). */
export const CategoryServiceSchema = Type.Object({
  serviceId: Type.String(),
  versionId: Type.String(),
  providerSystemId: Type.String(),
  context: Type.String(),
  version: Type.String(),
  paths: Type.Array(Type.String()),
});

/** `POST /api/v1/category-sync`: which peer, which of its lists, and where it serves them (docs/categories.md). */
export const CategorySyncBody = Type.Object(
  {
    peerId: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'Nền tảng ngang hàng (NDXP/NGSP, LGSP khác) / the peer platform (`peer_…`)',
    }),
    codes: Type.Optional(
      Type.Array(CategoryCodeParams.properties.code, {
        minItems: 1,
        maxItems: 200,
        uniqueItems: true,
        description:
          'Chỉ các danh mục này; bỏ trống: mọi danh mục nó cung cấp / only these lists; absent: all',
      }),
    ),
    context: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9][a-z0-9_-]{0,49}(/[a-z0-9][a-z0-9_-]{0,49}){0,3}$',
        description:
          'Context của dịch vụ danh mục ở nền tảng đó (mặc định dmdc) / its context (default dmdc)',
      }),
    ),
    version: Type.Optional(
      Type.String({
        pattern: '^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$',
        description: 'Phiên bản (mặc định 1.0) / version (default 1.0)',
      }),
    ),
  },
  Strict,
);
export type CategorySyncBody = Static<typeof CategorySyncBody>;

export const CategorySyncResultSchema = Type.Object({
  peerId: Type.String(),
  peerCode: Type.String(),
  lists: Type.Array(
    Type.Object({
      code: Type.String(),
      version: Type.Integer({ description: 'Phiên bản mới ở đây / the new version here' }),
      itemCount: Type.Integer(),
      itemsSha256: Type.String(),
      created: Type.Boolean({ description: 'Danh mục mới ở đây / the list is new here' }),
    }),
  ),
});
export type CategorySyncResult = Static<typeof CategorySyncResultSchema>;

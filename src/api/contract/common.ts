import {
  type SchemaOptions,
  type Static,
  type TLiteral,
  type TProperties,
  type TSchema,
  type TUnion,
  Type,
} from '@sinclair/typebox';
import { ERRORS } from '../../core/errors.ts';

/**
 * The admin API's contract, one source for validation, serialization, the OpenAPI document and the types the
 * domain and the CLI use (DESIGN.md "Each type is written once"). Every request body is
 * `additionalProperties: false` and the validator does not strip unknown fields: a misspelt field is an error the
 * caller sees, never a change silently not made. Response schemas are also the last filter on what leaves the
 * server: a field not listed (a secret hash, a consumer secret outside the issuing response) is not serialized
 * . This folder is a leaf: it imports TypeBox and `core/` only, so every module may use its types.
 */

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
export const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });
export const OptionalText = (maxLength: number, description?: string) =>
  Type.Optional(Nullable(Type.String({ maxLength, ...(description ? { description } : {}) })));
export const Id = (description: string) => Type.String({ minLength: 1, maxLength: 100, description });
/**
 * A moment: RFC 3339 with a zone. As input (every `date-time` a request carries), only 1970–9999 in UTC, and no leap
 * second: the API's validator adds that to the format, one rule for every contract (core/time.ts isAcceptedInstant).
 */
export const Timestamp = Type.String({ format: 'date-time' });
export const Strict = { additionalProperties: false } as const;
/** A keyset-paged list's `cursor`: the previous page's `nextCursor`, a row's sequence (docs/api-lists.md). */
export const KeysetCursor = Type.Optional(
  Type.String({
    pattern: '^[1-9][0-9]{0,17}$',
    description: 'nextCursor của trang trước / previous nextCursor',
  }),
);
/**
 * A text the platform itself writes for people (an event's description, how to call a service): both languages,
 * apart, so the console shows the reader's and the CLI — bilingual by convention — prints both.
 */
export const LocalizedTextSchema = Type.Object(
  { vi: Type.String(), en: Type.String() },
  { description: 'Tiếng Việt và tiếng Anh, tách riêng / Vietnamese and English, apart' },
);
export type LocalizedText = Static<typeof LocalizedTextSchema>;
/** When a registry object was created and last changed: the last two fields of each. */
export const Timestamps = { createdAt: Timestamp, updatedAt: Timestamp };

/** An enum from its one const list: the list for code that iterates, the schema for the wire, the type from it. */
export const OneOf = <const T extends readonly string[]>(
  values: T,
  options?: SchemaOptions,
): TUnion<TLiteral<T[number]>[]> =>
  Type.Union(
    values.map((value) => Type.Literal(value)),
    options,
  );

export const ENVIRONMENTS = ['sandbox', 'production'] as const;
export const EnvironmentSchema = OneOf(ENVIRONMENTS, {
  description: 'Môi trường kết nối kỹ thuật (sandbox) hoặc chính thức (production) / environment',
});
export type Environment = Static<typeof EnvironmentSchema>;

// ── Problem details (RFC 9457) ────────────────────────────────────────────────────────────────────────────────

/** Shared by every error response; its `code` enum is the error registry, so OpenAPI and ERRORS agree. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      format: 'uri-reference',
      description:
        'Trang giải thích mã lỗi: <admin.publicUrl>/portal/errors/<code> (docs/errors.md) / the page explaining the code',
    }),
    title: Type.String({ description: 'Tiếng Việt / English' }),
    status: Type.Integer(),
    code: Type.Unsafe<string>({
      type: 'string',
      enum: Object.keys(ERRORS),
      description: 'Mã lỗi ổn định, xem docs/errors.md / stable error code',
    }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    transactionId: Type.Optional(
      Type.String({
        description:
          'Mã để báo đơn vị vận hành: ở API quản trị là mã yêu cầu (api_…, trong nhật ký máy chủ: reqId) / what to quote to the operator: on the admin API, the request id (api_…, in the server log as reqId)',
      }),
    ),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.String({ description: 'body | querystring | params' }),
          path: Type.String({ description: 'JSON Pointer trong phần yêu cầu / JSON Pointer into that part' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'Problem', additionalProperties: true, description: 'RFC 9457 problem details' },
);

export const ProblemRef = { $ref: 'Problem#' } as const;

// ── Shared pieces ───────────────────────────────────────────────────────────────────────────────────────────

export const IdParams = Type.Object({ id: Id('Mã đối tượng / object id') }, Strict);
export type IdParams = Static<typeof IdParams>;

/** The body of an action that takes no options; a bare POST (no body at all) is read as this. */
export const Empty = Type.Object({}, Strict);

export const AnyObject = Type.Object({}, { additionalProperties: true });

export const ListOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

// ── Paging (issue 11: the console pages and searches on the server) ──────────────────────────────────────────

/** Rows per page when the caller names none, and the most one page may hold. */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;

/**
 * The query of a registry list, one convention for all of them (docs/api-lists.md): the list's own `filters`,
 * `q` (a case-insensitive "contains" search over the fields `searches` names), `sort` (one of `sortable`, `-` in
 * front for descending; the list's default order when absent), `limit` and `offset`. Everything is applied in SQL;
 * `total` in the answer is the count of the rows that match, before `limit`/`offset`.
 */
export const PageQuery = <P extends TProperties, const S extends readonly string[]>(
  filters: P,
  options: { searches: string; sortable: S },
) =>
  Type.Object(
    {
      ...filters,
      q: Type.Optional(
        Type.String({
          minLength: 1,
          maxLength: 200,
          description: `Tìm không phân biệt hoa thường trong / case-insensitive search over: ${options.searches}`,
        }),
      ),
      sort: Type.Optional(
        OneOf([...options.sortable, ...options.sortable.map((field) => `-${field}`)] as SortKeys<S>, {
          description: 'Trường sắp xếp, "-" đứng trước: giảm dần / sort field, "-" in front: descending',
        }),
      ),
      limit: Type.Integer({
        minimum: 1,
        maximum: PAGE_LIMIT_MAX,
        default: PAGE_LIMIT_DEFAULT,
        description: 'Số dòng tối đa của trang / rows per page',
      }),
      offset: Type.Integer({
        minimum: 0,
        maximum: 1_000_000,
        default: 0,
        description: 'Bỏ qua bao nhiêu dòng đầu / rows to skip',
      }),
    },
    Strict,
  );
type SortKeys<S extends readonly string[]> = readonly (S[number] | `-${S[number]}`)[];

/** One page of a registry list: its rows and how many rows match in all (`total`, counted in SQL). */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer({ minimum: 0, description: 'Số dòng khớp điều kiện / rows that match, in all' }),
  });
/** `Static<typeof Page(item)>`, for the domain code that fills one. */
export interface PageOf<T> {
  items: T[];
  total: number;
}

/** A response that is a file, not JSON (a Word letter); its type on the client side is the bytes. */
export interface BinaryResponse {
  description: string;
  content: Record<string, { schema: { type: 'string'; format: 'binary' } }>;
}
export const binaryResponse = (mediaType: string, description: string): BinaryResponse => ({
  description,
  content: { [mediaType]: { schema: { type: 'string', format: 'binary' } } },
});

import {
  type SchemaOptions,
  type Static,
  type TLiteral,
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
export const Timestamp = Type.String({ format: 'date-time' });
export const Strict = { additionalProperties: false } as const;
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
    type: Type.String({ format: 'uri' }),
    title: Type.String({ description: 'Tiếng Việt / English' }),
    status: Type.Integer(),
    code: Type.Unsafe<string>({
      type: 'string',
      enum: Object.keys(ERRORS),
      description: 'Mã lỗi ổn định, xem docs/errors.md / stable error code',
    }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
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

/** A response that is a file, not JSON (a Word letter); its type on the client side is the bytes. */
export interface BinaryResponse {
  description: string;
  content: Record<string, { schema: { type: 'string'; format: 'binary' } }>;
}
export const binaryResponse = (mediaType: string, description: string): BinaryResponse => ({
  description,
  content: { [mediaType]: { schema: { type: 'string', format: 'binary' } } },
});

import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Strict } from './common.ts';

/**
 * JSON field mapping as data (issue 12 item 6; src/core/field-mapping.ts holds its meaning, docs/gateway.md its
 * guide): the fields of one mapping, shared by a version's `fieldMapping` and each composite backend, so the two are
 * written — and validated — the same way.
 */

const DottedPath = Type.String({ minLength: 1, maxLength: 200 });
const FieldName = Type.String({ minLength: 1, maxLength: 100 });

/** The fields of a mapping as the API accepts them (each optional: absent changes nothing). */
export const fieldMappingFields = {
  allow: Type.Optional(
    Nullable(
      Type.Array(DottedPath, {
        maxItems: 100,
        description: 'Chỉ giữ các trường này (đường dẫn có dấu chấm) / keep only these fields (dotted paths)',
        examples: [['hoTen', 'ngaySinh', 'chuHo.hoTen']],
      }),
    ),
  ),
  drop: Type.Optional(
    Type.Array(DottedPath, {
      maxItems: 100,
      description: 'Bỏ các trường này (đường dẫn có dấu chấm) / remove these fields (dotted paths)',
      examples: [['biMat', 'chuHo.soDinhDanh']],
    }),
  ),
  mapping: Type.Optional(
    Type.Record(Type.String({ maxLength: 100 }), FieldName, {
      maxProperties: 100,
      description: 'Đổi tên trường cấp cao nhất / rename top-level fields',
      examples: [{ hoTen: 'tenCongDan' }],
    }),
  ),
  constants: Type.Optional(
    Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), {
      maxProperties: 50,
      description:
        'Gán giá trị cố định cho trường cấp cao nhất (giá trị JSON bất kỳ) / set top-level fields to fixed JSON values',
      examples: [{ maDonViCungCap: '000.00.31.H01' }],
    }),
  ),
};

export const FieldMappingInput = Type.Object(fieldMappingFields, {
  ...Strict,
  description:
    'Ánh xạ trường JSON: allow → drop → mapping → constants (docs/gateway.md) / JSON field mapping, applied in that order',
});

export const FieldMappingSchema = Type.Object({
  allow: Nullable(Type.Array(Type.String())),
  drop: Type.Array(Type.String()),
  mapping: Type.Record(Type.String(), Type.String()),
  constants: Type.Record(Type.String(), Type.Unknown()),
});

/** A version's mapping: the consumer's JSON request before forwarding, the JSON answer before returning it. */
export const VersionFieldMappingInput = Type.Object(
  {
    request: Type.Optional(Nullable(FieldMappingInput)),
    response: Type.Optional(Nullable(FieldMappingInput)),
  },
  {
    ...Strict,
    minProperties: 1,
    description:
      'Ánh xạ trường của yêu cầu và câu trả lời JSON; chỉ áp dụng khi nội dung là JSON / field mapping of JSON requests and answers',
  },
);
export type VersionFieldMappingInput = Static<typeof VersionFieldMappingInput>;

export const VersionFieldMappingSchema = Type.Object({
  request: Nullable(FieldMappingSchema),
  response: Nullable(FieldMappingSchema),
});

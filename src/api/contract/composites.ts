import { type Static, Type } from '@sinclair/typebox';
import { Nullable, Strict } from './common.ts';
import { fieldMappingFields } from './field-mapping.ts';

/**
 * A composite version's definition (R-17, issue 12 item 5; docs/aggregation.md): the backends the gateway calls
 * and how their answers are merged, as data (KrakenD's model). Checked again when saved (src/control/composites.ts),
 * which names each problem in Vietnamese and English.
 */

const Template = (description: string, examples: string[]) =>
  Type.String({ minLength: 1, maxLength: 500, description, examples });

const backendFields = {
  target: Type.String({
    minLength: 3,
    maxLength: 200,
    pattern: '^/',
    description: 'Phiên bản dịch vụ được gọi, /{context}/{version} / the version called',
    examples: ['/dancu/1.0'],
  }),
  path: Template(
    'Đường dẫn tài nguyên trên dịch vụ nguồn; {thamSo} của tài nguyên tổng hợp, {query.ten}, {respN.truong} của câu trả lời trước / resource path on the backend, a template',
    ['/congdan/{soDinhDanh}', '/doanhnghiep/{resp0.duLieu.maSoThue}'],
  ),
  query: Type.Optional(
    Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.String({ maxLength: 500 }), {
      maxProperties: 20,
      description:
        'Tham số truy vấn gửi tới dịch vụ nguồn (giá trị là mẫu) / query sent to the backend (templates)',
    }),
  ),
  timeoutMs: Type.Optional(
    Type.Integer({
      minimum: 100,
      maximum: 30000,
      default: 10000,
      description: 'Thời gian chờ tối đa của dịch vụ nguồn này (ms) / this backend’s timeout',
    }),
  ),
  required: Type.Optional(
    Type.Boolean({
      default: false,
      description:
        'Bắt buộc: lỗi thì cả lời gọi trả 502; không bắt buộc: chỉ làm câu trả lời thiếu (X-LGSP-Completed: false) / required: its failure fails the call',
    }),
  ),
  // The answer's reshaping: the one field-mapping type (allow, drop, mapping, constants), as on any version.
  ...fieldMappingFields,
  group: Type.Optional(
    Nullable(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'Đặt câu trả lời dưới khoá này; để trống: gộp vào cấp cao nhất / put the answer under this key',
        examples: ['congDan'],
      }),
    ),
  ),
};

export const CompositeBackendInput = Type.Object(backendFields, Strict);

export const CompositeInput = Type.Object(
  {
    sequential: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'true: gọi lần lượt, lời gọi sau dùng được trường của câu trả lời trước; false: gọi song song / in sequence or in parallel',
      }),
    ),
    backends: Type.Array(CompositeBackendInput, { minItems: 1, maxItems: 10 }),
  },
  { ...Strict, description: 'Dịch vụ tổng hợp (R-17) / a composite service: docs/aggregation.md' },
);
export type CompositeInput = Static<typeof CompositeInput>;

export const CompositeSchema = Type.Object({
  sequential: Type.Boolean(),
  backends: Type.Array(
    Type.Object({
      target: Type.String(),
      versionId: Type.String(),
      path: Type.String(),
      query: Type.Record(Type.String(), Type.String()),
      timeoutMs: Type.Integer(),
      required: Type.Boolean(),
      allow: Nullable(Type.Array(Type.String())),
      drop: Type.Array(Type.String()),
      mapping: Type.Record(Type.String(), Type.String()),
      constants: Type.Record(Type.String(), Type.Unknown()),
      group: Nullable(Type.String()),
    }),
  ),
});
export type Composite = Static<typeof CompositeSchema>;

import { type Static, Type } from '@sinclair/typebox';
import { SOAP_REST_METHODS } from '../../core/soap-rest.ts';
import { Nullable, OneOf, Strict } from './common.ts';

/**
 * A SOAP version exposed as a REST/JSON service (issue 12 item 6; src/core/soap-rest.ts holds its meaning,
 * docs/soap-rest.md its guide). Resolved against the WSDL when the version is submitted.
 */

const SoapRestOperationInput = Type.Object(
  {
    operation: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Tên thao tác trong WSDL / the WSDL operation',
      examples: ['TraCuuHoSo'],
    }),
    method: OneOf(SOAP_REST_METHODS, {
      description:
        'GET: đầu vào từ tham số truy vấn; POST: từ nội dung JSON / input from the query or the JSON body',
    }),
    path: Type.String({
      minLength: 2,
      maxLength: 200,
      pattern: '^(/[A-Za-z0-9_.~-]+)+$',
      description: 'Đường dẫn tài nguyên REST (không có {thamSo}) / the REST resource path (literal)',
      examples: ['/hoso'],
    }),
  },
  Strict,
);

export const SoapRestInput = Type.Object(
  {
    port: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'wsdl:port được gọi; để trống: cổng SOAP đầu tiên / the port called; absent: the first SOAP port',
      }),
    ),
    operations: Type.Optional(
      Type.Array(SoapRestOperationInput, {
        minItems: 1,
        maxItems: 200,
        description:
          'Tài nguyên REST của từng thao tác; để trống: lấy từ WSDL khi gửi duyệt (POST /{thaoTac}, và GET /{thaoTac} khi đầu vào đơn giản) / resources per operation; absent: derived from the WSDL at submission',
      }),
    ),
  },
  {
    ...Strict,
    description:
      'Công bố dịch vụ SOAP dưới dạng REST/JSON (docs/soap-rest.md); chỉ với giao thức SOAP, đồng bộ / expose a SOAP service as REST/JSON',
  },
);
export type SoapRestInput = Static<typeof SoapRestInput>;

export const SoapRestSchema = Type.Object({
  port: Nullable(Type.String()),
  soapVersion: Nullable(OneOf(['1.1', '1.2'] as const)),
  operations: Nullable(
    Type.Array(
      Type.Object({ operation: Type.String(), method: OneOf(SOAP_REST_METHODS), path: Type.String() }),
    ),
  ),
});

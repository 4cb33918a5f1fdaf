import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, PageQuery, Strict, Text, Timestamp, Timestamps } from './common.ts';

/** Services and their technical description. */

/**
 * The items of Decree 47/2020 Art. 24 that a provider supplies with its service, each with the name a
 * person reads (Vietnamese / English): in the schema's description, in refusals that list what is missing.
 */
export const TECHNICAL_DESCRIPTION_ITEMS = {
  addressAndInterface: 'Địa chỉ và giao diện kết nối / Address and interface',
  communicationStandards: 'Tiêu chuẩn kết nối, truyền thông / Communication standards',
  encryptionAndSecurity: 'Mã hoá và an toàn thông tin / Encryption and security',
  capacity: 'Năng lực đáp ứng (tần suất, dung lượng) / Capacity',
  connectionProcedure: 'Quy trình kết nối / Connection procedure',
  dataQuality: 'Chất lượng dữ liệu (thu thập, phê duyệt, cập nhật, thời điểm) / Data quality',
  dataPresentation: 'Cách thức trình bày dữ liệu / Data presentation',
} as const;
type DescriptionItemKey = keyof typeof TECHNICAL_DESCRIPTION_ITEMS;

const DescriptionItem = (key: DescriptionItemKey) =>
  Type.Optional(Type.String({ maxLength: 20000, description: TECHNICAL_DESCRIPTION_ITEMS[key] }));

export const TechnicalDescriptionSchema = Type.Object(
  {
    addressAndInterface: DescriptionItem('addressAndInterface'),
    communicationStandards: DescriptionItem('communicationStandards'),
    encryptionAndSecurity: DescriptionItem('encryptionAndSecurity'),
    capacity: DescriptionItem('capacity'),
    connectionProcedure: DescriptionItem('connectionProcedure'),
    dataQuality: DescriptionItem('dataQuality'),
    dataPresentation: DescriptionItem('dataPresentation'),
  },
  { ...Strict, description: 'Mô tả kỹ thuật của dịch vụ (R-11) / technical description' },
);

export const ServiceCreate = Type.Object(
  {
    context: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'Đường dẫn gốc trên cổng / gateway context',
      examples: ['dancu'],
    }),
    name: Text(300),
    providerSystemId: Id('Hệ thống cung cấp / provider system'),
    description: Type.Optional(TechnicalDescriptionSchema),
  },
  Strict,
);
export type ServiceCreate = Static<typeof ServiceCreate>;

/** The context and the provider name the routes consumers already call, so they are fixed once created. */
export const ServicePatch = Type.Object(
  { name: Type.Optional(Text(300)), description: Type.Optional(TechnicalDescriptionSchema) },
  { ...Strict, minProperties: 1 },
);
export type ServicePatch = Static<typeof ServicePatch>;

export const ServiceQuery = PageQuery(
  {
    providerSystemId: Type.Optional(Id('Lọc theo hệ thống cung cấp')),
    organizationId: Type.Optional(Id('Lọc theo cơ quan cung cấp / by provider organization')),
  },
  { searches: 'context, tên dịch vụ / context, service name', sortable: ['context', 'name', 'createdAt'] },
);

export const ServiceSchema = Type.Object({
  id: Type.String(),
  context: Type.String(),
  name: Type.String(),
  providerSystemId: Type.String(),
  description: Type.Object(
    {
      addressAndInterface: Type.Optional(Type.String()),
      communicationStandards: Type.Optional(Type.String()),
      encryptionAndSecurity: Type.Optional(Type.String()),
      capacity: Type.Optional(Type.String()),
      connectionProcedure: Type.Optional(Type.String()),
      dataQuality: Type.Optional(Type.String()),
      dataPresentation: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
  decommissionAt: Nullable(Timestamp),
  decommissionedAt: Nullable(Timestamp),
  ...Timestamps,
});

export type TechnicalDescription = Static<typeof TechnicalDescriptionSchema>;
/** A service; `decommissionAt` is when it stops (R-21: announced at least 60 days ahead), null when none is. */
export type Service = Static<typeof ServiceSchema>;

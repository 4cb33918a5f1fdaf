import { type Static, Type } from '@sinclair/typebox';
import { type BinaryResponse, binaryResponse, Nullable, OneOf, PageQuery, Strict } from './common.ts';

/** What the portal reads without login. */

const PublicContactSchema = Type.Object({
  name: Type.String(),
  title: Nullable(Type.String()),
  unit: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  email: Nullable(Type.String()),
});

/** The public contact points, one page (issue 11), by organization name by default. */
export const PublicContactQuery = PageQuery(
  {},
  {
    searches: 'mã, tên cơ quan, tên cán bộ đầu mối / organization code, name, contact name',
    sortable: ['name', 'code'],
  },
);

export const PublicOrganizationSchema = Type.Object({
  code: Type.String({ description: 'Mã định danh cơ quan / official code' }),
  name: Type.String(),
  contact: Type.Union([PublicContactSchema, Type.Null()]),
});
export type PublicOrganization = Static<typeof PublicOrganizationSchema>;

export const PUBLIC_DOCUMENT_TYPES = ['openapi', 'wsdl'] as const;
const DocumentType = Nullable(
  OneOf(PUBLIC_DOCUMENT_TYPES, {
    description: 'OpenAPI (JSON) hoặc WSDL (XML); null: chưa có tài liệu / null: no document',
  }),
);

/** A published or deprecated version as the portal lists it: where to call it, its state, where its document is. */
export const PublicVersionSchema = Type.Object({
  id: Type.String(),
  version: Type.String(),
  protocol: Type.String(),
  status: Type.String({ description: 'published | deprecated' }),
  path: Type.String({ description: '/{context}/{version}' }),
  sunsetAt: Nullable(Type.String({ format: 'date-time' })),
  resources: Type.Array(Type.Object({ method: Type.String(), path: Type.String() })),
  documentType: DocumentType,
  documentUrl: Nullable(
    Type.String({
      description:
        'Tài liệu API của phiên bản (getPublicVersionDocument): địa chỉ đầy đủ khi đặt admin.publicUrl, nếu không là đường dẫn trên cùng máy chủ / the version’s API document: absolute when admin.publicUrl is set, else a path on this origin',
    }),
  ),
});

/** A published service: its R-11 description, provider and contact point, live versions. */
export const PublicServiceSchema = Type.Object({
  id: Type.String(),
  context: Type.String(),
  name: Type.String(),
  provider: Type.Object({
    organizationCode: Type.String(),
    organizationName: Type.String(),
    systemName: Type.String(),
    contact: Type.Union([PublicContactSchema, Type.Null()], {
      description: 'Cán bộ đầu mối của cơ quan cung cấp (R-09) / the provider’s contact point',
    }),
  }),
  description: Type.Record(Type.String(), Type.String(), {
    description: 'Mô tả kỹ thuật R-11 / technical description',
  }),
  decommissionAt: Nullable(Type.String({ format: 'date-time' })),
  versions: Type.Array(PublicVersionSchema),
});
export type PublicService = Static<typeof PublicServiceSchema>;

export const PublicServiceQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        maxLength: 200,
        description:
          'Tìm (không phân biệt hoa thường) trong tên, context, tên và mã cơ quan cung cấp / search name, context, provider name and code',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
  },
  Strict,
);
export type PublicServiceQuery = Static<typeof PublicServiceQuery>;

export const PublicServicePageSchema = Type.Object({
  items: Type.Array(PublicServiceSchema),
  total: Type.Integer({ description: 'Số dịch vụ khớp / matching services' }),
});

/** One operation of a version's document: a REST method and path, or a SOAP operation with its messages. */
export const PublicOperationSchema = Type.Object({
  name: Nullable(Type.String({ description: 'operationId (OpenAPI) / tên thao tác (WSDL)' })),
  method: Nullable(Type.String({ description: 'OpenAPI: GET, POST…' })),
  path: Nullable(Type.String({ description: 'OpenAPI: /congdan/{soDinhDanh}' })),
  summary: Nullable(Type.String()),
  input: Nullable(Type.String({ description: 'WSDL: thông điệp vào / input message or element' })),
  output: Nullable(Type.String({ description: 'WSDL: thông điệp ra / output message or element' })),
  soapAction: Nullable(Type.String({ description: 'WSDL: SOAPAction' })),
});
export type PublicOperation = Static<typeof PublicOperationSchema>;

export const PublicOperationListSchema = Type.Object({
  documentType: DocumentType,
  items: Type.Array(PublicOperationSchema),
});

export const PublicVersionDocumentResponse: BinaryResponse = {
  description: 'OpenAPI (JSON) hoặc WSDL (XML) của phiên bản đã công bố / the published version’s document',
  content: {
    'application/json': { schema: { type: 'string', format: 'binary' } },
    'application/xml': { schema: { type: 'string', format: 'binary' } },
  },
};

export const NoticesAtomResponse = binaryResponse(
  'application/atom+xml',
  'Nguồn tin Atom (RFC 4287) của thông báo công khai / Atom feed of the public notices',
);

export const BrandingLogoResponse: BinaryResponse = {
  description: 'Logo của tỉnh (PNG hoặc SVG) / the province’s logo',
  content: {
    'image/png': { schema: { type: 'string', format: 'binary' } },
    'image/svg+xml': { schema: { type: 'string', format: 'binary' } },
  },
};

/** The province's branding (one platform per province) and where each face of the platform is. */
export const BrandingSchema = Type.Object({
  provinceName: Type.String(),
  shortName: Type.String(),
  portalTitle: Type.String(),
  primaryColor: Type.String({ description: '#rrggbb' }),
  logoUrl: Type.String(),
  consoleUrl: Type.String(),
  portalUrl: Type.String(),
  gatewayUrl: Type.String(),
});
export type Branding = Static<typeof BrandingSchema>;

import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, Strict, Timestamp, Timestamps } from './common.ts';
import { VersionModeSchema } from './versions.ts';

/**
 * Peer platforms and federated calls (issue 12 items 1–4, R-15, R-23; docs/federation.md): NDXP, another
 * province's or a ministry's LGSP — another OpenLGSP or a WSO2-based platform.
 */

export const PEER_KINDS = ['openlgsp', 'ndxp', 'wso2', 'other'] as const;
export const PeerKindSchema = OneOf(PEER_KINDS, {
  description:
    'openlgsp: có danh mục công khai /api/v1/public/services; ndxp, wso2, other: nhập dịch vụ bằng tay / ' +
    'openlgsp has a public catalogue to import from; the others are imported by hand',
});

const Url = (description: string) => Type.String({ minLength: 1, maxLength: 2000, description });
const Pem = (description: string) => Type.String({ minLength: 1, maxLength: 20_000, description });

export const PeerCreate = Type.Object(
  {
    code: Type.String({
      pattern: '^[a-z][a-z0-9_.-]{0,62}$',
      description:
        'Mã nền tảng ngang hàng: mã cơ quan của nó ở đây và nhãn chữ ký RFC 9421 của nó (chữ thường) / the ' +
        'peer’s code: its organization code here and its RFC 9421 signature label (lower case)',
    }),
    name: Type.String({ minLength: 1, maxLength: 300 }),
    kind: PeerKindSchema,
    gatewayUrl: Url('Địa chỉ cổng kết nối của nền tảng ngang hàng / the peer’s gateway base URL'),
    tokenUrl: Type.Optional(Url('Mặc định: gatewayUrl + /token / default: gatewayUrl + /token')),
    jwksUrl: Type.Optional(
      Url(
        'Khoá công khai ký của nó (JWKS); mặc định gatewayUrl + /.well-known/jwks.json / its signing keys; ' +
          'default gatewayUrl + /.well-known/jwks.json',
      ),
    ),
    catalogueUrl: Type.Optional(
      Url(
        'Danh mục công khai (OpenLGSP: <admin>/api/v1/public/services) để nhập dịch vụ / its public catalogue, to ' +
          'import services from',
      ),
    ),
    clientId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        description: 'Consumer key của ta tại nó / our key there',
      }),
    ),
    clientSecret: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1000,
        description:
          'Consumer secret của ta tại nó: lưu niêm phong, không bao giờ trả lại / sealed, never shown',
      }),
    ),
    clientCertificatePem: Type.Optional(Pem('Chứng chỉ máy khách mTLS của ta tới nó / our mTLS client cert')),
    clientKeyPem: Type.Optional(Pem('Khoá riêng của chứng chỉ đó: lưu niêm phong / its key, sealed')),
  },
  Strict,
);
export type PeerCreate = Static<typeof PeerCreate>;

export const PeerPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    status: Type.Optional(OneOf(['active', 'suspended'] as const)),
    /** The peer moved (a new address, or `lgsp demo`'s peer on new ports): its imports follow it. */
    gatewayUrl: Type.Optional(Url('')),
    tokenUrl: Type.Optional(Url('')),
    jwksUrl: Type.Optional(Url('')),
    catalogueUrl: Type.Optional(Nullable(Url(''))),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
  },
  { ...Strict, minProperties: 1 },
);
export type PeerPatch = Static<typeof PeerPatch>;

export const PeerSchema = Type.Object({
  id: Type.String(),
  code: Type.String(),
  name: Type.String(),
  kind: PeerKindSchema,
  systemId: Type.String({
    description:
      'Hệ thống loại platform của nó ở đây: cấp khoá cho hệ thống này để nó gọi ta; là bên cung cấp các dịch vụ ' +
      'nhập từ nó / its platform system here: issue it credentials to let it call us; the provider of the services ' +
      'imported from it',
  }),
  organizationId: Type.String(),
  gatewayUrl: Type.String(),
  tokenUrl: Type.String(),
  jwksUrl: Type.String(),
  catalogueUrl: Nullable(Type.String()),
  clientId: Nullable(Type.String()),
  hasClientSecret: Type.Boolean(),
  hasClientCertificate: Type.Boolean(),
  status: OneOf(['active', 'suspended'] as const),
  ...Timestamps,
});
export type Peer = Static<typeof PeerSchema>;

export const PeerImportCreate = Type.Object(
  {
    remoteContext: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Context ở nền tảng kia / there',
    }),
    remoteVersion: Type.String({ minLength: 1, maxLength: 32 }),
    context: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Context ở đây; mặc định như ở kia / here' }),
    ),
    version: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    /**
     * `async`: the peer's version takes async messages (issue 12 item 10b): ours are stored here and handed on to
     * the peer, receipts polled back. Default `sync`.
     */
    mode: Type.Optional(VersionModeSchema),
    resources: Type.Optional(
      Type.Array(
        Type.Object(
          { method: Type.String({ minLength: 1, maxLength: 10 }), path: Type.String({ minLength: 1 }) },
          Strict,
        ),
        { minItems: 1, maxItems: 500 },
      ),
    ),
  },
  Strict,
);
export type PeerImportCreate = Static<typeof PeerImportCreate>;

export const PeerImportSchema = Type.Object({
  peerId: Type.String(),
  serviceId: Type.String(),
  versionId: Type.String(),
  context: Type.String(),
  version: Type.String(),
  remoteContext: Type.String(),
  remoteVersion: Type.String(),
  createdAt: Timestamp,
});
export type PeerImport = Static<typeof PeerImportSchema>;

export const RemoteCatalogueSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      context: Type.String(),
      version: Type.String(),
      name: Type.String(),
      imported: Type.Boolean(),
    }),
  ),
});

export const PeerGrant = Type.Object(
  {
    subscriptionId: Id('Đăng ký khai thác của hệ thống nền tảng này / a subscription of this peer’s system'),
    representedOrganizations: Nullable(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 1000,
        description:
          'Mã các cơ quan được đại diện được phép; null: mọi cơ quan / the represented organization codes allowed; ' +
          'null: all',
      }),
    ),
  },
  Strict,
);
export type PeerGrant = Static<typeof PeerGrant>;
export const PeerGrantSchema = Type.Object({
  subscriptionId: Type.String(),
  representedOrganizations: Nullable(Type.Array(Type.String())),
});

/** One hop of a federated call's signature chain, as its record keeps it. */
export const FederationHopSchema = Type.Object({
  label: Type.String({
    description: 'Nhãn chữ ký = mã nền tảng / the signature label = the platform’s code',
  }),
  keyId: Nullable(Type.String()),
  verified: Nullable(Type.Boolean()),
  reason: Type.Optional(Type.String()),
});

/** What a transaction record says of a federated call (null on every other call). */
export const FederationRecordSchema = Type.Object({
  representedOrganizationCode: Nullable(
    Type.String({ description: 'Cơ quan khai thác gốc / the original consumer organization' }),
  ),
  representedSystem: Nullable(Type.String()),
  endToEndId: Nullable(Type.String({ description: 'Mã giao dịch đầu-cuối / the end-to-end transaction id' })),
  peerId: Nullable(Type.String()),
  evidence: Nullable(
    Type.Object({
      direction: OneOf(['outbound', 'inbound'] as const),
      traceId: Nullable(Type.String()),
      hops: Type.Array(FederationHopSchema),
      signatures: OneOf(['verified', 'refused', 'signed'] as const),
      requestHash: Nullable(Type.String()),
      answerBound: Type.Optional(Nullable(Type.Boolean())),
    }),
  ),
});

export const FederationLedgerQuery = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
  },
  Strict,
);

export const FederationLedgerEntrySchema = Type.Object({
  endToEndId: Type.String(),
  transactionId: Type.String(),
  direction: OneOf(['outbound', 'inbound'] as const),
  time: Timestamp,
  peerCode: Nullable(Type.String()),
  representedOrganizationCode: Nullable(Type.String()),
  status: Type.Integer({ description: 'Trạng thái HTTP trả bên gọi / the status answered to the caller' }),
  signatures: Nullable(Type.String()),
});
export type FederationLedgerEntry = Static<typeof FederationLedgerEntrySchema>;

export const FederationReconcileBody = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    entries: Type.Array(
      Type.Object(
        {
          endToEndId: Type.String({ minLength: 1, maxLength: 200 }),
          status: Type.Integer({ minimum: 100, maximum: 599 }),
          representedOrganizationCode: Type.Optional(Nullable(Type.String({ maxLength: 100 }))),
        },
        { additionalProperties: true },
      ),
      { maxItems: 100_000 },
    ),
  },
  Strict,
);

export const FederationReconciliationSchema = Type.Object({
  from: Timestamp,
  to: Timestamp,
  matched: Type.Integer(),
  missingHere: Type.Array(Type.String(), { description: 'Có ở bên kia, không có ở đây / theirs only' }),
  missingThere: Type.Array(Type.String(), { description: 'Có ở đây, không có ở bên kia / ours only' }),
  mismatched: Type.Array(
    Type.Object({
      endToEndId: Type.String(),
      field: OneOf(['status', 'representedOrganizationCode'] as const),
      here: Nullable(Type.Union([Type.String(), Type.Integer()])),
      there: Nullable(Type.Union([Type.String(), Type.Integer()])),
    }),
  ),
});
export type FederationReconciliation = Static<typeof FederationReconciliationSchema>;

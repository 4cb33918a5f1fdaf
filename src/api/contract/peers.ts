import { type Static, Type } from '@sinclair/typebox';
import { Id, Nullable, OneOf, PageQuery, Strict, Timestamp, Timestamps } from './common.ts';
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

export const PEER_STATUSES = ['active', 'suspended'] as const;

/** The peers list, paged on the server like every registry list (docs/api-lists.md). */
export const PeerQuery = PageQuery(
  {
    status: Type.Optional(OneOf(PEER_STATUSES)),
    kind: Type.Optional(PeerKindSchema),
  },
  {
    searches: 'mã, tên, địa chỉ cổng kết nối / code, name, gateway URL',
    sortable: ['code', 'name', 'createdAt'],
  },
);

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

/** The services imported from one peer, paged on the server. */
export const PeerImportQuery = PageQuery(
  {},
  {
    searches: 'context ở đây, context ở bên kia / local context, remote context',
    sortable: ['createdAt', 'context'],
  },
);

/**
 * A page of an OpenLGSP peer's public catalogue, asked of the peer itself: `q`, `limit` and `offset` go to its
 * `/api/v1/public/services`, which pages by **service**; each row here is one version of those services.
 */
export const PeerCatalogueQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Tìm ở nền tảng kia: tên, context, bên cung cấp / searched at the peer: name, context, provider',
      }),
    ),
    limit: Type.Integer({
      minimum: 1,
      maximum: 500,
      default: 50,
      description: 'Số dịch vụ của trang / services per page',
    }),
    offset: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      default: 0,
      description: 'Bỏ qua bao nhiêu dịch vụ / services to skip',
    }),
  },
  Strict,
);

export const RemoteCatalogueSchema = Type.Object({
  total: Type.Integer({
    minimum: 0,
    description:
      'Số dịch vụ khớp ở nền tảng kia (đơn vị của limit/offset; mỗi dòng là một phiên bản) / the peer’s matching ' +
      'services (the unit of limit/offset; each row is one version)',
  }),
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

/** The subscriptions of a peer's platform system, with the represented organizations each is limited to. */
export const PeerGrantQuery = PageQuery(
  {},
  { searches: 'context, mã đăng ký / context, subscription id', sortable: ['createdAt', 'context'] },
);
export const PeerGrantRowSchema = Type.Object({
  subscriptionId: Type.String(),
  versionId: Type.String(),
  context: Type.String(),
  version: Type.String(),
  environment: Type.String(),
  status: Type.String(),
  representedOrganizations: Nullable(
    Type.Array(Type.String(), { description: 'null: mọi cơ quan được đại diện / null: every organization' }),
  ),
  createdAt: Timestamp,
});
export type PeerGrantRow = Static<typeof PeerGrantRowSchema>;

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
      claimedEndToEndId: Type.Optional(
        Type.String({
          description:
            'Mã đầu-cuối bên gọi khai nhưng chưa được xác minh (lời gọi vào bị từ chối trước khi chữ ký được xác minh); ' +
            'không dùng để đối soát / the end-to-end id the caller claimed, unverified (an inbound call refused ' +
            'before its signatures verified); never reconciled',
        }),
      ),
    }),
  ),
});

const LedgerPeriod = {
  from: Type.String({ format: 'date-time', description: 'Từ (gồm) / from (inclusive)' }),
  to: Type.String({ format: 'date-time', description: 'Đến (không gồm) / to (exclusive)' }),
};

/** The federated ledger of a period, paged on the server (docs/api-lists.md); the whole period is the export. */
export const FederationLedgerQuery = PageQuery(
  {
    ...LedgerPeriod,
    direction: Type.Optional(OneOf(['outbound', 'inbound'] as const)),
    peerId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  {
    searches:
      'mã đầu-cuối, mã nền tảng ngang hàng, mã cơ quan được đại diện / end-to-end id, peer code, represented ' +
      'organization code',
    sortable: ['time', 'status'],
  },
);

/** The whole ledger of a period, as the file the other platform uploads to reconcile. */
export const FederationLedgerExportQuery = Type.Object(LedgerPeriod, Strict);

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

/** At most this many entries in one exported ledger (and one reconciliation's upload). */
export const FEDERATION_LEDGER_MAX = 100_000;

export const FederationLedgerFileSchema = Type.Object({
  platform: Type.String({
    description: 'federation.code của nền tảng xuất sổ / the exporting platform’s code',
  }),
  from: Timestamp,
  to: Timestamp,
  items: Type.Array(FederationLedgerEntrySchema),
});
export type FederationLedgerFile = Static<typeof FederationLedgerFileSchema>;

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
      { maxItems: FEDERATION_LEDGER_MAX },
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

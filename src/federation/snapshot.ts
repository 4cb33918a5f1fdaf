import type { Transaction } from 'kysely';
import { type KeyEncryptionKey, openText } from '../keys/index.ts';
import type { Database } from '../store/schema.ts';

/**
 * The federation part of the gateway's snapshot (DESIGN.md "Shape": the data plane never reads the database per
 * request): the peers with what the gateway needs to call them (their client secret and client key opened with the
 * key-encryption key, memory only, like the token signing key), the versions imported from them, and the
 * represented organizations a peer's subscription is limited to. Plain JSON, sent to gateway workers as is.
 */
export interface FederationSnapshotData {
  peers: PeerData[];
  imports: Array<{ versionId: string; peerId: string; remoteContext: string; remoteVersion: string }>;
  /** Subscription id → the represented organization codes it allows; a subscription not listed allows all. */
  representedGrants: Array<{ subscriptionId: string; organizations: string[] }>;
}

export interface PeerData {
  id: string;
  code: string;
  kind: string;
  systemId: string;
  gatewayUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  clientId: string | null;
  clientSecret: string | null;
  clientCertPem: string | null;
  clientKeyPem: string | null;
}

/** Labels the sealed secrets of a peer are bound to (src/keys/kek.ts: a ciphertext opens only under its label). */
export const PEER_SEALED_LABELS = {
  clientSecret: (peerId: string) => `peers.client_secret:${peerId}`,
  clientKey: (peerId: string) => `peers.client_key:${peerId}`,
};

/** Read on the snapshot's own transaction (src/control/snapshot.ts), so its revision matches these rows. */
export async function loadFederationSnapshot(
  trx: Transaction<Database>,
  kek: KeyEncryptionKey,
): Promise<FederationSnapshotData> {
  const peers = await trx.selectFrom('peers').selectAll().where('status', '=', 'active').execute();
  const imports = await trx
    .selectFrom('imported_versions')
    .innerJoin('peers', 'peers.id', 'imported_versions.peer_id')
    .select([
      'imported_versions.version_id',
      'imported_versions.peer_id',
      'imported_versions.remote_context',
      'imported_versions.remote_version',
    ])
    .where('peers.status', '=', 'active')
    .execute();
  const grants = await trx
    .selectFrom('subscriptions')
    .select(['id', 'represented_orgs'])
    .where('status', '=', 'active')
    .where('represented_orgs', 'is not', null)
    .execute();
  return {
    peers: peers.map((p) => ({
      id: p.id,
      code: p.code,
      kind: p.kind,
      systemId: p.system_id,
      gatewayUrl: p.gateway_url,
      tokenUrl: p.token_url,
      jwksUrl: p.jwks_url,
      clientId: p.client_id,
      clientSecret: p.client_secret_sealed
        ? openText(kek, p.client_secret_sealed, PEER_SEALED_LABELS.clientSecret(p.id))
        : null,
      clientCertPem: p.client_cert_pem,
      clientKeyPem: p.client_key_sealed
        ? openText(kek, p.client_key_sealed, PEER_SEALED_LABELS.clientKey(p.id))
        : null,
    })),
    imports: imports.map((i) => ({
      versionId: i.version_id,
      peerId: i.peer_id,
      remoteContext: i.remote_context,
      remoteVersion: i.remote_version,
    })),
    representedGrants: grants.map((g) => ({ subscriptionId: g.id, organizations: g.represented_orgs ?? [] })),
  };
}

/** A route's peer when the version is imported: where the gateway forwards it, and as whom. */
export interface PeerRoute {
  peer: PeerData;
  /** The peer gateway's origin (`https://ndxp.gov.vn:443`), the key of its connection pool. */
  origin: string;
  /** Path before the resource path: the peer URL's own path, then `/{remoteContext}/{remoteVersion}`. */
  basePath: string;
}

/** The federation data compiled for lookups on the request path. */
export interface CompiledFederation {
  peersById: Map<string, PeerData>;
  /** A peer's platform system id → the peer: a call by this system is an inbound federated call. */
  peersBySystem: Map<string, PeerData>;
  peersByCode: Map<string, PeerData>;
  /** Version id → where an imported version is forwarded. */
  routes: Map<string, PeerRoute>;
  representedGrants: Map<string, Set<string>>;
}

export const EMPTY_FEDERATION: FederationSnapshotData = { peers: [], imports: [], representedGrants: [] };

export function compileFederation(data: FederationSnapshotData | undefined): CompiledFederation {
  const d = data ?? EMPTY_FEDERATION;
  const peersById = new Map(d.peers.map((p) => [p.id, p]));
  const routes = new Map<string, PeerRoute>();
  for (const i of d.imports) {
    const peer = peersById.get(i.peerId);
    if (!peer) continue;
    const url = new URL(peer.gatewayUrl);
    const base = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    routes.set(i.versionId, {
      peer,
      origin: url.origin,
      basePath: `${base}/${i.remoteContext}/${i.remoteVersion}`,
    });
  }
  return {
    peersById,
    peersBySystem: new Map(d.peers.map((p) => [p.systemId, p])),
    peersByCode: new Map(d.peers.map((p) => [p.code, p])),
    routes,
    representedGrants: new Map(d.representedGrants.map((g) => [g.subscriptionId, new Set(g.organizations)])),
  };
}

import type { Static } from '@sinclair/typebox';
import { type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import { Agent, request } from 'undici';
import {
  FEDERATION_LEDGER_MAX,
  type FederationLedgerEntry,
  type FederationLedgerFile,
  type FederationLedgerQuery,
  type FederationReconciliation,
  type PageOf,
  type Peer,
  type PeerCatalogueQuery,
  type PeerCreate,
  type PeerGrant,
  type PeerGrantQuery,
  type PeerGrantRow,
  type PeerImport,
  type PeerImportCreate,
  type PeerImportQuery,
  type PeerPatch,
  type PeerQuery,
} from '../api/contract/index.ts';
import { auditOf, type Changes } from '../control/change.ts';
import * as services from '../control/registry/services.ts';
import { LgspError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { isoOf } from '../core/time.ts';
import { type KeyEncryptionKey, sealText } from '../keys/index.ts';
import { withinDeadline } from '../net/deadlines.ts';
import type { EgressPolicy } from '../net/egress.ts';
import { readAtMost, tooLargeReason } from '../net/read-limit.ts';
import { byColumn, byName, matchesAny, ordering, pageOf } from '../store/paging.ts';
import { isUniqueViolation, type Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { PEER_SEALED_LABELS } from './snapshot.ts';

/**
 * Peer platforms, the control side (issue 12 items 1–3; docs/federation.md). Registering a peer makes, in one
 * change: its organization (code = the peer's code), its system of kind `platform` — the consumer its token
 * authorizes when it calls us, and the provider of what we import from it — and the peer row with our client
 * secret and client key sealed with the key-encryption key. Every change is audited and bumps the revision, so
 * gateways reload their snapshot. URLs pass the egress policy when saved (and at connect time, in the gateway).
 */
const audit = auditOf('peer');
/**
 * The limit of one read of a peer's public catalogue, its whole exchange: an operator waits on it in the console,
 * and a catalogue page is a small JSON list any platform serves in well under a second.
 */
const CATALOGUE_TIMEOUT_MS = 5_000;
/**
 * The most of one page of a peer's public catalogue that is read (a page is at most 500 services with their
 * versions, a few KiB each: far less than this): past it the page is refused and its connection closed, mid-answer.
 */
export const CATALOGUE_ANSWER_MAX_BYTES = 10 * 1024 * 1024;

type PeerRow = Selectable<Database['peers']>;

function toPeer(r: PeerRow & { organization_id: string }): Peer {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    systemId: r.system_id,
    organizationId: r.organization_id,
    gatewayUrl: r.gateway_url,
    tokenUrl: r.token_url,
    jwksUrl: r.jwks_url,
    catalogueUrl: r.catalogue_url,
    clientId: r.client_id,
    hasClientSecret: r.client_secret_sealed !== null,
    hasClientCertificate: r.client_cert_pem !== null,
    status: r.status,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function peerQuery(db: Kysely<Database>) {
  return db
    .selectFrom('peers')
    .innerJoin('systems', 'systems.id', 'peers.system_id')
    .selectAll('peers')
    .select('systems.organization_id');
}

function importsQuery(db: Kysely<Database>, peerId: string) {
  return db
    .selectFrom('imported_versions')
    .innerJoin('service_versions', 'service_versions.id', 'imported_versions.version_id')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .select([
      'imported_versions.peer_id',
      'imported_versions.version_id',
      'imported_versions.remote_context',
      'imported_versions.remote_version',
      'imported_versions.created_at',
      'services.id as service_id',
      'services.context',
      'service_versions.version',
    ])
    .where('imported_versions.peer_id', '=', peerId);
}

function toImport(r: Awaited<ReturnType<ReturnType<typeof importsQuery>['execute']>>[number]): PeerImport {
  return {
    peerId: r.peer_id,
    serviceId: r.service_id,
    versionId: r.version_id,
    context: r.context,
    version: r.version,
    remoteContext: r.remote_context,
    remoteVersion: r.remote_version,
    createdAt: isoOf(r.created_at),
  };
}

/** An http(s) URL without credentials or fragment; the trailing slash of a base URL dropped. */
function httpUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new LgspError('API_VALIDATION_FAILED', `${field}: URL không hợp lệ / not a URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.hash)
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `${field}: http(s), không kèm thông tin đăng nhập / no credentials`,
    );
  return url.toString().replace(/\/$/, '');
}

export class Peers {
  constructor(
    private readonly store: Store,
    private readonly changes: Changes,
    private readonly kek: KeyEncryptionKey,
    private readonly egress: EgressPolicy,
  ) {}

  /** One page of the peers (docs/api-lists.md): filtered, searched and counted in SQL. */
  async page(query: Static<typeof PeerQuery>): Promise<PageOf<Peer>> {
    let q = peerQuery(this.store.db);
    if (query.status) q = q.where('peers.status', '=', query.status);
    if (query.kind) q = q.where('peers.kind', '=', query.kind);
    const search = query.q;
    if (search)
      q = q.where((eb) => matchesAny(eb, ['peers.code', 'peers.name', 'peers.gateway_url'], search));
    const order = ordering(
      query.sort,
      'code',
      {
        code: byColumn('peers.code'),
        name: byName('peers.name'),
        createdAt: byColumn('peers.created_at'),
      },
      'peers.id',
    );
    const { rows, total } = await pageOf(q, query, order);
    return { items: rows.map(toPeer), total };
  }

  /** The peer registered under `code` (its organization code and signature label), if any. */
  async findByCode(code: string): Promise<Peer | undefined> {
    const row = await peerQuery(this.store.db).where('peers.code', '=', code).executeTakeFirst();
    return row ? toPeer(row) : undefined;
  }

  async get(id: string): Promise<Peer> {
    const row = await peerQuery(this.store.db).where('peers.id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_PEER_NOT_FOUND', id);
    return toPeer(row);
  }

  async create(input: PeerCreate, actor: string): Promise<Peer> {
    const gatewayUrl = httpUrl(input.gatewayUrl, 'gatewayUrl');
    const tokenUrl = httpUrl(input.tokenUrl ?? `${gatewayUrl}/token`, 'tokenUrl');
    const jwksUrl = httpUrl(input.jwksUrl ?? `${gatewayUrl}/.well-known/jwks.json`, 'jwksUrl');
    const catalogueUrl = input.catalogueUrl ? httpUrl(input.catalogueUrl, 'catalogueUrl') : null;
    await this.egress.assertAllowed(gatewayUrl, 'gatewayUrl');
    await this.egress.assertAllowed(tokenUrl, 'tokenUrl');
    await this.egress.assertAllowed(jwksUrl, 'jwksUrl');
    await this.egress.assertAllowed(catalogueUrl, 'catalogueUrl');
    if ((input.clientCertificatePem === undefined) !== (input.clientKeyPem === undefined))
      throw new LgspError('API_VALIDATION_FAILED', 'clientCertificatePem + clientKeyPem: cả hai / both');
    return this.changes.run(async (trx, now) => {
      const id = newId('peer', now.getTime());
      const organizationId = newId('org', now.getTime());
      const systemId = newId('sys', now.getTime());
      await trx
        .insertInto('organizations')
        // A peer platform's organization, no agency: no contact point to give it (docs/federation.md).
        .values({
          id: organizationId,
          code: input.code,
          name: input.name,
          kind: 'platform',
          created_at: now,
          updated_at: now,
        })
        .execute()
        .catch((err) => {
          throw isUniqueViolation(err) ? new LgspError('CP_PEER_CODE_TAKEN', input.code) : err;
        });
      await trx
        .insertInto('systems')
        .values({
          id: systemId,
          organization_id: organizationId,
          name: `${input.name} (nền tảng / platform)`,
          description: `Nền tảng ngang hàng ${input.code} / peer platform ${input.code}`,
          is_provider: true,
          is_consumer: true,
          status: 'active',
          kind: 'platform',
          created_at: now,
          updated_at: now,
        })
        .execute();
      const row = await trx
        .insertInto('peers')
        .values({
          id,
          code: input.code,
          name: input.name,
          kind: input.kind,
          system_id: systemId,
          gateway_url: gatewayUrl,
          token_url: tokenUrl,
          jwks_url: jwksUrl,
          catalogue_url: catalogueUrl,
          client_id: input.clientId ?? null,
          client_secret_sealed: input.clientSecret
            ? sealText(this.kek, input.clientSecret, PEER_SEALED_LABELS.clientSecret(id))
            : null,
          client_cert_pem: input.clientCertificatePem ?? null,
          client_key_sealed: input.clientKeyPem
            ? sealText(this.kek, input.clientKeyPem, PEER_SEALED_LABELS.clientKey(id))
            : null,
          status: 'active',
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch((err) => {
          throw isUniqueViolation(err) ? new LgspError('CP_PEER_CODE_TAKEN', input.code) : err;
        });
      return {
        result: toPeer({ ...row, organization_id: organizationId }),
        // Never the secret or the key: only that they were given.
        events: [
          audit(actor, 'create', id, {
            code: input.code,
            kind: input.kind,
            gatewayUrl,
            systemId,
            clientSecret: input.clientSecret !== undefined,
            clientCertificate: input.clientCertificatePem !== undefined,
          }),
        ],
      };
    });
  }

  async update(id: string, patch: PeerPatch, actor: string): Promise<Peer> {
    const gatewayUrl = patch.gatewayUrl ? httpUrl(patch.gatewayUrl, 'gatewayUrl') : undefined;
    await this.egress.assertAllowed(gatewayUrl, 'gatewayUrl');
    const tokenUrl = patch.tokenUrl ? httpUrl(patch.tokenUrl, 'tokenUrl') : undefined;
    const jwksUrl = patch.jwksUrl ? httpUrl(patch.jwksUrl, 'jwksUrl') : undefined;
    const catalogueUrl = patch.catalogueUrl
      ? httpUrl(patch.catalogueUrl, 'catalogueUrl')
      : patch.catalogueUrl;
    await this.egress.assertAllowed(tokenUrl, 'tokenUrl');
    await this.egress.assertAllowed(jwksUrl, 'jwksUrl');
    await this.egress.assertAllowed(catalogueUrl, 'catalogueUrl');
    await this.get(id);
    await this.changes.run(async (trx, now) => {
      await trx
        .updateTable('peers')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(gatewayUrl !== undefined ? { gateway_url: gatewayUrl } : {}),
          ...(tokenUrl !== undefined ? { token_url: tokenUrl } : {}),
          ...(jwksUrl !== undefined ? { jwks_url: jwksUrl } : {}),
          ...(catalogueUrl !== undefined ? { catalogue_url: catalogueUrl } : {}),
          ...(patch.clientId !== undefined ? { client_id: patch.clientId } : {}),
          ...(patch.clientSecret !== undefined
            ? {
                client_secret_sealed: sealText(
                  this.kek,
                  patch.clientSecret,
                  PEER_SEALED_LABELS.clientSecret(id),
                ),
              }
            : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      // A suspended peer neither calls us nor is called: its platform system is suspended with it, so its
      // credentials leave the snapshot and its imported versions leave the routes.
      if (patch.status !== undefined) {
        const peer = await trx
          .selectFrom('peers')
          .select('system_id')
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('systems')
          .set({ status: patch.status, updated_at: now })
          .where('id', '=', peer.system_id)
          .execute();
      }
      const fields = Object.keys(patch).filter((k) => k !== 'clientSecret');
      return {
        result: null,
        events: [audit(actor, 'update', id, { fields, clientSecret: patch.clientSecret !== undefined })],
      };
    });
    return this.get(id);
  }

  /**
   * Imports a peer's service version into our catalogue (item 2): a service of the peer's platform system under a
   * local context and version, published at once — the peer's own platform reviewed it; our consumers still
   * subscribe through our review, quota and time window. Production only: our token for the peer is a
   * production one.
   */
  async importService(peerId: string, input: PeerImportCreate, actor: string): Promise<PeerImport> {
    const peer = await this.get(peerId);
    const remoteContext = input.remoteContext.replace(/^\/+|\/+$/g, '');
    const context = (input.context ?? remoteContext).replace(/^\/+|\/+$/g, '');
    const version = input.version ?? input.remoteVersion;
    const upstream = `${peer.gatewayUrl}/${remoteContext}/${input.remoteVersion}`;
    await this.egress.assertAllowed(upstream, 'gatewayUrl');
    return this.changes.run(async (trx, now) => {
      const service = await services.createService(
        trx,
        {
          context,
          name: input.name ?? `${context} (${peer.code})`,
          providerSystemId: peer.systemId,
          description: {
            addressAndInterface: `Nhập từ nền tảng ${peer.code}: /${remoteContext}/${input.remoteVersion} / imported from ${peer.code}`,
          },
        },
        actor,
        now,
      );
      const created = await services.createVersion(
        trx,
        service.result.id,
        {
          version,
          upstreams: { production: upstream },
          ...(input.mode ? { mode: input.mode } : {}),
          ...(input.resources ? { resources: input.resources } : {}),
        },
        actor,
        now,
      );
      const versionId = created.result.id;
      await trx
        .updateTable('service_versions')
        .set({ status: 'published', published_at: now, updated_at: now })
        .where('id', '=', versionId)
        .execute();
      await trx
        .insertInto('imported_versions')
        .values({
          version_id: versionId,
          peer_id: peer.id,
          remote_context: remoteContext,
          remote_version: input.remoteVersion,
          created_at: now,
        })
        .execute();
      return {
        result: {
          peerId: peer.id,
          serviceId: service.result.id,
          versionId,
          context,
          version,
          remoteContext,
          remoteVersion: input.remoteVersion,
          createdAt: isoOf(now),
        },
        events: [
          ...service.events,
          ...created.events,
          audit(actor, 'import', peer.id, {
            versionId,
            context,
            version,
            remoteContext,
            remoteVersion: input.remoteVersion,
          }),
        ],
      };
    });
  }

  /** One page of the services imported from a peer, searched and counted in SQL. */
  async pageImports(peerId: string, query: Static<typeof PeerImportQuery>): Promise<PageOf<PeerImport>> {
    await this.get(peerId);
    let q = importsQuery(this.store.db, peerId);
    const search = query.q;
    if (search)
      q = q.where((eb) => matchesAny(eb, ['services.context', 'imported_versions.remote_context'], search));
    const order = ordering(
      query.sort,
      'createdAt',
      { createdAt: byColumn('imported_versions.created_at'), context: byName('services.context') },
      'imported_versions.version_id',
    );
    const { rows, total } = await pageOf(q, query, order);
    return { items: rows.map(toImport), total };
  }

  /**
   * One page of the subscriptions of a peer's platform system, each with the represented organizations it is
   * limited to (item 3): what the operator narrows with `grant`.
   */
  async pageGrants(peerId: string, query: Static<typeof PeerGrantQuery>): Promise<PageOf<PeerGrantRow>> {
    const peer = await this.get(peerId);
    let q = this.store.db
      .selectFrom('subscriptions')
      .innerJoin('service_versions', 'service_versions.id', 'subscriptions.version_id')
      .innerJoin('services', 'services.id', 'service_versions.service_id')
      .select([
        'subscriptions.id',
        'subscriptions.version_id',
        'subscriptions.environment',
        'subscriptions.status',
        'subscriptions.represented_orgs',
        'subscriptions.created_at',
        'services.context',
        'service_versions.version',
      ])
      .where('subscriptions.system_id', '=', peer.systemId);
    const search = query.q;
    if (search) q = q.where((eb) => matchesAny(eb, ['services.context', 'subscriptions.id'], search));
    const order = ordering(
      query.sort,
      'createdAt',
      { createdAt: byColumn('subscriptions.created_at'), context: byName('services.context') },
      'subscriptions.id',
    );
    const { rows, total } = await pageOf(q, query, order);
    return {
      items: rows.map((r) => ({
        subscriptionId: r.id,
        versionId: r.version_id,
        context: r.context,
        version: r.version,
        environment: r.environment,
        status: r.status,
        representedOrganizations: r.represented_orgs,
        createdAt: isoOf(r.created_at),
      })),
      total,
    };
  }

  /**
   * The published versions of one page of an OpenLGSP peer's public catalogue (`GET /api/v1/public/services`,
   * paged by service at the peer), marked when already imported. Read through the egress policy, whole within
   * `CATALOGUE_TIMEOUT_MS` (R-03: a peer that trickles its page holds the operator's request no longer) and at most
   * `CATALOGUE_ANSWER_MAX_BYTES` of it, counted as it is read.
   */
  async remoteCatalogue(
    peerId: string,
    query: Static<typeof PeerCatalogueQuery>,
  ): Promise<{
    total: number;
    items: Array<{ context: string; version: string; name: string; imported: boolean }>;
  }> {
    const peer = await this.get(peerId);
    if (!peer.catalogueUrl) throw new LgspError('CP_PEER_CATALOGUE_UNAVAILABLE', 'catalogueUrl');
    const agent = new Agent({
      connect: this.egress.connector('gateway', { timeout: CATALOGUE_TIMEOUT_MS }),
    });
    let body: {
      total?: unknown;
      items?: Array<{
        context?: unknown;
        name?: unknown;
        versions?: Array<{ version?: unknown; status?: unknown }>;
      }>;
    };
    try {
      const url = new URL(peer.catalogueUrl);
      // The peer pages and searches its own catalogue (docs/api-lists.md): one page is asked, never all of it.
      url.searchParams.set('limit', String(query.limit));
      url.searchParams.set('offset', String(query.offset));
      if (query.q) url.searchParams.set('q', query.q);
      const { status, bytes } = await withinDeadline(CATALOGUE_TIMEOUT_MS, async (deadline) => {
        const res = await request(url, { dispatcher: agent, signal: deadline.signal });
        return { status: res.statusCode, bytes: await readAtMost(res.body, CATALOGUE_ANSWER_MAX_BYTES) };
      });
      if (status !== 200) throw new Error(`status ${status}`);
      if (bytes === null) throw new Error(tooLargeReason(CATALOGUE_ANSWER_MAX_BYTES));
      body = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new LgspError('CP_PEER_CATALOGUE_UNAVAILABLE', (err as Error).message.slice(0, 200));
    } finally {
      await agent.close();
    }
    // A peer's imports are the few services the province takes from it, read whole to mark the catalogue.
    const imported = new Set(
      (await importsQuery(this.store.db, peerId).execute()).map(
        (i) => `${i.remote_context}/${i.remote_version}`,
      ),
    );
    const items: Array<{ context: string; version: string; name: string; imported: boolean }> = [];
    for (const s of body.items ?? []) {
      if (typeof s.context !== 'string' || typeof s.name !== 'string') continue;
      for (const v of s.versions ?? []) {
        if (typeof v.version !== 'string') continue;
        items.push({
          context: s.context,
          version: v.version,
          name: s.name,
          imported: imported.has(`${s.context}/${v.version}`),
        });
      }
    }
    const total =
      typeof body.total === 'number' && Number.isInteger(body.total) && body.total >= 0 ? body.total : 0;
    return { total: Math.max(total, query.offset + (body.items?.length ?? 0)), items };
  }

  /** Limits (or opens again, with null) a peer's subscription to listed represented organizations (item 3). */
  async grant(peerId: string, input: PeerGrant, actor: string) {
    const peer = await this.get(peerId);
    return this.changes.run(async (trx, now) => {
      const sub = await trx
        .selectFrom('subscriptions')
        .select(['id', 'system_id'])
        .where('id', '=', input.subscriptionId)
        .executeTakeFirst();
      if (!sub || sub.system_id !== peer.systemId)
        throw new LgspError('CP_PEER_GRANT_INVALID', input.subscriptionId);
      const organizations = input.representedOrganizations
        ? [...new Set(input.representedOrganizations)].sort()
        : null;
      await trx
        .updateTable('subscriptions')
        .set({ represented_orgs: organizations ? JSON.stringify(organizations) : null, updated_at: now })
        .where('id', '=', sub.id)
        .execute();
      return {
        result: { subscriptionId: sub.id, representedOrganizations: organizations },
        events: [
          audit(actor, 'grant', peer.id, { subscriptionId: sub.id, representedOrganizations: organizations }),
        ],
      };
    });
  }
}

function ledgerQuery(store: Store, from: string, to: string) {
  return store.db
    .selectFrom('transactions')
    .leftJoin('peers', 'peers.id', 'transactions.peer_id')
    .select([
      'transactions.id',
      'transactions.end_to_end_id',
      'transactions.request_in_at',
      'transactions.consumer_status',
      'transactions.represented_org_code',
      'transactions.federation',
      'peers.code as peer_code',
    ])
    .where('transactions.end_to_end_id', 'is not', null)
    .where('transactions.request_in_at', '>=', new Date(from))
    .where('transactions.request_in_at', '<', new Date(to));
}

function toLedgerEntry(
  r: Awaited<ReturnType<ReturnType<typeof ledgerQuery>['execute']>>[number],
): FederationLedgerEntry {
  return {
    endToEndId: r.end_to_end_id!,
    transactionId: r.id,
    direction: r.federation?.direction ?? 'outbound',
    time: isoOf(r.request_in_at),
    peerCode: r.peer_code,
    representedOrganizationCode: r.represented_org_code,
    status: r.consumer_status,
    signatures: r.federation?.signatures ?? null,
  };
}

function assertPeriod(from: string, to: string): void {
  if (!(Date.parse(from) < Date.parse(to)))
    throw new LgspError('RP_RECONCILIATION_PERIOD_INVALID', 'from < to');
}

/**
 * This platform's federated records in a period, each with the end-to-end id it carried: what two platforms
 * of one path compare. Refused and forwarded calls alike, but only ids that are known: an inbound call refused before
 * its signatures verified has none, its claim kept apart in its evidence (src/telemetry/record-copy.ts, migration
 * 0046) — token requests are no federated calls. At most `limit` entries, oldest first.
 */
export async function federationLedger(
  store: Store,
  from: string,
  to: string,
  limit = FEDERATION_LEDGER_MAX,
): Promise<FederationLedgerEntry[]> {
  const rows = await ledgerQuery(store, from, to)
    .orderBy('transactions.request_in_at')
    .orderBy('transactions.id')
    .limit(limit)
    .execute();
  return rows.map(toLedgerEntry);
}

/** One page of the ledger of a period, filtered, searched and counted in SQL (docs/api-lists.md). */
export async function pageFederationLedger(
  store: Store,
  query: Static<typeof FederationLedgerQuery>,
): Promise<PageOf<FederationLedgerEntry>> {
  assertPeriod(query.from, query.to);
  let q = ledgerQuery(store, query.from, query.to);
  // The direction is kept in the record's federation block (JSON); an outbound call is one whose block says so or
  // has none (as `toLedgerEntry` reads it).
  if (query.direction === 'inbound')
    q = q.where(sql<SqlBool>`transactions.federation->>'direction' = 'inbound'`);
  if (query.direction === 'outbound')
    q = q.where(sql<SqlBool>`coalesce(transactions.federation->>'direction', 'outbound') = 'outbound'`);
  if (query.peerId) q = q.where('transactions.peer_id', '=', query.peerId);
  const search = query.q;
  if (search)
    q = q.where((eb) =>
      matchesAny(
        eb,
        ['transactions.end_to_end_id', 'transactions.represented_org_code', 'peers.code'],
        search,
      ),
    );
  const order = ordering(
    query.sort,
    '-time',
    { time: byColumn('transactions.request_in_at'), status: byColumn('transactions.consumer_status') },
    'transactions.id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toLedgerEntry), total };
}

/**
 * The whole ledger of a period as the file the other platform uploads to reconcile. More than
 * FEDERATION_LEDGER_MAX entries is refused, never cut short: a truncated ledger would reconcile as missing calls.
 */
export async function exportFederationLedger(
  store: Store,
  platform: string,
  from: string,
  to: string,
): Promise<FederationLedgerFile> {
  assertPeriod(from, to);
  const items = await federationLedger(store, from, to, FEDERATION_LEDGER_MAX + 1);
  if (items.length > FEDERATION_LEDGER_MAX)
    throw new LgspError(
      'RP_RECONCILIATION_PERIOD_INVALID',
      `> ${FEDERATION_LEDGER_MAX}: chia kỳ nhỏ hơn / split the period`,
    );
  return {
    platform,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    items: [...onePerCall(items).values()],
  };
}

/**
 * One entry per end-to-end id: the first whose id can be trusted — an outbound call (this platform made the id or
 * passed it on) or an inbound one whose signatures verified — else the first. Records of this version never carry an
 * unverified id (a claim is kept apart, migration 0046); lines of an earlier version's journal, shipped after the
 * upgrade, still can, and must not stand for the real call of their id either.
 */
function onePerCall(entries: FederationLedgerEntry[]): Map<string, FederationLedgerEntry> {
  const trusted = (e: FederationLedgerEntry) => e.direction === 'outbound' || e.signatures === 'verified';
  const chosen = new Map<string, FederationLedgerEntry>();
  for (const e of entries) {
    const kept = chosen.get(e.endToEndId);
    if (!kept || (!trusted(kept) && trusted(e))) chosen.set(e.endToEndId, e);
  }
  return chosen;
}

/**
 * Matches another platform's ledger against ours by end-to-end id: the same call is the same id on every
 * platform of its path, so two provinces reconcile without knowing each other's record ids. Compared: the status
 * each answered its caller, and the represented organization.
 */
export async function reconcileFederation(
  store: Store,
  input: {
    from: string;
    to: string;
    entries: Array<{ endToEndId: string; status: number; representedOrganizationCode?: string | null }>;
  },
): Promise<FederationReconciliation> {
  assertPeriod(input.from, input.to);
  const ours = onePerCall(await federationLedger(store, input.from, input.to));
  const theirs = new Map<string, (typeof input.entries)[number]>();
  for (const e of input.entries) if (!theirs.has(e.endToEndId)) theirs.set(e.endToEndId, e);
  let matched = 0;
  const mismatched: FederationReconciliation['mismatched'] = [];
  for (const [id, there] of theirs) {
    const here = ours.get(id);
    if (!here) continue;
    let same = true;
    if (here.status !== there.status) {
      mismatched.push({ endToEndId: id, field: 'status', here: here.status, there: there.status });
      same = false;
    }
    if (
      there.representedOrganizationCode !== undefined &&
      there.representedOrganizationCode !== here.representedOrganizationCode
    ) {
      mismatched.push({
        endToEndId: id,
        field: 'representedOrganizationCode',
        here: here.representedOrganizationCode,
        there: there.representedOrganizationCode,
      });
      same = false;
    }
    if (same) matched++;
  }
  return {
    from: new Date(input.from).toISOString(),
    to: new Date(input.to).toISOString(),
    matched,
    missingHere: [...theirs.keys()].filter((id) => !ours.has(id)),
    missingThere: [...ours.keys()].filter((id) => !theirs.has(id)),
    mismatched,
  };
}

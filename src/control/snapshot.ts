import { sql } from 'kysely';
import type { Environment, ResourceTemplate, VersionMode, VersionStatus } from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import type { CompositeDefinition } from '../core/composite.ts';
import type { VersionFieldMapping } from '../core/field-mapping.ts';
import { isResolved, type SoapRestPlan } from '../core/soap-rest.ts';
import { msOrNull } from '../core/time.ts';
import { type FederationSnapshotData, loadFederationSnapshot } from '../federation/snapshot.ts';
import type { KeyEncryptionKey } from '../keys/index.ts';
import type { Store } from '../store/port.ts';
import type { CategoryField, CategoryValue } from '../store/schema.ts';
import { mockDocument } from './api-examples.ts';
import { upstreamsByService } from './catalogue.ts';
import { loadBuiltinVersions, loadServedCategories } from './categories/served.ts';
import { healthCheckOf } from './registry/services.ts';
import { readSigningKeys, type SigningKeyData } from './signing-keys.ts';
import { sandboxConfigurationsUnderTest } from './version-changes/queries.ts';

/** One category list as the gateway serves it: its current version's metadata and items, in file order. */
export interface ServedCategory {
  code: string;
  nameVi: string;
  nameEn: string;
  description: string;
  source: string;
  version: number;
  effectiveAtMs: number;
  fields: CategoryField[];
  items: Array<Record<string, CategoryValue>>;
}

/**
 * What a gateway node needs to decide every request without reading the database (DESIGN.md "Shape"): plain
 * JSON, so it can also be sent to gateway worker processes. The gateway compiles it into lookup maps.
 */
export interface SnapshotData {
  revision: number;
  /** The key new tokens are signed with, its private JWK opened with the key-encryption key (memory only). */
  signingKey: SigningKeyData & { privateJwk: Record<string, unknown> };
  /** Every key whose tokens are still accepted, by `kid`: the signing key and the retired ones (JWKS lists them). */
  verificationKeys: SigningKeyData[];
  /** Active credentials of active systems only: a revoked credential or a suspended system is simply absent. */
  credentials: Array<{
    id: string;
    consumerKey: string;
    secretSha256: string;
    systemId: string;
    environment: Environment;
    /** A rotated credential stops at this time; null for no end. */
    expiresAtMs: number | null;
  }>;
  systems: Array<{
    id: string;
    name: string;
    organizationCode: string;
    /**
     * mTLS binding: the certificate's SHA-256 (pinned), or else the subject it must have under the
     * configured client CA; null when the system may call without a client certificate.
     */
    clientCert: { sha256: string | null; subject: string | null } | null;
  }>;
  routes: Array<{
    serviceId: string;
    context: string;
    versionId: string;
    version: string;
    status: VersionStatus;
    mode: VersionMode;
    /** Async versions: how many pushes the destination takes at once. */
    deliveryConcurrency: number;
    /** Sync calls' request body limit; null: the platform's default (`gateway.maxRequestBodyBytes`). */
    requestBodyLimitBytes: number | null;
    healthCheck: { path: string; intervalSeconds: number } | null;
    providerSystemId: string;
    providerOrgCode: string;
    upstreams: { sandbox: string | null; production: string | null };
    resources: ResourceTemplate[];
    /**
     * The resources the sandbox lets through while a proposed change of the version is under test (issue 10);
     * absent: the same as `resources`. Its upstream is then `upstreams.sandbox`, the proposal's target.
     */
    sandboxResources?: ResourceTemplate[];
    deprecatedAtMs: number | null;
    /** From then on the version answers 410. */
    sunsetAtMs: number | null;
    /** `/{context}/{version}` of the successor, for the Link header and the 410 problem. */
    successorPath: string | null;
    /** From then on the whole service answers 410. */
    decommissionAtMs: number | null;
    /**
     * A sync version the sandbox serves with no sandbox upstream answers sandbox calls from its OpenAPI examples
     * (issue 12 item 9, gateway/sandbox-mock.ts): what the document gives, read here once per snapshot — as
     * consumers read it, the service's upstream addresses being this version's on the gateway. Absent when there
     * is a sandbox upstream; production never mocks.
     */
    sandboxMock?: MockDocument;
    /** A built-in service the gateway answers itself, never forwarded (`builtin_services`, migration 0028). */
    builtin?: 'categories';
    /** A composite's backends (R-17, src/gateway/composite.ts); absent for every other version. */
    composite?: CompositeDefinition;
    /** JSON field mapping of the version's requests and answers (issue 12 item 6); absent: bodies untouched. */
    fieldMapping?: VersionFieldMapping;
    /**
     * A SOAP version exposed as REST (issue 12 item 6, src/gateway/soap-rest.ts): its resolved plan and the WSDL the
     * provider submitted, which the gateway compiles once per snapshot. Absent: passed through as it is.
     */
    soapRest?: { plan: SoapRestPlan; wsdl: string };
  }>;
  /** Announced maintenance windows not yet over: the services answer 503 inside them. */
  maintenance: Array<{ noticeId: string; serviceId: string | null; startsAtMs: number; endsAtMs: number }>;
  /** The shared category lists served at `/dmdc/1.0` (issue 12 item 7): each list's current version. */
  categories?: ServedCategory[];
  subscriptions: Array<{
    id: string;
    systemId: string;
    versionId: string;
    environment: Environment;
    quotaPerMinute: number | null;
    quotaPerDay: number | null;
    windowStart: string | null;
    windowEnd: string | null;
  }>;
  /** Peers, imported versions and represented-party grants (issue 12, src/federation/snapshot.ts). */
  federation?: FederationSnapshotData;
  /**
   * Access tokens revoked at `POST /revoke` (RFC 7009) that have not expired yet, by `jti`: the gateway refuses
   * them (issue 12 item 8). Absent in snapshots built by code that predates revocation: none.
   */
  revokedTokens?: string[];
}

/**
 * One access token revoked by its client at `POST /revoke` (RFC 7009): the token's `jti`, whose it is, and when it
 * would have expired (the entry is kept until then). Written by the control plane, asked for by the gateway.
 */
export interface TokenRevocation {
  jti: string;
  credentialId: string;
  expiresAtMs: number;
}

export async function currentRevision(store: Store): Promise<number> {
  const row = await store.db.selectFrom('config_state').select('revision').executeTakeFirstOrThrow();
  return row.revision;
}

/**
 * Reads a consistent snapshot: one REPEATABLE READ transaction, so the revision matches the rows. `nowMs` is the
 * platform's clock, never the database's `now()`: what is already over (a maintenance window, a revoked token's
 * life) is judged on the clock the gateway decides by, so a window the gateway finds current is in its snapshot
 * whatever the database server's clock says — a drifted server, or a test's clock. `gatewayAddress` is where
 * consumers call the gateway (`https://api.tinh.gov.vn`), as the published documents name it: the sandbox mocks'
 * examples name a version there; '' while the node does not know it yet (a relative `/{context}/{version}`).
 */
export async function loadSnapshot(
  store: Store,
  kek: KeyEncryptionKey,
  nowMs: number,
  gatewayAddress = '',
): Promise<SnapshotData> {
  const now = new Date(nowMs);
  return store.db.transaction().execute(async (trx) => {
    if (store.kind === 'postgres') await sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`.execute(trx);
    const { revision } = await trx.selectFrom('config_state').select('revision').executeTakeFirstOrThrow();
    const keys = await readSigningKeys(trx, kek);
    const credentials = await trx
      .selectFrom('credentials')
      .innerJoin('systems', 'systems.id', 'credentials.system_id')
      .select([
        'credentials.id',
        'credentials.consumer_key',
        'credentials.secret_sha256',
        'credentials.system_id',
        'credentials.environment',
        'credentials.expires_at',
      ])
      .where('credentials.status', '=', 'active')
      .where('systems.status', '=', 'active')
      .execute();
    const systems = await trx
      .selectFrom('systems')
      .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
      .select([
        'systems.id',
        'systems.name',
        'organizations.code',
        'systems.client_cert_sha256',
        'systems.client_cert_subject',
      ])
      .where('systems.status', '=', 'active')
      .execute();
    const routes = await trx
      .selectFrom('service_versions')
      .innerJoin('services', 'services.id', 'service_versions.service_id')
      .innerJoin('systems', 'systems.id', 'services.provider_system_id')
      .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
      .leftJoin('service_versions as successor', 'successor.id', 'service_versions.successor_version_id')
      .select([
        'services.id as service_id',
        'services.context',
        'service_versions.id as version_id',
        'service_versions.version',
        'service_versions.status',
        'service_versions.mode',
        'service_versions.delivery_concurrency',
        'service_versions.request_body_limit_bytes',
        'service_versions.health_check_path',
        'service_versions.health_check_interval_seconds',
        'services.provider_system_id',
        'organizations.code as provider_org_code',
        'service_versions.sandbox_url',
        'service_versions.production_url',
        'service_versions.resources',
        'service_versions.deprecated_at',
        'service_versions.sunset_at',
        'services.decommission_at',
        'successor.version as successor_version',
        'service_versions.composite',
        'service_versions.field_mapping',
        'service_versions.soap_rest',
      ])
      // Retired versions stay in the snapshot so that they answer 410 with a pointer to their successor.
      .where('service_versions.status', 'in', ['sandbox_test', 'published', 'deprecated', 'retired'])
      .where('systems.status', '=', 'active')
      .execute();
    // A published version with a change under sandbox test serves the proposal in the sandbox only (issue 10).
    const underTest = await sandboxConfigurationsUnderTest(trx);
    // Sandbox mocks (issue 12 item 9): the documents of the sync versions the sandbox serves with no upstream.
    const mocked = routes
      .filter(
        (r) =>
          r.mode === 'sync' &&
          r.status !== 'retired' &&
          !(underTest.has(r.version_id) ? underTest.get(r.version_id)!.sandbox : r.sandbox_url),
      )
      .map((r) => r.version_id);
    const documents =
      mocked.length === 0
        ? []
        : await trx
            .selectFrom('service_versions')
            .innerJoin('services', 'services.id', 'service_versions.service_id')
            .select([
              'service_versions.id',
              'service_versions.service_id',
              'services.context',
              'service_versions.version',
              'service_versions.technical_document',
              'service_versions.technical_document_type',
            ])
            .where('service_versions.id', 'in', mocked)
            .execute();
    // A mock answers a consumer: its examples name the version on the gateway — at the address the published
    // document gives it — where the provider wrote one of its service's upstreams (docs/security.md §2.1;
    // api-examples.ts).
    const upstreams = await upstreamsByService(trx, [...new Set(documents.map((d) => d.service_id))]);
    const mocks = new Map(
      documents.map((d) => [
        d.id,
        mockDocument(d.technical_document_type, d.technical_document, {
          gatewayAddress: `${gatewayAddress}/${d.context}/${d.version}`,
          upstreams: (upstreams.get(d.service_id) ?? []).flatMap((v) => v.urls),
        }),
      ]),
    );
    // SOAP versions exposed as REST (issue 12 item 6): the WSDL their plan was resolved against, compiled per snapshot.
    const converted = routes
      .filter((r) => r.soap_rest !== null && isResolved(r.soap_rest))
      .map((r) => r.version_id);
    const wsdls = new Map(
      converted.length === 0
        ? []
        : (
            await trx
              .selectFrom('service_versions')
              .select(['id', 'technical_document'])
              .where('id', 'in', converted)
              .where('technical_document_type', '=', 'wsdl')
              .execute()
          ).map((d) => [d.id, d.technical_document ?? '']),
    );
    // The built-in versions the gateway answers itself, and the shared category lists it serves (issue 12 item 7).
    const builtin = await loadBuiltinVersions(trx);
    const categories = await loadServedCategories(trx);
    const maintenance = await trx
      .selectFrom('notices')
      .select(['id', 'service_id', 'starts_at', 'ends_at'])
      .where('kind', '=', 'maintenance')
      .where('ends_at', '>', now)
      // A cancelled window no longer closes anything: the gateway serves again at its next snapshot.
      .where('cancelled_at', 'is', null)
      .execute();
    const subscriptions = await trx
      .selectFrom('subscriptions')
      .selectAll()
      .where('status', '=', 'active')
      .execute();
    const revokedTokens = await trx
      .selectFrom('revoked_tokens')
      .select('jti')
      .where('expires_at', '>', now)
      .execute();
    const federation = await loadFederationSnapshot(trx, kek);
    return {
      revision,
      federation,
      signingKey: keys.signing,
      verificationKeys: keys.verifying,
      credentials: credentials.map((c) => ({
        id: c.id,
        consumerKey: c.consumer_key,
        secretSha256: c.secret_sha256,
        systemId: c.system_id,
        environment: c.environment,
        expiresAtMs: msOrNull(c.expires_at),
      })),
      systems: systems.map((s) => ({
        id: s.id,
        name: s.name,
        organizationCode: s.code,
        clientCert:
          s.client_cert_sha256 !== null || s.client_cert_subject !== null
            ? { sha256: s.client_cert_sha256, subject: s.client_cert_subject }
            : null,
      })),
      routes: routes.map((r) => {
        const test = underTest.get(r.version_id);
        return {
          serviceId: r.service_id,
          context: r.context,
          versionId: r.version_id,
          version: r.version,
          status: r.status,
          mode: r.mode,
          deliveryConcurrency: r.delivery_concurrency,
          requestBodyLimitBytes: r.request_body_limit_bytes,
          healthCheck: healthCheckOf(r),
          providerSystemId: r.provider_system_id,
          providerOrgCode: r.provider_org_code,
          upstreams: { sandbox: test ? test.sandbox : r.sandbox_url, production: r.production_url },
          resources: r.resources,
          ...(test ? { sandboxResources: test.resources } : {}),
          deprecatedAtMs: msOrNull(r.deprecated_at),
          sunsetAtMs: msOrNull(r.sunset_at),
          successorPath: r.successor_version ? `/${r.context}/${r.successor_version}` : null,
          decommissionAtMs: msOrNull(r.decommission_at),
          ...(mocks.has(r.version_id) ? { sandboxMock: mocks.get(r.version_id)! } : {}),
          ...(builtin.has(r.version_id) ? { builtin: builtin.get(r.version_id)! } : {}),
          ...(r.composite ? { composite: r.composite } : {}),
          ...(r.field_mapping ? { fieldMapping: r.field_mapping } : {}),
          ...(r.soap_rest && wsdls.has(r.version_id)
            ? { soapRest: { plan: r.soap_rest, wsdl: wsdls.get(r.version_id)! } }
            : {}),
        };
      }),
      maintenance: maintenance.map((m) => ({
        noticeId: m.id,
        serviceId: m.service_id,
        startsAtMs: msOrNull(m.starts_at)!,
        endsAtMs: msOrNull(m.ends_at)!,
      })),
      categories,
      subscriptions: subscriptions.map((s) => ({
        id: s.id,
        systemId: s.system_id,
        versionId: s.version_id,
        environment: s.environment,
        quotaPerMinute: s.quota_per_minute,
        quotaPerDay: s.quota_per_day,
        windowStart: s.window_start,
        windowEnd: s.window_end,
      })),
      revokedTokens: revokedTokens.map((r) => r.jti),
    };
  });
}

/**
 * The snapshot source of a process that can read the store (every node on PostgreSQL; the owner of PGlite);
 * `gatewayAddress` is read at each load (see `loadSnapshot`).
 */
export function storeSnapshotSource(
  store: Store,
  kek: KeyEncryptionKey,
  clock: Clock,
  gatewayAddress: () => string = () => '',
) {
  return {
    revision: () => currentRevision(store),
    load: () => loadSnapshot(store, kek, clock.nowMs(), gatewayAddress()),
  };
}

// ── Sandbox mocks (issue 12 item 9): a version's OpenAPI examples as the snapshot carries them (control/api-examples.ts
// reads them; gateway/sandbox-mock-table.ts compiles them) ──────────────────────────────────────────────────────────

/** One example body, ready to send: JSON text for a JSON media type, the text as written otherwise. */
export interface MockExample {
  /** The example's name under `examples`; null for `example` or a schema's example. */
  name: string | null;
  body: string;
}

export interface MockContent {
  mediaType: string;
  /** The first is the default. */
  examples: MockExample[];
}

export interface MockResponse {
  /** `200`, `2XX`, or `default`, as the document keys it. */
  status: string;
  /** Empty: the response has no body (a 204, or one declared without content). */
  contents: MockContent[];
}

export interface MockOperation {
  /** Upper case: `GET`. */
  method: string;
  /** The document's path template, relative to the version: `/congdan/{soDinhDanh}`. */
  path: string;
  operationId: string | null;
  responses: MockResponse[];
}

export interface MockDocument {
  operations: MockOperation[];
  /** Why nothing can be mocked (no OpenAPI document, an unreadable one); null when operations were read. */
  problem: string | null;
}

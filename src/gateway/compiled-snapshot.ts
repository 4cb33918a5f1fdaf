import { type CryptoKey, importJWK, type JWK } from 'jose';
import type { Environment } from '../api/contract/index.ts';
import type { SnapshotData } from '../control/snapshot.ts';
import { mapsAnything, type VersionFieldMapping } from '../core/field-mapping.ts';
import { minutesOfDay } from '../core/time.ts';
import { type CompiledFederation, compileFederation, type PeerRoute } from '../federation/snapshot.ts';
import { type CompiledCategory, compileCategories } from './categories-table.ts';
import { type CompiledComposite, compileComposite } from './composite-plan.ts';
import { type CompiledMock, compileMock } from './sandbox-mock-table.ts';
import { compileSoapRest, retainSoapRest, type SoapRestRoute } from './soap-rest-table.ts';

/**
 * Routes, resources and subscription policies carry `ok: true`: a policy decision that finds one returns the object
 * itself as its `{ ok: true }` result, so an allowed call allocates nothing for its decisions (src/gateway/policy.ts).
 */
interface Found {
  readonly ok: true;
}

/** A resource template compiled for matching: literal segments, `{param}` segments, an optional final `*`. */
export interface CompiledResource extends Found {
  method: string;
  template: string;
  segments: Array<string | null>;
  rest: boolean;
}

export interface Upstream {
  /** `http://host:port`, the key of the connection pool. */
  origin: string;
  /** Path prefix of the upstream URL, '' or `/api/dancu`. */
  basePath: string;
}

export interface Route extends Found {
  serviceId: string;
  context: string;
  versionId: string;
  version: string;
  /** `/${context}/${version}`: what a call's path starts with; the rest is the resource path sent upstream. */
  pathPrefix: string;
  /** How many of a call's path segments (split at `/`, the empty one before the first slash included) it takes. */
  prefixSegments: number;
  status: SnapshotData['routes'][number]['status'];
  /** `async`: POSTs are messages, stored and delivered (issue 4); `sync`: forwarded and answered. */
  mode: SnapshotData['routes'][number]['mode'];
  deliveryConcurrency: number;
  /** Sync calls' request body limit in bytes; null: the gateway's default (`gateway.maxRequestBodyBytes`). */
  requestBodyLimitBytes: number | null;
  healthCheck: SnapshotData['routes'][number]['healthCheck'];
  providerSystemId: string;
  providerOrgCode: string;
  upstreams: Record<Environment, Upstream | null>;
  resources: CompiledResource[];
  /** What the sandbox lets through: `resources`, or a proposed change's while it is under test (issue 10). */
  sandboxResources: CompiledResource[];
  sunsetAtMs: number | null;
  successorPath: string | null;
  decommissionAtMs: number | null;
  /** RFC 9745 Deprecation, RFC 8594 Sunset and the successor Link, added to answers of a deprecated version. */
  deprecationHeaders: Record<string, string> | null;
  /** A sync version with no sandbox upstream: its OpenAPI examples answer sandbox calls (issue 12 item 9). */
  sandboxMock: CompiledMock | null;
  /** A built-in service the gateway answers itself (`categories`: `/dmdc/1.0`, src/gateway/categories.ts). */
  builtin: 'categories' | null;
  /** A composite's backends: the gateway runs them instead of forwarding (src/gateway/composite.ts). */
  composite: CompiledComposite | null;
  /** A version imported from a peer platform (issue 12): forwarded there by `federated-forward.ts`; else null. */
  peer: PeerRoute | null;
  /**
   * JSON field mapping of requests and answers (issue 12 item 6, `mapped-forward.ts`); null when the version maps
   * nothing — then a call is forwarded as it streams, with no per-call work for mapping at all.
   */
  fieldMapping: VersionFieldMapping | null;
  /** A SOAP version exposed as REST (issue 12 item 6, `soap-rest.ts`); null: forwarded as it is. */
  soapRest: SoapRestRoute | null;
}

/** A system's mTLS binding (src/gateway/policy.ts `clientCertificate`). */
export type ClientCertBinding = NonNullable<SnapshotData['systems'][number]['clientCert']>;

export interface MaintenanceWindow {
  startsAtMs: number;
  endsAtMs: number;
}

export interface SubscriptionPolicy extends Found {
  id: string;
  quotaPerMinute: number | null;
  quotaPerDay: number | null;
  /** Allowed local minutes of the day [start, end); null for all day. */
  window: { startMinute: number; endMinute: number; text: string } | null;
}

export interface CompiledSnapshot {
  revision: number;
  loadedAtMs: number;
  signing: {
    kid: string;
    algorithm: string;
    privateKey: CryptoKey | Uint8Array;
    publicKey: CryptoKey | Uint8Array;
    publicJwk: Record<string, unknown>;
  };
  /** The keys whose tokens are accepted, by `kid` (the signing key and the retired ones still verifying). */
  verificationKeys: Map<string, VerificationKey>;
  /** RFC 7517 JWKS of those keys, served at /.well-known/jwks.json and the admin API. */
  jwks: { keys: Array<Record<string, unknown>> };
  credentialsByKey: Map<string, SnapshotData['credentials'][number]>;
  /** Active credential id → the credential: its system, environment and when it stops (a rotated one), or null. */
  activeCredentials: Map<string, SnapshotData['credentials'][number]>;
  /** Maintenance windows by service id; '*' for the whole platform. */
  maintenance: Map<string, MaintenanceWindow[]>;
  /** The shared category lists served at `/dmdc/1.0`, by list code (issue 12 item 7). */
  categories: Map<string, CompiledCategory>;
  systems: Map<string, SnapshotData['systems'][number]>;
  /** `${context}/${version}` → route. */
  routes: Map<string, Route>;
  /** Version id → route (async delivery and the pull inbox address messages by destination version). */
  routesByVersion: Map<string, Route>;
  /** How many leading path segments a context may have, longest first, to look routes up without a scan. */
  contextDepths: number[];
  /** `${systemId}|${versionId}|${environment}` → policy. */
  subscriptions: Map<string, SubscriptionPolicy>;
  /** `jti`s of access tokens revoked before their expiry (RFC 7009): refused on every call. */
  revokedTokens: Set<string>;
  /** Peers, imported routes and represented-party grants (src/federation/snapshot.ts). */
  federation: CompiledFederation;
}

function toUpstream(url: string | null): Upstream | null {
  if (!url) return null;
  const u = new URL(url);
  return { origin: u.origin, basePath: u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '') };
}

export function compileResource(method: string, template: string): CompiledResource {
  const parts = template.split('/').slice(1);
  const rest = parts[parts.length - 1] === '*';
  const fixed = rest ? parts.slice(0, -1) : parts;
  return { ok: true, method, template, segments: fixed.map((s) => (s.startsWith('{') ? null : s)), rest };
}

/**
 * The first declared template matching this method and resource path: `segments` from index `start` (the
 * segments after context and version; an offset, so the caller need not copy the path's segments).
 */
export function matchResource(
  resources: CompiledResource[],
  method: string,
  segments: string[],
  start = 0,
): CompiledResource | null {
  const count = segments.length - start;
  for (const r of resources) {
    if (r.method !== '*' && r.method !== method) continue;
    if (r.rest ? count < r.segments.length : count !== r.segments.length) continue;
    let ok = true;
    for (let i = 0; i < r.segments.length; i++) {
      const want = r.segments[i];
      if (want !== null && want !== segments[start + i]) {
        ok = false;
        break;
      }
    }
    if (ok) return r;
  }
  return null;
}

export interface VerificationKey {
  algorithm: string;
  publicKey: CryptoKey | Uint8Array;
  /** A retired key verifies only tokens issued before it retired (a copy of it cannot mint new ones). */
  retiredAtMs: number | null;
  /** After this its tokens are all expired; the key is being deleted. */
  verifyUntilMs: number | null;
}

const keyCache = new Map<string, CompiledSnapshot['signing']>();
const publicKeyCache = new Map<string, CryptoKey | Uint8Array>();

async function importSigning(key: SnapshotData['signingKey']): Promise<CompiledSnapshot['signing']> {
  const cached = keyCache.get(key.kid);
  if (cached) return cached;
  const signing = {
    kid: key.kid,
    algorithm: key.algorithm,
    privateKey: await importJWK(key.privateJwk as JWK, key.algorithm),
    publicKey: await importPublic(key),
    publicJwk: key.publicJwk,
  };
  // Only the current signing key is kept: a rotated one's private key must not outlive its rotation here.
  keyCache.clear();
  keyCache.set(key.kid, signing);
  return signing;
}

async function importPublic(key: SnapshotData['verificationKeys'][number]): Promise<CryptoKey | Uint8Array> {
  let imported = publicKeyCache.get(key.kid);
  if (!imported) {
    imported = await importJWK(key.publicJwk as JWK, key.algorithm);
    publicKeyCache.set(key.kid, imported);
  }
  return imported;
}

async function importVerificationKeys(
  keys: SnapshotData['verificationKeys'],
): Promise<Map<string, VerificationKey>> {
  const map = new Map<string, VerificationKey>();
  for (const k of keys) {
    map.set(k.kid, {
      algorithm: k.algorithm,
      publicKey: await importPublic(k),
      retiredAtMs: k.retiredAtMs,
      verifyUntilMs: k.verifyUntilMs,
    });
  }
  for (const kid of publicKeyCache.keys()) if (!map.has(kid)) publicKeyCache.delete(kid);
  return map;
}

export async function compileSnapshot(data: SnapshotData, nowMs: number): Promise<CompiledSnapshot> {
  const routes = new Map<string, Route>();
  const routesByVersion = new Map<string, Route>();
  const depths = new Set<number>();
  const federation = compileFederation(data.federation);
  for (const r of data.routes) {
    const compile = (list: typeof r.resources) => list.map((res) => compileResource(res.method, res.path));
    const resources = compile(r.resources);
    const route: Route = {
      ok: true,
      serviceId: r.serviceId,
      context: r.context,
      versionId: r.versionId,
      version: r.version,
      pathPrefix: `/${r.context}/${r.version}`,
      prefixSegments: r.context.split('/').length + 2,
      status: r.status,
      mode: r.mode,
      deliveryConcurrency: r.deliveryConcurrency,
      requestBodyLimitBytes: r.requestBodyLimitBytes,
      healthCheck: r.healthCheck,
      providerSystemId: r.providerSystemId,
      providerOrgCode: r.providerOrgCode,
      upstreams: { sandbox: toUpstream(r.upstreams.sandbox), production: toUpstream(r.upstreams.production) },
      resources,
      sandboxResources: r.sandboxResources ? compile(r.sandboxResources) : resources,
      sunsetAtMs: r.sunsetAtMs,
      successorPath: r.successorPath,
      decommissionAtMs: r.decommissionAtMs,
      deprecationHeaders: r.status === 'deprecated' ? deprecationHeaders(r) : null,
      sandboxMock: r.sandboxMock ? compileMock(r.sandboxMock) : null,
      builtin: r.builtin ?? null,
      composite: r.composite ? compileComposite(r.composite) : null,
      peer: federation.routes.get(r.versionId) ?? null,
      fieldMapping: compileFieldMapping(r.fieldMapping),
      soapRest: r.soapRest ? compileSoapRest(r.soapRest) : null,
    };
    routes.set(`${r.context}/${r.version}`, route);
    routesByVersion.set(r.versionId, route);
    depths.add(r.context.split('/').length);
  }
  retainSoapRest(
    new Set([...routes.values()].flatMap((route) => (route.soapRest ? [route.soapRest.documentKey] : []))),
  );
  const subscriptions = new Map<string, SubscriptionPolicy>();
  for (const s of data.subscriptions) {
    subscriptions.set(`${s.systemId}|${s.versionId}|${s.environment}`, {
      ok: true,
      id: s.id,
      quotaPerMinute: s.quotaPerMinute,
      quotaPerDay: s.quotaPerDay,
      window:
        s.windowStart && s.windowEnd
          ? {
              startMinute: minutesOfDay(s.windowStart),
              endMinute: minutesOfDay(s.windowEnd),
              text: `${s.windowStart}-${s.windowEnd}`,
            }
          : null,
    });
  }
  return {
    revision: data.revision,
    loadedAtMs: nowMs,
    signing: await importSigning(data.signingKey),
    verificationKeys: await importVerificationKeys(data.verificationKeys),
    jwks: { keys: data.verificationKeys.map((k) => k.publicJwk) },
    credentialsByKey: new Map(data.credentials.map((c) => [c.consumerKey, c])),
    activeCredentials: new Map(data.credentials.map((c) => [c.id, c])),
    maintenance: groupMaintenance(data.maintenance),
    categories: compileCategories(data.categories),
    systems: new Map(data.systems.map((s) => [s.id, s])),
    routes,
    routesByVersion,
    contextDepths: [...depths].sort((a, b) => b - a),
    subscriptions,
    revokedTokens: new Set(data.revokedTokens ?? []),
    federation,
  };
}

/** A version's mapping with the sides that change nothing left out; null when neither changes anything. */
function compileFieldMapping(m: VersionFieldMapping | undefined): VersionFieldMapping | null {
  if (!m) return null;
  const request = m.request && mapsAnything(m.request) ? m.request : null;
  const response = m.response && mapsAnything(m.response) ? m.response : null;
  return request || response ? { request, response } : null;
}

/** Sandbox serves versions under sandbox test and published ones; production only published ones. */
export function routableIn(route: Route, env: Environment): boolean {
  if (route.status === 'published' || route.status === 'deprecated') return true;
  return env === 'sandbox' && route.status === 'sandbox_test';
}

function deprecationHeaders(r: SnapshotData['routes'][number]): Record<string, string> {
  const headers: Record<string, string> = {};
  // RFC 9745: Deprecation is a structured-field date, "@" + Unix seconds.
  headers['deprecation'] = `@${Math.floor((r.deprecatedAtMs ?? 0) / 1000)}`;
  if (r.sunsetAtMs !== null) headers['sunset'] = new Date(r.sunsetAtMs).toUTCString();
  if (r.successorPath) headers['link'] = `<${r.successorPath}>; rel="successor-version"`;
  return headers;
}

function groupMaintenance(windows: SnapshotData['maintenance']): Map<string, MaintenanceWindow[]> {
  const byService = new Map<string, MaintenanceWindow[]>();
  for (const w of windows) {
    const key = w.serviceId ?? '*';
    byService.set(key, [...(byService.get(key) ?? []), { startsAtMs: w.startsAtMs, endsAtMs: w.endsAtMs }]);
  }
  return byService;
}

/** The maintenance window `nowMs` falls in for this service (or the whole platform), if any. */
export function maintenanceAt(
  snapshot: CompiledSnapshot,
  serviceId: string,
  nowMs: number,
): MaintenanceWindow | null {
  return (
    openWindow(snapshot.maintenance.get(serviceId), nowMs) ?? openWindow(snapshot.maintenance.get('*'), nowMs)
  );
}

function openWindow(windows: MaintenanceWindow[] | undefined, nowMs: number): MaintenanceWindow | null {
  if (windows === undefined) return null;
  for (const w of windows) if (w.startsAtMs <= nowMs && nowMs < w.endsAtMs) return w;
  return null;
}

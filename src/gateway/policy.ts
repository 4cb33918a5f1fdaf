import type { Environment } from '../api/contract/index.ts';
import type { ErrorCode } from '../core/errors.ts';
import { pathProblem } from '../core/paths.ts';
import { formatVietnamDateTime, utcOffsetLabel } from '../core/time.ts';
import type { PeerCertificate } from '../net/tls.ts';
import {
  type ClientCertBinding,
  type CompiledResource,
  type CompiledSnapshot,
  maintenanceAt,
  matchResource,
  type Route,
  routableIn,
  type SubscriptionPolicy,
} from './compiled-snapshot.ts';
import { insideWindow, type QuotaCounter, type QuotaCounters, type QuotaDecision } from './quota.ts';
import type { TokenClaims } from './tokens.ts';

/**
 * The gateway's decisions (DESIGN.md "Decisions are pure functions returning a result union", Unkey's
 * `verifyKey`): each takes what it needs — claims, snapshot, route, the time — and answers `{ ok: true }` (a shared
 * constant, or the route/resource/policy it found, which carry `ok: true`) or a `Refusal` naming the error code and
 * what the answer adds (detail, headers such as Retry-After, problem members). They write no answer and no record:
 * `exchange.ts` turns a refusal into both. Nothing here allocates when the call is allowed (the hot path).
 */
export interface Refusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Extra members of the problem document, e.g. `successor`. */
  readonly members: Readonly<Record<string, unknown>>;
}

export const ALLOWED = Object.freeze({ ok: true } as const);
export type Decision = typeof ALLOWED | Refusal;

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_MEMBERS: Readonly<Record<string, unknown>> = Object.freeze({});

export function refusal(
  code: ErrorCode,
  detail?: string,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
  members: Readonly<Record<string, unknown>> = NO_MEMBERS,
): Refusal {
  return { ok: false, code, detail, headers, members };
}

// Refusals that never vary are built once.
const INVALID_TOKEN = Object.freeze({ 'www-authenticate': 'Bearer realm="lgsp", error="invalid_token"' });
const TOKEN_MISSING = refusal('GW_TOKEN_MISSING', undefined, { 'www-authenticate': 'Bearer realm="lgsp"' });
const CREDENTIAL_REVOKED = refusal('GW_CREDENTIAL_REVOKED', undefined, INVALID_TOKEN);
const CREDENTIAL_EXPIRED = refusal('GW_CREDENTIAL_EXPIRED', undefined, INVALID_TOKEN);
const CLAIMS_DISAGREE = refusal(
  'GW_TOKEN_INVALID',
  'hệ thống hoặc môi trường trong token khác với thông tin kết nối của nó / the token names another system or environment than its credential',
  INVALID_TOKEN,
);
const ROUTE_NOT_FOUND = refusal('GW_ROUTE_NOT_FOUND');
const DECOMMISSIONED = refusal('GW_SERVICE_DECOMMISSIONED');
const ASYNC_POST_ONLY = refusal('MQ_METHOD_NOT_ALLOWED', undefined, { allow: 'POST' });
const RESOURCE_NOT_FOUND = refusal('GW_RESOURCE_NOT_FOUND');
const SUBSCRIPTION_REQUIRED = refusal('GW_SUBSCRIPTION_REQUIRED');
const CLIENT_CERT_REQUIRED = refusal('GW_CLIENT_CERT_REQUIRED');
const CLIENT_CERT_MISMATCH = refusal('GW_CLIENT_CERT_MISMATCH');

/**
 * The bearer token of an `Authorization` header, or GW_TOKEN_MISSING (RFC 6750 §3: the challenge says how).
 * `anyCase`: the scheme in any case (RFC 9110 §11.1, `clientConventions.caseInsensitiveAuthSchemes`).
 */
export function bearerToken(authorization: string | undefined, anyCase = false): string | Refusal {
  if (authorization?.startsWith('Bearer ') && authorization.length >= 8) return authorization.slice(7).trim();
  if (anyCase && authorization !== undefined && authorization.length >= 8) {
    if (authorization.slice(0, 7).toLowerCase() === 'bearer ') return authorization.slice(7).trim();
  }
  return TOKEN_MISSING;
}

/** What the token verifier said, as a decision: its claims, or its error code with the RFC 6750 challenge. */
export function tokenRefusal(code: ErrorCode): Refusal {
  return refusal(code, undefined, INVALID_TOKEN);
}

/**
 * A verified token's credential must still be active in this snapshot, and not past its rotation overlap (R-14,
 * Its system and environment claims must be the credential's own: the signature proves only who
 * signed, and a token minted with a leaked key must not borrow another system's subscriptions (issue 10).
 */
export function credentialState(claims: TokenClaims, snapshot: CompiledSnapshot, nowMs: number): Decision {
  const credential = snapshot.activeCredentials.get(claims.credentialId);
  if (credential === undefined) return CREDENTIAL_REVOKED;
  if (credential.systemId !== claims.systemId || credential.environment !== claims.environment) {
    return CLAIMS_DISAGREE;
  }
  if (credential.expiresAtMs !== null && nowMs >= credential.expiresAtMs) return CREDENTIAL_EXPIRED;
  return ALLOWED;
}

const TOKEN_REVOKED = refusal('GW_TOKEN_REVOKED', undefined, INVALID_TOKEN);

/** A token its client revoked at `POST /revoke` (RFC 7009) is refused on every node that has the snapshot. */
export function tokenRevoked(claims: TokenClaims, snapshot: CompiledSnapshot): Decision {
  if (claims.jti === undefined || snapshot.revokedTokens.size === 0) return ALLOWED;
  return snapshot.revokedTokens.has(claims.jti) ? TOKEN_REVOKED : ALLOWED;
}

/**
 * mTLS (R-13, X-Road's trust model): a system bound to a client certificate is served only over a connection that
 * presented it — pinned by its SHA-256 fingerprint, or by its subject when it chains to the configured client CA
 * (so a renewed certificate with the same subject keeps working). Checked at `/token` and on every call.
 */
export function clientCertificate(binding: ClientCertBinding, peer: PeerCertificate | null): Decision {
  if (peer === null) return CLIENT_CERT_REQUIRED;
  if (binding.sha256 !== null) return peer.sha256 === binding.sha256 ? ALLOWED : CLIENT_CERT_MISMATCH;
  return peer.authorized && peer.subject === binding.subject ? ALLOWED : CLIENT_CERT_MISMATCH;
}

/** RFC 8705 §3: a certificate-bound token (`cnf.x5t#S256`) is accepted only with the certificate it names. */
export function boundToken(certSha256: string, peer: PeerCertificate | null): Decision {
  if (peer === null) return CLIENT_CERT_REQUIRED;
  return peer.sha256 === certSha256 ? ALLOWED : CLIENT_CERT_MISMATCH;
}

/**
 * The route of `/{context}/{version}/{resource…}`, the context possibly several segments long: `segments` is the
 * path split at `/` (segments[0] is the empty text before the first slash). The key is a slice of the path itself.
 */
export function routeFor(snapshot: CompiledSnapshot, path: string, segments: string[]): Route | Refusal {
  const depths = snapshot.contextDepths;
  for (let d = 0; d < depths.length; d++) {
    const depth = depths[d]!;
    if (segments.length < depth + 2) continue;
    let end = 0;
    for (let i = 1; i <= depth + 1; i++) end += segments[i]!.length + 1;
    const route = snapshot.routes.get(path.slice(1, end));
    if (route !== undefined) return route;
  }
  return ROUTE_NOT_FOUND;
}

/**
 * The path is canonical (DESIGN.md "Trust boundary", `paths.ts`): decided once, before the token is even looked at,
 * so a path a provider could resolve outside its service never reaches one.
 */
export function canonicalPath(path: string): Decision {
  const problem = pathProblem(path);
  return problem === null ? ALLOWED : refusal('GW_PATH_INVALID', problem);
}

/** A decommissioned service, or a version past its sunset, answers 410 whoever calls. */
export function versionState(route: Route, nowMs: number): Decision {
  if (route.decommissionAtMs !== null && nowMs >= route.decommissionAtMs) return DECOMMISSIONED;
  if (route.status === 'retired' || (route.sunsetAtMs !== null && nowMs >= route.sunsetAtMs)) {
    const successor = route.successorPath;
    return successor
      ? refusal(
          'GW_VERSION_SUNSET',
          `→ ${successor}`,
          { link: `<${successor}>; rel="successor-version"` },
          { successor },
        )
      : refusal('GW_VERSION_SUNSET');
  }
  return ALLOWED;
}

/**
 * The version serves the token's environment (R-11: sandbox sees versions under test too). A sync version needs an
 * endpoint there — except in the sandbox, where one without answers from its OpenAPI examples (issue 12 item 9,
 * `sandbox-mock.ts`); production never mocks. An async destination without one pulls its messages from the inbox.
 */
export function environment(route: Route, env: Environment): Decision {
  // A composite has no upstream of its own: its backends are checked one by one (composite.ts); a sync
  // version with no sandbox upstream may answer sandbox calls from its OpenAPI examples (issue 12 item 9).
  if (
    !routableIn(route, env) ||
    (route.mode === 'sync' &&
      !route.upstreams[env] &&
      route.composite === null &&
      !(env === 'sandbox' && route.sandboxMock !== null))
  )
    return refusal('GW_NOT_IN_ENVIRONMENT', env);
  return ALLOWED;
}

/** An asynchronous service takes messages, and a message is a POST. */
export function asyncMethod(route: Route, method: string): Decision {
  return route.mode === 'async' && method !== 'POST' ? ASYNC_POST_ONLY : ALLOWED;
}

/** A sync call's body limit in bytes: the version's own, else the gateway's default (issue 10 item 7). */
export function bodyLimit(route: Route, defaultLimitBytes: number): number {
  return route.requestBodyLimitBytes ?? defaultLimitBytes;
}

/**
 * A sync call's declared body (Content-Length) fits the version's limit: decided before the provider is connected
 * to, so it sees nothing of a body that is too large. A chunked body is counted while it streams (`RequestBodyTap`).
 * Async intake has its own limit (`messaging.maxMessageBytes`).
 */
export function bodySize(
  route: Route,
  contentLength: string | undefined,
  defaultLimitBytes: number,
): Decision {
  if (contentLength === undefined || route.mode !== 'sync') return ALLOWED;
  const limit = bodyLimit(route, defaultLimitBytes);
  return Number(contentLength) <= limit ? ALLOWED : bodyTooLarge(limit);
}

export function bodyTooLarge(limitBytes: number): Refusal {
  return refusal('GW_BODY_TOO_LARGE', `> ${limitBytes} byte`);
}

/**
 * The declared resource template this call matches (R-02: the template, never the raw path, is recorded); in the
 * sandbox, those of a proposed change under test (issue 10).
 */
export function resourceFor(
  route: Route,
  method: string,
  segments: string[],
  start: number,
  env: Environment = 'production',
): CompiledResource | Refusal {
  const resources = env === 'sandbox' ? route.sandboxResources : route.resources;
  return matchResource(resources, method, segments, start) ?? RESOURCE_NOT_FOUND;
}

/**
 * An announced maintenance window of the service or the platform answers 503 until it ends. `Retry-After` is
 * the machine's answer; the detail is the person's, so it says the end as the notice does, in the province's time
 * with its offset named (as the control plane's refusals do: the offset is a setting).
 */
export function maintenance(
  snapshot: CompiledSnapshot,
  serviceId: string,
  nowMs: number,
  timezoneOffsetMs: number,
): Decision {
  const window = maintenanceAt(snapshot, serviceId, nowMs);
  if (window === null) return ALLOWED;
  const offsetMinutes = timezoneOffsetMs / 60_000;
  const endsAt = formatVietnamDateTime(window.endsAtMs, offsetMinutes);
  return refusal('GW_MAINTENANCE', `đến / until ${endsAt} (${utcOffsetLabel(offsetMinutes)})`, {
    'retry-after': String(Math.max(1, Math.ceil((window.endsAtMs - nowMs) / 1000))),
  });
}

/** The calling system's approved subscription to this version in this environment. */
export function subscriptionFor(
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
  route: Route,
): SubscriptionPolicy | Refusal {
  return (
    snapshot.subscriptions.get(`${claims.systemId}|${route.versionId}|${claims.environment}`) ??
    SUBSCRIPTION_REQUIRED
  );
}

/**
 * The subscription's time of use, in the province's local time. The detail names its offset: a caller reading a bare
 * `07:00-17:30` at 23:40 UTC could not tell it was refused at 06:40 in Vietnam.
 */
export function timeWindow(policy: SubscriptionPolicy, nowMs: number, timezoneOffsetMs: number): Decision {
  if (insideWindow(policy, nowMs, timezoneOffsetMs)) return ALLOWED;
  const text = policy.window?.text;
  const zone = utcOffsetLabel(timezoneOffsetMs / 60_000);
  return refusal('GW_OUTSIDE_TIME_WINDOW', text === undefined ? undefined : `${text} (${zone})`);
}

/**
 * The subscription's quotas. The one decision with an effect — an allowed call is counted — so it comes last:
 * a call refused for any other reason never uses up quota.
 */
export function quota(quotas: QuotaCounters, policy: SubscriptionPolicy, nowMs: number): Decision;
export function quota(
  quotas: QuotaCounter,
  policy: SubscriptionPolicy,
  nowMs: number,
): Decision | Promise<Decision>;
export function quota(
  quotas: QuotaCounter,
  policy: SubscriptionPolicy,
  nowMs: number,
): Decision | Promise<Decision> {
  const taken = quotas.take(policy, nowMs);
  // Synchronous whenever the counters can answer at once (a leased slice of a shared quota): no extra tick.
  return taken instanceof Promise ? taken.then(quotaDecision) : quotaDecision(taken);
}

/**
 * The platform's own endpoints `/_lgsp/…` (docs/security.md §2.13): each call reads the store or the queue, so a
 * credential — its consumer key, in its environment — makes at most `perMinute` of them a minute, as Kong's
 * rate-limiting plugin limits a consumer. Counted by the subscription quotas' counters under a key of its own (in
 * process with the node's workers in step, or in Redis shared by every node); decided before anything is read, so
 * a refusal costs what a quota's does. 0 turns it off. A peer platform is not counted: it polls the status of every
 * message a whole province handed it (`messaging/peer-forward.ts`), more than a limit sized for one system allows.
 */
export function platformRate(
  quotas: QuotaCounter,
  perMinute: number,
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
  nowMs: number,
): Decision | Promise<Decision> {
  if (perMinute === 0 || snapshot.federation.peersBySystem.has(claims.systemId)) return ALLOWED;
  const taken = quotas.take(
    {
      ok: true,
      // `_` starts no subscription id (`sub_…`): the two never share a counter.
      id: `_lgsp:${claims.credentialId}:${claims.environment}`,
      quotaPerMinute: perMinute,
      quotaPerDay: null,
      window: null,
    },
    nowMs,
  );
  return taken instanceof Promise ? taken.then(platformRateDecision) : platformRateDecision(taken);
}

function platformRateDecision(taken: QuotaDecision): Decision {
  if (taken.allowed) return ALLOWED;
  const retryAfter = { 'retry-after': String(taken.retryAfterSeconds) };
  if (taken.period === 'unavailable') return refusal('GW_QUOTA_UNAVAILABLE', undefined, retryAfter);
  return refusal('GW_PLATFORM_RATE_LIMITED', undefined, retryAfter);
}

/** Which quota is used up, in the reader's words, Vietnamese first like the problem's title. */
const QUOTA_PERIOD_DETAIL = Object.freeze({
  minute: 'Đã hết hạn mức số lần gọi trong phút này / the per-minute quota is used up',
  day: 'Đã hết hạn mức số lần gọi trong ngày / the per-day quota is used up',
});

function quotaDecision(taken: QuotaDecision): Decision {
  if (taken.allowed) return ALLOWED;
  const retryAfter = { 'retry-after': String(taken.retryAfterSeconds) };
  // The shared counters are unreachable and `redis.onUnavailable` is `closed` (issue 13 item 3).
  if (taken.period === 'unavailable') return refusal('GW_QUOTA_UNAVAILABLE', undefined, retryAfter);
  return refusal('GW_QUOTA_EXCEEDED', QUOTA_PERIOD_DETAIL[taken.period], retryAfter);
}

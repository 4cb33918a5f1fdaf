import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../core/config.ts';
import { ERRORS, type Problem } from '../core/errors.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { CompiledSnapshot } from './compiled-snapshot.ts';
import { type Refusal, refusal, routeFor } from './policy.ts';
import type { TokenThrottle } from './token-throttle.ts';
import type { TokenClaims } from './tokens.ts';

/**
 * Conventions of clients written for other provincial LGSPs and national systems, accepted unchanged so an agency
 * can move to OpenLGSP without touching its code (issue 12 item 8, DESIGN.md "Wire compatibility",
 * docs/moving-from-another-lgsp.md). Each is behind its own switch in `clientConventions` (src/core/config.ts).
 */

/** The header HCM, Hậu Giang and national price-database clients send. Node gives header names in lower case. */
export const LGSP_ACCESS_TOKEN_HEADER = 'lgspaccesstoken';

/**
 * The credentials of an `Authorization` header of this scheme, or null. RFC 9110 §11.1: the scheme is
 * case-insensitive, so `bearer x` and `BASIC x` are the same as `Bearer x` and `Basic x`. The exact spelling is
 * tried first, so the common case costs what it always did; `schemeLower` is the scheme in lower case.
 */
export function authParameter(
  authorization: string | undefined,
  scheme: 'Bearer' | 'Basic',
  schemeLower: 'bearer' | 'basic',
  anyCase: boolean,
): string | null {
  if (authorization === undefined) return null;
  const n = scheme.length;
  if (authorization.length <= n + 1 || authorization.charCodeAt(n) !== 32) return null;
  if (
    authorization.startsWith(scheme) ||
    (anyCase && authorization.slice(0, n).toLowerCase() === schemeLower)
  )
    return authorization.slice(n + 1).trim();
  return null;
}

/** What a form-1 header says once parsed (its secret is never kept in the clear: only its SHA-256). */
interface FormOne {
  accessKey: string;
  secretSha256: Buffer;
  /** The provider organization's code the caller believes it calls (checked when present). */
  partnerCode: string | null;
  /** The calling organization's code (checked when present). */
  partnerCodeCus: string | null;
}

/** A verified form-1 header, cached (by its exact text) until `untilMs` or the next snapshot. */
interface Verified {
  claims: TokenClaims;
  consumerKey: string;
  partnerCode: string | null;
  untilMs: number;
}

/** A verified form-1 header: the token-like claims of its credential, and the provider code it named. */
export interface FormOneCaller {
  readonly ok: true;
  claims: TokenClaims;
  partnerCode: string | null;
}

/** No form-1 header is longer: base64 of a few short codes and a 43-character secret is far below it. */
const MAX_HEADER_LENGTH = 4096;
const INVALID = refusal('GW_LGSP_ACCESS_TOKEN_INVALID');
const ORG_MISMATCH = refusal('GW_LGSP_ACCESS_TOKEN_ORG_MISMATCH');
const PROVIDER_MISMATCH = refusal('GW_LGSP_ACCESS_TOKEN_PROVIDER_MISMATCH');

/** Reads a form-1 header (base64 of JSON `{AccessKey, SecretKey, AppName, PartnerCode, PartnerCodeCus}`), or null. */
function parseFormOne(header: string): FormOne | null {
  if (header.length === 0 || header.length > MAX_HEADER_LENGTH) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(header.trim(), 'base64').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const text = (x: unknown) => (typeof x === 'string' && x.trim() !== '' ? x.trim() : null);
  const accessKey = text(v['AccessKey']);
  const secret = v['SecretKey'];
  if (accessKey === null || typeof secret !== 'string' || secret === '') return null;
  return {
    accessKey,
    secretSha256: createHash('sha256').update(secret).digest(),
    partnerCode: text(v['PartnerCode']),
    partnerCodeCus: text(v['PartnerCodeCus']),
  };
}

/**
 * Form 1 of `lgspaccesstoken` (HCM / Hậu Giang): the consumer key and secret on every call instead of a token.
 * Checked exactly as `POST /token` checks client credentials — the same brute-force limits (a blocked key or
 * address is refused before its secret is checked), constant-time comparison of SHA-256 digests, and only a
 * credential active in the snapshot (revoked, suspended, past its rotation overlap: refused) — then the call goes
 * through the same policy as a token of that credential (`server.ts`).
 *
 * Cost: parsing the header and hashing its secret take a few microseconds per call, against ≈ 0 for a cached
 * token; so a verified header is kept in memory (by its text, which holds the secret — like the token cache holds
 * bearer tokens) for `lgspAccessTokenCacheSeconds`, and forgotten at once when a new snapshot arrives, so a
 * revocation or rotation applies on the very next call. At most `maxEntries` headers are kept.
 */
export class LgspAccessTokens {
  private readonly cache = new Map<string, Verified>();
  private cacheRevision = -1;

  constructor(
    private readonly throttle: TokenThrottle,
    private readonly cacheMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /**
   * The caller a form-1 header names, or the refusal: unreadable or wrong key/secret (401, counted as a failure),
   * throttled (429), or `PartnerCodeCus` not the credential's organization (403). `onBlocked` is told when this
   * failure starts a block (the endpoint logs it once, never the secret).
   */
  verify(
    header: string,
    snapshot: CompiledSnapshot,
    address: string,
    nowMs: number,
    onBlocked: (consumerKey: string | null, blockedMs: number) => void,
  ): FormOneCaller | Refusal {
    if (this.cacheRevision !== snapshot.revision) {
      this.cache.clear();
      this.cacheRevision = snapshot.revision;
    }
    const cached = this.cache.get(header);
    if (cached !== undefined && cached.untilMs > nowMs) {
      const wait = this.throttle.retryAfterMs(cached.consumerKey, address, nowMs);
      if (wait > 0) return throttled(wait);
      return { ok: true, claims: cached.claims, partnerCode: cached.partnerCode };
    }
    const parsed = parseFormOne(header);
    const key = parsed?.accessKey ?? null;
    if (this.throttle.unavailable())
      return refusal('GW_TOKEN_THROTTLE_UNAVAILABLE', undefined, { 'retry-after': '5' });
    const wait = this.throttle.retryAfterMs(key, address, nowMs);
    if (wait > 0) return throttled(wait);
    const credential = key === null ? undefined : snapshot.credentialsByKey.get(key);
    const expired = credential?.expiresAtMs != null && nowMs >= credential.expiresAtMs;
    if (
      parsed === null ||
      !credential ||
      expired ||
      !sameDigest(parsed.secretSha256, credential.secretSha256)
    ) {
      // Not waited for: the header's call is refused now, and its failure is counted (in Redis too) all the same.
      void this.throttle.failed(credential ? key : null, address, nowMs).then((blockedMs) => {
        if (blockedMs > 0) onBlocked(credential ? key : null, blockedMs);
      });
      return INVALID;
    }
    this.throttle.succeeded(credential.consumerKey);
    const system = snapshot.systems.get(credential.systemId);
    if (parsed.partnerCodeCus !== null && parsed.partnerCodeCus !== system?.organizationCode)
      return ORG_MISMATCH;
    const claims: TokenClaims = {
      credentialId: credential.id,
      systemId: credential.systemId,
      environment: credential.environment,
      expiresAtMs: credential.expiresAtMs ?? Number.MAX_SAFE_INTEGER,
    };
    if (this.cacheMs > 0) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      this.cache.set(header, {
        claims,
        consumerKey: credential.consumerKey,
        partnerCode: parsed.partnerCode,
        untilMs: Math.min(nowMs + this.cacheMs, claims.expiresAtMs),
      });
    }
    return { ok: true, claims, partnerCode: parsed.partnerCode };
  }
}

function sameDigest(actual: Buffer, expectedSha256Hex: string): boolean {
  const expected = Buffer.from(expectedSha256Hex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function throttled(waitMs: number): Refusal {
  const seconds = Math.ceil(waitMs / 1000);
  return refusal('GW_TOKEN_THROTTLED', `${seconds} s`, { 'retry-after': String(seconds) });
}

/**
 * `PartnerCode` names the provider the caller means to reach: when present it must be the called service's
 * provider organization. Checked only for form-1 calls that name one; a path with no route is left to the proxy.
 */
export function partnerCodeMatches(
  snapshot: CompiledSnapshot,
  path: string,
  partnerCode: string,
): Refusal | null {
  const route = routeFor(snapshot, path, path.split('/'));
  if (!route.ok) return null;
  return route.providerOrgCode === partnerCode ? null : PROVIDER_MISMATCH;
}

/** A code a client may send is short, printable text: it is recorded as evidence, so nothing else is. */
const MAX_CODE_LENGTH = 128;
const CODE_INVALID = refusal('GW_CLIENT_CODE_INVALID');

function codeOf(value: string | string[] | undefined): string | null | undefined {
  if (value === undefined) return null;
  if (Array.isArray(value) || value.length > MAX_CODE_LENGTH || /[\p{Cc}]/u.test(value)) return undefined;
  return value.trim() === '' ? null : value.trim();
}

/**
 * Form 2 (national price-database clients): beside the token they send `SENDER_CODE`, `RECEIVER_CODE` and
 * `TRAN_CODE` (node gives them as `sender_code`…). They decide nothing — the token does — but the record keeps
 * them, so the caller's own logs can be matched to ours. Too long or with control characters: 400.
 */
export function noteClientCodes(req: IncomingMessage, rec: TransactionRecord): Refusal | null {
  const sender = codeOf(req.headers['sender_code']);
  const receiver = codeOf(req.headers['receiver_code']);
  const tran = codeOf(req.headers['tran_code']);
  if (sender === undefined || receiver === undefined || tran === undefined) return CODE_INVALID;
  rec.clientSenderCode = sender;
  rec.clientReceiverCode = receiver;
  rec.clientTranCode = tran;
  return null;
}

/**
 * The versions whose platform errors answer the envelope some provincial clients parse
 * (`clientConventions.statusEnvelopeVersions`), as a set of `context/version`; null when none opted in.
 */
export function statusEnvelopeVersions(config: Config): Set<string> | null {
  const versions = config.clientConventions.statusEnvelopeVersions;
  return versions.length === 0 ? null : new Set(versions);
}

/**
 * Whether this refusal answers the envelope: the call's version opted in. A refusal may come before the route is
 * known (no token, for instance): then the route is looked up from the request's path, on the refusal path only.
 */
export function wantsStatusEnvelope(
  versions: Set<string>,
  rec: TransactionRecord,
  req: IncomingMessage | undefined,
  snapshot: CompiledSnapshot | null,
): boolean {
  if (rec.serviceContext !== null) return versions.has(`${rec.serviceContext}/${rec.version}`);
  if (req === undefined || snapshot === null) return false;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const route = routeFor(snapshot, path, path.split('/'));
  return route.ok && versions.has(`${route.context}/${route.version}`);
}

/**
 * The envelope of .NET-based provincial LGSPs: `StatusCode` (the HTTP status), `Status` ("Error"),
 * `Description` (Vietnamese, then English, then the detail) and `ResultObject` carrying the problem's `code` and
 * transaction id, so nothing of problem+json is lost. Only platform errors take it: providers' answers are relayed
 * as they were sent.
 */
export function statusEnvelope(problem: Problem): Record<string, unknown> {
  const spec = ERRORS[problem.code];
  const title = `${spec.titleVi} / ${spec.title}`;
  return {
    StatusCode: problem.status,
    Status: 'Error',
    Description: problem.detail ? `${title}: ${problem.detail}` : title,
    ResultObject: { code: problem.code, transactionId: problem['transactionId'] ?? null },
  };
}

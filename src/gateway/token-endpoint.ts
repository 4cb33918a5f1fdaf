import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS } from '../core/errors.ts';
import { peerCertificate } from '../net/tls.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import { authParameter } from './client-conventions.ts';
import type { CompiledSnapshot } from './compiled-snapshot.ts';
import type { GatewayContext } from './context.ts';
import {
  endAfterRecord,
  finish,
  oauthAnswer,
  oauthError,
  REVOKE_TEMPLATE,
  readSmallBody,
  TOKEN_TEMPLATE,
} from './exchange.ts';
import { clientCertificate } from './policy.ts';
import { issueToken, TOKEN_SCOPE } from './tokens.ts';

const TOKEN_BODY_LIMIT_BYTES = 16 * 1024;
const BASIC_CHALLENGE = Object.freeze({ 'www-authenticate': 'Basic realm="lgsp"' });
const OAUTH_NO_STORE = Object.freeze({ 'cache-control': 'no-store', pragma: 'no-cache' });

/** Client credentials from the value of `Authorization: Basic`, or null when they cannot be read (RFC 6749 §2.3.1). */
function basicCredentials(value: string): { clientId: string; clientSecret: string } | null {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  // RFC 6749 §2.3.1 form-encodes both before Base64; a malformed escape (`%zz`) is the client's mistake.
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon)),
      clientSecret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  } catch {
    return null;
  }
}

/** A client that authenticated at `/token` or `/revoke`: its credential, its form, its certificate's SHA-256. */
interface AuthenticatedClient {
  credential: CompiledSnapshot['credentialsByKey'] extends Map<string, infer C> ? C : never;
  form: URLSearchParams;
  certSha256: string | undefined;
}

/**
 * Client authentication of the OAuth endpoints (RFC 6749 §2.3.1, RFC 7009 §2.1): a form POST with the client's key
 * and secret by `Authorization: Basic` (the scheme in any case, RFC 9110 §11.1, when the convention is on) or form
 * fields; brute-force limits before the secret is checked; an mTLS-bound system's certificate with it. `precheck`
 * refuses a malformed request before anything is counted. Answers and returns null when the client is refused.
 */
async function authenticateClient(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  precheck: (form: URLSearchParams) => string | null,
): Promise<AuthenticatedClient | null> {
  if (req.method !== 'POST') {
    oauthError(ctx, res, rec, 405, 'invalid_request', 'GW_TOKEN_REQUEST_INVALID', 'Dùng POST / Use POST', {
      allow: 'POST',
    });
    return null;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    oauthError(
      ctx,
      res,
      rec,
      400,
      'invalid_request',
      'GW_TOKEN_REQUEST_INVALID',
      'Content-Type phải là application/x-www-form-urlencoded / must be application/x-www-form-urlencoded',
    );
    return null;
  }
  const raw = await readSmallBody(req, TOKEN_BODY_LIMIT_BYTES);
  if (raw === null) {
    const description = `Body quá lớn (tối đa ${TOKEN_BODY_LIMIT_BYTES} byte) / body too large`;
    oauthError(ctx, res, rec, 413, 'invalid_request', 'GW_BODY_TOO_LARGE', description);
    return null;
  }
  rec.requestBytes = raw.length;
  const form = new URLSearchParams(raw.toString('utf8'));
  // RFC 6749 §3.1, RFC 7009 §2.1: a parameter sent twice is refused, never read one way here (URLSearchParams
  // takes the first) and another way by a proxy or filter in front (which may take the last).
  const repeated = repeatedParameter(form);
  if (repeated !== null) {
    const description = `Tham số lặp lại / a parameter is repeated: ${repeated.slice(0, 50)}`;
    oauthError(ctx, res, rec, 400, 'invalid_request', 'GW_TOKEN_REQUEST_INVALID', description);
    return null;
  }

  let clientId: string | null = null;
  let clientSecret: string | null = null;
  const basicValue = authParameter(
    req.headers.authorization,
    'Basic',
    'basic',
    ctx.config.clientConventions.caseInsensitiveAuthSchemes,
  );
  const usedBasic = basicValue !== null;
  if (usedBasic) {
    const basic = basicCredentials(basicValue);
    clientId = basic?.clientId ?? null;
    clientSecret = basic?.clientSecret ?? null;
    if (form.has('client_secret')) {
      const description = 'Chỉ dùng một cách xác thực / use one client authentication method';
      oauthError(ctx, res, rec, 400, 'invalid_request', 'GW_TOKEN_REQUEST_INVALID', description);
      return null;
    }
  } else {
    clientId = form.get('client_id');
    clientSecret = form.get('client_secret');
  }
  const malformed = precheck(form);
  if (malformed !== null) {
    oauthError(ctx, res, rec, 400, 'invalid_request', 'GW_TOKEN_REQUEST_INVALID', malformed);
    return null;
  }
  // Brute-force limits (issue 10 item 5): a blocked key or address is refused before its secret is checked.
  const nowMs = ctx.clock.nowMs();
  // The client's address as the record has it: the socket's, or a trusted proxy's X-Forwarded-For (item 7).
  const address = rec.clientAddress ?? '';
  // Redis away and `redis.onUnavailable: closed` (issue 13 item 3): no authentication without the shared counts.
  if (ctx.tokenThrottle.unavailable()) {
    const description =
      'Tạm thời không xác thực được, thử lại sau 5 giây / temporarily unavailable, retry in 5 s';
    oauthError(ctx, res, rec, 503, 'temporarily_unavailable', 'GW_TOKEN_THROTTLE_UNAVAILABLE', description, {
      'retry-after': '5',
    });
    return null;
  }
  const waitMs = ctx.tokenThrottle.retryAfterMs(clientId, address, nowMs);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    oauthError(
      ctx,
      res,
      rec,
      429,
      'invalid_client',
      'GW_TOKEN_THROTTLED',
      `Quá nhiều lần xác thực sai, thử lại sau ${seconds} giây / too many failed attempts, retry after ${seconds} s`,
      { 'retry-after': String(seconds) },
    );
    return null;
  }
  const credential = clientId ? snapshot.credentialsByKey.get(clientId) : undefined;
  const expired = credential?.expiresAtMs != null && nowMs >= credential.expiresAtMs;
  if (!credential || expired || !clientSecret || !secretMatches(clientSecret, credential.secretSha256)) {
    const blockedMs = await ctx.tokenThrottle.failed(credential ? clientId : null, address, nowMs);
    // One line per block (blocks double, so an attack writes few): who and from where, never the secret.
    if (blockedMs > 0) {
      ctx.logger.warn(
        { consumerKey: credential ? clientId : null, address, blockedMs, txn: rec.id },
        'điểm cấp token: tạm chặn sau nhiều lần xác thực sai liên tiếp / token endpoint: blocked after repeated failed client authentications',
      );
    }
    oauthError(
      ctx,
      res,
      rec,
      401,
      'invalid_client',
      'GW_TOKEN_CLIENT_INVALID',
      'Consumer key hoặc secret không đúng / client authentication failed',
      usedBasic ? BASIC_CHALLENGE : undefined,
    );
    return null;
  }
  ctx.tokenThrottle.succeeded(credential.consumerKey);
  rec.credentialId = credential.id;
  rec.consumerSystemId = credential.systemId;
  const system = snapshot.systems.get(credential.systemId);
  rec.consumerOrgCode = system?.organizationCode ?? null;
  rec.environment = credential.environment;
  // mTLS (R-13, RFC 8705 §2): a bound system's secret alone is not enough; its certificate must come with it.
  let certSha256: string | undefined;
  if (system?.clientCert) {
    const peer = peerCertificate(req.socket);
    const bound = clientCertificate(system.clientCert, peer);
    if (!bound.ok) {
      const spec = ERRORS[bound.code];
      oauthError(ctx, res, rec, spec.status, 'invalid_client', bound.code, `${spec.titleVi} / ${spec.title}`);
      return null;
    }
    // RFC 8705 §3: the token is bound to this very certificate, even when the system is bound by subject.
    certSha256 = peer!.sha256;
  }
  return { credential, form, certSha256 };
}

/** OAuth 2.0 client credentials (RFC 6749 §4.4), wire-compatible with WSO2/NGSP (DESIGN.md). */
export async function tokenEndpoint(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
): Promise<void> {
  rec.resourceTemplate = TOKEN_TEMPLATE;
  // Its own kind of record (issue 11 item 6): evidence of who asked for a token, not a call to a service.
  rec.kind = 'token_request';
  const client = await authenticateClient(ctx, req, res, rec, snapshot, (form) =>
    form.get('grant_type') ? null : 'Thiếu grant_type / grant_type is missing',
  );
  if (client === null) return;
  if (client.form.get('grant_type') !== 'client_credentials') {
    const description = 'Chỉ hỗ trợ client_credentials / only client_credentials';
    return oauthError(
      ctx,
      res,
      rec,
      400,
      'unsupported_grant_type',
      'GW_TOKEN_GRANT_UNSUPPORTED',
      description,
    );
  }
  const ttl = ctx.config.gateway.tokenTtlSeconds;
  const accessToken = await issueToken(
    snapshot,
    client.credential,
    ttl,
    ctx.clock.nowMs(),
    client.certSha256,
  );
  oauthAnswer(ctx, res, rec, {
    access_token: accessToken,
    scope: TOKEN_SCOPE,
    token_type: 'Bearer',
    expires_in: ttl,
  });
}

/**
 * OAuth 2.0 token revocation (RFC 7009), as WSO2 offers it at `/revoke` (issue 12 item 8): the client
 * authenticates as at `/token` and names one of its access tokens; from the answer on, every gateway node refuses
 * it (401 GW_TOKEN_REVOKED) — the revocation is a change of the control plane, carried by the snapshot
 * (src/control/token-revocations.ts). RFC 7009 §2.2: a token that is unknown, expired, malformed or another
 * client's is answered 200 all the same, and left as it was (the caller learns nothing about other clients' tokens).
 */
export async function revokeEndpoint(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
): Promise<void> {
  rec.resourceTemplate = REVOKE_TEMPLATE;
  rec.kind = 'token_request';
  const client = await authenticateClient(ctx, req, res, rec, snapshot, (form) =>
    form.get('token') ? null : 'Thiếu token / token is missing',
  );
  if (client === null) return;
  // `token_type_hint` (RFC 7009 §2.1) may be ignored: only access tokens exist here, and they say what they are.
  const claims = await ctx.verifier.verify(client.form.get('token')!, snapshot);
  if (
    typeof claims !== 'string' &&
    claims.jti !== undefined &&
    claims.credentialId === client.credential.id
  ) {
    if (ctx.revokeToken === null) {
      const description = 'Chưa thu hồi được, thử lại sau / revocation is unavailable, retry later';
      return oauthError(ctx, res, rec, 503, 'temporarily_unavailable', 'GW_NOT_READY', description, {
        'retry-after': '1',
      });
    }
    if (!snapshot.revokedTokens.has(claims.jti)) {
      await ctx.revokeToken({
        jti: claims.jti,
        credentialId: claims.credentialId,
        expiresAtMs: claims.expiresAtMs,
      });
    }
  }
  // RFC 7009 §2.2: 200, its body ignored by clients; never cached.
  res.writeHead(200, { ...OAUTH_NO_STORE, 'content-length': 0, 'x-lgsp-transaction-id': rec.id });
  endAfterRecord(res, finish(ctx, rec, 200, null));
}

/** The first name the form holds more than once, or null. */
function repeatedParameter(form: URLSearchParams): string | null {
  const seen = new Set<string>();
  for (const name of form.keys()) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return null;
}

function secretMatches(secret: string, expectedSha256Hex: string): boolean {
  const actual = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(expectedSha256Hex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERRORS } from '../core/errors.ts';
import { peerCertificate } from '../net/tls.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { CompiledSnapshot } from './compiled-snapshot.ts';
import type { GatewayContext } from './context.ts';
import { oauthAnswer, oauthError, readSmallBody, TOKEN_TEMPLATE } from './exchange.ts';
import { clientCertificate } from './policy.ts';
import { issueToken, TOKEN_SCOPE } from './tokens.ts';

const TOKEN_BODY_LIMIT_BYTES = 16 * 1024;
const BASIC_CHALLENGE = Object.freeze({ 'www-authenticate': 'Basic realm="lgsp"' });

/** Client credentials from `Authorization: Basic`, or null when they cannot be read (RFC 6749 §2.3.1). */
function basicCredentials(authorization: string): { clientId: string; clientSecret: string } | null {
  const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
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
  if (req.method !== 'POST') {
    return oauthError(
      ctx,
      res,
      rec,
      405,
      'invalid_request',
      'GW_TOKEN_REQUEST_INVALID',
      'Dùng POST / Use POST',
      {
        allow: 'POST',
      },
    );
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return oauthError(
      ctx,
      res,
      rec,
      400,
      'invalid_request',
      'GW_TOKEN_REQUEST_INVALID',
      'Content-Type phải là application/x-www-form-urlencoded / must be application/x-www-form-urlencoded',
    );
  }
  const raw = await readSmallBody(req, TOKEN_BODY_LIMIT_BYTES);
  if (raw === null) {
    const description = `Body quá lớn (tối đa ${TOKEN_BODY_LIMIT_BYTES} byte) / body too large`;
    return oauthError(ctx, res, rec, 413, 'invalid_request', 'GW_BODY_TOO_LARGE', description);
  }
  rec.requestBytes = raw.length;
  const form = new URLSearchParams(raw.toString('utf8'));

  let clientId: string | null = null;
  let clientSecret: string | null = null;
  const auth = req.headers.authorization;
  const usedBasic = auth?.startsWith('Basic ') ?? false;
  if (usedBasic) {
    const basic = basicCredentials(auth!);
    clientId = basic?.clientId ?? null;
    clientSecret = basic?.clientSecret ?? null;
    if (form.has('client_secret')) {
      const description = 'Chỉ dùng một cách xác thực / use one client authentication method';
      return oauthError(ctx, res, rec, 400, 'invalid_request', 'GW_TOKEN_REQUEST_INVALID', description);
    }
  } else {
    clientId = form.get('client_id');
    clientSecret = form.get('client_secret');
  }
  const grantType = form.get('grant_type');
  if (!grantType) {
    const description = 'Thiếu grant_type / grant_type is missing';
    return oauthError(ctx, res, rec, 400, 'invalid_request', 'GW_TOKEN_REQUEST_INVALID', description);
  }
  // Brute-force limits (issue 10 item 5): a blocked key or address is refused before its secret is checked.
  const nowMs = ctx.clock.nowMs();
  // The client's address as the record has it: the socket's, or a trusted proxy's X-Forwarded-For (item 7).
  const address = rec.clientAddress ?? '';
  const waitMs = ctx.tokenThrottle.retryAfterMs(clientId, address, nowMs);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    return oauthError(
      ctx,
      res,
      rec,
      429,
      'invalid_client',
      'GW_TOKEN_THROTTLED',
      `Quá nhiều lần xác thực sai, thử lại sau ${seconds} giây / too many failed attempts, retry after ${seconds} s`,
      { 'retry-after': String(seconds) },
    );
  }
  const credential = clientId ? snapshot.credentialsByKey.get(clientId) : undefined;
  const expired = credential?.expiresAtMs != null && nowMs >= credential.expiresAtMs;
  if (!credential || expired || !clientSecret || !secretMatches(clientSecret, credential.secretSha256)) {
    const blockedMs = ctx.tokenThrottle.failed(credential ? clientId : null, address, nowMs);
    // One line per block (blocks double, so an attack writes few): who and from where, never the secret.
    if (blockedMs > 0) {
      ctx.logger.warn(
        { consumerKey: credential ? clientId : null, address, blockedMs, txn: rec.id },
        'token endpoint: blocked after repeated failed client authentications',
      );
    }
    return oauthError(
      ctx,
      res,
      rec,
      401,
      'invalid_client',
      'GW_TOKEN_CLIENT_INVALID',
      'Consumer key hoặc secret không đúng / client authentication failed',
      usedBasic ? BASIC_CHALLENGE : undefined,
    );
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
      return oauthError(
        ctx,
        res,
        rec,
        spec.status,
        'invalid_client',
        bound.code,
        `${spec.titleVi} / ${spec.title}`,
      );
    }
    // RFC 8705 §3: the token is bound to this very certificate, even when the system is bound by subject.
    certSha256 = peer!.sha256;
  }
  if (grantType !== 'client_credentials') {
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
  const accessToken = await issueToken(snapshot, credential, ttl, ctx.clock.nowMs(), certSha256);
  oauthAnswer(ctx, res, rec, {
    access_token: accessToken,
    scope: TOKEN_SCOPE,
    token_type: 'Bearer',
    expires_in: ttl,
  });
}

function secretMatches(secret: string, expectedSha256Hex: string): boolean {
  const actual = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(expectedSha256Hex, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

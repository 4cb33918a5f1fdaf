import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../core/config.ts';
import type { ErrorCode } from '../core/errors.ts';
import { socketAddress } from '../net/client-address.ts';
import { answerClientError, type ClientErrorCodes, refuseConnect } from '../net/client-error.ts';
import {
  loadTlsMaterial,
  peerCertificate,
  refuseRenegotiation,
  TlsReloader,
  tlsEnabled,
  tlsServerOptions,
} from '../net/tls.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import { LGSP_ACCESS_TOKEN_HEADER, noteClientCodes, partnerCodeMatches } from './client-conventions.ts';
import type { CompiledSnapshot } from './compiled-snapshot.ts';
import { createGatewayContext, type GatewayContext, type GatewayDeps, type GatewayStats } from './context.ts';
import { blankRecord, failUnexpected, json, refuse } from './exchange.ts';
import { checkFileLimit } from './file-limit.ts';
import { MESSAGING_PREFIX, messagingEndpoint } from './messaging-endpoints.ts';
import {
  ALLOWED,
  bearerToken,
  boundToken,
  canonicalPath,
  clientCertificate,
  credentialState,
  refusal,
  tokenRefusal,
  tokenRevoked,
} from './policy.ts';
import { proxy } from './proxy.ts';
import { revokeEndpoint, tokenEndpoint } from './token-endpoint.ts';
import type { TokenClaims } from './tokens.ts';

export interface Gateway {
  server: Server | HttpsServer;
  /** Set when the gateway serves HTTPS: what it serves now, and `reload()` for tests and operators. */
  readonly tls: TlsReloader | null;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  readonly stats: GatewayStats;
}

/** How often verified tokens past their expiry leave the verifier's cache. */
const TOKEN_SWEEP_INTERVAL_MS = 60_000;
const NOT_READY = refusal('GW_NOT_READY', undefined, { 'retry-after': '1' });
const TOO_MANY_CONNECTIONS = refusal('GW_TOO_MANY_CONNECTIONS', undefined, { 'retry-after': '1' });
/** A connection past the per-address cap lives this long for its first request to be answered 429, then is cut. */
const OVER_CAP_GRACE_MS = 2_000;
/**
 * At most this many such connections wait for their answer at once (all addresses together); past it, a flood of
 * them is closed at once, before a byte is read, so that refusing costs next to nothing.
 */
const OVER_CAP_ANSWERED = 1_024;
/**
 * At most this many header lines a request. node:http drops the lines past its `maxHeadersCount` without a word:
 * the rest would be forwarded as if they were all — and a `Host` among the dropped got node's bare 400, no problem.
 */
const MAX_HEADERS = 200;
const TOO_MANY_HEADERS = refusal('GW_HEADERS_TOO_LARGE', `> ${MAX_HEADERS} header`);
const HOST_MISSING = refusal('GW_REQUEST_MALFORMED', 'Host');

/**
 * The data plane (DESIGN.md "Shape"): `POST /token`, `/_lgsp/…` (messages and the pull inbox), and
 * `/{context}/{version}/{resource…}` checked against the in-memory snapshot (`policy.ts`), forwarded to the
 * provider with bodies streamed both ways (`proxy.ts`), and recorded once per transaction with both legs'
 * timestamps (`exchange.ts`). Building it has no side effects — no timer, no socket — beyond reading the TLS
 * certificate files when configured (so a wrong file fails at once); `listen` starts it.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const ctx = createGatewayContext(deps);
  let sweepTimer: NodeJS.Timeout | null = null;

  const httpOptions = serverTimeouts(ctx.config.gateway);
  const handler = (req: IncomingMessage, res: ServerResponse) => onRequest(ctx, req, res);
  // R-13: HTTPS when a certificate is configured; it asks every client for a certificate (mTLS) but lets
  // connections without one in, since only systems bound to a certificate need one (policy.ts).
  const tlsFiles = ctx.config.gateway.tls;
  const material = tlsEnabled(tlsFiles) ? loadTlsMaterial(tlsFiles) : null;
  const server = material
    ? createHttpsServer({ ...httpOptions, ...tlsServerOptions(material, true) }, handler)
    : createServer(httpOptions, handler);
  if (material) refuseRenegotiation(server as HttpsServer);
  const tls = material
    ? new TlsReloader(server as HttpsServer, tlsFiles, material, {
        onReload: (c) =>
          ctx.logger.info(
            { subject: c.subject, notAfter: new Date(c.notAfterMs) },
            'đã nạp lại chứng chỉ TLS của cổng kết nối / gateway TLS certificate reloaded',
          ),
        onError: (err) =>
          ctx.logger.error(
            { err },
            'không nạp lại được chứng chỉ TLS của cổng kết nối; vẫn dùng chứng chỉ cũ / gateway TLS certificate reload failed; still serving the previous one',
          ),
      })
    : null;
  // One more than a request may have, so that a request with too many is seen (`dispatch`), not cut short unseen.
  server.maxHeadersCount = MAX_HEADERS + 1;
  // 1,000+ concurrent connections are held (R-04), but not all from one address (item 7).
  capConnectionsPerAddress(server, ctx);
  // What the HTTP parser refuses (headers too large or too slow, a malformed request) is problem+json too.
  server.on('clientError', (err: Error, socket) => answerClientError(err, socket, GATEWAY_CLIENT_ERRORS));
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    refuseConnect(socket, GATEWAY_CLIENT_ERRORS),
  );
  // `Expect: 100-continue` (RFC 9110 §10.1.1): node:http would say "100 Continue" before anything is decided, and
  // the client would send its body even to be refused. The gateway says it only once an endpoint starts reading the
  // body; a call refused first (413 on its Content-Length, 401, 404…) is answered without a byte of body sent.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    req.once('resume', () => {
      if (!res.headersSent) res.writeContinue();
    });
    onRequest(ctx, req, res);
  });

  return {
    server,
    tls,
    stats: ctx.stats,
    async listen(port = ctx.config.gateway.port, host = ctx.config.gateway.host) {
      if (sweepTimer === null) {
        tls?.start();
        sweepTimer = setInterval(() => ctx.verifier.sweep(), TOKEN_SWEEP_INTERVAL_MS);
        sweepTimer.unref();
      }
      // The shared `/token` counters' subscription (issue 13 item 3) before the first call: its blocks known.
      await ctx.tokenThrottle.start();
      checkFileLimit(ctx.logger);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: ctx.config.gateway.listenBacklog }, () => {
          const a = server.address() as AddressInfo;
          // Issue 10: the port actually bound (port 0 in tests, `lgsp demo`) is never a provider's.
          ctx.egress.addOwnListener(a);
          resolve(
            `${tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
          );
        });
      });
    },
    async close() {
      if (sweepTimer !== null) clearInterval(sweepTimer);
      sweepTimer = null;
      tls?.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await Promise.all([...ctx.pools.values()].map((p) => p.close()));
      await ctx.peers.close();
      await ctx.quotas.close();
      await ctx.tokenThrottle.close();
      await ctx.signatures.close();
    },
  };
}

/** The gateway's codes for what the HTTP parser refuses (net/client-error.ts). */
const GATEWAY_CLIENT_ERRORS: ClientErrorCodes = {
  malformed: 'GW_REQUEST_MALFORMED',
  headersTooLarge: 'GW_HEADERS_TOO_LARGE',
  timeout: 'GW_REQUEST_TIMEOUT',
  connect: 'GW_CONNECT_REFUSED',
};

/**
 * How long a connection may take (issue 10 item 7): its headers within `headersTimeoutMs` — a client that sends
 * them byte by byte (slowloris) is cut then, and so is a connection that sends nothing at all; its whole request
 * within `requestTimeoutMs` (receiving only: long enough for large async messages on a slow link — the answer's
 * time is the upstream timeout's business); idle between requests for `keepAliveTimeoutMs` (above a load
 * balancer's usual 60 s, so that the balancer, not the gateway, closes first). node:http checks these every
 * `connectionsCheckingInterval` (30 s by default, which would let a slow client stay that much longer): 1 s here.
 */
function serverTimeouts(g: Config['gateway']): ServerOptions {
  return {
    headersTimeout: g.headersTimeoutMs,
    // node:http refuses a request timeout shorter than the headers timeout; 0 turns it off.
    requestTimeout: g.requestTimeoutMs === 0 ? 0 : Math.max(g.requestTimeoutMs, g.headersTimeoutMs),
    keepAliveTimeout: g.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, g.headersTimeoutMs),
    // Checked in `dispatch` instead, after the header count: refused as problem+json, not node's bare 400.
    requireHostHeader: false,
  };
}

/**
 * At most `maxConnectionsPerAddress` open connections from one peer address, so that one client — slow, idle or
 * hostile — cannot hold the gateway's connections (item 7). The extra connection's first request is answered
 * 429 GW_TOO_MANY_CONNECTIONS with Retry-After and the connection closed — a client that opened too many (a big
 * consumer behind one NAT address, a peer platform) hears why, as nginx's `limit_conn` answers — and one that sends
 * nothing within OVER_CAP_GRACE_MS is cut; past OVER_CAP_ANSWERED such connections at once, they are closed before a
 * byte is read. A trusted proxy (`gateway.trustedProxies`) carries many clients and is not capped. The count is per
 * process: with `gateway.workers` > 1 each worker counts its own.
 */
function capConnectionsPerAddress(server: Server, ctx: GatewayContext): void {
  const cap = ctx.config.gateway.maxConnectionsPerAddress;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socketAddress(socket);
    if (ctx.trustedProxies.has(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > cap) {
      ctx.stats.connectionsRefused++;
      const overCap = ctx.overCapSockets;
      if (overCap.size >= OVER_CAP_ANSWERED) {
        socket.destroy();
        return;
      }
      overCap.add(socket);
      socket.setTimeout(OVER_CAP_GRACE_MS, () => socket.destroy());
      socket.once('close', () => overCap.delete(socket));
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/**
 * Every request: a record from its first moment, then the endpoint; whatever an endpoint throws — at once or
 * later — ends in `failUnexpected`, which still answers with the transaction id and records (issue 9).
 */
function onRequest(ctx: GatewayContext, req: IncomingMessage, res: ServerResponse): void {
  ctx.stats.requests++;
  const rec = blankRecord(ctx, req, ctx.clock.nowMs());
  try {
    const pending = dispatch(ctx, req, res, rec);
    if (pending) pending.catch((err: unknown) => failUnexpected(ctx, res, rec, err));
  } catch (err) {
    failUnexpected(ctx, res, rec, err);
  }
}

/** By path: health and keys, `/token`, then — for an authenticated caller — `/_lgsp/…` or a service call. */
function dispatch(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
): Promise<void> | void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const snapshot = ctx.snapshots.current;

  // First, health included: an extra connection kept alive by health checks would slip past the cap.
  if (ctx.overCapSockets.size !== 0 && ctx.overCapSockets.has(req.socket)) {
    res.shouldKeepAlive = false;
    return refuse(ctx, res, rec, TOO_MANY_CONNECTIONS);
  }
  // An HTTP parser error closes the connection; so do these two, which the parser lets through (node:http's own
  // Host check, RFC 9112 §3.2, is off: it answered with no problem+json).
  if (
    req.rawHeaders.length > MAX_HEADERS * 2 ||
    (req.headers.host === undefined && req.httpVersion === '1.1')
  ) {
    res.shouldKeepAlive = false;
    return refuse(ctx, res, rec, req.rawHeaders.length > MAX_HEADERS * 2 ? TOO_MANY_HEADERS : HOST_MISSING);
  }
  if (path === '/healthz' || path === '/readyz') {
    health(ctx, req, res, snapshot);
    return undefined;
  }
  if (snapshot === null) return refuse(ctx, res, rec, NOT_READY);
  if (path === '/token' || path === '/oauth2/token') return tokenEndpoint(ctx, req, res, rec, snapshot);
  // RFC 7009, at WSO2's paths (issue 12 item 8); switched off, `/revoke` is an unknown service like before.
  if ((path === '/revoke' || path === '/oauth2/revoke') && ctx.config.clientConventions.tokenRevocation)
    return revokeEndpoint(ctx, req, res, rec, snapshot);
  if (path === '/.well-known/jwks.json') {
    json(res, 200, snapshot.jwks);
    return undefined;
  }

  // A path a provider could resolve outside the service is refused before anything else is decided (item 2).
  const canonical = canonicalPath(path);
  if (!canonical.ok) return refuse(ctx, res, rec, canonical);

  // Who calls: a verified token (cached after its first verification, so usually no promise at all).
  const token = bearerToken(
    req.headers.authorization,
    ctx.config.clientConventions.caseInsensitiveAuthSchemes,
  );
  if (typeof token !== 'string') {
    // Form 1 of `lgspaccesstoken` (key and secret on every call) is looked at only when there is no bearer token.
    if (ctx.lgspAccessTokens !== null) {
      const header = req.headers[LGSP_ACCESS_TOKEN_HEADER];
      if (typeof header === 'string') return formOneCall(ctx, req, res, rec, snapshot, header, url, q, path);
    }
    return refuse(ctx, res, rec, token);
  }
  rec.authMethod = 'bearer';
  // Form 2: an opaque `lgspaccesstoken` beside the token, with codes to record; the token alone decides. One
  // header lookup when the convention is on; the header itself is never forwarded (headers.ts).
  if (ctx.lgspAccessTokens !== null && req.headers[LGSP_ACCESS_TOKEN_HEADER] !== undefined) {
    const codes = noteClientCodes(req, rec);
    if (codes !== null) return refuse(ctx, res, rec, codes);
  }
  const cached = ctx.verifier.cached(token);
  if (cached === undefined) {
    return ctx.verifier
      .verify(token, snapshot)
      .then((claims) => authenticated(ctx, req, res, rec, snapshot, claims, url, q, path));
  }
  return authenticated(ctx, req, res, rec, snapshot, cached, url, q, path);
}

/** After the token: its credential still active (R-14, R-19, R-21), then the caller's endpoint. */
function authenticated(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  claims: TokenClaims | ErrorCode,
  url: string,
  q: number,
  path: string,
): Promise<void> | void {
  if (typeof claims === 'string') return refuse(ctx, res, rec, tokenRefusal(claims));
  const revoked = tokenRevoked(claims, snapshot);
  if (!revoked.ok) return refuse(ctx, res, rec, revoked);
  rec.credentialId = claims.credentialId;
  rec.consumerSystemId = claims.systemId;
  rec.environment = claims.environment;
  const system = snapshot.systems.get(claims.systemId);
  rec.consumerOrgCode = system?.organizationCode ?? null;
  const nowMs = ctx.clock.nowMs();
  const credential = credentialState(claims, snapshot, nowMs);
  if (!credential.ok) return refuse(ctx, res, rec, credential);
  // mTLS (R-13): a system bound to a certificate uses its token only over a connection that presents it, and a
  // token issued over mTLS only with the certificate it was issued to (RFC 8705).
  if (system?.clientCert || claims.certSha256 !== undefined) {
    const peer = peerCertificate(req.socket);
    const bound = system?.clientCert ? clientCertificate(system.clientCert, peer) : ALLOWED;
    if (!bound.ok) return refuse(ctx, res, rec, bound);
    const sameCert = claims.certSha256 !== undefined ? boundToken(claims.certSha256, peer) : ALLOWED;
    if (!sameCert.ok) return refuse(ctx, res, rec, sameCert);
  }
  if (path.startsWith(MESSAGING_PREFIX)) return messagingEndpoint(ctx, req, res, rec, snapshot, claims, path);
  return proxy(ctx, req, res, rec, snapshot, claims, path, q < 0 ? '' : url.slice(q), nowMs);
}

/**
 * A call authenticated by form 1 of `lgspaccesstoken` (HCM / Hậu Giang): the consumer key and secret, checked as
 * `/token` checks them (`client-conventions.ts`), then — `PartnerCode` matching the provider when given — the same
 * path as a token of that credential: credential state, mTLS, subscription, environment, quota, window, record.
 */
function formOneCall(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  header: string,
  url: string,
  q: number,
  path: string,
): Promise<void> | void {
  rec.authMethod = 'lgspaccesstoken';
  const codes = noteClientCodes(req, rec);
  if (codes !== null) return refuse(ctx, res, rec, codes);
  const address = rec.clientAddress ?? '';
  const caller = ctx.lgspAccessTokens!.verify(
    header,
    snapshot,
    address,
    ctx.clock.nowMs(),
    (key, blockedMs) =>
      // One line per block, as at `/token`: who and from where, never the secret.
      ctx.logger.warn(
        { consumerKey: key, address, blockedMs, txn: rec.id },
        'lgspaccesstoken: tạm chặn sau nhiều lần xác thực sai liên tiếp / lgspaccesstoken: blocked after repeated failed client authentications',
      ),
  );
  if (!caller.ok) return refuse(ctx, res, rec, caller);
  if (caller.partnerCode !== null) {
    const provider = partnerCodeMatches(snapshot, path, caller.partnerCode);
    if (provider !== null) {
      rec.credentialId = caller.claims.credentialId;
      rec.consumerSystemId = caller.claims.systemId;
      return refuse(ctx, res, rec, provider);
    }
  }
  return authenticated(ctx, req, res, rec, snapshot, caller.claims, url, q, path);
}

/**
 * `/healthz` and `/readyz` (the load balancer's check): 503 until the first snapshot, or while the node says it is
 * not ready. A gateway whose store is unreachable stays ready — it serves from its snapshot — and says so. The detail
 * (role, engines, lag, quotas' state) only to the operator's side (`OperatorView`); other callers get `{status, ready}`.
 */
function health(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  snapshot: CompiledSnapshot | null,
): void {
  const node = ctx.nodeHealth?.() ?? {};
  const ready = snapshot !== null && node['ready'] !== false;
  const status = snapshot ? 'ok' : 'not_ready';
  if (!ctx.operatorView.allows(req.socket.remoteAddress, req.headers)) {
    json(res, ready ? 200 : 503, { status, ready });
    return;
  }
  json(res, ready ? 200 : 503, {
    status,
    revision: snapshot?.revision ?? null,
    snapshotAgeMs: snapshot ? ctx.clock.nowMs() - snapshot.loadedAtMs : null,
    recorderOverloaded: ctx.records.overloaded,
    ...node,
    ready,
    // Where quotas are counted: this process, Redis shared by every node, or this node alone while Redis is down.
    quotaCounters: ctx.quotas.state,
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { type ErrorCode, LgspError } from '../core/errors.ts';
import type { PeerData, PeerRoute } from '../federation/snapshot.ts';
import {
  contentDigest,
  digestMatches,
  HEADER,
  type HopResult,
  requestHash,
  sha256OfDigest,
  signatureBytesOf,
  signHop,
  signingKeyObject,
  traceIdOf,
  traceparentFor,
  verifyHops,
} from '../federation/wire.ts';
import { DigestCheck, type MessageFederation } from '../messaging/peer-forward.ts';
import type { TransactionRecord } from '../telemetry/record.ts';

type FederationEvidence = NonNullable<TransactionRecord['federation']>;

import { forwardedOrigin } from '../net/client-address.ts';
import type { CompiledSnapshot, Route, SubscriptionPolicy } from './compiled-snapshot.ts';
import { type GatewayContext, poolFor } from './context.ts';
import { readSmallBody, refuse } from './exchange.ts';
import { ForwardHandler, RequestBodyTap } from './forward-handler.ts';
import { type ProviderAddress, requestHeadersForUpstream } from './headers.ts';
import { intake } from './messaging-endpoints.ts';
import { bodyLimit, bodyTooLarge, type Refusal, refusal } from './policy.ts';
import { seenSignatures } from './signature-memory.ts';

/**
 * Federated calls (issue 12 items 2–4, R-15, docs/federation.md), reached from `proxy.ts` only when the route is
 * imported from a peer or the caller is a peer platform — one branch; a local call by an agency pays nothing here.
 *
 * - Outbound (our consumer → a peer): the represented party is our consumer's organization and system, the
 *   end-to-end id is our record's id; we sign as the first hop and forward with our own token for that peer.
 * - Inbound (a peer → us): every hop's signature is verified against its platform's JWKS, the body against its
 *   Content-Digest, the represented organization against the peer's subscription; then the call goes to our
 *   provider with the represented party — or, for a version we imported ourselves (we are the intermediate, as
 *   NDXP is), on to the next peer with our own signature added after the others.
 *
 * The body is read whole (at most the version's limit): its digest is signed and checked before anything is sent.
 * Every outcome — refusals included, with the hops as far as they were checked — is recorded.
 */
export async function federatedCall(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  route: Route,
  policy: SubscriptionPolicy,
  inboundPeer: PeerData | null,
  path: string,
  query: string,
): Promise<void> {
  if (route.mode === 'async')
    return federatedMessage(ctx, req, res, rec, snapshot, route, policy, inboundPeer, path, query);
  const incoming = singleValued(req);
  const evidence: FederationEvidence = {
    direction: inboundPeer ? 'inbound' : 'outbound',
    traceId: null,
    hops: [],
    signatures: 'signed',
    requestHash: null,
  };
  rec.federation = evidence;
  // A peer's signatures are checked before its body is read: a call that is refused is never buffered.
  if (inboundPeer) {
    rec.peerId = inboundPeer.id;
    const checked = await checkInbound(ctx, snapshot, inboundPeer, policy, rec, evidence, incoming, 'sync');
    // A refusal is bound to the request too, once its origin signature is known.
    if (evidence.requestHash) res.setHeader(HEADER.requestHash, evidence.requestHash);
    if (checked !== null) return refuse(ctx, res, rec, checked);
  }
  const limit = bodyLimit(route, ctx.config.gateway.maxRequestBodyBytes);
  const body = await readSmallBody(
    req,
    Number.isFinite(limit) ? limit : ctx.config.gateway.maxRequestBodyBytes,
  );
  if (body === null) return refuse(ctx, res, rec, bodyTooLarge(limit));

  if (inboundPeer) {
    if (!digestMatches(incoming[HEADER.contentDigest], body)) return refuse(ctx, res, rec, DIGEST_MISMATCH);
  } else {
    // The origin: the represented party is our own consumer, the end-to-end id our record's.
    rec.representedOrgCode = rec.consumerOrgCode;
    rec.representedSystem = rec.consumerSystemId;
    rec.endToEndId = rec.id;
  }
  const trace = traceparentFor(incoming[HEADER.traceparent], rec.id);
  evidence.traceId = trace.traceId;

  const base = requestHeadersForUpstream(req.rawHeaders, req.headers, {
    transactionId: rec.id,
    consumerSystemId: rec.consumerSystemId!,
    consumerOrgCode: rec.consumerOrgCode ?? '',
    environment: rec.environment!,
    ...forwardedOrigin(req, ctx.trustedProxies),
  });
  if (route.peer !== null)
    return onward(
      ctx,
      req,
      res,
      rec,
      route,
      inboundPeer,
      evidence,
      base,
      incoming,
      body,
      trace.header,
      path,
      query,
    );

  // Inbound to our own provider: it learns whom the peer represents, and the answer is bound to the request.
  const headers = withoutFields(base, [HEADER.traceparent]);
  headers.push(HEADER.representedOrganization, rec.representedOrgCode ?? '');
  headers.push(HEADER.representedSystem, rec.representedSystem ?? '');
  headers.push(HEADER.endToEndId, rec.endToEndId ?? '');
  headers.push('x-lgsp-peer', inboundPeer!.code);
  headers.push(HEADER.traceparent, trace.header);
  if (evidence.requestHash) res.setHeader(HEADER.requestHash, evidence.requestHash);
  const upstream = route.upstreams[rec.environment!]!;
  dispatch(
    ctx,
    res,
    rec,
    route,
    poolFor(ctx, upstream.origin),
    {
      path: upstream.basePath + resourcePathOf(route, path) + query,
      method: rec.method as Dispatcher.HttpMethod,
      headers,
    },
    body,
    null,
    upstream,
  );
}

/**
 * An async message on a federated route (issue 12 item 10b; docs/federation.md): taken in like any message — 202
 * with our message id once it is durable — with its identities kept beside it (`message_federation`), for the
 * deliverer to hand on (a version imported from a peer) or push to our provider (a peer's message for our own
 * service). From a peer, every hop's signature is checked first, as for a sync call — the earlier hops until their
 * own expiry, since an intermediate may have held the message a while — and the body against its signed digest as
 * it streams into the queue (a mismatch stores nothing).
 */
async function federatedMessage(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  route: Route,
  policy: SubscriptionPolicy,
  inboundPeer: PeerData | null,
  path: string,
  query: string,
): Promise<void> {
  rec.leg = 'intake';
  const incoming = singleValued(req);
  const source = { systemId: rec.consumerSystemId!, environment: rec.environment! };
  if (!inboundPeer) {
    // The origin: our consumer is the represented party; the message id will be the end-to-end id.
    rec.representedOrgCode = rec.consumerOrgCode;
    rec.representedSystem = rec.consumerSystemId;
    const context: MessageFederation = {
      fromPeerId: null,
      representedOrg: rec.consumerOrgCode,
      representedSystem: rec.consumerSystemId,
      endToEndId: '',
      traceparent: traceparentFor(incoming[HEADER.traceparent], rec.id).header,
      signature: null,
      signatureInput: null,
    };
    return intake(ctx, req, res, rec, route, source, path, query, { context, body: () => req });
  }
  const evidence: FederationEvidence = {
    direction: 'inbound',
    traceId: null,
    hops: [],
    signatures: 'signed',
    requestHash: null,
  };
  rec.federation = evidence;
  rec.peerId = inboundPeer.id;
  const checked = await checkInbound(ctx, snapshot, inboundPeer, policy, rec, evidence, incoming, 'async');
  if (evidence.requestHash) res.setHeader(HEADER.requestHash, evidence.requestHash);
  if (checked !== null) return refuse(ctx, res, rec, checked);
  // Made when the queue takes it, not before: an error of a body piped too early would find no listener.
  const body = () => {
    const checked = req.pipe(new DigestCheck(sha256OfDigest(incoming[HEADER.contentDigest])));
    // The queue listens too (and rolls back); this one only keeps a second error from being unhandled.
    checked.on('error', () => {});
    req.once('error', (err) => checked.destroy(err));
    req.once('aborted', () => checked.destroy(new LgspError('MQ_UPLOAD_FAILED', 'aborted')));
    return checked;
  };
  const context: MessageFederation = {
    fromPeerId: inboundPeer.id,
    representedOrg: rec.representedOrgCode,
    representedSystem: rec.representedSystem,
    endToEndId: rec.endToEndId!,
    // As on a sync call: the peer's trace id kept when its traceparent is W3C Trace Context, a span of ours — never
    // the field as sent (unsigned: anything a peer or a party between us put there), kept and pushed to the provider.
    traceparent: traceparentFor(incoming[HEADER.traceparent], rec.id).header,
    signature: incoming[HEADER.signature] ?? null,
    signatureInput: incoming[HEADER.signatureInput] ?? null,
  };
  return intake(ctx, req, res, rec, route, source, path, query, { context, body });
}

/**
 * A peer's call to what this platform answers itself — a composite or a built-in service (dmdc): the same
 * inbound checks as a forwarded call (represented party, every hop's signature, digest, grant), recorded the same
 * way; true when the caller may then serve it like a local consumer's call, false once the refusal is answered.
 */
export async function admitInboundPeer(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  route: Route,
  policy: SubscriptionPolicy,
  peer: PeerData,
): Promise<boolean> {
  const evidence: FederationEvidence = {
    direction: 'inbound',
    traceId: null,
    hops: [],
    signatures: 'signed',
    requestHash: null,
  };
  rec.federation = evidence;
  rec.peerId = peer.id;
  const incoming = singleValued(req);
  const checked = await checkInbound(ctx, snapshot, peer, policy, rec, evidence, incoming, 'sync');
  if (evidence.requestHash) res.setHeader(HEADER.requestHash, evidence.requestHash);
  if (checked !== null) {
    refuse(ctx, res, rec, checked);
    return false;
  }
  const limit = bodyLimit(route, ctx.config.gateway.maxRequestBodyBytes);
  const body = await readSmallBody(
    req,
    Number.isFinite(limit) ? limit : ctx.config.gateway.maxRequestBodyBytes,
  );
  if (body === null) {
    refuse(ctx, res, rec, bodyTooLarge(limit));
    return false;
  }
  if (!digestMatches(incoming[HEADER.contentDigest], body)) {
    refuse(ctx, res, rec, DIGEST_MISMATCH);
    return false;
  }
  return true;
}

const DIGEST_MISMATCH = refusal('GW_FED_CONTENT_DIGEST_MISMATCH');
const REPLAY_CHECK_UNAVAILABLE = refusal('GW_FED_REPLAY_CHECK_UNAVAILABLE', undefined, {
  'retry-after': '5',
});

/** A represented organization code (≤ 100, as a grant's) or system: printable ASCII, not a comma list. */
const PARTY = /^[\x20-\x2b\x2d-\x7e]{1,100}$/;
const PARTY_RULE =
  'X-LGSP-Represented-Organization/-System: 1–100 ký tự ASCII in được, không dấu phẩy / 1–100 printable ASCII characters, no comma';

/**
 * Inbound checks in order, on the headers alone; null when the call may go on, else the refusal (the evidence says
 * what was found). Only a `sha-256` Content-Digest is required here: the body is checked against it once read (a
 * sync call, after these checks, so a refused call is never buffered) or as it streams into the queue (a message).
 */
async function checkInbound(
  ctx: GatewayContext,
  snapshot: CompiledSnapshot,
  peer: PeerData,
  policy: SubscriptionPolicy,
  rec: TransactionRecord,
  evidence: FederationEvidence,
  headers: Record<string, string>,
  mode: 'sync' | 'async',
): Promise<Refusal | null> {
  const async = mode === 'async';
  const org = headers[HEADER.representedOrganization];
  const system = headers[HEADER.representedSystem];
  const endToEnd = headers[HEADER.endToEndId];
  rec.representedOrgCode = org ? org.slice(0, 100) : null;
  rec.representedSystem = system?.slice(0, 100) ?? null;
  rec.endToEndId = endToEnd && /^[\x21-\x7e]{1,200}$/.test(endToEnd) ? endToEnd : null;
  evidence.traceId = traceIdOf(headers[HEADER.traceparent]);
  evidence.requestHash = requestHash(headers[HEADER.signature], headers[HEADER.signatureInput]);
  if (!org || rec.endToEndId === null) return refusal('GW_FED_REPRESENTED_PARTY_MISSING');
  // What the record keeps is what the provider gets: a party the record could only cut short (or that is two
  // fields joined, or not ASCII) is refused, never forwarded whole beside a truncated record.
  if (!PARTY.test(org) || (system !== undefined && system !== '' && !PARTY.test(system)))
    return refusal('GW_FED_REPRESENTED_PARTY_MISSING', PARTY_RULE);

  const fed = snapshot.federation;
  const hops = await verifyHops(
    rec.method,
    'http://peer.invalid/',
    headers,
    async (label, keyId) => {
      const signer = fed.peersByCode.get(label);
      return signer ? ctx.peers.keyOf(signer, keyId) : null;
    },
    ctx.clock.nowMs(),
    { earlierHopsUntilExpiry: async },
  );
  evidence.hops = hops.map(hopOf);
  const fail = (code: ErrorCode, detail: string) => {
    evidence.signatures = 'refused';
    return refusal(code, detail);
  };
  if (hops.length === 0) return fail('GW_FED_SIGNATURE_MISSING', `${peer.code}: không có chữ ký / none`);
  const own = ctx.config.federation.code;
  if (hops.some((h) => h.label === own)) return fail('GW_FED_SIGNATURE_INVALID', `${own}: vòng lặp / loop`);
  const bad = hops.find((h) => !h.verified);
  if (bad) {
    // A chained component that is gone is a stripped signature, not a forged one.
    const stripped = bad.reason?.includes('Unable to find key') === true;
    return fail(
      stripped ? 'GW_FED_SIGNATURE_MISSING' : 'GW_FED_SIGNATURE_INVALID',
      `${bad.label}: ${bad.reason}`,
    );
  }
  const calling = hops[hops.length - 1]!;
  if (calling.label !== peer.code)
    return fail('GW_FED_SIGNATURE_MISSING', `${peer.code}: chữ ký của bên gọi / the calling peer’s own`);
  // A captured signed call sent again — as is, or to another path (the path is not signed) — within its 5 minutes:
  // the calling hop's signature is new on every call and every delivery attempt, so it may never come again. A sync
  // call's earlier hops neither (an intermediate forwards a call once). An async message's earlier hops do come again
  // when the intermediate that handed it to us hands it on again (after its retry; Idempotency-Key deduplicates): they
  // are remembered until their own expiry as that calling peer's, and from any other peer — one that captured the
  // message and added its own hop — or after being seen as a calling hop, they are a replay (docs/security.md §2.12).
  const used = hops.map((h, i) => ({
    bytes: signatureBytesOf(headers[HEADER.signature], h.label),
    created: h.created!,
    ...(async && h.expires !== undefined ? { expires: h.expires } : {}),
    owner: async && i < hops.length - 1 ? peer.code : null,
  }));
  // A verified hop has its Signature member: none would be a hop that verified nothing, refused the same.
  // A sender never reuses a signature (every call and delivery attempt is signed anew), so one seen before — by
  // this process or, with Redis or a node's workers, by any other (docs/security.md §2.12) — is a replay.
  const missing = used.findIndex((u) => u.bytes === null);
  const seen =
    missing !== -1
      ? missing
      : await ctx.signatures.firstSeen(
          seenSignatures(used as Array<(typeof used)[number] & { bytes: Buffer }>),
          ctx.clock.nowMs(),
        );
  if (seen === 'unavailable') return REPLAY_CHECK_UNAVAILABLE;
  if (seen !== -1) {
    const replayed = evidence.hops[seen]!;
    replayed.verified = false;
    replayed.reason = 'chữ ký đã được dùng / signature already used (replay)';
    return fail('GW_FED_SIGNATURE_INVALID', `${replayed.label}: chữ ký đã được dùng / replayed signature`);
  }
  evidence.signatures = 'verified';
  if (sha256OfDigest(headers[HEADER.contentDigest]) === null) return DIGEST_MISMATCH;
  const allowed = fed.representedGrants.get(policy.id);
  if (allowed !== undefined && !allowed.has(org)) return refusal('GW_FED_REPRESENTED_NOT_ALLOWED', org);
  return null;
}

/** To the next peer: our token for it, the identity headers, the hops before us, and our own signature last. */
async function onward(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  inboundPeer: PeerData | null,
  evidence: FederationEvidence,
  base: string[],
  incoming: Record<string, string>,
  body: Buffer,
  traceparent: string,
  path: string,
  query: string,
): Promise<void> {
  const target = route.peer!;
  let token: string;
  try {
    token = await ctx.peers.tokenFor(target.peer);
  } catch (err) {
    ctx.logger.warn(
      { txn: rec.id, peer: target.peer.code, err: (err as Error).message },
      'không lấy được token từ nền tảng ngang hàng / peer token failed',
    );
    return refuse(ctx, res, rec, refusal('GW_FED_PEER_UNAVAILABLE', target.peer.code));
  }
  const flat: Record<string, string> = {};
  const kept = withoutFields(base, [
    HEADER.traceparent,
    HEADER.contentDigest,
    HEADER.signature,
    HEADER.signatureInput,
  ]);
  for (let i = 0; i < kept.length; i += 2) {
    const name = kept[i]!.toLowerCase();
    // Our own X-LGSP-* and X-Forwarded-* are for a provider; the next platform learns the party from the
    // represented-party headers below and sees us as its caller.
    if (name.startsWith('x-lgsp-') || name.startsWith('x-forwarded-')) continue;
    flat[name] = flat[name] === undefined ? kept[i + 1]! : `${flat[name]}, ${kept[i + 1]}`;
  }
  flat['authorization'] = `Bearer ${token}`;
  flat[HEADER.representedOrganization] = rec.representedOrgCode ?? '';
  flat[HEADER.representedSystem] = rec.representedSystem ?? '';
  flat[HEADER.endToEndId] = rec.endToEndId ?? rec.id;
  flat[HEADER.traceparent] = traceparent;
  flat[HEADER.contentDigest] = inboundPeer ? incoming[HEADER.contentDigest]! : contentDigest(body);
  if (inboundPeer) {
    flat[HEADER.signature] = incoming[HEADER.signature]!;
    flat[HEADER.signatureInput] = incoming[HEADER.signatureInput]!;
  }
  const signing = ctx.snapshots.current!.signing;
  const url = `${target.origin}${target.basePath}${resourcePathOf(route, path)}${query}`;
  const signed = await signHop(
    {
      label: ctx.config.federation.code,
      keyId: signing.kid,
      privateKey: signingKeyObject(signing.privateKey),
    },
    rec.method,
    url,
    flat,
    ctx.clock.nowMs(),
  );
  evidence.hops.push({ label: ctx.config.federation.code, keyId: signing.kid, verified: null });
  if (!inboundPeer) rec.peerId = target.peer.id;
  if (!inboundPeer)
    evidence.requestHash = requestHash(signed[HEADER.signature], signed[HEADER.signatureInput]);
  if (evidence.requestHash) res.setHeader(HEADER.requestHash, evidence.requestHash);
  const headers: string[] = [];
  for (const name in signed) headers.push(name, signed[name]!);
  void req;
  dispatch(
    ctx,
    res,
    rec,
    route,
    ctx.peers.agentFor(target.peer),
    {
      origin: target.origin,
      path: `${target.basePath}${resourcePathOf(route, path)}${query}`,
      method: rec.method as Dispatcher.HttpMethod,
      headers,
    },
    body,
    { evidence, token, peerId: target.peer.id },
  );
}

/**
 * The headers of a call this platform originates to a peer on behalf of one of its consumers, outside the proxy's
 * own forward — a composite's backend that is an imported version (issue 12 item 5): our token for that peer, the
 * represented party and end-to-end id the record already names, a new trace, the body's digest, and our signature as
 * the first hop. The evidence notes our hop and the request hash; the caller checks the answer's hash.
 */
export async function originHeaders(
  ctx: GatewayContext,
  target: PeerRoute,
  rec: TransactionRecord,
  resourcePathAndQuery: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, string>; token: string; evidence: FederationEvidence }> {
  const token = await ctx.peers.tokenFor(target.peer);
  const trace = traceparentFor(undefined, rec.id);
  const flat: Record<string, string> = {
    ...headers,
    authorization: `Bearer ${token}`,
    [HEADER.representedOrganization]: rec.representedOrgCode ?? '',
    [HEADER.representedSystem]: rec.representedSystem ?? '',
    [HEADER.endToEndId]: rec.endToEndId ?? rec.id,
    [HEADER.traceparent]: trace.header,
    [HEADER.contentDigest]: contentDigest(body),
  };
  const signing = ctx.snapshots.current!.signing;
  const signed = await signHop(
    {
      label: ctx.config.federation.code,
      keyId: signing.kid,
      privateKey: signingKeyObject(signing.privateKey),
    },
    rec.method,
    `${target.origin}${target.basePath}${resourcePathAndQuery}`,
    flat,
    ctx.clock.nowMs(),
  );
  const evidence: FederationEvidence = {
    direction: 'outbound',
    traceId: trace.traceId,
    hops: [{ label: ctx.config.federation.code, keyId: signing.kid, verified: null }],
    signatures: 'signed',
    requestHash: requestHash(signed[HEADER.signature], signed[HEADER.signatureInput]),
  };
  return { headers: signed, token, evidence };
}

function dispatch(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  dispatcher: Dispatcher,
  options: Omit<Dispatcher.DispatchOptions, 'body'>,
  body: Buffer,
  outbound: { evidence: FederationEvidence; token: string; peerId: string } | null,
  provider: ProviderAddress | null = null,
): void {
  ctx.stats.forwarded++;
  const tap = RequestBodyTap.whole(body);
  const handler = outbound
    ? new PeerAnswerHandler(ctx, res, rec, tap, route, outbound)
    : new ForwardHandler(ctx, res, rec, tap, route, provider);
  rec.requestOutAt = ctx.clock.nowMs();
  // Per read; the whole answer's limit is the handler's deadline (R-03, forward-handler.ts), as on a direct call.
  dispatcher.dispatch(
    { ...options, body, headersTimeout: ctx.upstreamTimeoutMs, bodyTimeout: ctx.upstreamTimeoutMs },
    handler,
  );
}

/** Relays a peer's answer as any provider's, noting whether it carries the request hash we expect. */
class PeerAnswerHandler extends ForwardHandler {
  constructor(
    private readonly gw: GatewayContext,
    res: ServerResponse,
    rec: TransactionRecord,
    tap: RequestBodyTap,
    route: Route,
    private readonly outbound: { evidence: FederationEvidence; token: string; peerId: string },
  ) {
    super(gw, res, rec, tap, route);
  }

  override onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    const { evidence, token, peerId } = this.outbound;
    if (statusCode >= 200) {
      const hash = headers[HEADER.requestHash];
      evidence.answerBound = evidence.requestHash !== null && hash === evidence.requestHash;
      // The peer refused our token (revoked, or its keys rotated): the next call fetches a new one.
      if (statusCode === 401) this.gw.peers.forgetToken(peerId, token);
    }
    super.onResponseStart(controller, statusCode, headers);
  }
}

function hopOf(h: HopResult): FederationEvidence['hops'][number] {
  return h.reason
    ? { label: h.label, keyId: h.keyId, verified: h.verified, reason: h.reason }
    : {
        label: h.label,
        keyId: h.keyId,
        verified: h.verified,
      };
}

/** `/dkkd/2.0` alone is the version's root: the provider gets at least `/`. */
function resourcePathOf(route: Route, path: string): string {
  return path.length > route.pathPrefix.length ? path.slice(route.pathPrefix.length) : '/';
}

/** The request's headers as one string each (repeated fields joined, RFC 9110 §5.3), lower-case names. */
function singleValued(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function withoutFields(list: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    if (names.includes(list[i]!.toLowerCase())) continue;
    out.push(list[i]!, list[i + 1]!);
  }
  return out;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { LgspError } from '../core/errors.ts';
import { EMPTY_SHA256 } from '../core/hashing.ts';
import { unguessableId } from '../core/ids.ts';
import { isoOf } from '../core/time.ts';
import { messageLegRecord } from '../messaging/delivery.ts';
import type { Messaging } from '../messaging/messaging.ts';
import {
  dropMessageFederation,
  type MessageFederation,
  messageFederationOf,
  representedHeaders,
  saveMessageFederation,
} from '../messaging/peer-forward.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { CompiledSnapshot, Route } from './compiled-snapshot.ts';
import type { GatewayContext } from './context.ts';
import { answer, endAfterRecord, finish, refuse } from './exchange.ts';
import { platformRate, refusal } from './policy.ts';
import type { TokenClaims } from './tokens.ts';

/** The platform's own paths on the gateway; `_` cannot start a service context, so they never shadow a route. */
export const MESSAGING_PREFIX = '/_lgsp/';

const ASYNC_UNAVAILABLE = refusal('MQ_ASYNC_UNAVAILABLE', undefined, { 'retry-after': '5' });
const MESSAGE_NOT_FOUND = refusal('MQ_MESSAGE_NOT_FOUND');
const IDEMPOTENCY_KEY_INVALID = refusal('MQ_IDEMPOTENCY_KEY_INVALID');
const CONTENT_ENCODING_UNSUPPORTED = refusal('MQ_CONTENT_ENCODING_UNSUPPORTED');
/**
 * What a message id in a path can be (`msg_` and base 36, `core/ids.ts`): anything else is not found without asking
 * the engine — an id is no pattern (`*` or `>` would be wildcards in a NATS KV key) and no length to look up.
 */
const MESSAGE_ID = /^msg_[0-9a-z]{1,64}$/;

/**
 * Async intake (issue 4): the message is stored — durably, payload streamed — before the 202 with its id. A
 * repeated `Idempotency-Key` from the same system is answered with the first message, and nothing new is stored.
 * The message keeps the resource it was sent to (issue 12 item 10): the template the policy matched
 * (`rec.resourceTemplate`), and the canonical path after the version's prefix with its query, sealed with the
 * payload's key — delivered as a push's URL or a pull's headers.
 */
export async function intake(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  claims: Pick<TokenClaims, 'systemId' | 'environment'>,
  path: string,
  query: string,
  /**
   * A federated message (issue 12 item 10b, `federated-forward.ts`): its represented party, end-to-end id and hops,
   * kept beside it; and its body as it must be stored (a peer's, checked against its signed digest on the way).
   */
  federated: { context: MessageFederation; body: () => Readable } | null = null,
): Promise<void> {
  rec.leg = 'intake';
  const messaging = ctx.messaging;
  if (messaging === null) return refuse(ctx, res, rec, ASYNC_UNAVAILABLE);
  const rawKey = req.headers['idempotency-key'];
  const idempotencyKey = typeof rawKey === 'string' ? rawKey.trim() : null;
  if (idempotencyKey !== null && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
    return refuse(ctx, res, rec, IDEMPOTENCY_KEY_INVALID);
  }
  // A message keeps its payload and its Content-Type, nothing else the source sent: a Content-Encoding would be lost
  // on the way, and the destination handed compressed bytes as if they were not. Refused, not silently dropped.
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity' && encoding.trim() !== '')
    return refuse(ctx, res, rec, CONTENT_ENCODING_UNSUPPORTED);
  const maxBytes = messaging.config.maxMessageBytes;
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) {
    // The body is not read: close the connection rather than drain up to 2 GB.
    return refuse(
      ctx,
      res,
      rec,
      refusal('MQ_MESSAGE_TOO_LARGE', `> ${maxBytes} bytes`, { connection: 'close' }),
    );
  }
  // Not `ctx.ids` (time, process, counter): knowing one message id must not name the next (§2.13).
  const messageId = unguessableId('msg', ctx.clock.nowMs());
  rec.requestOutAt = ctx.clock.nowMs();
  let result: Awaited<ReturnType<Messaging['accept']>>;
  try {
    if (federated) {
      // Before the message: a stored message never lacks whom it is for. A peer's message is recorded under its
      // end-to-end id; at the origin that id is the message id, recorded on the hand-off (the federated leg).
      if (federated.context.endToEndId) rec.endToEndId = federated.context.endToEndId;
      await saveMessageFederation(messaging.store, messageId, federated.context, ctx.clock.nowMs());
    }
    result = await messaging.accept(
      {
        id: messageId,
        route,
        sourceSystemId: claims.systemId,
        environment: claims.environment,
        idempotencyKey,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        resource: {
          template: rec.resourceTemplate,
          path: path.slice(route.pathPrefix.length),
          query,
        },
      },
      federated ? federated.body() : req,
    );
    if (federated && result.duplicate) await dropMessageFederation(messaging.store, messageId);
  } catch (err) {
    if (federated) await dropMessageFederation(messaging.store, messageId).catch(() => {});
    // Ours to say (too large); the source's body broke off (its fault, 400); or the queue engine failed —
    // retryable: a source sending again with the same Idempotency-Key gets one message whatever happened.
    const code =
      err instanceof LgspError
        ? err.code
        : req.readableAborted || req.errored
          ? 'MQ_UPLOAD_FAILED'
          : 'MQ_QUEUE_UNAVAILABLE';
    if (code === 'MQ_QUEUE_UNAVAILABLE')
      ctx.logger.error({ err, message: messageId }, 'hàng đợi thông điệp báo lỗi / message queue failed');
    const headers: Record<string, string> =
      code === 'MQ_MESSAGE_TOO_LARGE'
        ? { connection: 'close' }
        : code === 'MQ_QUEUE_UNAVAILABLE'
          ? { 'retry-after': '5' }
          : {};
    return refuse(ctx, res, rec, refusal(code, undefined, headers));
  }
  const meta = result.message;
  rec.messageId = meta.id;
  rec.responseInAt = ctx.clock.nowMs();
  if (!result.duplicate) {
    rec.requestBytes = meta.sizeBytes;
    rec.requestSha256 = meta.sha256;
  }
  const statusUrl = `${MESSAGING_PREFIX}messages/${meta.id}`;
  answer(
    ctx,
    res,
    rec,
    202,
    {
      messageId: meta.id,
      state: meta.state,
      duplicate: result.duplicate,
      acceptedAt: isoOf(meta.acceptedAtMs),
      sizeBytes: meta.sizeBytes,
      sha256: meta.sha256,
      statusUrl,
    },
    {
      location: statusUrl,
      'x-lgsp-transaction-id': rec.id,
      'x-lgsp-message-id': meta.id,
      ...(result.duplicate ? { 'idempotent-replayed': 'true' } : {}),
    },
  );
  if (!result.duplicate) ctx.onMessageAccepted?.();
}

const STATUS = `${MESSAGING_PREFIX}messages/{messageId}`;
const INBOX = `${MESSAGING_PREFIX}inbox`;
const ACK = `${MESSAGING_PREFIX}inbox/{messageId}/ack`;

/** Which of the endpoints a path and method name; null for none. */
function templateOf(parts: string[], method: string): string | null {
  if (parts[0] === 'messages' && parts.length === 2 && method === 'GET') return STATUS;
  if (parts[0] === 'inbox' && parts.length === 1 && method === 'GET') return INBOX;
  if (parts[0] === 'inbox' && parts.length === 3 && parts[2] === 'ack' && method === 'POST') return ACK;
  return null;
}

/**
 * `/_lgsp/…`, for callers with a valid token: a message's state and signed receipt (its source or destination
 * only), and the inbox a destination without an endpoint pulls from and acknowledges (issue 4). Every call, an
 * unknown path too, first passes the credential's rate (`platformRate`, §2.13): a refusal reads nothing.
 */
export function messagingEndpoint(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
  path: string,
): Promise<void> | void {
  // A request to the platform, not to a service (migration 0040): a pulled message and an acknowledgement are
  // recorded as their message's delivery and ack legs instead, of its service (`pull`, `acknowledge`).
  rec.kind = 'platform_call';
  const parts = path.slice(MESSAGING_PREFIX.length).split('/');
  const template = templateOf(parts, rec.method);
  if (template !== null) rec.resourceTemplate = template;
  const rate = platformRate(
    ctx.quotas,
    ctx.config.limits.platformRequestsPerMinute,
    snapshot,
    claims,
    ctx.clock.nowMs(),
  );
  if (rate instanceof Promise) {
    return rate.then((d) =>
      d.ok ? serve(ctx, req, res, rec, snapshot, claims, parts, template) : refuse(ctx, res, rec, d),
    );
  }
  if (!rate.ok) return refuse(ctx, res, rec, rate);
  return serve(ctx, req, res, rec, snapshot, claims, parts, template);
}

async function serve(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
  parts: string[],
  template: string | null,
): Promise<void> {
  const messaging = ctx.messaging;
  if (messaging === null) return refuse(ctx, res, rec, ASYNC_UNAVAILABLE);
  if (template === STATUS) {
    const meta = MESSAGE_ID.test(parts[1]!) ? await messaging.queue.get(parts[1]!) : null;
    const route = meta ? snapshot.routesByVersion.get(meta.destinationVersionId) : undefined;
    // Its source or its destination, with a credential of the message's environment: a sandbox credential sees
    // nothing of production (and the other way round), as it calls nothing there.
    const party =
      meta &&
      meta.environment === claims.environment &&
      (meta.sourceSystemId === claims.systemId || route?.providerSystemId === claims.systemId);
    if (!meta || !party) return refuse(ctx, res, rec, MESSAGE_NOT_FOUND);
    // Handed on to a peer (issue 12 item 10b): the state is the end-to-end one its receipt reported.
    const fed = route?.peer ? await messageFederationOf(messaging.store, meta.id) : null;
    const receipt = await messaging.receipt(meta, snapshot, fed);
    return answer(ctx, res, rec, 200, { ...messaging.status(meta, snapshot, fed), receipt });
  }
  if (template === INBOX) return pull(ctx, messaging, res, rec, snapshot, claims);
  if (template === ACK) return acknowledge(ctx, messaging, req, res, rec, snapshot, claims, parts[1]!);
  return refuse(ctx, res, rec, refusal('GW_ROUTE_NOT_FOUND'));
}

/**
 * `GET /_lgsp/inbox`: the next message for the caller's async versions that have no push endpoint in its
 * credential's environment, streamed with its receipt handle; 204 when there is none. A pulled message is a
 * `delivery` leg, recorded under its own id when the answer ends.
 */
async function pull(
  ctx: GatewayContext,
  messaging: Messaging,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
): Promise<void> {
  const pulled: string[] = [];
  for (const r of snapshot.routesByVersion.values())
    if (r.mode === 'async' && r.providerSystemId === claims.systemId && !r.upstreams[claims.environment])
      pulled.push(r.versionId);
  const claim = await messaging.claimForPull(pulled, claims.environment);
  if (!claim) {
    res.writeHead(204, { 'x-lgsp-transaction-id': rec.id });
    return endAfterRecord(res, finish(ctx, rec, 204, null));
  }
  const meta = claim.message;
  const route = snapshot.routesByVersion.get(meta.destinationVersionId)!;
  const leg = messageLegRecord(ctx.ids, 'delivery', meta, route, snapshot, rec.requestInAt);
  leg.credentialId = claims.credentialId;
  leg.resourceTemplate = rec.resourceTemplate;
  leg.method = 'GET';
  leg.requestOutAt = ctx.clock.nowMs();
  leg.requestSha256 = EMPTY_SHA256;
  const target = messaging.target(meta);
  // A peer's message for our provider (issue 12 item 10b): whom the peer represents, as a push would say.
  const fed = snapshot.federation.peersBySystem.has(meta.sourceSystemId)
    ? await messageFederationOf(messaging.store, meta.id)
    : null;
  const body = claim.payload
    ? Readable.from([claim.payload])
    : await messaging.queue.openPayload(meta.id, meta);
  res.writeHead(200, {
    'content-type': meta.contentType,
    'content-length': String(meta.sizeBytes),
    'x-lgsp-transaction-id': leg.id,
    'x-lgsp-message-id': meta.id,
    'x-lgsp-receipt-handle': claim.token,
    'x-lgsp-attempt': String(meta.attempts),
    'x-lgsp-consumer-system': meta.sourceSystemId,
    'x-lgsp-consumer-organization': leg.consumerOrgCode ?? '',
    'x-lgsp-service': `${route.context}/${route.version}`,
    ...resourceHeaders(meta.resourceTemplate ?? null, target),
    ...(fed?.from_peer_id ? representedHeaders(fed, snapshot) : {}),
    'x-lgsp-accepted-at': isoOf(meta.acceptedAtMs),
    'repr-digest': `sha-256=:${Buffer.from(meta.sha256, 'hex').toString('base64')}:`,
  });
  body.once('error', (err) => {
    ctx.logger.warn(
      { err, message: meta.id },
      'không đọc được nội dung thông điệp trong hộp thư / inbox payload read failed',
    );
    res.destroy();
  });
  res.once('close', () => {
    body.destroy();
    const whole = res.writableFinished;
    leg.providerStatus = whole ? 200 : null;
    leg.responseBytes = whole ? meta.sizeBytes : 0;
    leg.responseSha256 = whole ? meta.sha256 : null;
    finish(ctx, leg, whole ? 200 : 499, whole ? null : 'GW_CLIENT_CLOSED');
  });
  body.pipe(res);
}

/** `POST /_lgsp/inbox/{messageId}/ack`: a pulling destination acknowledges; the payload is deleted. */
async function acknowledge(
  ctx: GatewayContext,
  messaging: Messaging,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
  messageId: string,
): Promise<void> {
  const meta = MESSAGE_ID.test(messageId) ? await messaging.queue.get(messageId) : null;
  const route = meta ? snapshot.routesByVersion.get(meta.destinationVersionId) : undefined;
  if (
    !meta ||
    !route ||
    route.providerSystemId !== claims.systemId ||
    meta.environment !== claims.environment
  ) {
    return refuse(ctx, res, rec, MESSAGE_NOT_FOUND);
  }
  const handle = req.headers['x-lgsp-receipt-handle'];
  const leg = messageLegRecord(ctx.ids, 'ack', meta, route, snapshot, rec.requestInAt);
  leg.id = rec.id;
  leg.credentialId = claims.credentialId;
  leg.resourceTemplate = rec.resourceTemplate;
  let delivered: Awaited<ReturnType<typeof messaging.queue.ack>>;
  try {
    delivered = await messaging.queue.ack({ message: meta, token: String(handle ?? '') }, ctx.clock.nowMs());
  } catch (err) {
    if (err instanceof LgspError && err.code === 'MQ_CLAIM_LOST')
      return refuse(ctx, res, leg, refusal('MQ_CLAIM_LOST'));
    throw err;
  }
  leg.providerStatus = 200;
  leg.requestSha256 = EMPTY_SHA256;
  const receipt = await messaging.receipt(delivered, snapshot);
  answer(ctx, res, leg, 200, { ...messaging.status(delivered, snapshot), receipt });
  await messaging.delivered(delivered, snapshot);
}

/**
 * What a pulled message was sent to (issue 12 item 10), in headers since the pull's own URL is the inbox's:
 * `X-LGSP-Resource-Path` — the path after `/{context}/{version}` as the source sent it (still percent-encoded; '/'
 * for the version itself), `X-LGSP-Resource-Query` — the query without its `?` (absent when there is none), and
 * `X-LGSP-Resource-Template` — the declared template it matched. A message stored before has none of them.
 */
export function resourceHeaders(
  template: string | null,
  target: { path: string; query: string } | null,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (template !== null) headers['x-lgsp-resource-template'] = headerSafe(template);
  if (target !== null) {
    headers['x-lgsp-resource-path'] = headerSafe(target.path || '/');
    if (target.query.length > 1) headers['x-lgsp-resource-query'] = headerSafe(target.query.slice(1));
  }
  return headers;
}

/**
 * A request target may hold bytes a header value may not (node:http takes a raw URL's non-ASCII bytes as
 * Latin-1): each such byte is percent-encoded, so the value is printable ASCII and decodes to the same bytes.
 */
function headerSafe(text: string): string {
  if (!NOT_VISIBLE_ASCII.test(text)) return text;
  return text.replace(NOT_VISIBLE_ASCII_ALL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : encodeURIComponent(c);
  });
}

const NOT_VISIBLE_ASCII = /[^\x21-\x7e]/;
const NOT_VISIBLE_ASCII_ALL = /[^\x21-\x7e]/gu;

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { UNMATCHED_RESOURCE } from '../api/contract/transactions.ts';
import { type ErrorCode, toProblem } from '../core/errors.ts';
import { clientAddress } from '../net/client-address.ts';
import { newTransactionRecord, type TransactionRecord } from '../telemetry/record.ts';
import { statusEnvelope, wantsStatusEnvelope } from './client-conventions.ts';
import type { GatewayContext } from './context.ts';
import { type Refusal, refusal } from './policy.ts';

/**
 * The one place a gateway answer that the gateway itself writes becomes problem+json (RFC 9457) — or RFC 6749
 * JSON at `/token` — and a transaction record: refusals, successful answers of the platform's own
 * endpoints, and the unexpected-error path. Forwarded answers are the provider's own; `forward-handler.ts` relays
 * them and records through `finish`.
 */

/** The template of the token endpoint's records. */
export const TOKEN_TEMPLATE = '/token';
/** The template of the revocation endpoint's records (RFC 7009). */
export const REVOKE_TEMPLATE = '/revoke';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const OAUTH_NO_STORE = Object.freeze({ 'cache-control': 'no-store', pragma: 'no-cache' });

/** The record of a call that has just arrived: nothing known yet but its id, method, caller address and arrival time. */
export function blankRecord(ctx: GatewayContext, req: IncomingMessage, nowMs: number): TransactionRecord {
  const rec = newTransactionRecord(
    ctx.ids.next('txn', nowMs),
    req.method ?? 'GET',
    UNMATCHED_RESOURCE,
    'sync',
    nowMs,
  );
  rec.clientAddress = clientAddress(req, ctx.trustedProxies);
  return rec;
}

/**
 * Ends a transaction: its status, its error code and when its answer went out; then records it, once. In strict
 * durability returns the promise of the record being durable: give it to `endAfterRecord`.
 */
export function finish(
  ctx: GatewayContext,
  rec: TransactionRecord,
  status: number,
  errorCode: string | null,
): Promise<void> | void {
  rec.consumerStatus = status;
  rec.errorCode = errorCode;
  rec.responseOutAt = ctx.clock.nowMs();
  return ctx.records.record(rec);
}

/**
 * Releases an answer's last bytes (`body`, or none) once its record is durable — strict durability (issue 13 item
 * 5): a node that dies before that never answered the call — or at once when records are batched. A record that
 * can never be durable (the recorder closed first) cuts the connection: no answer without its record.
 */
export function endAfterRecord(
  res: ServerResponse,
  durable: Promise<void> | void,
  body?: string | Buffer,
): void {
  if (durable === undefined) res.end(body);
  else
    durable.then(
      () => res.end(body),
      () => res.destroy(),
    );
}

/** Whether `finish` has run for this record (its consumer status is set only there). */
function finished(rec: TransactionRecord): boolean {
  return rec.consumerStatus !== 0;
}

/** Writes a JSON answer; returns its length in bytes (for the record). */
export function json(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): number {
  const body = jsonHead(res, status, value, headers);
  res.end(body);
  return Buffer.byteLength(body);
}

/** Writes a JSON answer's status and headers; returns its body, for `res.end` or `endAfterRecord`. */
function jsonHead(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>>,
): string {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  return body;
}

/** A recorded JSON answer: its body goes out once its record is durable (strict) or at once (batched). */
function recordedJson(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  status: number,
  errorCode: string | null,
  value: unknown,
  headers: Readonly<Record<string, string>>,
): void {
  const body = jsonHead(res, status, value, headers);
  rec.responseBytes = Buffer.byteLength(body);
  endAfterRecord(res, finish(ctx, rec, status, errorCode), body);
}

/** A successful answer of the platform's own (a token, a message's status, an intake's 202), recorded. */
export function answer(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  status: number,
  value: unknown,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): void {
  recordedJson(ctx, res, rec, status, null, value, headers);
}

export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}

/** Up to this size an unread body is read and discarded by node:http, and the connection kept. */
const DRAIN_LIMIT_BYTES = 65_536;

/**
 * A refusal answered before a large (or chunked, so unknown) body was read closes the connection after the answer:
 * otherwise node:http would read and discard the rest of the body to keep the connection — 200 MB refused would be
 * 200 MB read (issue 10 item 7). A small body is drained, so that ordinary refused calls keep their connection.
 */
function closeIfBodyUnread(res: ServerResponse): void {
  const req = res.req;
  if (req === undefined || req.complete || !hasBody(req)) return;
  const length = req.headers['content-length'];
  if (length === undefined || Number(length) > DRAIN_LIMIT_BYTES) {
    res.setHeader('connection', 'close');
    // The response's socket: a request body undici gave up on (413 mid-stream) is detached from it.
    const socket = res.socket ?? req.socket;
    if (socket) lingerOnClose(socket);
  }
}

/** How long a connection closed after a refusal still reads (and discards) what the client keeps sending. */
const LINGER_MS = 1_000;

/**
 * Closes like nginx's `lingering_close`: a socket closed while the client's unread body sits in the kernel's
 * buffer is answered with a reset, and a client that receives the reset before it has read the refusal loses the
 * refusal too (a 413 cut mid-stream arrived empty under load). So node:http's close after the answer (it calls
 * `destroySoon` when the answer said `connection: close`) only ends our side: the answer and a FIN go out, what the
 * client still sends is read and discarded by the parser (the request is dumped), and the socket is destroyed when
 * the client closes or after `LINGER_MS`, whichever comes first.
 */
function lingerOnClose(socket: Socket): void {
  socket.destroySoon = function lingeringClose(this: Socket): void {
    this.end();
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.once('end', () => this.destroy());
    this.once('close', () => clearTimeout(timer));
  };
}

/** Answers a refusal as an RFC 9457 problem from the error registry, with the transaction id, and records it. */
export function refuse(ctx: GatewayContext, res: ServerResponse, rec: TransactionRecord, r: Refusal): void {
  ctx.stats.refused++;
  closeIfBodyUnread(res);
  const problem = toProblem(r.code, r.detail, { transactionId: rec.id, ...r.members });
  // Versions that opted in answer the envelope provincial clients parse instead (issue 12 item 8).
  const envelope =
    ctx.statusEnvelope !== null &&
    wantsStatusEnvelope(ctx.statusEnvelope, rec, res.req, ctx.snapshots.current);
  const body = JSON.stringify(envelope ? statusEnvelope(problem) : problem);
  const length = Buffer.byteLength(body);
  res.writeHead(problem.status, {
    'content-type': envelope ? 'application/json; charset=utf-8' : 'application/problem+json; charset=utf-8',
    'content-length': length,
    // A refusal is this call's alone: no cache keeps it (a 404 is cacheable by default, RFC 9111 §4.2.2), and no
    // browser reads it as anything but JSON.
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-lgsp-transaction-id': rec.id,
    ...r.headers,
  });
  rec.responseBytes = length;
  endAfterRecord(res, finish(ctx, rec, problem.status, r.code), body);
}

/** An RFC 6749 §5.2 error answer of the token endpoint (never cached), recorded under its registry code. */
export function oauthError(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  status: number,
  error: string,
  code: ErrorCode,
  description: string,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): void {
  ctx.stats.refused++;
  closeIfBodyUnread(res);
  recordedJson(
    ctx,
    res,
    rec,
    status,
    code,
    { error, error_description: description },
    { ...OAUTH_NO_STORE, 'x-lgsp-transaction-id': rec.id, ...headers },
  );
}

/** A token endpoint's successful answer (RFC 6749 §5.1: never cached). */
export function oauthAnswer(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  value: unknown,
): void {
  answer(ctx, res, rec, 200, value, { ...OAUTH_NO_STORE, 'x-lgsp-transaction-id': rec.id });
}

/**
 * Anything an endpoint did not expect: logged with the transaction id, answered 500 GW_INTERNAL — problem+json,
 * or RFC 6749 `server_error` at `/token` — and recorded, unless the answer has already started (then the connection
 * is cut; whoever started the answer records it) or the transaction is already recorded.
 */
export function failUnexpected(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  err: unknown,
): void {
  if (err instanceof ConsumerBodyBroken) {
    // The consumer's doing, not the platform's: recorded as the consumer leaving (499), never as a 500, and not
    // logged as an error — a client that breaks its uploads off on purpose must not fill the error log.
    res.destroy();
    if (!finished(rec)) finish(ctx, rec, 499, 'GW_CLIENT_CLOSED');
    return;
  }
  ctx.logger.error({ err, txn: rec.id }, 'cổng kết nối xử lý yêu cầu thất bại / gateway request failed');
  if (res.headersSent || finished(rec)) {
    res.destroy();
    return;
  }
  try {
    if (rec.resourceTemplate === TOKEN_TEMPLATE || rec.resourceTemplate === REVOKE_TEMPLATE) {
      const description = 'Lỗi hệ thống / internal error';
      oauthError(ctx, res, rec, 500, 'server_error', 'GW_INTERNAL', description);
    } else {
      refuse(ctx, res, rec, INTERNAL);
    }
  } catch (again) {
    // The record sink itself failed: the answer is out, and the log is all that is left.
    ctx.logger.error(
      { err: again, txn: rec.id },
      'cổng kết nối không ghi được bản ghi giao dịch của yêu cầu thất bại / gateway could not record a failed request',
    );
    if (!res.headersSent) res.destroy();
  }
}

const INTERNAL = refusal('GW_INTERNAL');

/**
 * The consumer's request body broke off while an endpoint read it: the consumer closed the connection, or sent a
 * body node:http cannot parse (a bad chunk size, a Transfer-Encoding other than chunked) — then the parser's own
 * 400 has already gone out (net/client-error.ts). `failUnexpected` records it as the consumer's (499).
 */
export class ConsumerBodyBroken extends Error {
  constructor(cause: unknown) {
    super("the consumer's request body broke off", { cause });
    this.name = 'ConsumerBodyBroken';
  }
}

/**
 * Reads a body of at most `limit` bytes; null as soon as it is known to be larger — from its Content-Length, before
 * a byte is read, or when the bytes read pass the limit. The rest is never read: the refusal that follows closes
 * the connection (`closeIfBodyUnread`). A body that breaks off rejects with `ConsumerBodyBroken`.
 */
export function readSmallBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      req.pause();
      resolve(null);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', (err) => reject(new ConsumerBodyBroken(err)));
  });
}

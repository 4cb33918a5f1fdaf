import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { applyFieldMapping, type FieldMapping, isJsonContentType } from '../core/field-mapping.ts';
import { EMPTY_SHA256, sha256Hex } from '../core/hashing.ts';
import { forwardedOrigin } from '../net/client-address.ts';
import { AbortingDeadline, restartDeadlineClock, stopDeadlineClock } from '../net/deadlines.ts';
import { readAtMost } from '../net/read-limit.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { Route, Upstream } from './compiled-snapshot.ts';
import { type GatewayContext, poolFor } from './context.ts';
import { finish, hasBody, readSmallBody, refuse } from './exchange.ts';
import { transportRefusal } from './forward-handler.ts';
import { requestHeadersForUpstream, responseHeadersForConsumer } from './headers.ts';
import { bodyLimit, bodyTooLarge, type Refusal, refusal } from './policy.ts';

/**
 * A call to a version that declares a JSON field mapping (issue 12 item 6, R-26; docs/gateway.md "Ánh xạ trường"):
 * the same forwarding as `proxy.ts`'s, except that a JSON body is read whole, reshaped by the version's mapping
 * (src/core/field-mapping.ts) and sent on — the consumer's request before the provider sees it, the provider's
 * answer before the consumer does. A body that is not JSON (`application/json` or `+json`) passes untouched.
 * Versions without a mapping never come here (a precomputed field of the route), so they pay nothing.
 *
 * What the record's hashes cover (R-02, R-06; docs/gateway.md): the request hash is of the body as the consumer
 * sent it, the answer hash of the body as the consumer received it — the consumer's leg, which it can reproduce;
 * the mapping (data, kept with the version) says what the provider's leg carried.
 *
 * R-03: the provider's whole answer must be in within `upstreamTimeoutMs` of the forward (the consumer's body is read
 * before it starts), as in `forward-handler.ts`: before the answer began 504, after it the connection is cut.
 */
export async function mappedForward(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  upstream: Upstream,
  path: string,
  query: string,
): Promise<void> {
  const mapping = route.fieldMapping!;
  const read = await readConsumerBody(ctx, req, route);
  if (!read.ok) return refuse(ctx, res, rec, read);
  const body = read.body;
  rec.requestBytes = body?.length ?? 0;
  rec.requestSha256 = body ? sha256Hex(body) : EMPTY_SHA256;
  let sent = body;
  const headers = requestHeadersForUpstream(req.rawHeaders, req.headers, {
    transactionId: rec.id,
    consumerSystemId: rec.consumerSystemId!,
    consumerOrgCode: rec.consumerOrgCode ?? '',
    environment: rec.environment!,
    ...forwardedOrigin(req, ctx.trustedProxies),
  });
  if (mapping.request !== null && body !== null && isJsonContentType(req.headers['content-type'])) {
    const mapped = mapJson(body, mapping.request);
    if (mapped === null) return refuse(ctx, res, rec, NOT_JSON);
    sent = mapped;
  }
  ctx.stats.forwarded++;
  // `/dkkd/2.0` alone is the version's root: the provider gets at least `/`.
  const resourcePath = path.length > route.pathPrefix.length ? path.slice(route.pathPrefix.length) : '/';
  rec.requestOutAt = ctx.clock.nowMs();
  const deadline = new AbortingDeadline(ctx.upstreamTimeoutMs);
  try {
    await exchange(ctx, res, rec, route, upstream, deadline, resourcePath + query, headers, sent);
  } finally {
    deadline.done();
  }
}

/** The provider's leg of a mapped call, within its deadline. */
async function exchange(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  upstream: Upstream,
  deadline: AbortingDeadline,
  pathAndQuery: string,
  headers: string[],
  sent: Buffer | null,
): Promise<void> {
  const mapping = route.fieldMapping!;
  let answer: Dispatcher.ResponseData;
  try {
    answer = await poolFor(ctx, upstream.origin).request({
      path: upstream.basePath + pathAndQuery,
      method: rec.method as Dispatcher.HttpMethod,
      // The length is the body's as sent (undici sets it): the consumer's may differ once mapped.
      headers: withoutContentLength(headers),
      body: sent,
      signal: deadline.signal,
      headersTimeout: ctx.upstreamTimeoutMs,
      bodyTimeout: ctx.upstreamTimeoutMs,
    });
  } catch (err) {
    return refuse(ctx, res, rec, transportRefusal(ctx, rec, route, err));
  }
  rec.responseInAt = ctx.clock.nowMs();
  rec.providerStatus = answer.statusCode;
  const out = responseHeadersForConsumer(
    answer.headers,
    rec.id,
    route.deprecationHeaders,
    upstream,
    route.pathPrefix,
  );
  const contentType = answer.headers['content-type'];
  if (
    mapping.response === null ||
    !isJsonContentType(typeof contentType === 'string' ? contentType : undefined)
  ) {
    return relay(ctx, res, rec, answer, out, deadline);
  }
  let whole: Buffer | null;
  try {
    whole = await readAtMost(answer.body, ctx.config.gateway.compositeMaxResponseBytes);
  } catch (err) {
    // The answer broke off, or its deadline passed, before the consumer was told anything: a problem, as above.
    return refuse(ctx, res, rec, transportRefusal(ctx, rec, route, err));
  }
  if (whole === null) {
    return refuse(
      ctx,
      res,
      rec,
      refusal('GW_UPSTREAM_ANSWER_INVALID', `> ${ctx.config.gateway.compositeMaxResponseBytes} byte`),
    );
  }
  // An answer that says JSON but is not is passed on as the provider sent it: the mapping names JSON fields.
  const mapped = mapJson(whole, mapping.response) ?? whole;
  delete out['content-length'];
  out['content-length'] = mapped.length;
  sendWhole(ctx, res, rec, answer.statusCode, out, mapped);
}

const NOT_JSON = refusal('GW_REQUEST_NOT_JSON');

/** The consumer's body read whole, at most the version's limit; null when there is none. */
export async function readConsumerBody(
  ctx: GatewayContext,
  req: IncomingMessage,
  route: Route,
): Promise<{ ok: true; body: Buffer | null } | Refusal> {
  if (!hasBody(req)) return { ok: true, body: null };
  const limit = bodyLimit(route, ctx.config.gateway.maxRequestBodyBytes);
  const body = await readSmallBody(
    req,
    Number.isFinite(limit) ? limit : ctx.config.gateway.maxRequestBodyBytes,
  );
  return body === null ? bodyTooLarge(limit) : { ok: true, body };
}

/** A JSON body reshaped, as bytes; null when it is not JSON. */
function mapJson(body: Buffer, mapping: FieldMapping): Buffer | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  return Buffer.from(JSON.stringify(applyFieldMapping(value, mapping)));
}

function withoutContentLength(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'content-length') out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** Sends an answer the gateway holds whole, and records it with its size and hash (the consumer's leg). */
export function sendWhole(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  status: number,
  headers: Record<string, string | string[] | number | undefined>,
  body: Buffer,
): void {
  rec.responseBytes = body.length;
  rec.responseSha256 = sha256Hex(body);
  res.writeHead(status, headers);
  res.end(body);
  finish(ctx, rec, status, null);
}

/** Relays an answer that is not reshaped as it streams, hashing it on the way (like `ForwardHandler`). */
async function relay(
  ctx: GatewayContext,
  res: ServerResponse,
  rec: TransactionRecord,
  answer: Dispatcher.ResponseData,
  headers: Record<string, string | string[] | number | undefined>,
  deadline: AbortingDeadline,
): Promise<void> {
  const hash = createHash('sha256');
  let bytes = 0;
  res.writeHead(answer.statusCode, headers);
  const gone = () => answer.body.destroy();
  res.once('close', gone);
  try {
    for await (const chunk of answer.body) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      if (!res.write(chunk)) {
        // The consumer's reading is not the provider's time: the deadline's clock stops meanwhile.
        stopDeadlineClock(deadline);
        await new Promise<void>((r) => res.once('drain', r));
        restartDeadlineClock(deadline);
      }
    }
    res.end();
    rec.responseBytes = bytes;
    rec.responseSha256 = hash.digest('hex');
    finish(ctx, rec, answer.statusCode, null);
  } catch {
    // The consumer hung up, the provider cut its answer, or its deadline passed: the status line is sent, the
    // connection is cut (the consumer never takes a truncated answer for a whole one).
    rec.responseBytes = bytes;
    const consumerGone = res.destroyed && !deadline.expired;
    res.destroy();
    if (consumerGone) finish(ctx, rec, 499, 'GW_CLIENT_CLOSED');
    else
      finish(
        ctx,
        rec,
        answer.statusCode,
        deadline.expired ? 'GW_UPSTREAM_TIMEOUT' : 'GW_UPSTREAM_UNREACHABLE',
      );
  } finally {
    res.off('close', gone);
  }
}

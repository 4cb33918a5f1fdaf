import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { applyFieldMapping, isJsonContentType } from '../core/field-mapping.ts';
import { EMPTY_SHA256, sha256Hex } from '../core/hashing.ts';
import { AbortingDeadline } from '../net/deadlines.ts';
import { readAtMost } from '../net/read-limit.ts';
import type { TransactionRecord } from '../telemetry/record.ts';
import type { CompiledResource, Route, Upstream } from './compiled-snapshot.ts';
import { type GatewayContext, poolFor } from './context.ts';
import { refuse } from './exchange.ts';
import { transportRefusal } from './forward-handler.ts';
import { readConsumerBody, sendWhole } from './mapped-forward.ts';
import { type Refusal, refusal } from './policy.ts';
import type { CompiledSoap, SoapSend } from './soap-rest-table.ts';

/**
 * A SOAP 1.1/1.2 service exposed as REST/JSON (issue 12 item 6, R-26; docs/soap-rest.md). The maintained `soap`
 * library does what it is good at — the WSDL's model, the envelope built from JSON by the WSDL's schema, the answer
 * read back into JSON typed by it (numbers, booleans, arrays for maxOccurs > 1), SOAP faults — and the gateway does
 * the exchange: `soap` is given an HTTP client (`GatewayExchange`) that sends through the gateway's own pool to the
 * version's upstream, whose connector checks the egress policy against the resolved address at connect time
 * (issue 10). `soap`'s own axios client is never created, and the WSDL's `soap:address` is never called.
 * The provider's whole answer must be in within `upstreamTimeoutMs` (R-03), or the call is 504 GW_UPSTREAM_TIMEOUT.
 */

/** One call's exchange with the provider, as far as it went. */
interface Leg {
  /** Set when the provider gave no answer at all (timeout, egress, unreachable): answered as in `forward`. */
  transportError: unknown;
  tooLarge: boolean;
}

/**
 * Sends one envelope `soap` built to the version's upstream through the gateway's pool — whose connector checks
 * the egress policy against the resolved address (issue 10) — and reads the answer whole, at most
 * `gateway.compositeMaxResponseBytes`, and all of it within `upstreamTimeoutMs` (R-03: its deadline).
 */
function sender(
  ctx: GatewayContext,
  rec: TransactionRecord,
  upstream: Upstream,
  identity: Record<string, string>,
  leg: Leg,
): SoapSend {
  return (envelope, soapHeaders, callback) => {
    rec.requestOutAt = ctx.clock.nowMs();
    void (async () => {
      let answer: Dispatcher.ResponseData;
      let body: Buffer | null;
      const deadline = new AbortingDeadline(ctx.upstreamTimeoutMs);
      try {
        answer = await poolFor(ctx, upstream.origin).request({
          path: upstream.basePath || '/',
          method: 'POST',
          headers: { ...soapHeaders, ...identity },
          body: envelope,
          signal: deadline.signal,
          headersTimeout: ctx.upstreamTimeoutMs,
          bodyTimeout: ctx.upstreamTimeoutMs,
        });
        rec.responseInAt = ctx.clock.nowMs();
        rec.providerStatus = answer.statusCode;
        body = await readAtMost(answer.body, ctx.config.gateway.compositeMaxResponseBytes);
      } catch (err) {
        leg.transportError = err;
        callback(err);
        return;
      } finally {
        deadline.done();
      }
      if (body === null) {
        leg.tooLarge = true;
        callback(new Error('answer too large'));
        return;
      }
      const text = body.toString('utf8');
      callback(null, { status: answer.statusCode, headers: answer.headers, data: text }, text);
    })();
  };
}

/** An XML name a JSON key may become: anything else (`$xml`, `a><b`) could write raw XML into the envelope. */
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;
/** Keys `soap` reads as instructions, not elements (raw XML, attributes, text value). */
const SOAP_KEYS = new Set(['attributes', '$attributes', '$value', '$xml', '$type']);

/** Whether every key of a JSON value (at any depth) can only become an element name. */
function safeKeys(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (Array.isArray(value)) return value.every((v) => safeKeys(v, depth + 1));
  if (value === null || typeof value !== 'object') return true;
  for (const [key, v] of Object.entries(value)) {
    if (!XML_NAME.test(key) || SOAP_KEYS.has(key) || !safeKeys(v, depth + 1)) return false;
  }
  return true;
}

const NOT_JSON = refusal('GW_REQUEST_NOT_JSON');
const INTERNAL = refusal('GW_INTERNAL', 'WSDL');
const WSDL_UNUSABLE = refusal('GW_SOAP_WSDL_UNUSABLE');

/** The compilations whose failure has been logged: once for the operator, not once a call. */
const reported = new WeakSet<CompiledSoap>();

/** The text of a fault as `soap` read it: SOAP 1.1 `faultstring`, SOAP 1.2 `Reason/Text`. */
function faultOf(err: unknown): { code: string | null; text: string } | null {
  const fault = (err as { root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } } }).root
    ?.Envelope?.Body?.Fault;
  if (!fault) return null;
  const text = (v: unknown): string | null =>
    typeof v === 'string'
      ? v
      : v !== null && typeof v === 'object' && typeof (v as { $value?: unknown }).$value === 'string'
        ? (v as { $value: string }).$value
        : null;
  const reason = fault['Reason'] as { Text?: unknown } | undefined;
  const code = fault['Code'] as { Value?: unknown } | undefined;
  return {
    code: text(fault['faultcode']) ?? text(code?.Value) ?? null,
    text: (text(fault['faultstring']) ?? text(reason?.Text) ?? '').slice(0, 1000),
  };
}

/**
 * One REST call converted (docs/soap-rest.md): the operation of the matched resource is called with the query's
 * fields (GET) or the JSON object body (POST, after the version's request mapping); its result is the JSON answer
 * (after the response mapping); a SOAP fault is 502 GW_SOAP_FAULT with the fault string. The record's hashes are the
 * consumer's leg (the JSON it sent and received), like every reshaped call (src/gateway/mapped-forward.ts).
 */
export async function soapRestCall(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  upstream: Upstream,
  resource: CompiledResource,
  query: string,
): Promise<void> {
  const soapRoute = route.soapRest!;
  // Compiled by now, except for the first calls after the WSDL changed: they wait for it (docs/soap-rest.md).
  const soap = await soapRoute.compiled;
  const operation = soapRoute.operations.get(`${resource.method} ${resource.template}`);
  if (operation === undefined) {
    ctx.logger.error(
      { txn: rec.id, version: route.versionId },
      'phiên bản SOAP-as-REST không có thao tác tương ứng / SOAP-as-REST version without its operation',
    );
    return refuse(ctx, res, rec, INTERNAL);
  }
  if (soap.methods === null || typeof soap.methods[operation] !== 'function') {
    // The WSDL passed at submission but does not compile here (a library that reads it otherwise, a document
    // changed under the control plane): the provider's side of the service is unusable — a gateway-class 502 the
    // consumer can tell from the gateway's own failure, recorded as every call is; the operator is told once.
    if (!reported.has(soap)) {
      reported.add(soap);
      ctx.logger.error(
        {
          txn: rec.id,
          version: route.versionId,
          operation,
          reason: soap.failure ?? `operation ${operation} not found in the WSDL's port`,
        },
        'không dựng được WSDL của phiên bản SOAP-as-REST; mọi lời gọi tới nó được trả lời 502 cho đến khi WSDL được thay / the WSDL of a SOAP-as-REST version does not compile; its calls are answered 502 until the WSDL is replaced',
      );
    }
    return refuse(ctx, res, rec, WSDL_UNUSABLE);
  }
  const read = await readConsumerBody(ctx, req, route);
  if (!read.ok) return refuse(ctx, res, rec, read);
  rec.requestBytes = read.body?.length ?? 0;
  rec.requestSha256 = read.body ? sha256Hex(read.body) : EMPTY_SHA256;

  let args: unknown;
  if (resource.method === 'GET') {
    const params = new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
    const fields: Record<string, string> = {};
    for (const name of soap.inputFields.get(operation) ?? []) {
      const value = params.get(name);
      if (value !== null) fields[name] = value;
    }
    args = fields;
  } else {
    if (read.body === null || !isJsonContentType(req.headers['content-type']))
      return refuse(ctx, res, rec, NOT_JSON);
    try {
      args = JSON.parse(read.body.toString('utf8'));
    } catch {
      return refuse(ctx, res, rec, NOT_JSON);
    }
    if (args === null || typeof args !== 'object' || Array.isArray(args))
      return refuse(ctx, res, rec, NOT_JSON);
  }
  const mapping = route.fieldMapping;
  if (mapping?.request) args = applyFieldMapping(args, mapping.request);
  // R-24: what the consumer sends becomes XML element names only; `soap`'s instruction keys are refused.
  if (!safeKeys(args))
    return refuse(
      ctx,
      res,
      rec,
      refusal('GW_REQUEST_NOT_JSON', 'tên trường không hợp lệ / field names must be XML names'),
    );

  const leg: Leg = { transportError: null, tooLarge: false };
  const identity = {
    'x-lgsp-transaction-id': rec.id,
    'x-lgsp-consumer-system': rec.consumerSystemId ?? '',
    'x-lgsp-consumer-organization': rec.consumerOrgCode ?? '',
    'x-lgsp-environment': rec.environment ?? '',
  };
  const lgspSend = sender(ctx, rec, upstream, identity, leg);
  ctx.stats.forwarded++;
  const outcome = await new Promise<{ err: unknown; result: unknown }>((resolve) => {
    try {
      soap.methods![operation]!(args, (err, result) => resolve({ err, result }), { lgspSend });
    } catch (err) {
      // `soap` refuses some inputs while building the envelope (a value its schema cannot hold).
      resolve({ err, result: undefined });
    }
  });
  if (outcome.err) return refuse(ctx, res, rec, failureOf(ctx, rec, route, leg, outcome.err));
  let body: Buffer;
  try {
    let value: unknown = outcome.result ?? null;
    if (mapping?.response) value = applyFieldMapping(value, mapping.response);
    body = Buffer.from(JSON.stringify(value));
  } catch {
    // The provider's answer as `soap` parsed it, nested deeper than JSON.stringify's recursion reaches (a consumer's
    // JSON cannot be: `safeKeys` stops at depth 32): no JSON can be made of it — the provider's fault, a 502.
    return refuse(ctx, res, rec, ANSWER_NESTED_TOO_DEEPLY);
  }
  sendWhole(
    ctx,
    res,
    rec,
    200,
    {
      'content-type': 'application/json; charset=utf-8',
      'content-length': body.length,
      'x-lgsp-transaction-id': rec.id,
      ...route.deprecationHeaders,
    },
    body,
  );
}

const ANSWER_NESTED_TOO_DEEPLY = refusal(
  'GW_UPSTREAM_ANSWER_INVALID',
  'lồng nhau quá sâu / nested too deeply',
);

/** Why a converted call failed, as the consumer's refusal. */
function failureOf(
  ctx: GatewayContext,
  rec: TransactionRecord,
  route: Route,
  leg: Leg,
  err: unknown,
): Refusal {
  if (leg.transportError !== null) return transportRefusal(ctx, rec, route, leg.transportError);
  if (leg.tooLarge)
    return refusal('GW_UPSTREAM_ANSWER_INVALID', `> ${ctx.config.gateway.compositeMaxResponseBytes} byte`);
  const fault = faultOf(err);
  if (fault) {
    return refusal('GW_SOAP_FAULT', fault.text, undefined, {
      faultCode: fault.code,
      faultString: fault.text,
    });
  }
  if (rec.requestOutAt === null) {
    // Nothing was sent: `soap` could not build the envelope from the consumer's JSON.
    return refusal('GW_REQUEST_NOT_JSON', (err as Error)?.message?.slice(0, 200));
  }
  return refusal('GW_UPSTREAM_ANSWER_INVALID', `HTTP ${rec.providerStatus ?? '?'}`);
}

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { UNMATCHED_RESOURCE } from '../api/contract/transactions.ts';
import { ERRORS, type ErrorCode } from '../core/errors.ts';
import { EMPTY_SHA256 } from '../core/hashing.ts';
import { HEADER } from '../federation/wire.ts';
import { AbortingDeadline, isTimeout } from '../net/deadlines.ts';
import { isEgressDenied } from '../net/egress.ts';
import { newTransactionRecord, noteService, type TransactionRecord } from '../telemetry/record.ts';
import type { CompiledResource, CompiledSnapshot, Route } from './compiled-snapshot.ts';
import {
  type CompiledBackend,
  fill,
  mergeInto,
  newAnswer,
  resourceParams,
  shape,
  type TemplateValues,
} from './composite-plan.ts';
import { type GatewayContext, poolFor } from './context.ts';
import { endAfterRecord, finish, refuse } from './exchange.ts';
import { originHeaders } from './federated-forward.ts';
import {
  environment,
  maintenance,
  quota,
  refusal,
  resourceFor,
  subscriptionFor,
  timeWindow,
  versionState,
} from './policy.ts';
import type { TokenClaims } from './tokens.ts';

/**
 * A call to a composite service (R-17, issue 12 item 5; docs/aggregation.md): the consumer's call has passed every
 * policy step of `proxy.ts` against the composite itself (its subscription, quota, window); the gateway then calls
 * each backend **as the composite's provider system** through the same decisions a direct call meets — version
 * state, environment, resource, maintenance, that system's subscription, window and quota — records
 * each call as a child of the consumer's transaction, and merges the answers in memory (R-02: only sizes and
 * SHA-256 are kept; the total read is bounded by `gateway.compositeMaxResponseBytes`). The answer says whether
 * every backend answered (`X-LGSP-Completed`, KrakenD's `x-krakend-completed`); a required backend failing, or
 * every backend failing, is 502 GW_COMPOSITE_INCOMPLETE.
 */

interface Outcome {
  target: string;
  ok: boolean;
  /** What the backend (or the gateway on its behalf) answered; null when no call was made. */
  status: number | null;
  /** Why it failed, as a registry code when the gateway decided it (timeout, refusal…). */
  errorCode: string | null;
  /** Why it failed, in words (no payload): `HTTP 500`, `not JSON`, a placeholder without a value. */
  reason: string | null;
  transactionId: string | null;
}

/** Shared by the backend calls of one composite call. */
interface Run {
  ctx: GatewayContext;
  snapshot: CompiledSnapshot;
  route: Route;
  parent: TransactionRecord;
  env: TokenClaims['environment'];
  values: TemplateValues;
  answers: unknown[];
  /** Bytes the backends may still send before the composite is too large. */
  budget: number;
  tooLarge: boolean;
  abort: AbortController;
  firstOutAt: number | null;
  lastInAt: number | null;
}

const COMPLETED = 'x-lgsp-completed';
const EMPTY_BODY = Buffer.alloc(0);
const TOO_LARGE = 'GW_COMPOSITE_TOO_LARGE' as const;

export async function runComposite(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  route: Route,
  claims: TokenClaims,
  resource: CompiledResource,
  segments: string[],
  start: number,
  query: string,
): Promise<void> {
  const plan = route.composite!;
  // Composite resources are GETs: anything sent is read and dropped, never passed on.
  req.resume();
  const run: Run = {
    ctx,
    snapshot,
    route,
    parent: rec,
    env: claims.environment,
    values: {
      params: resourceParams(resource.template, segments, start),
      query: new URLSearchParams(query.startsWith('?') ? query.slice(1) : query),
      answers: [],
    },
    answers: [],
    budget: ctx.config.gateway.compositeMaxResponseBytes,
    tooLarge: false,
    abort: new AbortController(),
    firstOutAt: null,
    lastInAt: null,
  };
  run.values = { ...run.values, answers: run.answers };
  let clientGone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    clientGone = true;
    run.abort.abort(new Error('consumer closed the connection'));
  };
  res.once('close', onClose);

  const outcomes: Outcome[] = [];
  if (plan.sequential) {
    for (const [i, backend] of plan.backends.entries()) {
      const outcome = await callBackend(run, backend, i);
      outcomes.push(outcome);
      // The answer is a 502 anyway: the rest are not called.
      if ((!outcome.ok && backend.required) || run.tooLarge || clientGone) break;
    }
  } else {
    outcomes.push(...(await Promise.all(plan.backends.map((b, i) => callBackend(run, b, i)))));
  }

  rec.requestOutAt = run.firstOutAt;
  rec.responseInAt = run.lastInAt;
  rec.requestSha256 = EMPTY_SHA256;
  if (clientGone) {
    finish(ctx, rec, 499, 'GW_CLIENT_CLOSED');
    return;
  }
  res.off('close', onClose);
  const limit = ctx.config.gateway.compositeMaxResponseBytes;
  if (run.tooLarge) return refuse(ctx, res, rec, refusal(TOO_LARGE, `> ${limit} byte`, NOT_COMPLETE));
  const failedRequired = plan.backends.some((b, i) => b.required && !outcomes[i]?.ok);
  const succeeded = outcomes.filter((o) => o.ok).length;
  if (failedRequired || succeeded === 0) {
    const failed = outcomes.filter((o) => !o.ok);
    return refuse(
      ctx,
      res,
      rec,
      refusal(
        'GW_COMPOSITE_INCOMPLETE',
        failed.map((o) => `${o.target}: ${o.reason ?? o.errorCode ?? o.status}`).join('; '),
        NOT_COMPLETE,
        { backends: outcomes.map(publicOutcome) },
      ),
    );
  }

  const answer = newAnswer();
  for (const [i, backend] of plan.backends.entries()) {
    if (outcomes[i]?.ok) mergeInto(answer, backend, shape(run.answers[i], backend));
  }
  const body = Buffer.from(JSON.stringify(answer));
  if (body.length > limit) return refuse(ctx, res, rec, refusal(TOO_LARGE, `> ${limit} byte`, NOT_COMPLETE));
  const complete = succeeded === plan.backends.length;
  rec.providerStatus = 200;
  rec.responseBytes = body.length;
  rec.responseSha256 = createHash('sha256').update(body).digest('hex');
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'x-lgsp-transaction-id': rec.id,
    [COMPLETED]: complete ? 'true' : 'false',
    ...route.deprecationHeaders,
  });
  endAfterRecord(res, finish(ctx, rec, 200, null), body);
}

const NOT_COMPLETE = Object.freeze({ [COMPLETED]: 'false' });

/** What the consumer learns of each backend in a 502: which, whether it answered, and the code — no payload. */
function publicOutcome(o: Outcome) {
  return {
    target: o.target,
    ok: o.ok,
    status: o.status,
    errorCode: o.errorCode,
    transactionId: o.transactionId,
  };
}

const failed = (
  target: string,
  status: number | null,
  errorCode: string | null,
  reason: string | null,
  transactionId: string | null,
): Outcome => ({ target, ok: false, status, errorCode, reason, transactionId });

/** One backend call, as the composite's provider system; its record is a child of the consumer's. */
async function callBackend(run: Run, backend: CompiledBackend, index: number): Promise<Outcome> {
  const { ctx, snapshot } = run;
  const path = fill(backend.pathParts, run.values);
  if (typeof path !== 'string') return failed(backend.target, null, null, path.problem, null);
  let search = '';
  for (const [name, parts] of backend.queryParts) {
    const value = fill(parts, run.values);
    if (typeof value !== 'string') return failed(backend.target, null, null, value.problem, null);
    search += `${search ? '&' : '?'}${encodeURIComponent(name)}=${value}`;
  }

  const nowMs = ctx.clock.nowMs();
  const child = newTransactionRecord(ctx.ids.next('txn', nowMs), 'GET', UNMATCHED_RESOURCE, 'sync', nowMs);
  child.parentTransactionId = run.parent.id;
  child.consumerSystemId = run.route.providerSystemId;
  child.consumerOrgCode = run.route.providerOrgCode;
  child.environment = run.env;
  child.requestSha256 = EMPTY_SHA256;
  const target = snapshot.routesByVersion.get(backend.versionId);
  const refused = (code: ErrorCode, detail?: string) => settleRefusal(run, child, backend, code, detail);
  if (target === undefined) return refused('GW_ROUTE_NOT_FOUND');
  noteService(child, target);
  // A backend that became a composite is not called: one level only (src/control/composites.ts).
  if (target.composite !== null) return refused('GW_ROUTE_NOT_FOUND', 'composite');
  // The composite's provider system is the caller: its subscriptions, windows and quotas decide.
  const caller = { systemId: run.route.providerSystemId, environment: run.env } as TokenClaims;
  const segments = path.split('/');
  const version = versionState(target, nowMs);
  if (!version.ok) return settleRefusal(run, child, backend, version.code, version.detail);
  const inEnvironment = environment(target, run.env);
  if (!inEnvironment.ok) return settleRefusal(run, child, backend, inEnvironment.code, inEnvironment.detail);
  const resource = resourceFor(target, 'GET', segments, 1, run.env);
  if (!resource.ok) return settleRefusal(run, child, backend, resource.code, resource.detail);
  child.resourceTemplate = resource.template;
  const closed = maintenance(snapshot, target.serviceId, nowMs, ctx.timezoneOffsetMs);
  if (!closed.ok) return settleRefusal(run, child, backend, closed.code, closed.detail);
  const policy = subscriptionFor(snapshot, caller, target);
  if (!policy.ok) return settleRefusal(run, child, backend, policy.code, policy.detail);
  const window = timeWindow(policy, nowMs, ctx.timezoneOffsetMs);
  if (!window.ok) return settleRefusal(run, child, backend, window.code, window.detail);
  const counted = await quota(ctx.quotas, policy, nowMs);
  if (!counted.ok) return settleRefusal(run, child, backend, counted.code, counted.detail);
  if (ctx.records.overloaded) return refused('GW_RECORDER_BACKLOG');

  // An imported version (issue 12 item 5) is called through federation: our token for its peer, the original
  // consumer as the represented party, this child record's id end to end, our signature (docs/federation.md).
  const peerTarget = target.peer;
  let outbound: Awaited<ReturnType<typeof originHeaders>> | null = null;
  if (peerTarget !== null) {
    child.representedOrgCode = run.parent.representedOrgCode ?? run.parent.consumerOrgCode;
    child.representedSystem = run.parent.representedSystem ?? run.parent.consumerSystemId;
    child.endToEndId = child.id;
    child.peerId = peerTarget.peer.id;
    try {
      outbound = await originHeaders(ctx, peerTarget, child, path + search, EMPTY_BODY, {
        accept: 'application/json',
      });
    } catch (err) {
      ctx.logger.warn(
        { txn: child.id, peer: peerTarget.peer.code, err: (err as Error).message },
        'không lấy được token từ nền tảng ngang hàng / peer token failed',
      );
      return refused('GW_FED_PEER_UNAVAILABLE', peerTarget.peer.code);
    }
    child.federation = outbound.evidence;
  }
  const upstream = target.upstreams[run.env]!;
  // The backend's whole answer (headers and body) within its timeout, as every exchange with a provider.
  const timeoutMs = Math.min(backend.timeoutMs, ctx.upstreamTimeoutMs);
  const deadline = new AbortingDeadline(timeoutMs);
  const onParentAbort = () => deadline.abort(run.abort.signal.reason);
  run.abort.signal.addEventListener('abort', onParentAbort, { once: true });
  ctx.stats.forwarded++;
  child.requestOutAt = ctx.clock.nowMs();
  run.firstOutAt ??= child.requestOutAt;
  try {
    const limits = { signal: deadline.signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
    const answer =
      outbound && peerTarget
        ? await ctx.peers.agentFor(peerTarget.peer).request({
            origin: peerTarget.origin,
            path: peerTarget.basePath + path + search,
            method: 'GET',
            headers: outbound.headers,
            ...limits,
          })
        : await poolFor(ctx, upstream.origin).request({
            path: upstream.basePath + path + search,
            method: 'GET',
            headers: {
              accept: 'application/json',
              'x-lgsp-transaction-id': child.id,
              'x-lgsp-parent-transaction-id': run.parent.id,
              'x-lgsp-consumer-system': run.route.providerSystemId,
              'x-lgsp-consumer-organization': run.route.providerOrgCode,
              'x-lgsp-environment': run.env,
            },
            ...limits,
          });
    if (outbound && peerTarget) {
      const evidence = outbound.evidence;
      evidence.answerBound = answer.headers[HEADER.requestHash] === evidence.requestHash;
      // The peer refused our token (revoked, or its keys rotated): the next call fetches a new one.
      if (answer.statusCode === 401) ctx.peers.forgetToken(peerTarget.peer.id, outbound.token);
    }
    child.responseInAt = ctx.clock.nowMs();
    child.providerStatus = answer.statusCode;
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of answer.body) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      run.budget -= buf.length;
      if (run.budget < 0) {
        run.tooLarge = true;
        run.abort.abort(new Error('composite too large'));
        answer.body.destroy();
        break;
      }
      hash.update(buf);
      chunks.push(buf);
    }
    child.responseBytes = bytes;
    child.responseInAt = ctx.clock.nowMs();
    run.lastInAt = Math.max(run.lastInAt ?? 0, child.responseInAt);
    if (run.tooLarge) {
      finish(ctx, child, answer.statusCode, TOO_LARGE);
      return failed(backend.target, answer.statusCode, TOO_LARGE, null, child.id);
    }
    child.responseSha256 = hash.digest('hex');
    finish(ctx, child, answer.statusCode, null);
    if (answer.statusCode < 200 || answer.statusCode >= 300) {
      return failed(backend.target, answer.statusCode, null, `HTTP ${answer.statusCode}`, child.id);
    }
    try {
      run.answers[index] = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return failed(backend.target, answer.statusCode, null, 'không phải JSON / not JSON', child.id);
    }
    return {
      target: backend.target,
      ok: true,
      status: answer.statusCode,
      errorCode: null,
      reason: null,
      transactionId: child.id,
    };
  } catch (err) {
    run.lastInAt = Math.max(run.lastInAt ?? 0, ctx.clock.nowMs());
    const code: ErrorCode = deadline.expired
      ? 'GW_UPSTREAM_TIMEOUT'
      : run.tooLarge
        ? TOO_LARGE
        : run.abort.signal.aborted
          ? 'GW_CLIENT_CLOSED'
          : isEgressDenied(err)
            ? 'GW_EGRESS_DENIED'
            : isTimeout(err)
              ? 'GW_UPSTREAM_TIMEOUT'
              : 'GW_UPSTREAM_UNREACHABLE';
    const status = code === 'GW_UPSTREAM_TIMEOUT' ? 504 : code === 'GW_CLIENT_CLOSED' ? 499 : 502;
    finish(ctx, child, child.providerStatus ?? status, code);
    return failed(
      backend.target,
      child.providerStatus ?? status,
      code,
      code === 'GW_UPSTREAM_TIMEOUT' ? `> ${timeoutMs} ms` : null,
      child.id,
    );
  } finally {
    deadline.done();
    run.abort.signal.removeEventListener('abort', onParentAbort);
  }
}

/** A backend call the policy refused: recorded like a refused direct call (status and code), never made. */
function settleRefusal(
  run: Run,
  child: TransactionRecord,
  backend: CompiledBackend,
  code: ErrorCode,
  detail: string | undefined,
): Outcome {
  const status = ERROR_STATUS(code);
  finish(run.ctx, child, status, code);
  return failed(backend.target, status, code, detail ?? null, child.id);
}

const ERROR_STATUS = (code: ErrorCode): number => ERRORS[code].status;

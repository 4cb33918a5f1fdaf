import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { PeerData } from '../federation/snapshot.ts';
import { forwardedOrigin } from '../net/client-address.ts';
import { noteService, type TransactionRecord } from '../telemetry/record.ts';
import { categoriesEndpoint } from './categories.ts';
import type {
  CompiledResource,
  CompiledSnapshot,
  Route,
  SubscriptionPolicy,
  Upstream,
} from './compiled-snapshot.ts';
import { runComposite } from './composite.ts';
import { type GatewayContext, poolFor } from './context.ts';
import { hasBody, refuse } from './exchange.ts';
import { admitInboundPeer, federatedCall } from './federated-forward.ts';
import { ForwardHandler, RequestBodyTap } from './forward-handler.ts';
import { requestHeadersForUpstream } from './headers.ts';
import { mappedForward } from './mapped-forward.ts';
import { intake } from './messaging-endpoints.ts';
import {
  asyncMethod,
  bodyLimit,
  bodySize,
  type Decision,
  environment,
  maintenance,
  quota,
  refusal,
  resourceFor,
  routeFor,
  subscriptionFor,
  timeWindow,
  versionState,
} from './policy.ts';
import { mockAnswer } from './sandbox-mock.ts';
import { soapRestCall } from './soap-rest.ts';
import type { TokenClaims } from './tokens.ts';

const RECORDER_BACKLOG = refusal('GW_RECORDER_BACKLOG', undefined, { 'retry-after': '5' });
const REPRESENTED_REFUSED = refusal('GW_FED_REPRESENTED_PARTY_REFUSED');

/**
 * Whether a call names a represented party — either header, in either spelling (a proxy may turn `_` into `-`):
 * only a peer platform may, everyone else is refused rather than silently stripped.
 */
function namesRepresentedParty(headers: IncomingMessage['headers']): boolean {
  return (
    headers['x-lgsp-represented-organization'] !== undefined ||
    headers['x-lgsp-represented-system'] !== undefined ||
    headers['x_lgsp_represented_organization'] !== undefined ||
    headers['x_lgsp_represented_system'] !== undefined
  );
}

/**
 * A call to `/{context}/{version}/{resource…}` by an authenticated caller, its path already canonical (`server.ts`):
 * the policy decides in order — route, version state, environment, method, resource template, maintenance, subscription, time of
 * use and quota — then the call is forwarded (sync) or taken in as a message (async). The first refusal
 * answers; the record learns what each step found, so a refused call is recorded with as much as was known.
 */
export function proxy(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
  path: string,
  query: string,
  nowMs: number,
): Promise<void> | void {
  // Issue 12: a peer platform's call is federated; represented-party headers from anyone else are refused.
  const fed = snapshot.federation;
  const inboundPeer = fed.peersBySystem.size === 0 ? undefined : fed.peersBySystem.get(claims.systemId);
  if (inboundPeer === undefined && namesRepresentedParty(req.headers))
    return refuse(ctx, res, rec, REPRESENTED_REFUSED);
  const segments = path.split('/');
  const route = routeFor(snapshot, path, segments);
  if (!route.ok) return refuse(ctx, res, rec, route);
  noteService(rec, route);
  const start = route.prefixSegments;
  const version = versionState(route, nowMs);
  if (!version.ok) return refuse(ctx, res, rec, version);
  const inEnvironment = environment(route, claims.environment);
  if (!inEnvironment.ok) return refuse(ctx, res, rec, inEnvironment);
  const method = asyncMethod(route, rec.method);
  if (!method.ok) {
    rec.leg = 'intake';
    return refuse(ctx, res, rec, method);
  }
  const size = bodySize(route, req.headers['content-length'], ctx.config.gateway.maxRequestBodyBytes);
  if (!size.ok) return refuse(ctx, res, rec, size);
  const resource = resourceFor(route, rec.method, segments, start, claims.environment);
  if (!resource.ok) return refuse(ctx, res, rec, resource);
  rec.resourceTemplate = resource.template;
  const closed = maintenance(snapshot, route.serviceId, nowMs, ctx.timezoneOffsetMs);
  if (!closed.ok) return refuse(ctx, res, rec, closed);

  const policy = subscriptionFor(snapshot, claims, route);
  if (!policy.ok) return refuse(ctx, res, rec, policy);
  const window = timeWindow(policy, nowMs, ctx.timezoneOffsetMs);
  if (!window.ok) return refuse(ctx, res, rec, window);
  const counted = quota(ctx.quotas, policy, nowMs);
  // A shared quota whose leased slice is used up answers after one Redis round trip (quota-redis.ts); every
  // other call goes on in this tick. Positional arguments: the hot path allocates no closure or bag for this.
  if (counted instanceof Promise) {
    return counted.then((d) =>
      afterQuota(
        ctx,
        req,
        res,
        rec,
        snapshot,
        claims,
        path,
        query,
        route,
        resource,
        segments,
        policy,
        inboundPeer,
        d,
      ),
    );
  }
  return afterQuota(
    ctx,
    req,
    res,
    rec,
    snapshot,
    claims,
    path,
    query,
    route,
    resource,
    segments,
    policy,
    inboundPeer,
    counted,
  );
}

/** The rest of `proxy` once the quota has decided. */
function afterQuota(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  claims: TokenClaims,
  path: string,
  query: string,
  route: Route,
  resource: CompiledResource,
  segments: string[],
  policy: SubscriptionPolicy,
  inboundPeer: PeerData | undefined,
  counted: Decision,
): Promise<void> | void {
  if (!counted.ok) return refuse(ctx, res, rec, counted);
  // Records are evidence: a call that could not be recorded is not made.
  if (ctx.records.overloaded) return refuse(ctx, res, rec, RECORDER_BACKLOG);
  // A peer's call to what we answer ourselves (a composite, a built-in) is checked as any inbound federated call,
  // then served like a local consumer's: the peer is the consumer, the represented party beside it (issue 12).
  const answeredHere = route.composite !== null || route.builtin !== null;
  if (route.peer !== null || (inboundPeer !== undefined && !answeredHere))
    return federatedCall(ctx, req, res, rec, snapshot, route, policy, inboundPeer ?? null, path, query);
  if (inboundPeer !== undefined)
    return admitInboundPeer(ctx, req, res, rec, snapshot, route, policy, inboundPeer).then((admitted) =>
      admitted
        ? answerHere(ctx, req, res, rec, snapshot, route, claims, resource, segments, path, query)
        : undefined,
    );
  return answerHere(ctx, req, res, rec, snapshot, route, claims, resource, segments, path, query);
}

/** After every policy step: the call is taken in (async), answered by the platform itself, or forwarded. */
function answerHere(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  snapshot: CompiledSnapshot,
  route: Route,
  claims: TokenClaims,
  resource: CompiledResource,
  segments: string[],
  path: string,
  query: string,
): Promise<void> | void {
  if (route.mode === 'async') return intake(ctx, req, res, rec, route, claims, path, query);
  // The platform's own built-in service (issue 12 item 7) is answered here, after the same policy, never forwarded.
  if (route.builtin === 'categories') {
    categoriesEndpoint(ctx, res, rec, snapshot, path.slice(route.pathPrefix.length), query);
    return undefined;
  }
  // a composite runs its backends instead of forwarding (one branch: other calls pay nothing more).
  if (route.composite !== null) {
    return runComposite(
      ctx,
      req,
      res,
      rec,
      snapshot,
      route,
      claims,
      resource,
      segments,
      route.prefixSegments,
      query,
    );
  }

  const upstream = route.upstreams[claims.environment];
  // No upstream got past `environment` only in the sandbox with a mock table (issue 12 item 9).
  if (upstream === null) return mockAnswer(ctx, req, res, rec, route, route.sandboxMock!, path);
  // Issue 12 item 6: a SOAP version exposed as REST, or one that maps JSON fields, reads bodies whole; the rest
  // stream (both fields are precomputed per route, null for every other version).
  if (route.soapRest !== null) return soapRestCall(ctx, req, res, rec, route, upstream, resource, query);
  if (route.fieldMapping !== null) return mappedForward(ctx, req, res, rec, route, upstream, path, query);
  forward(ctx, req, res, rec, route, upstream, path, query);
  return undefined;
}

/** Forwards, streaming and hashing both bodies (R-01, R-02: nothing is kept, only sizes and SHA-256). */
function forward(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  rec: TransactionRecord,
  route: Route,
  upstream: Upstream,
  path: string,
  query: string,
): void {
  ctx.stats.forwarded++;
  // The request itself is undici's body, hashed and counted as it streams: a chunked body past the version's limit
  // is cut and answered 413, and a consumer that goes away mid-upload errs it, which aborts the provider's call.
  const body = hasBody(req) ? req : null;
  const tap =
    body === null ? null : RequestBodyTap.on(req, bodyLimit(route, ctx.config.gateway.maxRequestBodyBytes));
  const origin = forwardedOrigin(req, ctx.trustedProxies);
  const headers = requestHeadersForUpstream(req.rawHeaders, req.headers, {
    transactionId: rec.id,
    consumerSystemId: rec.consumerSystemId!,
    consumerOrgCode: rec.consumerOrgCode ?? '',
    environment: rec.environment!,
    forwardedFor: origin.forwardedFor,
    proto: origin.proto,
    host: origin.host,
  });
  const handler = new ForwardHandler(ctx, res, rec, tap, route, upstream);
  // `/dkkd/2.0` alone is the version's root: the provider gets at least `/`.
  const resourcePath = path.length > route.pathPrefix.length ? path.slice(route.pathPrefix.length) : '/';
  rec.requestOutAt = ctx.clock.nowMs();
  poolFor(ctx, upstream.origin).dispatch(
    {
      path: upstream.basePath + resourcePath + query,
      method: rec.method as Dispatcher.HttpMethod,
      headers,
      body,
      // Per read; the whole answer's limit is the handler's deadline (R-03, forward-handler.ts).
      headersTimeout: ctx.upstreamTimeoutMs,
      bodyTimeout: ctx.upstreamTimeoutMs,
    },
    handler,
  );
}

import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { TokenRevocation } from '../control/snapshot.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { SequentialIds } from '../core/ids.ts';
import { PeerClients } from '../federation/peer-clients.ts';
import type { Messaging } from '../messaging/messaging.ts';
import { TrustedProxies } from '../net/client-address.ts';
import { EgressPolicy } from '../net/egress.ts';
import { OperatorView } from '../net/operator-view.ts';
import type { RecordSink } from '../telemetry/record.ts';
import { LgspAccessTokens, statusEnvelopeVersions } from './client-conventions.ts';
import type { QuotaCounter } from './quota.ts';
import { openQuotaCounter } from './quota-redis.ts';
import { openSignatureMemory, type SignatureMemory } from './signature-memory.ts';
import type { SnapshotHolder } from './snapshot-holder.ts';
import { openTokenThrottle, type TokenThrottle } from './token-throttle.ts';
import { TokenVerifier } from './tokens.ts';

export interface GatewayDeps {
  config: Config;
  clock: Clock;
  logger: Logger;
  snapshots: SnapshotHolder;
  records: RecordSink;
  /** Given by a gateway worker, whose counters are shared with its siblings; otherwise the gateway's own. */
  quotas?: QuotaCounter;
  /**
   * Given by a gateway worker (failure counts summed by the primary, or shared in Redis) and by a node that shows
   * its state in /metrics; otherwise its own (`openTokenThrottle`).
   */
  tokenThrottle?: TokenThrottle;
  /**
   * Where accepted federation hop signatures are remembered (replays refused): given by a gateway worker (Redis, or
   * its primary) and by a node that shows its state in /metrics; otherwise its own (`openSignatureMemory`).
   */
  signatures?: SignatureMemory;
  /**
   * Async store-and-forward (issue 4): intake, message status and the pull inbox. Absent on a gateway worker of
   * the embedded PGlite store (only the primary can reach it): async calls there answer 503 MQ_ASYNC_UNAVAILABLE.
   */
  messaging?: Messaging;
  /** Told after each accepted message, so a deliverer pushes it without waiting for its poll. */
  onMessageAccepted?: () => void;
  /**
   * The platform's egress policy (issue 10), shared with the registry that checks URLs when saved; the gateway
   * checks each new provider connection against it and registers the port it listens on. Default: one built
   * from `config` (its `egress.allow`, gateway and admin ports).
   */
  egress?: EgressPolicy;
  /**
   * Revokes an access token (RFC 7009) and resolves once this node's snapshot refuses it: the control plane's
   * change in the process that owns the store, a request to the primary in a gateway worker. Absent: `/revoke`
   * answers 503.
   */
  revokeToken?: (revocation: TokenRevocation) => Promise<void>;
  /**
   * This node's role, engines and snapshot lag (issue 13 item 1), added to `/healthz` and `/readyz`; `ready: false`
   * there answers 503. Absent (a test's gateway, a gateway worker): the snapshot alone decides.
   */
  nodeHealth?: () => Record<string, unknown>;
}

export interface GatewayStats {
  requests: number;
  forwarded: number;
  refused: number;
  /** Connections refused for passing `gateway.maxConnectionsPerAddress` (answered 429, or closed at once). */
  connectionsRefused: number;
}

/**
 * What the gateway's endpoints share, passed to each explicitly (no closure capture): built once per gateway by
 * `createGatewayContext`, which starts nothing — no timer, no socket.
 */
export interface GatewayContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly snapshots: SnapshotHolder;
  readonly records: RecordSink;
  readonly messaging: Messaging | null;
  readonly onMessageAccepted: (() => void) | null;
  readonly egress: EgressPolicy;
  readonly verifier: TokenVerifier;
  readonly quotas: QuotaCounter;
  readonly tokenThrottle: TokenThrottle;
  readonly ids: SequentialIds;
  readonly stats: GatewayStats;
  /**
   * Connections past `gateway.maxConnectionsPerAddress`, kept open for a moment so that their first request hears
   * why it is refused (server.ts `capConnectionsPerAddress`); empty almost always.
   */
  readonly overCapSockets: Set<Socket>;
  /** Connection pools to providers, by origin. */
  readonly pools: Map<string, Pool>;
  readonly timezoneOffsetMs: number;
  readonly upstreamTimeoutMs: number;
  /** Whose X-Forwarded-For is believed (`client-address.ts`): give it to `clientAddress(req, …)`. */
  readonly trustedProxies: TrustedProxies;
  /** Who sees the detail of `/healthz` (loopback not relayed, or the metrics token). */
  readonly operatorView: OperatorView;
  /** Client conventions of other LGSPs (issue 12 item 8): form-1 `lgspaccesstoken`, null when switched off. */
  readonly lgspAccessTokens: LgspAccessTokens | null;
  /** `context/version` of the versions whose platform errors answer the status envelope; null: none. */
  readonly statusEnvelope: Set<string> | null;
  readonly revokeToken: ((revocation: TokenRevocation) => Promise<void>) | null;
  readonly nodeHealth: (() => Record<string, unknown>) | null;
  /** Our tokens for peer platforms, their signing keys and connections (issue 12): used by federated calls only. */
  readonly peers: PeerClients;
  /** The hop signatures already accepted, here or across the cluster (docs/security.md §2.12): federated calls only. */
  readonly signatures: SignatureMemory;
}

export function createGatewayContext(deps: GatewayDeps): GatewayContext {
  const timezoneOffsetMs = deps.config.timezoneOffsetMinutes * 60_000;
  const tokenThrottle = deps.tokenThrottle ?? openTokenThrottle(deps.config, deps.logger);
  const conventions = deps.config.clientConventions;
  const egress = deps.egress ?? EgressPolicy.forPlatform(deps.config);
  return {
    config: deps.config,
    clock: deps.clock,
    logger: deps.logger,
    snapshots: deps.snapshots,
    records: deps.records,
    messaging: deps.messaging ?? null,
    onMessageAccepted: deps.onMessageAccepted ?? null,
    egress,
    verifier: new TokenVerifier(deps.clock, deps.config.gateway.tokenTtlSeconds),
    quotas: deps.quotas ?? openQuotaCounter(deps.config, deps.logger, deps.clock),
    tokenThrottle,
    ids: new SequentialIds(),
    stats: { requests: 0, forwarded: 0, refused: 0, connectionsRefused: 0 },
    overCapSockets: new Set(),
    pools: new Map(),
    timezoneOffsetMs,
    upstreamTimeoutMs: deps.config.gateway.upstreamTimeoutMs,
    trustedProxies: new TrustedProxies(deps.config.gateway.trustedProxies),
    operatorView: new OperatorView(deps.config.admin.metricsToken),
    lgspAccessTokens: conventions.lgspAccessToken
      ? new LgspAccessTokens(tokenThrottle, conventions.lgspAccessTokenCacheSeconds * 1000)
      : null,
    statusEnvelope: statusEnvelopeVersions(deps.config),
    revokeToken: deps.revokeToken ?? null,
    nodeHealth: deps.nodeHealth ?? null,
    peers: new PeerClients(egress, deps.clock, deps.config.gateway.upstreamTimeoutMs),
    signatures: deps.signatures ?? openSignatureMemory(deps.config, deps.logger),
  };
}

/**
 * The connection pool to a provider's origin, opened on first use and kept alive between calls. Each new
 * connection passes the egress policy against the address it resolves to (issue 10: DNS rebinding); calls on a
 * kept-alive connection pay nothing.
 */
export function poolFor(ctx: GatewayContext, origin: string): Pool {
  let pool = ctx.pools.get(origin);
  if (pool === undefined) {
    pool = new Pool(origin, {
      keepAliveTimeout: 30_000,
      connections: ctx.config.gateway.upstreamConnectionsPerOrigin || null,
      connect: ctx.egress.connector('gateway', { timeout: Math.min(ctx.upstreamTimeoutMs, 10_000) }),
    });
    ctx.pools.set(origin, pool);
  }
  return pool;
}

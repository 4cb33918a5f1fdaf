import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { backoffPolicies, FailureCounters, type FailureState, throttledAddress } from '../core/backoff.ts';
import type { Config } from '../core/config.ts';
import { openRedis } from '../core/redis.ts';
import { type FailureEvent, RedisFailureCounters } from '../core/redis-failures.ts';

/** Failures a worker saw since its last report, per subject: how many, and the last one's time. */
export interface TokenFailureReport {
  keys: Record<string, { count: number; lastMs: number }>;
  addresses: Record<string, { count: number; lastMs: number }>;
  /** Consumer keys that authenticated since the last report: they start again from zero. */
  succeeded: string[];
}

/** The subjects blocked now, as the primary summed them over every worker. */
export interface TokenBlocks {
  keys: Record<string, FailureState>;
  addresses: Record<string, FailureState>;
}

/**
 * The address a failure is counted under: an IPv6 client by its /64, as the admin sign-in counts it
 * (`throttledAddress`) — every address of a subscriber's /64 is its host's to use, so counted one by one a guesser had
 * the free failures on each of 2^64 addresses. IPv4 (most calls) as it is, without parsing it again.
 */
function countedAddress(address: string): string {
  return address.includes(':') ? throttledAddress(address) : address;
}

/** Where the counters are: this node's processes, Redis shared by every node, or this node while Redis is away. */
export type CounterState = 'in-process' | 'redis' | 'redis-unavailable';

/**
 * Brute-force limits of `POST /token` (issue 10 item 5, `core/backoff.ts`): failed client authentications are
 * counted per consumer key — only keys the snapshot knows, so made-up keys cannot fill memory — and per client
 * address; a blocked key or address is refused with 429 before its secret is checked. A success resets its key
 * (not its address, or an attacker holding one valid credential could wipe the count of its spraying).
 *
 * One node: gateway workers each count their own failures and report them to the primary every sync interval
 * (`cluster.ts`); the primary sums them in its own instance and sends every worker the blocks it decided, so a
 * limit holds across workers, overshooting by at most one sync interval (100 ms) of attempts.
 *
 * Several nodes (`redisUrl` set, issue 13 item 3): the counts live in Redis (`core/redis-failures.ts`), exact
 * across every node — each failure is counted there before its 401 goes out, and its new state is published to
 * every node's local view. "Is it blocked?" is always answered from the local view, so a success never pays a
 * round trip; only a success of a key that has failures does (to forget them everywhere). When Redis cannot be
 * reached, `redis.onUnavailable` decides: `open` counts on this node as above (its workers summed by the primary),
 * `closed` refuses every client authentication with 503 GW_TOKEN_THROTTLE_UNAVAILABLE (`unavailable()`).
 */
export class TokenThrottle {
  private readonly byKey: FailureCounters;
  private readonly byAddress: FailureCounters;
  private pending: TokenFailureReport = emptyReport();
  private hasPending = false;
  private readonly shared: RedisFailureCounters | null;
  private readonly onUnavailable: 'open' | 'closed';
  private readonly logger: Logger | null;
  /** Whether the last use of Redis worked: its loss is logged once, and its return once. */
  private wasAvailable = true;
  /** Authentications decided without Redis (counted on this node, or refused): `…_without_redis_total`. */
  unavailableDecisions = 0;

  constructor(
    limits: Config['limits'],
    shared?: {
      redis: Redis;
      subscriber: Redis;
      keyPrefix: string;
      onUnavailable: 'open' | 'closed';
      logger: Logger;
    },
  ) {
    const policies = backoffPolicies(limits);
    this.byKey = new FailureCounters(policies.tokenKey);
    this.byAddress = new FailureCounters(policies.tokenAddress);
    this.shared = shared
      ? new RedisFailureCounters(shared.redis, shared.subscriber, shared.keyPrefix, (e) => this.heard(e))
      : null;
    this.onUnavailable = shared?.onUnavailable ?? 'open';
    this.logger = shared?.logger ?? null;
  }

  get state(): CounterState {
    if (this.shared === null) return 'in-process';
    return this.shared.available ? 'redis' : 'redis-unavailable';
  }

  /** Connects the shared counters' subscription (nothing without Redis); a gateway calls it when it listens. */
  async start(): Promise<void> {
    await this.shared?.start();
  }

  async close(): Promise<void> {
    await this.shared?.close();
  }

  /**
   * True when the shared counters cannot be reached and `redis.onUnavailable` is `closed`: the client
   * authentication is refused (503) rather than decided without the other nodes' counts.
   */
  unavailable(): boolean {
    if (this.shared === null || this.shared.available) return false;
    if (this.onUnavailable === 'open') return false;
    this.withoutRedis(null);
    return true;
  }

  /** Milliseconds until this key and address may try again; 0 when neither is blocked. */
  retryAfterMs(clientId: string | null, address: string, nowMs: number): number {
    const key = clientId === null ? 0 : this.byKey.blockedMs(clientId, nowMs);
    return Math.max(key, this.byAddress.blockedMs(countedAddress(address), nowMs));
  }

  /**
   * A failed client authentication; `knownKey` is the key when it names a credential, else null. Resolves with how
   * long the key or address is now blocked (0: not yet), so the endpoint can log each block as it starts. With
   * Redis, the failure is counted there (and every node told) before this resolves.
   */
  async failed(knownKey: string | null, clientAddress: string, nowMs: number): Promise<number> {
    const address = countedAddress(clientAddress);
    if (this.shared?.available) {
      const subjects = [{ id: `addr:${address}`, policy: this.byAddress.policy }];
      if (knownKey !== null) subjects.push({ id: `key:${knownKey}`, policy: this.byKey.policy });
      try {
        const states = await this.shared.fail(subjects, nowMs);
        if (!this.wasAvailable)
          this.logger?.info(
            'Redis truy cập được trở lại: giới hạn dò secret tại /token dùng chung giữa các nút / redis reachable again: /token limits shared across nodes',
          );
        this.wasAvailable = true;
        // The published states reach this node's view too; merged here as well, so this answer already sees them.
        this.byAddress.merge({ [address]: states[0]! });
        if (knownKey !== null) this.byKey.merge({ [knownKey]: states[1]! });
        return Math.max(0, ...states.map((st) => st.blockedUntilMs - nowMs));
      } catch (err) {
        this.withoutRedis(err);
      }
    } else if (this.shared !== null) this.withoutRedis(null);
    return this.failedHere(knownKey, address, nowMs);
  }

  /** Counts a failure in this process (and reports it to the primary): no Redis, or Redis away and `open`. */
  private failedHere(knownKey: string | null, address: string, nowMs: number): number {
    let blockedUntilMs = 0;
    if (knownKey !== null) {
      blockedUntilMs = this.byKey.fail(knownKey, nowMs).blockedUntilMs;
      add(this.pending.keys, knownKey, nowMs);
    }
    blockedUntilMs = Math.max(blockedUntilMs, this.byAddress.fail(address, nowMs).blockedUntilMs);
    add(this.pending.addresses, address, nowMs);
    this.hasPending = true;
    return Math.max(0, blockedUntilMs - nowMs);
  }

  /** A successful client authentication: the key's failures are forgotten. */
  succeeded(clientId: string): void {
    // One Map lookup when the key never failed (nearly always): nothing to forget, nothing to report.
    if (!this.byKey.forget(clientId)) return;
    if (this.shared?.available) {
      // Forgotten on every node; should Redis fail now, the failures just age out of their window there.
      this.shared.forget(`key:${clientId}`).catch((err) => this.withoutRedis(err));
      return;
    }
    this.pending.succeeded.push(clientId);
    this.hasPending = true;
  }

  /** A state or a forget published by any node (this one too), into the local view. */
  private heard(event: FailureEvent): void {
    const colon = event.id.indexOf(':');
    const kind = event.id.slice(0, colon);
    const id = event.id.slice(colon + 1);
    const counters = kind === 'key' ? this.byKey : kind === 'addr' ? this.byAddress : null;
    if (counters === null) return;
    if (event.kind === 'forget') counters.forget(id);
    else counters.merge({ [id]: event.state });
  }

  private withoutRedis(err: unknown): void {
    this.unavailableDecisions++;
    if (!this.wasAvailable) return;
    this.wasAvailable = false;
    this.logger?.error(
      { err: err instanceof Error ? err.message : 'not connected', onUnavailable: this.onUnavailable },
      'không truy cập được Redis: giới hạn dò secret tại /token được quyết định mà không có bộ đếm dùng chung / redis unreachable: /token brute-force limits decided without the shared counters',
    );
  }

  /** What this worker saw since the last call, for the primary; null when nothing. */
  drain(): TokenFailureReport | null {
    if (!this.hasPending) return null;
    const report = this.pending;
    this.pending = emptyReport();
    this.hasPending = false;
    return report;
  }

  /** Primary: counts a worker's report. */
  apply(report: TokenFailureReport): void {
    for (const [id, f] of Object.entries(report.keys)) this.byKey.fail(id, f.lastMs, f.count);
    for (const [id, f] of Object.entries(report.addresses)) this.byAddress.fail(id, f.lastMs, f.count);
    for (const id of report.succeeded) this.byKey.forget(id);
  }

  /** Primary: the blocks every worker must apply. */
  blocks(nowMs: number): TokenBlocks {
    return { keys: this.byKey.blocked(nowMs), addresses: this.byAddress.blocked(nowMs) };
  }

  /** Worker: the primary's blocks, summed over every worker. */
  setBlocks(blocks: TokenBlocks): void {
    this.byKey.merge(blocks.keys);
    this.byAddress.merge(blocks.addresses);
  }
}

function emptyReport(): TokenFailureReport {
  return { keys: {}, addresses: {}, succeeded: [] };
}

function add(into: Record<string, { count: number; lastMs: number }>, id: string, nowMs: number): void {
  const f = into[id];
  if (f) {
    f.count++;
    f.lastMs = nowMs;
  } else into[id] = { count: 1, lastMs: nowMs };
}

/**
 * The `/token` limits of a gateway process: shared in Redis when `redisUrl` is set (two connections: commands and
 * the subscription), else in this process. Nothing connects before `start()`.
 */
export function openTokenThrottle(
  config: Pick<Config, 'limits' | 'redisUrl' | 'redis'>,
  logger: Logger,
): TokenThrottle {
  if (!config.redisUrl) return new TokenThrottle(config.limits);
  return new TokenThrottle(config.limits, {
    redis: openRedis(config.redisUrl),
    subscriber: openRedis(config.redisUrl),
    keyPrefix: config.redis.keyPrefix,
    onUnavailable: config.redis.onUnavailable,
    logger,
  });
}

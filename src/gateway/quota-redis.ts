import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { ensureConnected, openRedis } from '../core/redis.ts';
import type { SubscriptionPolicy } from './compiled-snapshot.ts';
import {
  ALLOWED_CALL,
  type QuotaCounter,
  QuotaCounters,
  type QuotaDecision,
  usedUp,
  windowsOf,
} from './quota.ts';

/**
 * Grants a node a slice of what is left of a subscription's quota, atomically (Redis runs a script alone): the
 * slice is what the node's waiting callers need, or a sixteenth of what is left (at most `leaseMax`) to serve the
 * next calls without a round trip — so slices shrink as the window fills — and never more than is left. The sum of
 * every slice ever granted in a window is therefore at most the quota: the total allowed across nodes cannot pass
 * it (issue 13 item 3). Returns {granted, dayUsedUp}.
 * KEYS: the minute's counter, the day's counter. ARGV: minute quota, day quota (-1: none), calls waiting, leaseMax,
 * and each counter's time to live in ms (relative to the gateway's clock, so Redis's own clock does not matter).
 */
const LEASE_SCRIPT = `
local mLimit = tonumber(ARGV[1])
local dLimit = tonumber(ARGV[2])
local dayLeft = 1e15
local left = 1e15
if mLimit >= 0 then left = mLimit - tonumber(redis.call('GET', KEYS[1]) or '0') end
if dLimit >= 0 then dayLeft = dLimit - tonumber(redis.call('GET', KEYS[2]) or '0') end
if dayLeft < left then left = dayLeft end
if left <= 0 then
  if dayLeft <= 0 then return {0, 1} end
  return {0, 0}
end
local ahead = math.floor(left / 16)
if ahead > tonumber(ARGV[4]) then ahead = tonumber(ARGV[4]) end
local grant = tonumber(ARGV[3])
if ahead > grant then grant = ahead end
if grant > left then grant = left end
if mLimit >= 0 then
  redis.call('INCRBY', KEYS[1], grant)
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
if dLimit >= 0 then
  redis.call('INCRBY', KEYS[2], grant)
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
end
return {grant, 0}
`;

/**
 * Gives back the unused part of a slice (an idle node, a minute that ended with calls in hand): it counts again for
 * every node. A counter that expired is left alone. KEYS: minute and day counters; ARGV: calls, and 1/0 for each
 * counter in use.
 */
const RETURN_SCRIPT = `
local n = tonumber(ARGV[1])
for i = 1, 2 do
  if ARGV[i + 1] == '1' then
    local used = tonumber(redis.call('GET', KEYS[i]) or '0')
    if used > 0 then redis.call('DECRBY', KEYS[i], math.min(n, used)) end
  end
end
return 1
`;

/** What this node holds of one subscription's quota in the current windows. */
interface Lease {
  minute: number;
  day: number;
  /** Calls leased and not used yet. */
  left: number;
  /** Whether the lease counts against a minute and a day counter (the subscription has that quota). */
  perMinute: boolean;
  perDay: boolean;
  /** The refill in flight: every caller that finds the slice used up waits for this one round trip. */
  refill: Promise<void> | null;
  /** Callers waiting for the refill: the slice asked for is at least this. */
  waiting: number;
  /** Redis said the quota is used up: refused here without asking again until then. */
  usedUpUntilMs: number;
  usedUpPeriod: 'minute' | 'day';
  lastTakeMs: number;
}

export interface RedisQuotaOptions {
  keyPrefix: string;
  leaseMax: number;
  onUnavailable: 'open' | 'closed';
  timezoneOffsetMs: number;
}

/** A used-up quota is asked about again after at most this long: slices given back by idle nodes count again. */
const RECHECK_MS = 1000;
/** A slice left unused this long is given back. */
const IDLE_RETURN_MS = 1000;

type LeaseReply = [granted: number, dayUsedUp: number];

/**
 * Subscription quotas exact across every node that shares one Redis (issue 13 item 3, R-12). Each node leases
 * slices of the remaining quota (`LEASE_SCRIPT`) and serves calls from its slice without a round trip; only a
 * used-up slice waits for Redis, and concurrent callers share that one round trip. Unused slices go back when the
 * node is idle, when the minute ends and on close.
 *
 * When Redis cannot be reached, `onUnavailable` decides: `open` counts on this node alone (`fallback`, the
 * in-process counters: the quota then holds per node), `closed` refuses with 503 GW_QUOTA_UNAVAILABLE. Both are
 * counted in `unavailableDecisions` (metrics) and `available` says the state (/healthz).
 */
export class RedisQuotaCounters implements QuotaCounter {
  private readonly leases = new Map<string, Lease>();
  private timer: NodeJS.Timeout | null = null;
  /** Round trips made, decisions taken without Redis; false after a failed round trip until one succeeds. */
  roundTrips = 0;
  unavailableDecisions = 0;
  available = true;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisQuotaOptions,
    private readonly fallback: QuotaCounters,
    private readonly logger: Logger,
    /** The gateway's clock, the one `take` is called with: the sweep compares its leases' times on it. */
    private readonly clock: Clock,
  ) {
    redis.defineCommand('lgspQuotaLease', { numberOfKeys: 2, lua: LEASE_SCRIPT });
    redis.defineCommand('lgspQuotaReturn', { numberOfKeys: 2, lua: RETURN_SCRIPT });
  }

  get state(): 'redis' | 'redis-unavailable' {
    return this.available ? 'redis' : 'redis-unavailable';
  }

  take(policy: SubscriptionPolicy, nowMs: number): QuotaDecision | Promise<QuotaDecision> {
    if (policy.quotaPerMinute === null && policy.quotaPerDay === null) return ALLOWED_CALL;
    const lease = this.leaseFor(policy, nowMs);
    if (lease.left > 0) {
      lease.left--;
      lease.lastTakeMs = nowMs;
      return ALLOWED_CALL;
    }
    if (nowMs < lease.usedUpUntilMs) return this.refusal(lease, nowMs);
    return this.takeAfterRefill(policy, lease, nowMs);
  }

  /** The lease of the current windows; a lease of an ended minute gives back what it did not use. */
  private leaseFor(policy: SubscriptionPolicy, nowMs: number): Lease {
    const { minute, day } = windowsOf(nowMs, this.options.timezoneOffsetMs);
    let lease = this.leases.get(policy.id);
    if (lease && lease.minute === minute && lease.day === day) return lease;
    if (lease && lease.left > 0) this.giveBack(policy.id, lease);
    lease = {
      minute,
      day,
      left: 0,
      perMinute: policy.quotaPerMinute !== null,
      perDay: policy.quotaPerDay !== null,
      refill: null,
      waiting: 0,
      usedUpUntilMs: 0,
      usedUpPeriod: 'minute',
      lastTakeMs: nowMs,
    };
    this.leases.set(policy.id, lease);
    this.startSweeping();
    return lease;
  }

  private refusal(lease: Lease, nowMs: number): QuotaDecision {
    const w = windowsOf(nowMs, this.options.timezoneOffsetMs);
    return lease.usedUpPeriod === 'day'
      ? usedUp('day', w.dayEndMs, nowMs)
      : usedUp('minute', w.minuteEndMs, nowMs);
  }

  private async takeAfterRefill(
    policy: SubscriptionPolicy,
    lease: Lease,
    nowMs: number,
  ): Promise<QuotaDecision> {
    for (;;) {
      lease.waiting++;
      try {
        lease.refill ??= this.refill(policy, lease, nowMs).finally(() => {
          lease.refill = null;
        });
        await lease.refill;
      } catch (err) {
        return this.withoutRedis(policy, nowMs, err);
      } finally {
        lease.waiting--;
      }
      if (lease.left > 0) {
        lease.left--;
        lease.lastTakeMs = nowMs;
        // A lease whose minute ended while its callers waited: the last of them gives back what is left.
        if (lease.waiting === 0 && lease.left > 0 && this.leases.get(policy.id) !== lease)
          this.giveBack(policy.id, lease);
        return ALLOWED_CALL;
      }
      if (nowMs < lease.usedUpUntilMs) return this.refusal(lease, nowMs);
      // Others took the whole slice this refill brought: ask again.
    }
  }

  private async refill(policy: SubscriptionPolicy, lease: Lease, nowMs: number): Promise<void> {
    await ensureConnected(this.redis);
    const w = windowsOf(nowMs, this.options.timezoneOffsetMs);
    const keys = this.keysOf(policy.id, lease);
    this.roundTrips++;
    const [granted, dayUsedUp] = (await (
      this.redis as unknown as { lgspQuotaLease: (...a: Array<string | number>) => Promise<LeaseReply> }
    ).lgspQuotaLease(
      keys[0],
      keys[1],
      policy.quotaPerMinute ?? -1,
      policy.quotaPerDay ?? -1,
      Math.max(1, lease.waiting),
      this.options.leaseMax,
      // Counters outlive their window a little, so a late give-back finds them.
      w.minuteEndMs - nowMs + 60_000,
      w.dayEndMs - nowMs + 3_600_000,
    )) as LeaseReply;
    if (!this.available)
      this.logger.info(
        'Redis truy cập được trở lại: hạn mức dùng chung giữa các nút / redis reachable again: quotas are shared across nodes',
      );
    this.available = true;
    // Counted in this lease's windows, as the calls waiting for it arrived in them.
    lease.left += granted;
    if (granted === 0) {
      lease.usedUpPeriod = dayUsedUp === 1 ? 'day' : 'minute';
      const end = dayUsedUp === 1 ? w.dayEndMs : w.minuteEndMs;
      lease.usedUpUntilMs = Math.min(end, nowMs + RECHECK_MS);
    }
  }

  private withoutRedis(policy: SubscriptionPolicy, nowMs: number, err: unknown): QuotaDecision {
    this.unavailableDecisions++;
    if (this.available) {
      this.available = false;
      this.logger.error(
        { err: (err as Error).message, onUnavailable: this.options.onUnavailable },
        'không truy cập được Redis: hạn mức được quyết định mà không có bộ đếm dùng chung / redis unreachable: quotas decided without the shared counters',
      );
    }
    if (this.options.onUnavailable === 'open') return this.fallback.take(policy, nowMs);
    return { allowed: false, period: 'unavailable', retryAfterSeconds: 5 };
  }

  private keysOf(subscriptionId: string, lease: Lease): [string, string] {
    // The hash tag keeps one subscription's counters in one slot of a Redis Cluster (the script needs both).
    const base = `${this.options.keyPrefix}quota:{${subscriptionId}}`;
    return [`${base}:m:${lease.minute}`, `${base}:d:${lease.day}`];
  }

  private giveBack(subscriptionId: string, lease: Lease): void {
    const n = lease.left;
    lease.left = 0;
    if (n <= 0 || this.redis.status !== 'ready') return;
    const keys = this.keysOf(subscriptionId, lease);
    (this.redis as unknown as { lgspQuotaReturn: (...a: Array<string | number>) => Promise<unknown> })
      .lgspQuotaReturn(keys[0], keys[1], n, lease.perMinute ? '1' : '0', lease.perDay ? '1' : '0')
      .catch(() => {
        // Not given back: those calls are lost to this window, never allowed twice.
      });
  }

  /** Every second: slices idle for a second go back; leases of ended minutes are forgotten. */
  private startSweeping(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      const nowMs = this.clock.nowMs();
      const { minute } = windowsOf(nowMs, this.options.timezoneOffsetMs);
      for (const [id, lease] of this.leases) {
        if (lease.refill !== null) continue;
        if (lease.left > 0 && (lease.minute !== minute || nowMs - lease.lastTakeMs >= IDLE_RETURN_MS))
          this.giveBack(id, lease);
        if (lease.minute !== minute && lease.left === 0) this.leases.delete(id);
      }
    }, IDLE_RETURN_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const [id, lease] of this.leases) this.giveBack(id, lease);
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => {});
    else this.redis.disconnect();
  }
}

/**
 * The quota counters a gateway uses: shared in Redis when `redisUrl` is set, else in this process (a single node,
 * or a node's workers kept in step by their primary).
 */
export function openQuotaCounter(
  config: Pick<Config, 'redisUrl' | 'redis' | 'timezoneOffsetMinutes'>,
  logger: Logger,
  clock: Clock,
  inProcess?: QuotaCounters,
): QuotaCounter {
  const timezoneOffsetMs = config.timezoneOffsetMinutes * 60_000;
  const local = inProcess ?? new QuotaCounters(timezoneOffsetMs);
  if (!config.redisUrl) return local;
  return new RedisQuotaCounters(
    openRedis(config.redisUrl),
    { ...config.redis, timezoneOffsetMs },
    local,
    logger,
    clock,
  );
}

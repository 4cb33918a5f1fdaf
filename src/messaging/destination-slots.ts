import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import { ensureConnected, openRedis } from '../core/redis.ts';

/**
 * How many pushes to one destination may be in flight (issue 4, issue 13 item 3): a destination version's
 * `deliveryConcurrency`. The deliverer takes slots before it claims messages and gives one back when a push ends.
 * Without Redis the count is this node's alone (`InProcessSlots`); with Redis it is the whole cluster's
 * (`RedisSlots`): every worker node together never has more pushes in flight to one destination than its limit.
 */
export interface DestinationSlots {
  /**
   * Up to `want` new pushes to the destination version `versionId`, within `limit` in flight: answers how many may
   * start now (0 to `want`). Each one taken is given back with `give` when its push ends, or at once if it is not
   * used (`pushed` false: it does not count as activity that keeps the slot on this node).
   */
  take(versionId: string, limit: number, want: number): Promise<number>;
  give(versionId: string, count: number, pushed?: boolean): void;
  /** Where the bound is kept: this node, Redis, or this node while Redis is unreachable (`redis.onUnavailable`). */
  readonly state: 'in-process' | 'redis' | 'redis-unavailable';
  /** Decisions taken without Redis while it was unreachable (a metric: issue 13 item 3 "says so in metrics"). */
  readonly unavailableDecisions: number;
  close(): Promise<void>;
}

/** A single node's bound: pushes in flight from this process, per destination version (the bound before Redis). */
export class InProcessSlots implements DestinationSlots {
  readonly state = 'in-process' as const;
  readonly unavailableDecisions = 0;
  private readonly inUse = new Map<string, number>();

  async take(versionId: string, limit: number, want: number): Promise<number> {
    return this.takeNow(versionId, limit, want);
  }

  /** The same as `take`, answered at once (the Redis slots' fallback when Redis is unreachable and `open`). */
  takeNow(versionId: string, limit: number, want: number): number {
    const used = this.inUse.get(versionId) ?? 0;
    const granted = Math.max(0, Math.min(want, limit - used));
    if (granted > 0) this.inUse.set(versionId, used + granted);
    return granted;
  }

  give(versionId: string, count: number, _pushed = true): void {
    const left = (this.inUse.get(versionId) ?? 0) - count;
    if (left > 0) this.inUse.set(versionId, left);
    else this.inUse.delete(versionId);
  }

  async close(): Promise<void> {}
}

/**
 * A destination's holders in Redis: a hash node → slots held, and a sorted set node → when its hold lapses (Redis's
 * own clock, so the nodes' clocks do not matter). Each node states what it holds now (`held`, what it had before
 * this call) and asks for `want` more: the script first drops holders whose hold lapsed (a dead node's slots come
 * back), then grants at most what the limit leaves, and renews this node's hold. Redis runs a script alone, so the
 * sum of the holds never passes the limit. Returns {granted, total held after}.
 * KEYS: the holds hash, the lapse sorted set. ARGV: node id, held now, want, limit, hold time in ms.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, node in ipairs(lapsed) do redis.call('HDEL', KEYS[1], node) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local held = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], held)
local total = 0
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do total = total + tonumber(v) end
local grant = tonumber(ARGV[3])
local left = tonumber(ARGV[4]) - total
if grant > left then grant = left end
if grant < 0 then grant = 0 end
held = held + grant
if held > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], held)
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[1])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[5]) * 2)
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[5]) * 2)
return {grant, total + grant}
`;

/** A node's hold lapses this long after its last word to Redis: a dead node's slots are free again after it. */
const HOLD_MS = 10_000;
/** A live node renews its holds this often (well within HOLD_MS). */
const RENEW_MS = 2_500;
/** Slots held and unused this long go back to Redis, for the other nodes. */
const IDLE_RETURN_MS = 250;
/** While Redis is unreachable it is asked again at most this often; decisions in between are taken without it. */
const RETRY_MS = 1_000;

/** What this node holds of one destination's slots. */
interface Hold {
  /** Slots Redis has granted this node (and counts against the limit). */
  held: number;
  /** Of those, the ones a push is using. */
  inUse: number;
  /** When a push last ended on one of these slots: slots idle since IDLE_RETURN_MS go back. */
  lastUseMs: number;
  /** The round trip in flight, if any: calls for the same destination wait for it rather than make their own. */
  busy: Promise<void> | null;
}

export interface RedisSlotsOptions {
  keyPrefix: string;
  onUnavailable: 'open' | 'closed';
}

/**
 * A destination's concurrency bound across every node that shares one Redis (issue 13 item 3): a semaphore with
 * expiring holders. A node asks for slots in batches — as many as its free pushes could use — and keeps them while
 * its pushes run one after another, so a push pays no Redis round trip of its own; slots unused for a moment go
 * back, and the holds are renewed every few seconds so only a dead node's lapse.
 *
 * When Redis cannot be reached, `onUnavailable` decides: `closed` starts no new push (the ones running finish), and
 * `open` bounds this node alone (`InProcessSlots`: the limit then holds per node). Both are counted in
 * `unavailableDecisions` and shown by `state` (metrics).
 */
export class RedisSlots implements DestinationSlots {
  private readonly holds = new Map<string, Hold>();
  /** Slots taken from the node-local bound (Redis unreachable, `open`), per destination: `give` returns them there. */
  private readonly fallbackTaken = new Map<string, number>();
  private readonly node = randomBytes(8).toString('hex');
  private readonly timer: NodeJS.Timeout;
  private available = true;
  /** While Redis is unreachable, the next time a `take` asks it again (in between, decided without it). */
  private retryAtMs = 0;
  private lastRenewMs = Date.now();
  unavailableDecisions = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisSlotsOptions,
    private readonly fallback: InProcessSlots,
    private readonly logger: Logger,
  ) {
    redis.defineCommand('lgspSlotsTake', { numberOfKeys: 2, lua: TAKE_SCRIPT });
    this.timer = setInterval(() => this.sweep(), IDLE_RETURN_MS);
    this.timer.unref();
  }

  get state(): 'redis' | 'redis-unavailable' {
    return this.available ? 'redis' : 'redis-unavailable';
  }

  async take(versionId: string, limit: number, want: number): Promise<number> {
    const hold = this.holdOf(versionId);
    // A round trip for this destination already in flight: wait for it, then use what it brought.
    while (hold.busy) await hold.busy;
    if (!this.available && Date.now() < this.retryAtMs) return this.withoutRedis(versionId, limit, want);
    // Slots held here and free are used without a round trip; Redis is asked only when none is left here.
    const free = hold.held - hold.inUse;
    if ((free <= 0 && hold.held < limit) || !this.available) {
      let failed: unknown = null;
      hold.busy = this.exchange(versionId, hold, Math.max(0, Math.min(want - free, limit - hold.held)), limit)
        .catch((err) => {
          failed = err;
        })
        .finally(() => {
          hold.busy = null;
        });
      await hold.busy;
      if (failed !== null) {
        this.lost(failed);
        return this.withoutRedis(versionId, limit, want);
      }
    }
    // A limit lowered meanwhile binds at once, even on slots this node still holds.
    const granted = Math.max(0, Math.min(want, hold.held - hold.inUse, limit - hold.inUse));
    hold.inUse += granted;
    return granted;
  }

  give(versionId: string, count: number, pushed = true): void {
    const local = Math.min(count, this.fallbackTaken.get(versionId) ?? 0);
    if (local > 0) {
      // Taken from the node-local bound while Redis was unreachable: given back there.
      this.fallbackTaken.set(versionId, this.fallbackTaken.get(versionId)! - local);
      this.fallback.give(versionId, local);
    }
    const hold = this.holds.get(versionId);
    if (!hold || count - local <= 0) return;
    hold.inUse = Math.max(0, hold.inUse - (count - local));
    if (pushed) hold.lastUseMs = Date.now();
  }

  /**
   * A decision while Redis is unreachable: `closed` starts nothing; `open` bounds this node alone, counting the
   * pushes it runs on slots Redis granted before.
   */
  private withoutRedis(versionId: string, limit: number, want: number): number {
    this.unavailableDecisions++;
    if (this.options.onUnavailable === 'closed') return 0;
    const running = this.holds.get(versionId)?.inUse ?? 0;
    const granted = this.fallback.takeNow(versionId, Math.max(0, limit - running), want);
    if (granted > 0) this.fallbackTaken.set(versionId, (this.fallbackTaken.get(versionId) ?? 0) + granted);
    return granted;
  }

  private lost(err: unknown): void {
    this.retryAtMs = Date.now() + RETRY_MS;
    if (!this.available) return;
    this.available = false;
    this.logger.error(
      { err: (err as Error).message, onUnavailable: this.options.onUnavailable },
      'không truy cập được Redis: giới hạn đẩy đồng thời được quyết định mà không có các chỗ dùng chung / redis unreachable: delivery concurrency decided without the shared slots',
    );
  }

  private holdOf(versionId: string): Hold {
    let hold = this.holds.get(versionId);
    if (!hold) {
      hold = { held: 0, inUse: 0, lastUseMs: Date.now(), busy: null };
      this.holds.set(versionId, hold);
    }
    return hold;
  }

  /**
   * One round trip: states what this node holds of the destination (`hold.held`, less `release`) and asks for
   * `want` more (0: a renewal or a give-back). Redis's answer is the new hold.
   */
  private async exchange(
    versionId: string,
    hold: Hold,
    want: number,
    limit: number,
    release = 0,
  ): Promise<void> {
    await ensureConnected(this.redis);
    const stated = hold.held - release;
    const base = `${this.options.keyPrefix}slots:{${versionId}}`;
    const [granted] = await (
      this.redis as unknown as { lgspSlotsTake: (...a: Array<string | number>) => Promise<[number, number]> }
    ).lgspSlotsTake(`${base}:held`, `${base}:lapse`, this.node, stated, want, limit, HOLD_MS);
    if (!this.available)
      this.logger.info(
        'Redis truy cập được trở lại: giới hạn đẩy đồng thời dùng chung giữa các nút / redis reachable again: delivery concurrency is shared across nodes',
      );
    this.available = true;
    hold.held = stated + granted;
  }

  /**
   * Every IDLE_RETURN_MS: slots held and unused for that long go back; every RENEW_MS, the holds still in use are
   * renewed (a node that stops renewing — dead, or cut off from Redis — loses them after HOLD_MS).
   */
  private sweep(): void {
    const nowMs = Date.now();
    const renew = nowMs - this.lastRenewMs >= RENEW_MS;
    if (renew) this.lastRenewMs = nowMs;
    for (const [versionId, hold] of this.holds) {
      if (hold.busy) continue;
      if (hold.held === 0) {
        if (hold.inUse === 0) this.holds.delete(versionId);
        continue;
      }
      const idle = hold.held - hold.inUse;
      const release = idle > 0 && nowMs - hold.lastUseMs >= IDLE_RETURN_MS ? idle : 0;
      if (release === 0 && !renew) continue;
      hold.busy = this.exchange(versionId, hold, 0, 0, release)
        .catch((err) => this.lost(err))
        .finally(() => {
          hold.busy = null;
        });
    }
  }

  /** Gives every hold back (a node stopping cleanly frees its slots at once rather than after HOLD_MS). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.redis.status === 'ready') {
      for (const [versionId, hold] of this.holds) {
        while (hold.busy) await hold.busy;
        if (hold.held > 0) await this.exchange(versionId, hold, 0, 0, hold.held).catch(() => {});
      }
      await this.redis.quit().catch(() => {});
    } else this.redis.disconnect();
  }
}

/**
 * The delivery concurrency bound a worker node uses: shared in Redis when `redisUrl` is set (with
 * `redis.onUnavailable` and `redis.keyPrefix`), else this node's own count.
 */
export function openDestinationSlots(
  config: Pick<Config, 'redisUrl' | 'redis'>,
  logger: Logger,
): DestinationSlots {
  const local = new InProcessSlots();
  if (!config.redisUrl) return local;
  return new RedisSlots(
    openRedis(config.redisUrl),
    { keyPrefix: config.redis.keyPrefix, onUnavailable: config.redis.onUnavailable },
    local,
    logger,
  );
}

import type { Redis } from 'ioredis';
import type { BackoffPolicy, FailureState } from './backoff.ts';
import { ensureConnected } from './redis.ts';

/**
 * Counts failures of several subjects at once, atomically (Redis runs a script alone), with the rule of
 * `core/backoff.ts` (`FailureCounters.fail` and `blockMs`, written again here in Lua because Redis runs it: the
 * first `free` failures cost nothing, then blocks of `base · 2^k` up to `max`; failures older than `window` are
 * forgotten). Each subject's new state is published on the channel, so every node's local view learns it, and a
 * blocked subject is kept in the blocks set, which a node reads when it (re)connects.
 * KEYS: one hash per subject, then the blocks set. ARGV: now (ms), count, channel, then per subject: free, base,
 * max, window, id. Returns {failures, lastFailureMs, blockedUntilMs} per subject, flattened.
 */
const FAIL_SCRIPT = `
local now = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local n = #KEYS - 1
local out = {}
local states = {}
redis.call('ZREMRANGEBYSCORE', KEYS[n + 1], '-inf', now)
for i = 1, n do
  local a = 3 + (i - 1) * 5
  local free = tonumber(ARGV[a + 1])
  local base = tonumber(ARGV[a + 2])
  local max = tonumber(ARGV[a + 3])
  local window = tonumber(ARGV[a + 4])
  local id = ARGV[a + 5]
  local s = redis.call('HMGET', KEYS[i], 'f', 'l', 'u')
  local failures = tonumber(s[1]) or 0
  local last = tonumber(s[2]) or 0
  local blockedUntil = tonumber(s[3]) or 0
  if now - last > window then failures = 0 end
  failures = failures + count
  local block = 0
  if failures > free then
    local doublings = failures - free - 1
    if doublings > 40 then doublings = 40 end
    block = base * 2 ^ doublings
    if block > max then block = max end
  end
  if now + block > blockedUntil then blockedUntil = now + block end
  if now > last then last = now end
  redis.call('HSET', KEYS[i], 'f', failures, 'l', string.format('%d', last), 'u', string.format('%d', blockedUntil))
  local keep = window
  if blockedUntil - now > keep then keep = blockedUntil - now end
  redis.call('PEXPIRE', KEYS[i], string.format('%d', keep + 1000))
  if blockedUntil > now then redis.call('ZADD', KEYS[n + 1], string.format('%d', blockedUntil), id) end
  out[#out + 1] = failures
  out[#out + 1] = last
  out[#out + 1] = blockedUntil
  states[#states + 1] = {id, failures, last, blockedUntil}
end
redis.call('PUBLISH', ARGV[3], cjson.encode({fail = states}))
return out
`;

/** Forgets a subject (a success): its hash, its block, and every node's local view of it. KEYS: hash, blocks. */
const FORGET_SCRIPT = `
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], cjson.encode({forget = ARGV[1]}))
return 1
`;

/** What the channel carries: new states of subjects that failed, or a subject forgotten after a success. */
export type FailureEvent =
  | { kind: 'state'; id: string; state: FailureState }
  | { kind: 'forget'; id: string };

type Scripted = Redis & {
  lgspFail: (...args: Array<string | number>) => Promise<number[]>;
  lgspForget: (...args: Array<string | number>) => Promise<number>;
};

/**
 * Brute-force failure counters shared by every node on one Redis (issue 13 item 3, the trust boundary). Only
 * failures and the success of a subject that has failures make a round trip; the node decides "is it blocked?"
 * from its local view, which this class keeps current: every failure anywhere is published (`events`), and on each
 * (re)connection the blocks still running are read again, so a node that missed messages while cut off catches up.
 *
 * `available` is false while the subscription is down or the last command failed: the caller then decides per
 * `redis.onUnavailable`. Subject ids are opaque to Redis (the caller prefixes them, `key:…`, `addr:…`); nothing
 * else — no secret — is sent.
 */
export class RedisFailureCounters {
  available = false;
  /** Round trips made (failures, forgets, catch-ups). */
  roundTrips = 0;
  private readonly channel: string;
  private readonly blocksKey: string;
  private started = false;
  /** The catch-up of the latest (re)connection: `start` waits for the first one. */
  private catchingUp: Promise<void> = Promise.resolve();
  /** A catch-up planned after a failed command while the subscription stayed up (nothing else would retry). */
  private recheckTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keyPrefix: string,
    private readonly onEvent: (event: FailureEvent) => void,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.channel = `${keyPrefix}bruteforce:events`;
    this.blocksKey = `${keyPrefix}{bruteforce}:blocks`;
    redis.defineCommand('lgspFail', { lua: FAIL_SCRIPT });
    redis.defineCommand('lgspForget', { numberOfKeys: 2, lua: FORGET_SCRIPT });
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.heard(message);
    });
    // Every (re)connection subscribes again and reads the blocks it may have missed; until then: unavailable.
    subscriber.on('ready', () => {
      this.catchingUp = this.catchUp();
    });
    subscriber.on('close', () => {
      this.available = false;
    });
  }

  /**
   * Connects the subscription and catches up once; when Redis cannot be reached now it resolves at once (the
   * connection keeps trying in the background, and each 'ready' catches up).
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const connected = await this.subscriber.connect().then(
      () => true,
      () => false,
    );
    if (connected) await this.catchingUp;
  }

  /** Counts one failure of each subject; resolves with their states once Redis has them (and has published them). */
  async fail(
    subjects: Array<{ id: string; policy: BackoffPolicy }>,
    nowMs: number,
    count = 1,
  ): Promise<FailureState[]> {
    try {
      await ensureConnected(this.redis);
      this.roundTrips++;
      const args: Array<string | number> = [
        subjects.length + 1,
        ...subjects.map((s) => this.keyOf(s.id)),
        this.blocksKey,
        nowMs,
        count,
        this.channel,
      ];
      for (const { id, policy } of subjects) {
        args.push(policy.freeFailures, policy.baseBlockMs, policy.maxBlockMs, policy.windowMs, id);
      }
      const flat = await (this.redis as Scripted).lgspFail(...args);
      return subjects.map((_, i) => ({
        failures: Number(flat[i * 3]),
        lastFailureMs: Number(flat[i * 3 + 1]),
        blockedUntilMs: Number(flat[i * 3 + 2]),
      }));
    } catch (err) {
      this.lost();
      throw err;
    }
  }

  /** A success of a subject that had failures: forgotten on every node. */
  async forget(id: string): Promise<void> {
    try {
      await ensureConnected(this.redis);
      this.roundTrips++;
      await (this.redis as Scripted).lgspForget(this.keyOf(id), this.blocksKey, id, this.channel);
    } catch (err) {
      this.lost();
      throw err;
    }
  }

  /**
   * A command failed: unavailable until a catch-up succeeds. The subscription's next 'ready' starts one; if the
   * subscription is still up (only the command connection broke), one is tried every second from here.
   */
  private lost(): void {
    this.available = false;
    if (this.recheckTimer !== null || !this.started) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = null;
      if (this.subscriber.status === 'ready') this.catchingUp = this.catchUp();
    }, 1000);
    this.recheckTimer.unref();
  }

  async close(): Promise<void> {
    this.started = false;
    if (this.recheckTimer !== null) clearTimeout(this.recheckTimer);
    this.recheckTimer = null;
    for (const client of [this.subscriber, this.redis]) {
      if (client.status === 'ready') await client.quit().catch(() => {});
      else client.disconnect();
    }
  }

  private keyOf(id: string): string {
    // The hash tag puts every brute-force key in one slot of a Redis Cluster: the script touches several at once.
    return `${this.keyPrefix}{bruteforce}:${id}`;
  }

  private heard(message: string): void {
    let parsed: { fail?: Array<[string, number, number, number]>; forget?: string };
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof parsed.forget === 'string') this.onEvent({ kind: 'forget', id: parsed.forget });
    for (const [id, failures, lastFailureMs, blockedUntilMs] of parsed.fail ?? []) {
      this.onEvent({ kind: 'state', id, state: { failures, lastFailureMs, blockedUntilMs } });
    }
  }

  /** Subscribes (again) and takes every block still running: what this node may have missed while cut off. */
  private async catchUp(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
      await ensureConnected(this.redis);
      this.roundTrips++;
      const nowMs = this.nowMs();
      const blocks = await this.redis.zrangebyscore(this.blocksKey, `(${nowMs}`, '+inf', 'WITHSCORES');
      for (let i = 0; i + 1 < blocks.length; i += 2) {
        const blockedUntilMs = Number(blocks[i + 1]);
        this.onEvent({
          kind: 'state',
          id: blocks[i]!,
          state: { failures: 0, lastFailureMs: nowMs, blockedUntilMs },
        });
      }
      this.available = true;
    } catch {
      this.lost();
    }
  }
}

import type { SubscriptionPolicy } from './compiled-snapshot.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Calls counted for one subscription in the current minute and the current local day. */
export interface WindowCounts {
  minute: number;
  minuteCount: number;
  day: number;
  dayCount: number;
}

/**
 * A quota's answer: allowed; refused for the minute or the day; or `unavailable` — the shared counters cannot be
 * reached and `redis.onUnavailable` is `closed`.
 */
export type QuotaDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; period: 'minute' | 'day' | 'unavailable' };

/** Shared by every allowed call: counting a call allocates nothing. */
export const ALLOWED_CALL: QuotaDecision = Object.freeze({ allowed: true });

/**
 * The port of the subscription quotas (R-12; DESIGN.md "Narrow ports, real adapters"): counts one call if the
 * subscription's per-minute and per-day quotas allow it. Two adapters: `QuotaCounters` (this file: in-process, the
 * node's workers kept in step by the primary) and `RedisQuotaCounters` (`quota-redis.ts`: exact across every node
 * sharing one Redis). A decision is synchronous whenever it can be — the Redis adapter answers from the slice of
 * quota it leased and only waits for Redis when its slice is used up.
 */
export interface QuotaCounter {
  take(policy: SubscriptionPolicy, nowMs: number): QuotaDecision | Promise<QuotaDecision>;
  /** Gives back what this node holds and lets go of connections. */
  close(): Promise<void>;
  /** Where the counts live now (/healthz): this process, Redis, or Redis unreachable. */
  readonly state: 'in-process' | 'redis' | 'redis-unavailable';
  /** Decisions taken while the shared counters were unreachable (metrics); always 0 in process. */
  readonly unavailableDecisions: number;
}

/** The minute and the local day `nowMs` falls in, and when each ends: the windows both adapters count in. */
export function windowsOf(nowMs: number, timezoneOffsetMs: number) {
  const minute = Math.floor(nowMs / MINUTE_MS);
  const day = Math.floor((nowMs + timezoneOffsetMs) / DAY_MS);
  return {
    minute,
    day,
    minuteEndMs: (minute + 1) * MINUTE_MS,
    dayEndMs: (day + 1) * DAY_MS - timezoneOffsetMs,
  };
}

/** The refusal of a used-up quota, with the seconds until its window ends (Retry-After). */
export function usedUp(period: 'minute' | 'day', windowEndMs: number, nowMs: number): QuotaDecision {
  return { allowed: false, period, retryAfterSeconds: Math.max(1, Math.ceil((windowEndMs - nowMs) / 1000)) };
}

/**
 * Per-subscription call counters in fixed windows: the current minute, and the current local day (the province's
 * calendar day, so a daily quota resets at local midnight).
 *
 * Gateway worker processes on one node each count their own calls and also hear, every 100 ms, what the other
 * workers counted (`setOthers`): a worker allows a call while its own count plus the others' stays under the
 * quota, so the node as a whole overshoots by at most one sync interval of traffic. Gateways scaled out across
 * machines keep the counters in Redis instead (DESIGN.md "Scaling out").
 */
export class QuotaCounters implements QuotaCounter {
  private readonly own = new Map<string, WindowCounts>();
  private others = new Map<string, WindowCounts>();

  constructor(private readonly timezoneOffsetMs: number) {}

  /** Counts one call if the subscription's quotas allow it. */
  take(policy: SubscriptionPolicy, nowMs: number): QuotaDecision {
    if (policy.quotaPerMinute === null && policy.quotaPerDay === null) return ALLOWED_CALL;
    const minute = Math.floor(nowMs / MINUTE_MS);
    const localMs = nowMs + this.timezoneOffsetMs;
    const day = Math.floor(localMs / DAY_MS);
    let c = this.own.get(policy.id);
    if (!c) {
      c = { minute, minuteCount: 0, day, dayCount: 0 };
      this.own.set(policy.id, c);
    }
    if (c.minute !== minute) {
      c.minute = minute;
      c.minuteCount = 0;
    }
    if (c.day !== day) {
      c.day = day;
      c.dayCount = 0;
    }
    const o = this.others.get(policy.id);
    const othersMinute = o && o.minute === minute ? o.minuteCount : 0;
    const othersDay = o && o.day === day ? o.dayCount : 0;
    if (policy.quotaPerDay !== null && c.dayCount + othersDay >= policy.quotaPerDay) {
      return {
        allowed: false,
        period: 'day',
        retryAfterSeconds: Math.ceil(((day + 1) * DAY_MS - localMs) / 1000),
      };
    }
    if (policy.quotaPerMinute !== null && c.minuteCount + othersMinute >= policy.quotaPerMinute) {
      return {
        allowed: false,
        period: 'minute',
        retryAfterSeconds: Math.ceil(((minute + 1) * MINUTE_MS - nowMs) / 1000),
      };
    }
    c.minuteCount++;
    c.dayCount++;
    return ALLOWED_CALL;
  }

  readonly state = 'in-process';
  readonly unavailableDecisions = 0;

  async close(): Promise<void> {}

  /** This process's own counts, for the other workers. */
  ownCounts(): Record<string, WindowCounts> {
    return Object.fromEntries(this.own);
  }

  /** What the other workers of this node counted (sent by the primary). */
  setOthers(counts: Record<string, WindowCounts>): void {
    this.others = new Map(Object.entries(counts));
  }
}

/** Sums the workers' counts per subscription, keeping only the newest window of each. */
export function sumCounts(reports: Iterable<Record<string, WindowCounts>>): Record<string, WindowCounts> {
  const total: Record<string, WindowCounts> = {};
  for (const report of reports) {
    for (const [id, c] of Object.entries(report)) {
      const t = total[id];
      if (!t) {
        total[id] = { ...c };
        continue;
      }
      if (c.minute > t.minute) Object.assign(t, { minute: c.minute, minuteCount: c.minuteCount });
      else if (c.minute === t.minute) t.minuteCount += c.minuteCount;
      if (c.day > t.day) Object.assign(t, { day: c.day, dayCount: c.dayCount });
      else if (c.day === t.day) t.dayCount += c.dayCount;
    }
  }
  return total;
}

/** Whether `nowMs` falls in the subscription's allowed time of use, in local time. */
export function insideWindow(policy: SubscriptionPolicy, nowMs: number, timezoneOffsetMs: number): boolean {
  const w = policy.window;
  if (!w) return true;
  const minute = Math.floor(((((nowMs + timezoneOffsetMs) % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
  return w.startMinute < w.endMinute
    ? minute >= w.startMinute && minute < w.endMinute
    : minute >= w.startMinute || minute < w.endMinute;
}

import type { SubscriptionPolicy } from './compiled-snapshot.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

interface Counter {
  minute: number;
  minuteCount: number;
  day: number;
  dayCount: number;
}

export type QuotaDecision =
  | { allowed: true }
  | { allowed: false; retryAfterSeconds: number; period: 'minute' | 'day' };

/**
 * Per-subscription call counters in fixed windows: the current minute, and the current local day (the province's
 * calendar day, so a daily quota resets at local midnight). In-memory in this gateway process; a gateway scaled
 * out across nodes keeps them in Redis instead (DESIGN.md "Scaling out").
 */
export class QuotaCounters {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly timezoneOffsetMs: number) {}

  /** Counts one call if the subscription's quotas allow it. */
  take(policy: SubscriptionPolicy, nowMs: number): QuotaDecision {
    if (policy.quotaPerMinute === null && policy.quotaPerDay === null) return { allowed: true };
    const minute = Math.floor(nowMs / MINUTE_MS);
    const localMs = nowMs + this.timezoneOffsetMs;
    const day = Math.floor(localMs / DAY_MS);
    let c = this.counters.get(policy.id);
    if (!c) {
      c = { minute, minuteCount: 0, day, dayCount: 0 };
      this.counters.set(policy.id, c);
    }
    if (c.minute !== minute) {
      c.minute = minute;
      c.minuteCount = 0;
    }
    if (c.day !== day) {
      c.day = day;
      c.dayCount = 0;
    }
    if (policy.quotaPerDay !== null && c.dayCount >= policy.quotaPerDay) {
      return {
        allowed: false,
        period: 'day',
        retryAfterSeconds: Math.ceil(((day + 1) * DAY_MS - localMs) / 1000),
      };
    }
    if (policy.quotaPerMinute !== null && c.minuteCount >= policy.quotaPerMinute) {
      return {
        allowed: false,
        period: 'minute',
        retryAfterSeconds: Math.ceil(((minute + 1) * MINUTE_MS - nowMs) / 1000),
      };
    }
    c.minuteCount++;
    c.dayCount++;
    return { allowed: true };
  }
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

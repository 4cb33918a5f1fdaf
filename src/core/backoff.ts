import type { Config } from './config.ts';
import { canonicalIp } from './egress.ts';

/**
 * Brute-force limits (issue 10 item 5): how failed attempts at a secret slow down the next ones. Pure arithmetic
 * and in-memory counters, no I/O, so the gateway's `/token` (memory, shared between workers) and the admin
 * login (persisted in the store) decide with the same rule.
 *
 * The rule: the first `freeFailures` failures of a subject (a consumer key, a username, a client address) cost
 * nothing; each further one blocks the subject for `baseBlockMs · 2^k` (k = 0, 1, 2 … for the failures after the
 * free ones), at most `maxBlockMs` — the longest block is the lockout. Failures are forgotten once a subject has
 * had none for `windowMs`. While blocked, every attempt is refused before its secret is checked, even the right
 * one: answering the right secret during a block would let an attacker go on guessing at full speed.
 */
export interface BackoffPolicy {
  freeFailures: number;
  baseBlockMs: number;
  maxBlockMs: number;
  windowMs: number;
}

/** How long the subject is blocked after its `failures`-th failure in a row (0: not blocked). */
export function blockMs(failures: number, policy: BackoffPolicy): number {
  if (failures <= policy.freeFailures) return 0;
  // 2^40 ms is 35 years: past any maxBlockMs, and no float overflow for absurd counts.
  const doublings = Math.min(failures - policy.freeFailures - 1, 40);
  return Math.min(policy.baseBlockMs * 2 ** doublings, policy.maxBlockMs);
}

/** The failures that still count at `nowMs`: none once the last one is older than the window. */
export function recentFailures(
  failures: number,
  lastFailureMs: number,
  nowMs: number,
  policy: BackoffPolicy,
): number {
  return nowMs - lastFailureMs > policy.windowMs ? 0 : failures;
}

/** One subject's failures: how many in a row, the last one's time, and until when it is blocked. */
export interface FailureState {
  failures: number;
  lastFailureMs: number;
  blockedUntilMs: number;
}

/**
 * Failure counters kept in memory, by subject id. At most `maxSubjects` are kept (the oldest are forgotten
 * first), so an attacker who sprays made-up subjects cannot grow them without bound.
 */
export class FailureCounters {
  private readonly states = new Map<string, FailureState>();

  constructor(
    readonly policy: BackoffPolicy,
    private readonly maxSubjects = 100_000,
  ) {}

  /** Milliseconds left of the subject's block; 0 when it may try (one Map lookup: the success path's cost). */
  blockedMs(id: string, nowMs: number): number {
    if (this.states.size === 0) return 0;
    const s = this.states.get(id);
    return s === undefined || s.blockedUntilMs <= nowMs ? 0 : s.blockedUntilMs - nowMs;
  }

  /** Counts `count` failures of the subject at `nowMs` and returns its state (blocked or not). */
  fail(id: string, nowMs: number, count = 1): FailureState {
    const old = this.states.get(id);
    const failures = (old ? recentFailures(old.failures, old.lastFailureMs, nowMs, this.policy) : 0) + count;
    const blockedUntilMs = Math.max(old?.blockedUntilMs ?? 0, nowMs + blockMs(failures, this.policy));
    const state = { failures, lastFailureMs: Math.max(nowMs, old?.lastFailureMs ?? 0), blockedUntilMs };
    // Deleted and set again, so the Map's order is least recently failed first: that one is forgotten first.
    this.states.delete(id);
    this.states.set(id, state);
    if (this.states.size > this.maxSubjects) this.states.delete(this.states.keys().next().value!);
    return state;
  }

  /** A success: the subject starts again from zero. Returns whether it had failures to forget. */
  forget(id: string): boolean {
    return this.states.size !== 0 && this.states.delete(id);
  }

  /** The subjects blocked at `nowMs` (for other processes that must refuse them too). */
  blocked(nowMs: number): Record<string, FailureState> {
    const out: Record<string, FailureState> = {};
    for (const [id, s] of this.states) if (s.blockedUntilMs > nowMs) out[id] = s;
    return out;
  }

  /** Takes blocks decided elsewhere (the primary's sum over every worker), keeping the larger of each value. */
  merge(blocked: Record<string, FailureState>): void {
    for (const [id, b] of Object.entries(blocked)) {
      const s = this.states.get(id);
      if (!s) this.states.set(id, { ...b });
      else {
        s.failures = Math.max(s.failures, b.failures);
        s.lastFailureMs = Math.max(s.lastFailureMs, b.lastFailureMs);
        s.blockedUntilMs = Math.max(s.blockedUntilMs, b.blockedUntilMs);
      }
    }
  }
}

/** The policies of the configured limits (`limits.*`, docs/configuration.md). */
export function backoffPolicies(
  limits: Config['limits'],
): Record<'tokenKey' | 'tokenAddress' | 'loginUser' | 'loginAddress', BackoffPolicy> {
  const windowMs = limits.failureWindowMinutes * 60_000;
  const token = {
    baseBlockMs: limits.tokenBlockBaseMs,
    maxBlockMs: limits.tokenBlockMaxSeconds * 1000,
    windowMs,
  };
  const login = {
    baseBlockMs: limits.loginBlockBaseMs,
    maxBlockMs: limits.loginLockoutMinutes * 60_000,
    windowMs,
  };
  return {
    tokenKey: { ...token, freeFailures: limits.tokenFreeFailures },
    tokenAddress: { ...token, freeFailures: limits.tokenAddressFreeFailures },
    loginUser: { ...login, freeFailures: limits.loginFreeFailures },
    loginAddress: { ...login, freeFailures: limits.loginAddressFreeFailures },
  };
}

/**
 * The subjects of the admin login's counters (table `login_throttle`): an account's name as it is (`user:<name>`),
 * any other typed name only as its keyed digest (`name#<digest>`, `KeyEncryptionKey.digest`) — a name no account has
 * is often a password typed into the name box, and the table is in every backup — and the client address
 * (`addr:<address>`).
 */
export const THROTTLE_SUBJECT = { account: 'user:', typedName: 'name#', address: 'addr:' } as const;

/**
 * The client address as the login counters count it (the `addr:` subject, and `lgsp user unlock --address`): an IPv4
 * address as it is — an IPv6 one carrying it (`::ffff:a.b.c.d`) too —, an IPv6 one by its /64 (`2001:db8:1:2::/64`).
 * A /64 is one subscriber's network (RFC 6177: a site gets at least that), every address of which its host may use:
 * counted one by one, a guesser got 30 free failures on each of 2^64 addresses. Anything else is counted as it is.
 */
export function throttledAddress(address: string): string {
  const canonical = canonicalIp(address);
  if (!canonical) return address;
  if (!canonical.includes(':')) return canonical;
  return `${canonical.split(':').slice(0, 4).join(':')}::/64`;
}

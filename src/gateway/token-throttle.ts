import { backoffPolicies, FailureCounters, type FailureState } from '../core/backoff.ts';
import type { Config } from '../core/config.ts';

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
 * Brute-force limits of `POST /token` (issue 10 item 5, `core/backoff.ts`): failed client authentications are
 * counted per consumer key — only keys the snapshot knows, so made-up keys cannot fill memory — and per client
 * address; a blocked key or address is refused with 429 before its secret is checked. A success resets its key
 * (not its address, or an attacker holding one valid credential could wipe the count of its spraying).
 *
 * Gateway workers each count their own failures and report them to the primary every sync interval
 * (`cluster.ts`); the primary sums them in its own instance and sends every worker the blocks it decided, so a
 * limit holds across workers, overshooting by at most one sync interval (100 ms) of attempts.
 */
export class TokenThrottle {
  private readonly byKey: FailureCounters;
  private readonly byAddress: FailureCounters;
  private pending: TokenFailureReport = emptyReport();
  private hasPending = false;

  constructor(limits: Config['limits']) {
    const policies = backoffPolicies(limits);
    this.byKey = new FailureCounters(policies.tokenKey);
    this.byAddress = new FailureCounters(policies.tokenAddress);
  }

  /** Milliseconds until this key and address may try again; 0 when neither is blocked. */
  retryAfterMs(clientId: string | null, address: string, nowMs: number): number {
    const key = clientId === null ? 0 : this.byKey.blockedMs(clientId, nowMs);
    return Math.max(key, this.byAddress.blockedMs(address, nowMs));
  }

  /**
   * A failed client authentication; `knownKey` is the key when it names a credential, else null. Returns how long
   * the key or address is now blocked (0: not yet), so the endpoint can log each block as it starts.
   */
  failed(knownKey: string | null, address: string, nowMs: number): number {
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
    this.pending.succeeded.push(clientId);
    this.hasPending = true;
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

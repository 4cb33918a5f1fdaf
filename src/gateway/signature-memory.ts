import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import { ensureConnected, openRedis } from '../core/redis.ts';
import { SIGNATURE_MAX_AGE_SECONDS, SIGNATURE_TOLERANCE_SECONDS } from '../federation/wire.ts';

/**
 * How many hop signatures one memory holds at most (docs/federation.md §4, replay): a sync call's are kept until
 * they would be refused as too old anyway — 5 min 30 s — so this holds ~300 one-hop federated calls a second
 * (fewer with longer paths: every hop counts); an async message's until their own expiry. Past it, those that
 * expire soonest are forgotten first: forgetting them opens the shortest window.
 */
export const SEEN_SIGNATURES_MAX = 100_000;

/** How long a gateway worker waits for its primary's answer before refusing the call (503). */
export const REPLAY_CHECK_TIMEOUT_MS = 2_000;

/**
 * One hop signature to check: the SHA-256 of its bytes, the second after which it cannot be accepted anyway, and
 * who may present it again (docs/security.md §2.12):
 * - `owner: null` — it may never come again: any call that carried it before makes this one a replay (every hop
 *   of a sync call; the calling hop of an async message, which is signed anew at each delivery attempt).
 * - `owner: <peer code>` — an earlier hop of an async message, presented by that calling peer: the same peer may
 *   present it again (an intermediate handing the message on again, e.g. after its retry — deduplicated by
 *   Idempotency-Key), no other peer may, nor may it come back once it was seen as a calling hop (owner null).
 */
export interface SeenSignature {
  key: string;
  untilSeconds: number;
  owner: string | null;
}

/**
 * The index of the first of these signatures that was accepted before and may not come again (seen with no owner,
 * or with another owner than this one's), or -1 when none — and then those not yet known are remembered with their
 * owner (in one step: no other call can slip between the look and the write); `unavailable` when the shared memory
 * cannot be asked and the call must be refused (503).
 */
export type SeenAnswer = number | 'unavailable';

/** Whether a signature remembered as `rememberedOwner`'s makes `s` a replay: only that owner may present it again. */
function replays(rememberedOwner: string | null, s: SeenSignature): boolean {
  return s.owner === null || rememberedOwner !== s.owner;
}

/**
 * Where a gateway process remembers the hop signatures it accepted (docs/security.md §2.12): a captured signed call
 * sent again, to this process or to any other of the cluster, must find its signature there.
 * - `LocalSignatureMemory`: this process (one process; a node's primary, for its workers).
 * - `PrimarySignatureMemory`: a gateway worker asks its primary (without Redis, `gateway.workers` > 1).
 * - `RedisSignatureMemory`: every node and worker on one Redis (`redisUrl`).
 * Only an inbound federated call asks (`federated-forward.ts`): a local call by an agency never reaches this.
 */
export interface SignatureMemory {
  firstSeen(signatures: readonly SeenSignature[], nowMs: number): SeenAnswer | Promise<SeenAnswer>;
  /** Where the memory is (for /metrics, as the shared counters say it). */
  readonly state: 'in-process' | 'redis' | 'redis-unavailable';
  /** Checks decided without Redis (on this node, or refused): `lgsp_replay_decisions_without_redis_total`. */
  readonly unavailableDecisions: number;
  close(): Promise<void>;
}

/**
 * The signatures of a call's hops as the memories keep them: hashed (short keys), with their last second and owner.
 * A hop given its `expires` (an async message's) is kept until then too: `verifyHops` accepts an async message's
 * earlier hop until its own expiry (+ tolerance), so its memory must last as long.
 */
export function seenSignatures(
  hops: ReadonlyArray<{ bytes: Buffer; created: number; expires?: number; owner: string | null }>,
): SeenSignature[] {
  // The window `verifyHops` accepts a `created` in, plus a second: past it the signature is refused as too old.
  const window = SIGNATURE_MAX_AGE_SECONDS + SIGNATURE_TOLERANCE_SECONDS + 1;
  return hops.map((h) => ({
    key: createHash('sha256').update(h.bytes).digest('base64'),
    untilSeconds: Math.max(
      h.created + window,
      h.expires === undefined ? 0 : h.expires + SIGNATURE_TOLERANCE_SECONDS + 1,
    ),
    owner: h.owner,
  }));
}

/**
 * A memory in this process: the signatures by key, and a min-heap of their last seconds, swept from the soonest at
 * each check. Not a Map swept in insertion order: an async message's hop, kept for hours, would stop that sweep at
 * itself and pin every short-lived signature after it until the cap.
 */
export class LocalSignatureMemory implements SignatureMemory {
  readonly state = 'in-process' as const;
  readonly unavailableDecisions = 0;
  private readonly seen = new Map<string, { untilSeconds: number; owner: string | null }>();
  /** Every remembered key once, ordered by its last second (heap[0] the soonest). */
  private readonly heap: Array<{ key: string; untilSeconds: number }> = [];

  /** How many signatures are remembered (tests: the cap and the sweep). */
  get size(): number {
    return this.seen.size;
  }

  firstSeen(signatures: readonly SeenSignature[], nowMs: number): number {
    const nowSeconds = Math.floor(nowMs / 1000);
    while (this.heap.length > 0 && this.heap[0]!.untilSeconds < nowSeconds) this.forgetSoonest();
    const found = signatures.findIndex((s) => {
      const known = this.seen.get(s.key);
      return known !== undefined && replays(known.owner, s);
    });
    if (found !== -1) return found;
    const added = new Map<string, SeenSignature>();
    for (const s of signatures) if (!this.seen.has(s.key) && !added.has(s.key)) added.set(s.key, s);
    while (this.seen.size > 0 && this.seen.size + added.size > SEEN_SIGNATURES_MAX) this.forgetSoonest();
    for (const s of added.values()) {
      this.seen.set(s.key, { untilSeconds: s.untilSeconds, owner: s.owner });
      this.push({ key: s.key, untilSeconds: s.untilSeconds });
    }
    return -1;
  }

  async close(): Promise<void> {}

  private forgetSoonest(): void {
    const heap = this.heap;
    const soonest = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      // Sift down.
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let min = i;
        if (left < heap.length && heap[left]!.untilSeconds < heap[min]!.untilSeconds) min = left;
        if (right < heap.length && heap[right]!.untilSeconds < heap[min]!.untilSeconds) min = right;
        if (min === i) break;
        [heap[i], heap[min]] = [heap[min]!, heap[i]!];
        i = min;
      }
    }
    this.seen.delete(soonest.key);
  }

  private push(entry: { key: string; untilSeconds: number }): void {
    const heap = this.heap;
    heap.push(entry);
    // Sift up.
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.untilSeconds <= heap[i]!.untilSeconds) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }
}

/**
 * A gateway worker's memory without Redis: its primary's `LocalSignatureMemory`, asked over the cluster IPC channel
 * (`replay-check` → `replay-checked`), so a signature accepted by one worker is refused by its siblings. The call
 * waits for the answer — a replay must be refused before anything is forwarded — at most
 * `REPLAY_CHECK_TIMEOUT_MS`, then it is refused 503 GW_FED_REPLAY_CHECK_UNAVAILABLE rather than let through
 * unchecked. Only inbound federated calls ask; a local call sends nothing.
 */
export class PrimarySignatureMemory implements SignatureMemory {
  readonly state = 'in-process' as const;
  readonly unavailableDecisions = 0;
  private readonly pending = new Map<number, (seen: number) => void>();
  private requestIds = 0;
  /** Whether the primary answered the last check: its silence is logged once, and its return once. */
  private answering = true;

  constructor(
    private readonly send: (message: {
      type: 'replay-check';
      requestId: number;
      signatures: SeenSignature[];
    }) => void,
    private readonly logger: Logger,
    private readonly timeoutMs = REPLAY_CHECK_TIMEOUT_MS,
  ) {}

  firstSeen(signatures: readonly SeenSignature[]): Promise<SeenAnswer> {
    const requestId = ++this.requestIds;
    return new Promise<SeenAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        if (this.answering)
          this.logger.error(
            { timeoutMs: this.timeoutMs },
            'tiến trình chính không trả lời kiểm tra chữ ký đã dùng; lời gọi liên thông nhận vào bị từ chối 503 / the primary did not answer a replay check; inbound federated calls are refused 503',
          );
        this.answering = false;
        resolve('unavailable');
      }, this.timeoutMs);
      this.pending.set(requestId, (seen) => {
        clearTimeout(timer);
        if (!this.answering)
          this.logger.info(
            'tiến trình chính trả lời lại kiểm tra chữ ký đã dùng / the primary answers replay checks again',
          );
        this.answering = true;
        resolve(seen);
      });
      this.send({ type: 'replay-check', requestId, signatures: [...signatures] });
    });
  }

  /** The primary's answer to `requestId` (an answer after the timeout finds nothing: the call was refused). */
  answered(requestId: number, seen: number): void {
    const resolve = this.pending.get(requestId);
    this.pending.delete(requestId);
    resolve?.(seen);
  }

  async close(): Promise<void> {}
}

/**
 * Checks and remembers a call's signatures in one step (Redis runs a script alone): the index of the first key that
 * exists and may not come again — the signature has no owner, or its stored owner is not this one's — else every
 * key not yet there set to its owner with its own time to live, and -1: the in-process memory's answer,
 * cluster-wide. KEYS: one per signature. ARGV: each one's time to live in ms (from the gateway's clock, so Redis's
 * own clock does not matter), then each one's owner ('' for none; a peer code is never empty).
 */
const SEEN_SCRIPT = `
local n = #KEYS
for i = 1, n do
  local owner = redis.call('GET', KEYS[i])
  if owner and (ARGV[n + i] == '' or owner ~= ARGV[n + i]) then return i - 1 end
end
for i = 1, n do
  redis.call('SET', KEYS[i], ARGV[n + i], 'PX', ARGV[i], 'NX')
end
return -1
`;

type Scripted = Redis & { lgspSignaturesSeen: (...args: Array<string | number>) => Promise<number> };

/**
 * Hop signatures remembered by every node and worker on one Redis (docs/security.md §2.12): one round trip per
 * inbound federated call (`SEEN_SCRIPT`), keys `<keyPrefix>{fedsig}:<sha-256>` holding the signature's owner (empty:
 * none) that expire when the signature would be refused anyway (too old, or past an async hop's own expiry). When Redis cannot be reached, `redis.onUnavailable` decides, as for quotas
 * and `/token` limits: `open` checks against `fallback` — this node's memory (this process, or its primary for a
 * worker), so a replay to another node is then not seen — and `closed` refuses 503 GW_FED_REPLAY_CHECK_UNAVAILABLE.
 * Both are counted in `unavailableDecisions` and the loss and return of Redis are logged once each.
 */
export class RedisSignatureMemory implements SignatureMemory {
  unavailableDecisions = 0;
  roundTrips = 0;
  private available = true;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly onUnavailable: 'open' | 'closed',
    private readonly fallback: SignatureMemory,
    private readonly logger: Logger,
  ) {
    redis.defineCommand('lgspSignaturesSeen', { lua: SEEN_SCRIPT });
  }

  get state(): 'redis' | 'redis-unavailable' {
    return this.available ? 'redis' : 'redis-unavailable';
  }

  async firstSeen(signatures: readonly SeenSignature[], nowMs: number): Promise<SeenAnswer> {
    try {
      await ensureConnected(this.redis);
      this.roundTrips++;
      const found = await (this.redis as Scripted).lgspSignaturesSeen(
        signatures.length,
        // The hash tag keeps every signature in one slot of a Redis Cluster: the script reads several at once.
        ...signatures.map((s) => `${this.keyPrefix}{fedsig}:${s.key}`),
        // At least a second: `verifyHops` already refused a signature past its window.
        ...signatures.map((s) => Math.max(1000, s.untilSeconds * 1000 - nowMs)),
        ...signatures.map((s) => s.owner ?? ''),
      );
      if (!this.available)
        this.logger.info(
          'Redis truy cập được trở lại: chữ ký liên nền tảng đã dùng được nhớ chung giữa các nút / redis reachable again: used federation signatures are remembered across nodes',
        );
      this.available = true;
      return Number(found);
    } catch (err) {
      this.unavailableDecisions++;
      if (this.available) {
        this.available = false;
        this.logger.error(
          { err: (err as Error).message, onUnavailable: this.onUnavailable },
          'không truy cập được Redis: chữ ký liên nền tảng đã dùng được kiểm tra mà không có bộ nhớ dùng chung / redis unreachable: federation replays checked without the shared memory',
        );
      }
      if (this.onUnavailable === 'open') return this.fallback.firstSeen(signatures, nowMs);
      return 'unavailable';
    }
  }

  async close(): Promise<void> {
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => {});
    else this.redis.disconnect();
  }
}

/**
 * The memory of a gateway process: in Redis when `redisUrl` is set (with `local` as its fallback per
 * `redis.onUnavailable`), else `local` — this process's own, or a worker's primary. Nothing connects before the
 * first inbound federated call.
 */
export function openSignatureMemory(
  config: Pick<Config, 'redisUrl' | 'redis'>,
  logger: Logger,
  local: SignatureMemory = new LocalSignatureMemory(),
): SignatureMemory {
  if (!config.redisUrl) return local;
  return new RedisSignatureMemory(
    openRedis(config.redisUrl),
    config.redis.keyPrefix,
    config.redis.onUnavailable,
    local,
    logger,
  );
}

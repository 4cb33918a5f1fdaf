/**
 * Whole-exchange deadlines (R-03: no call hangs longer than its limit). undici's `headersTimeout` and `bodyTimeout`
 * bound the gap between two reads, and an interim 1xx answer starts the headers' wait again: a provider that sends a
 * byte every 29 s, or `103 Early Hints` every second, held a call for as long as it liked. Each exchange with another
 * party (a forwarded call, a push, a federated or composite call; in the background a health probe, a webhook, a
 * peer's token, keys, receipts, catalogue or category lists) is therefore watched here until it ends: once its
 * deadline passes, `expire` cuts it.
 *
 * One sweeper per process looks at every watched exchange every `SWEEP_MS` (an unref'd interval, running only while
 * something is watched), so the hot path arms no timer and makes no AbortController of its own: watching is a push
 * onto an array and one clock reading, and ending is a swap-remove. An exchange is cut between its limit and its
 * limit + `SWEEP_MS`. The functions allocate nothing; the exchange's own state object carries the fields.
 *
 * The clock is the monotonic `performance.now()`, not the platform's `Clock`: a limit is real time spent waiting,
 * whatever a test's clock or the wall clock says.
 */

/** How often the watched exchanges are looked at: the latest an exchange is cut after its deadline. */
export const SWEEP_MS = 250;

/** An exchange the sweeper can cut: its state object carries these fields (`watchDeadline` sets them). */
export interface Expiring {
  /** When (`performance.now()`) the exchange is cut; +Infinity while its clock is stopped. */
  deadlineAtMs: number;
  /** What was left of the limit when its clock was stopped. */
  deadlineLeftMs: number;
  /** The exchange's limit, for `deadlineAtLeast`. */
  deadlineLimitMs: number;
  /** Where it sits in the watched list; -1 when it is not watched. */
  deadlineSlot: number;
  /** Called once, when the deadline has passed (it is no longer watched then). Must not throw. */
  expire(): void;
}

const watched: Expiring[] = [];
/** The exchanges found due in one sweep, cut after the sweep: reused, so that a sweep allocates nothing. */
const due: Expiring[] = [];
let sweeper: NodeJS.Timeout | null = null;

/** Starts an exchange's clock: it is cut `limitMs` from now, unless it ends first (`unwatchDeadline`). */
export function watchDeadline(e: Expiring, limitMs: number): void {
  e.deadlineLimitMs = limitMs;
  e.deadlineAtMs = performance.now() + limitMs;
  e.deadlineLeftMs = limitMs;
  if (e.deadlineSlot >= 0) return;
  e.deadlineSlot = watched.length;
  watched.push(e);
  if (sweeper === null) {
    sweeper = setInterval(sweep, SWEEP_MS);
    sweeper.unref();
  }
}

/** The exchange ended, however: it is no longer watched. Harmless when it is not. */
export function unwatchDeadline(e: Expiring): void {
  const slot = e.deadlineSlot;
  if (slot < 0) return;
  const last = watched.pop()!;
  if (last !== e) {
    watched[slot] = last;
    last.deadlineSlot = slot;
  }
  e.deadlineSlot = -1;
}

/**
 * Stops the clock while the gateway waits on the consumer, not the provider — a consumer that reads its answer
 * slowly (backpressure): the deadline is about the provider, so that time is not counted.
 */
export function stopDeadlineClock(e: Expiring): void {
  if (e.deadlineSlot < 0 || e.deadlineAtMs === Number.POSITIVE_INFINITY) return;
  e.deadlineLeftMs = e.deadlineAtMs - performance.now();
  e.deadlineAtMs = Number.POSITIVE_INFINITY;
}

/** Starts the clock again with what was left (`stopDeadlineClock`). */
export function restartDeadlineClock(e: Expiring): void {
  if (e.deadlineAtMs !== Number.POSITIVE_INFINITY) return;
  e.deadlineAtMs = performance.now() + e.deadlineLeftMs;
}

/**
 * Gives the exchange at least its whole limit from now: called as the consumer's request body goes on to the
 * provider, so that an upload that takes long (a large file, a slow consumer) is not counted — the provider's
 * answer has its limit from the request's last chunk.
 */
export function deadlineAtLeast(e: Expiring): void {
  if (e.deadlineSlot < 0) return;
  if (e.deadlineAtMs === Number.POSITIVE_INFINITY) e.deadlineLeftMs = e.deadlineLimitMs;
  else e.deadlineAtMs = Math.max(e.deadlineAtMs, performance.now() + e.deadlineLimitMs);
}

/**
 * A request body that gives its exchange its whole limit again as each chunk goes out: the time an upload takes is
 * the sender's (a large payload over a slow link), not the receiver's — its answer has the limit from the last chunk.
 */
export async function* uploadKeepingDeadline(
  body: AsyncIterable<Buffer>,
  exchange: Expiring,
): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    deadlineAtLeast(exchange);
    yield chunk;
  }
}

/** How many exchanges are watched now (for tests: every exchange that ended is no longer watched). */
export function watchedDeadlines(): number {
  return watched.length;
}

function sweep(): void {
  const now = performance.now();
  // From the end: `unwatchDeadline` moves the last entry, already looked at, into the freed slot.
  for (let i = watched.length - 1; i >= 0; i--) {
    const e = watched[i]!;
    if (e.deadlineAtMs <= now) {
      unwatchDeadline(e);
      due.push(e);
    }
  }
  for (let i = 0; i < due.length; i++) {
    try {
      due[i]!.expire();
    } catch (err) {
      // An exchange that could not be cut must not stop the others being cut, nor the process.
      process.emitWarning(err as Error);
    }
  }
  due.length = 0;
  if (watched.length === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}

/** The error a watched exchange is aborted with at its deadline. */
export class DeadlineExceeded extends Error {
  readonly code = 'LGSP_DEADLINE_EXCEEDED';
  constructor(limitMs: number) {
    super(`không có câu trả lời trọn vẹn trong ${limitMs} ms / no whole answer within ${limitMs} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** Whether an exchange failed for time: its deadline, or undici's own wait for headers or for the next chunk. */
export function isTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'LGSP_DEADLINE_EXCEEDED' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT'
  );
}

/** The reason a person reads for an exchange that timed out (a probe's alert, a webhook's last error). */
export function timedOutReason(limitMs: number): string {
  return `quá thời gian ${limitMs} ms / timed out after ${limitMs} ms`;
}

/**
 * A deadline that aborts a signal: for exchanges made through undici's promise API (`request`), which take one —
 * the buffered and background ones (mapped and SOAP-converted versions, composite backends, pushes, and through
 * `withinDeadline` the rest), not the streaming forward, whose handler is its own `Expiring`. Watched from its construction; `done` when the
 * exchange ended, however.
 */
export class AbortingDeadline implements Expiring {
  deadlineAtMs = 0;
  deadlineLeftMs = 0;
  deadlineLimitMs = 0;
  deadlineSlot = -1;
  /** Set when the deadline passed (and the signal was aborted for it). */
  expired = false;
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;

  constructor(readonly limitMs: number) {
    watchDeadline(this, limitMs);
  }

  expire(): void {
    this.expired = true;
    this.controller.abort(new DeadlineExceeded(this.limitMs));
  }

  /** Aborts the exchange for another reason (the consumer left): not a timeout. */
  abort(reason: unknown): void {
    unwatchDeadline(this);
    this.controller.abort(reason);
  }

  done(): void {
    unwatchDeadline(this);
  }
}

/**
 * One exchange through undici's promise API, whole within `limitMs`: `exchange` passes `deadline.signal` to
 * `request` and reads what it keeps of the answer before it returns. At the deadline the request, or the reading of
 * its body, fails with `DeadlineExceeded` — except undici's `body.dump()`, which ends quietly on a body cut short: a
 * caller that dumps and needs the whole answer reads `deadline.expired`. Shared by the background exchanges with
 * other parties (health probes, webhooks, a peer's token, keys, receipts, catalogue and category lists).
 */
export async function withinDeadline<T>(
  limitMs: number,
  exchange: (deadline: AbortingDeadline) => Promise<T>,
): Promise<T> {
  const deadline = new AbortingDeadline(limitMs);
  try {
    return await exchange(deadline);
  } finally {
    deadline.done();
  }
}

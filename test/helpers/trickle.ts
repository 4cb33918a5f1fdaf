import type { ServerResponse } from 'node:http';

/**
 * The two ways a party holds an exchange open while every read stays within undici's per-read timeouts:
 *
 * - `bytes` — the status and headers at once, then one byte every `everyMs`, never the end;
 * - `early-hints` — interim answers (`103 Early Hints`) every `everyMs`, never the final one: each starts undici's
 *   wait for the headers again.
 *
 * Only a whole-exchange deadline (src/net/deadlines.ts) ends such an exchange; the drip stops when the other side
 * closes the connection.
 */
export type Trickle = 'bytes' | 'early-hints';

export const TRICKLES: readonly Trickle[] = ['bytes', 'early-hints'];

/** Answers `res` the `trickle` way, forever (until the connection closes). */
export function trickle(res: ServerResponse, how: Trickle, everyMs = 200, status = 200): void {
  if (how === 'early-hints') {
    const hint = setInterval(() => res.writeEarlyHints({ link: '</kieu.css>; rel=preload' }), everyMs);
    res.once('close', () => clearInterval(hint));
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.write('{');
  const drip = setInterval(() => res.write(' '), everyMs);
  res.once('close', () => clearInterval(drip));
}

/** What a `flood` sent before it ended. */
export interface Flood {
  /** Bytes of the body written before the other side closed the connection (or all of them). */
  sentBytes: number;
  /** Whether the whole body was sent: false when the other side stopped reading and closed first. */
  complete: boolean;
  /**
   * Settles when the connection closes. A reader that took the whole answer keeps a kept-alive connection open; one
   * that stopped at its limit closes it — even when the whole body already sat in the sockets' buffers.
   */
  connectionClosed: Promise<void>;
}

/**
 * Answers `res` 200 with a JSON-looking body of `totalBytes` (Infinity: without end), as fast as the other side
 * reads it — written only as the socket drains, so what the test process holds stays small whatever the size. The
 * promise settles when the body is sent whole or the response closes: a reader that stops at its limit and closes
 * the connection leaves `complete` false (when the body is larger than the sockets' buffers) and `sentBytes` near
 * that limit.
 */
export function flood(res: ServerResponse, totalBytes: number, prefix = '{"keys":["'): Promise<Flood> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const socket = res.socket!;
  const state: Flood = {
    sentBytes: 0,
    complete: false,
    connectionClosed: new Promise((resolve) => socket.once('close', () => resolve())),
  };
  return new Promise((resolve) => {
    res.once('close', () => resolve(state));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(prefix);
    state.sentBytes = prefix.length;
    const more = (): void => {
      while (!res.destroyed && state.sentBytes < totalBytes) {
        const part = Math.min(chunk.length, totalBytes - state.sentBytes);
        state.sentBytes += part;
        if (!res.write(part === chunk.length ? chunk : chunk.subarray(0, part))) {
          res.once('drain', more);
          return;
        }
      }
      if (res.destroyed) return;
      state.complete = true;
      res.end('"]}');
    };
    more();
  });
}

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

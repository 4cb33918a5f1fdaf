import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a receiver checks that a webhook comes from this platform and was not replayed (the scheme of Stripe and
 * GitHub):
 *
 * 1. Take `X-LGSP-Timestamp` (unix seconds) and the raw request body, byte for byte as received (before any JSON
 *    parsing), and compute `HMAC-SHA256(secret, timestamp + "." + body)` in lower-case hex, with the endpoint's
 *    secret (shown once, when the endpoint was created).
 * 2. Compare it, in constant time, with the value after `sha256=` in `X-LGSP-Signature` (the header may list
 *    several `sha256=…` values separated by commas; any one matching is enough).
 * 3. Refuse a timestamp further than a few minutes from the receiver's clock (5 minutes is usual).
 * 4. Deduplicate on `X-LGSP-Delivery`: a delivery may arrive more than once, never less.
 *
 * Answer 2xx once the notification is stored; anything else (or no answer within 10 s) is retried later.
 */
export function signWebhook(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `sha256=${hmacHex(secret, String(timestamp), body)}`;
}

function hmacHex(secret: string, timestamp: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The receiver's check described at `signWebhook`; `nowMs` defaults to the system clock. */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | number | undefined,
  body: string | Buffer,
  header: string | undefined,
  toleranceSeconds = 300,
  nowMs: number = Date.now(),
): boolean {
  if (!header || timestamp === undefined) return false;
  const ts = String(timestamp).trim();
  if (!/^\d{1,15}$/.test(ts)) return false;
  if (Math.abs(nowMs / 1000 - Number(ts)) > toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(secret, ts, body), 'hex');
  return header.split(',').some((part) => {
    const m = /^\s*sha256=([0-9a-f]{64})\s*$/i.exec(part);
    return m !== null && timingSafeEqual(expected, Buffer.from(m[1]!.toLowerCase(), 'hex'));
  });
}

import type { Readable } from 'node:stream';

/**
 * Another party's answer read into memory only up to a limit. A body read whole (`.text()`, `.json()`, chunks
 * gathered without a count) let a hostile or broken peer, provider or health endpoint send gigabytes into our
 * memory; a whole-exchange deadline (deadlines.ts) bounds only the time, and a fast link fills a lot of memory in 30 s.
 * Each reader therefore names its limit, and past it reads nothing more: the body is destroyed — with undici that
 * closes the connection — so what was sent after it is neither kept nor waited for.
 */

/**
 * The body whole when it is at most `limitBytes`; null as soon as it is longer — the rest is not read and the
 * stream is destroyed, so a party answering without end holds neither memory nor the connection. What was read
 * fails as the stream does (a broken connection, a deadline).
 */
export async function readAtMost(body: Readable, limitBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      if (bytes > limitBytes) return null;
      chunks.push(buf);
    }
  } finally {
    if (!body.readableEnded) body.destroy();
  }
  return Buffer.concat(chunks, bytes);
}

/** The reason a person reads for an answer longer than its limit (a failed fetch's detail, a probe's alert). */
export function tooLargeReason(limitBytes: number): string {
  return `câu trả lời dài hơn ${limitBytes} byte / answer larger than ${limitBytes} bytes`;
}

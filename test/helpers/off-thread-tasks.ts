import { LgspError } from '../../src/core/errors.ts';

/** Tasks for test/off-thread.test.ts, run on a thread of their own by src/core/off-thread.ts. */

/** Asks the calling thread twice and answers the sum of the input and both answers, with the bytes' length. */
export async function askTwice(
  input: { start: number; bytes: Uint8Array },
  ask: (question: string) => Promise<number>,
): Promise<{ sum: number; length: number }> {
  const a = await ask('first');
  const b = await ask('second');
  return { sum: input.start + a + b, length: input.bytes.byteLength };
}

/** Bytes of its own, to be moved back. */
export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Holds on to more and more memory, without end. */
export function allocate(): never {
  const kept: number[][] = [];
  for (;;) kept.push(Array.from({ length: 100_000 }, (_, i) => i));
}

/** Never ends on its own. */
export function spin(): never {
  for (;;);
}

/** Refuses as domain code does. */
export function refuse(): never {
  throw new LgspError('RP_RECONCILIATION_FILE_INVALID', 'dòng / line 2: sai / wrong', { lines: [2] });
}

import type { TransactionRecord } from '../../src/telemetry/record.ts';
import { COPY_COLUMN_TYPES, recordTuple } from '../../src/telemetry/record-copy.ts';

/**
 * A record as the line of COPY's text format that journals held before records became binary tuples (12/2026,
 * `#columns id,…` files): tests of what an upgraded node still ships. Made from the record's tuple, so that the line
 * holds what the store is given (NUL as U+FFFD, the derived duration, a claimed end-to-end id in the evidence).
 */
export function copyLine(t: TransactionRecord): string {
  const tuple = recordTuple(t);
  const values: string[] = [];
  let at = 2;
  for (const type of COPY_COLUMN_TYPES) {
    const length = tuple.readInt32BE(at);
    at += 4;
    if (length === -1) {
      values.push('\\N');
      continue;
    }
    if (type === 'int4') values.push(String(tuple.readInt32BE(at)));
    else if (type === 'int8') values.push(String(tuple.readBigInt64BE(at)));
    else if (type === 'timestamptz') {
      const micros = tuple.readBigInt64BE(at) + BigInt(Date.UTC(2000, 0, 1)) * 1000n;
      const second = micros / 1_000_000n;
      const fraction = String(micros - second * 1_000_000n).padStart(6, '0');
      values.push(`${new Date(Number(second) * 1000).toISOString().slice(0, 19)}.${fraction}Z`);
    } else {
      const text = tuple.toString('utf8', type === 'jsonb' ? at + 1 : at, at + length);
      values.push(text.replace(/[\\\t\n\r]/g, (ch) => ESCAPES[ch]!));
    }
    at += length;
  }
  return `${values.join('\t')}\n`;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

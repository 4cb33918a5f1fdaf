import { LgspError } from '../core/errors.ts';
import { runOffThread } from '../core/off-thread.ts';
import { NOT_UTF8, refuseUnstorableIn } from './input-guard.ts';

/**
 * The JSON body of a reconciliation (R-23) read off the event loop, as its CSV and multipart uploads are: the body
 * carries the party's file in `csv` — up to 64 MiB, JSON-escaped — and `JSON.parse` of it, then the schema's pass
 * over that string, held the loop the admin API shares with the gateway in `lgsp start` (docs/reconciliation.md).
 * The body's bytes move to a thread of its own, are parsed there, and come back as the small fields beside the
 * file (for the schema, which answers them as before) and the file's own UTF-8 bytes, moved back, which then take
 * the uploads' path: the reconciliation's thread decodes and bounds them (partyFileText).
 */

export interface ReconciliationJson {
  /** The body for the schema: the fields beside the file as sent, `csv` empty when it was a string. */
  body: unknown;
  /** The file's UTF-8 bytes; null when `csv` was not a string (the schema refuses the body). */
  file: Uint8Array | null;
}

/** Bodies up to this size are parsed where they arrive: a thread costs more than the parse (≈ 0.2 ms a 64 KiB). */
export const INLINE_JSON_BYTES = 64 * 1024;
/** The most heap a body's parse may take: a 128 MiB body (the route's limit) is its text, its parse and the file. */
const JSON_HEAP_MB = 1024;
const JSON_TIME_MS = 30_000;
/** Bodies parsed on threads at once (each may take `JSON_HEAP_MB`); one more waits its turn as a 429. */
const JSON_READINGS_AT_ONCE = 2;
let readings = 0;

/** A field beside the file longer than this is cut to it: the schema refuses it the same, without reading it whole. */
const FIELD_CHARS = 1024;

/**
 * What the schema sees of a value the body gave: a long string cut, an object or array emptied (its type error is
 * the same), so nothing large comes back to the calling thread nor goes through the schema there.
 */
function small(value: unknown): unknown {
  if (typeof value === 'string') return value.length > FIELD_CHARS ? value.slice(0, FIELD_CHARS) : value;
  if (Array.isArray(value)) return [];
  if (value !== null && typeof value === 'object') return {};
  return value;
}

/**
 * Whether a parsed body has a key that would poison a prototype once merged — `__proto__`, or a `constructor` with
 * a `prototype` — which Fastify's own parser (secure-json-parse) refuses. Looked for only when the text names one
 * (or escapes a character), and walked without recursion: a body nested 200,000 deep is the schema's to refuse.
 */
function poisons(text: string, parsed: unknown): boolean {
  if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u')) return false;
  const pending: unknown[] = [parsed];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Object.hasOwn(value, '__proto__')) return true;
    const ctor = (value as { constructor?: unknown }).constructor;
    if (
      Object.hasOwn(value, 'constructor') &&
      ctor !== null &&
      typeof ctor === 'object' &&
      'prototype' in ctor
    )
      return true;
    for (const v of Object.values(value)) if (v !== null && typeof v === 'object') pending.push(v);
  }
  return false;
}

/**
 * Parses a reconciliation's JSON body (where it runs: here for a small body, on a thread for a large one). Not JSON
 * — or a key that would poison a prototype, as Fastify's own parser refuses — is 400 API_MALFORMED_JSON, as before.
 */
export function readReconciliationJson({ bytes }: { bytes: Uint8Array }): ReconciliationJson {
  // As every JSON body of the API (src/api/input-guard.ts): strict UTF-8, never a silent U+FFFD.
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LgspError('API_MALFORMED_JSON', NOT_UTF8);
  }
  let parsed: unknown;
  try {
    if (text.trim() === '') throw new SyntaxError('empty');
    parsed = JSON.parse(text);
  } catch {
    throw new LgspError('API_MALFORMED_JSON');
  }
  if (poisons(text, parsed)) throw new LgspError('API_MALFORMED_JSON');
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return { body: small(parsed), file: null };
  const body: Record<string, unknown> = {};
  let file: Uint8Array | null = null;
  for (const [key, value] of Object.entries(parsed)) {
    if (key === 'csv' && typeof value === 'string') {
      // The guard's rule for every body, applied here to the file it no longer sees: no NUL, no lone surrogate.
      refuseUnstorableIn('body', value, '/csv');
      const utf8 = Buffer.from(value, 'utf8');
      // The file's bytes are their own buffer's (to move back whole), not a view into a larger one.
      file =
        utf8.byteOffset === 0 && utf8.byteLength === utf8.buffer.byteLength
          ? new Uint8Array(utf8.buffer)
          : new Uint8Array(utf8);
      body[key] = '';
    } else body[key] = small(value);
  }
  return { body, file };
}

/** `readReconciliationJson` for a body of any size allowed: above `INLINE_JSON_BYTES`, on a thread of its own. */
export async function reconciliationJson(bytes: Buffer): Promise<ReconciliationJson> {
  if (bytes.byteLength <= INLINE_JSON_BYTES) return readReconciliationJson({ bytes });
  if (readings >= JSON_READINGS_AT_ONCE) {
    throw new LgspError(
      'RP_RECONCILIATION_BUSY',
      `đang đọc ${JSON_READINGS_AT_ONCE} tệp đối soát lớn, hãy thử lại sau ít phút / ${JSON_READINGS_AT_ONCE} large reconciliation bodies are being read: try again in a few minutes`,
      { retryAfterSeconds: 60 },
    );
  }
  readings++;
  // The body's bytes move when they are their buffer's own; a view into a larger one is copied out first.
  const own =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
  try {
    return await runOffThread<ReconciliationJson>(
      { module: new URL('./reconciliation-json.ts', import.meta.url), name: 'readReconciliationJson' },
      { bytes: own },
      {
        heapMb: JSON_HEAP_MB,
        timeMs: JSON_TIME_MS,
        tooLarge: ({ vi, en }) =>
          new LgspError('API_BODY_TOO_LARGE', `đọc nội dung ${vi} / reading the body ${en}`),
        unreadable: () => new LgspError('API_MALFORMED_JSON'),
      },
      { transfer: [own.buffer as ArrayBuffer] },
    );
  } finally {
    readings--;
  }
}

import { createHash } from 'node:crypto';

/** SHA-256 of a text or bytes, as lowercase hex (secrets are stored only as this, R-25). */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of nothing: the digest recorded for a call or a message without a body. */
export const EMPTY_SHA256 = sha256Hex('');

/** What the `prev_hash` of the first entry of a hash chain holds: there is no entry before it. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted and no whitespace, so the same content always gives the same text (and hash), on
 * whichever store, whatever order jsonb hands the keys back in. Undefined members are left out, as JSON does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * One link of a hash chain (the audit trail, the sealed archives; R-20): SHA-256 (hex) of the previous entry's
 * hash, a newline and this entry's canonical JSON. Altering an entry or its order breaks every later link.
 */
export function chainHash(prevHash: string, content: unknown): string {
  return sha256Hex(`${prevHash}\n${canonicalJson(content)}`);
}

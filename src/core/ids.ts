import { randomBytes } from 'node:crypto';

/** Prefixed ids (DESIGN.md): the prefix says what the id names, so a stray id in a log is self-explaining. */
export type IdPrefix = 'org' | 'sys' | 'svc' | 'ver' | 'sub' | 'cred' | 'req' | 'txn' | 'msg' | 'usr' | 'evt';

const ALPHABET = '0123456789abcdefghijkmnopqrstuvwxyz';

/** 16 random characters (≈ 82 bits) after a time prefix, so ids sort roughly by creation time. */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  const time = nowMs.toString(36).padStart(9, '0');
  const bytes = randomBytes(16);
  let rand = '';
  for (const b of bytes) rand += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${time}${rand}`;
}

/** A random secret for machines (consumer secrets, API sessions): 32 bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

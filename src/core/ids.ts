import { randomBytes } from 'node:crypto';

/** Prefixed ids (DESIGN.md): the prefix says what the id names, so a stray id in a log is self-explaining. */
export type IdPrefix =
  | 'org'
  | 'sys'
  | 'svc'
  | 'ver'
  | 'sub'
  | 'cred'
  | 'req'
  | 'txn'
  | 'alr'
  | 'msg'
  | 'usr'
  | 'evt'
  | 'ntc'
  | 'ntf'
  | 'whk'
  | 'peer'
  /** A request to the admin port (src/api/problems.ts `newRequestId`): named in its log line and in its problem. */
  | 'api';

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

/**
 * An id that says nothing of any other (docs/security.md §2.13): the time, so ids still sort roughly by creation
 * (a tie in one millisecond falls either way), then 128 bits from the CSPRNG as 25 base-36 characters — ids of the
 * same process share no part but the time. For what a caller may use to look something up (`msg_…`: status,
 * receipts, acks), where `SequentialIds` would let one known id name the next. 38 characters with `msg_`, all
 * `[0-9a-z_]`: one NATS KV key token, a `text` column, within the `{1,64}` a path's id may have.
 */
export function unguessableId(prefix: IdPrefix, nowMs: number): string {
  const random = BigInt(`0x${randomBytes(16).toString('hex')}`)
    .toString(36)
    .padStart(25, '0');
  return `${prefix}_${nowMs.toString(36).padStart(9, '0')}${random}`;
}

/**
 * Ids for the data plane's hot path (one per transaction): a random per-process prefix and a counter instead of
 * 16 fresh random bytes per call. Still unique across processes and nodes (≈ 62 random bits per process), still
 * sortable by time, and about ten times cheaper.
 */
export class SequentialIds {
  private readonly processPart = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0').slice(0, 12);
  private counter = 0;
  next(prefix: IdPrefix, nowMs: number): string {
    this.counter = (this.counter + 1) % 1_679_616; // 36^4
    return `${prefix}_${nowMs.toString(36).padStart(9, '0')}${this.processPart}${this.counter.toString(36).padStart(4, '0')}`;
  }
}

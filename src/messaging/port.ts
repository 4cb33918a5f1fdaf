import type { Readable } from 'node:stream';
import type { Environment } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';

/**
 * Asynchronous store-and-forward (issue 4, R-02, R-06, R-22, R-23): a source system hands the LGSP a message for
 * a destination service; the LGSP keeps it durably until the destination has it, then deletes the payload and
 * keeps only the metadata (sizes, SHA-256, times, state). This is the port every engine implements — the
 * embedded queue in the store (`EmbeddedQueue`, default) and NATS JetStream (`NatsQueue`, scale-out) — and
 * `test/messaging.contract.test.ts` runs the same suite on each.
 */

export type MessageState = 'accepted' | 'delivering' | 'delivered' | 'dead';

/** What the intake knows when a message arrives (the payload streams separately). */
export interface NewMessage {
  /** `msg_…`, minted by the intake. */
  id: string;
  sourceSystemId: string;
  /** The destination service version and environment (its async mode). */
  destinationVersionId: string;
  environment: Environment;
  /** The source's `Idempotency-Key`: a second send with the same (source, key) is the same message. */
  idempotencyKey: string | null;
  contentType: string;
  acceptedAtMs: number;
  /** After this the message goes dead and its payload is deleted, delivered or not. */
  expiresAtMs: number;
  /**
   * The declared resource template the source's call matched (`/vanban/{so}`, issue 12 item 10): routing metadata
   * without data, kept after delivery like the sync records' template (R-20). Absent on messages stored before.
   */
  resourceTemplate?: string | null;
  /**
   * The resource path and query the source called (`/vanban/42?loai=congvan`), sealed with the payload's data key
   * (`PayloadCipher.sealTarget`): a path or a query may carry a citizen's id, so it is erased with the payload — set
   * to null when the message settles, unreadable everywhere once the key is destroyed. Engines store it as
   * opaque text. Absent or null: deliver to the version's endpoint as configured (messages stored before).
   */
  sealedTarget?: string | null;
}

/** A message's metadata: all that survives delivery. */
export interface MessageMeta extends NewMessage {
  state: MessageState;
  sizeBytes: number;
  /** SHA-256 of the payload, computed while it streamed in. */
  sha256: string;
  attempts: number;
  /** When the next delivery attempt is due (ignored once delivered or dead). */
  nextAttemptAtMs: number;
  lastError: string | null;
  deliveredAtMs: number | null;
  /** True while the payload is still stored; false after delivery, death or expiry. */
  hasPayload: boolean;
  /**
   * The data key the payload is sealed with (payload-keys.ts, R-02); once it is destroyed no copy of the payload
   * can be read. Null for a message stored before payloads were sealed.
   */
  payloadKeyId: string | null;
}

/** A message's metadata the moment its payload is stored: accepted, not yet tried, due at once. */
export function acceptedMeta(
  message: NewMessage,
  stored: { sizeBytes: number; sha256: string; payloadKeyId: string | null },
): MessageMeta {
  return {
    ...message,
    resourceTemplate: message.resourceTemplate ?? null,
    sealedTarget: message.sealedTarget ?? null,
    state: 'accepted',
    sizeBytes: stored.sizeBytes,
    sha256: stored.sha256,
    attempts: 0,
    nextAttemptAtMs: message.acceptedAtMs,
    lastError: null,
    deliveredAtMs: null,
    hasPayload: true,
    payloadKeyId: stored.payloadKeyId,
  };
}

/** Every engine's answer to an ack or fail on a claim it no longer honours. */
export function claimLost(id: string): LgspError {
  return new LgspError(
    'MQ_CLAIM_LOST',
    `message ${id}: stale claim — it lapsed and was taken over, or the message is no longer being delivered`,
  );
}

export interface EnqueueResult {
  message: MessageMeta;
  /** True when (source, idempotency key) was already accepted: nothing new was stored. */
  duplicate: boolean;
}

/** A message claimed for one delivery attempt; the claim lapses after `leaseMs` if neither acked nor failed. */
export interface Claim {
  message: MessageMeta;
  /** Proof of the claim, given back to ack/fail (a stale claimant cannot ack a re-claimed message). */
  token: string;
  /** The payload itself, when the engine had it at hand (a small message): then there is no need to open it. */
  payload?: Buffer;
}

export interface ClaimOptions {
  nowMs: number;
  limit: number;
  /** How long the claimant has to ack or fail before the message may be claimed again. */
  leaseMs: number;
  destinationVersionId?: string;
  environment?: Environment;
  /**
   * The destination's `deliveryConcurrency`, when the claimant knows it: an engine that bounds deliveries in flight
   * itself (NATS: the consumer's `max_ack_pending`, across every node) uses it. Absent: only `limit` bounds a claim.
   */
  concurrency?: number;
}

/**
 * How the queue's copies stand (`MessageQueue.replication`): `holding` < `replicas` means a server is missing. A type
 * alias, not an interface: node health shows it as the plain record it is.
 */
export type Replication = {
  /** The servers asked to hold each message. */
  replicas: number;
  /** The server that leads the queue's stream; null while none is elected (fewer than a majority left). */
  leader: string | null;
  /** The servers holding it now: the leader and the replicas not missing. */
  holding: number;
  /** The replicas the stream's group sees offline, or has not heard from for a while (a server that died). */
  missing: string[];
};

export interface MessageQueue {
  readonly engine: 'embedded' | 'nats';

  /**
   * Stores the message: metadata and the payload streamed from `payload` (never held whole in memory; up to at
   * least 100 MB), sealed with the data key of its acceptance time before the engine sees a byte of it (R-02,
   * payload-cipher.ts); size and SHA-256 are the plaintext's. Resolves only once both are durable — the intake answers 202 after this. Idempotent on
   * (sourceSystemId, idempotencyKey) when a key is given.
   */
  enqueue(message: NewMessage, payload: Readable): Promise<EnqueueResult>;

  /**
   * Claims up to `limit` due messages (state accepted, nextAttemptAtMs ≤ now, or a lapsed claim) for delivery,
   * oldest first — of one destination version and environment when given.
   */
  claim(options: ClaimOptions): Promise<Claim[]>;

  /**
   * Streams a stored payload, opened (for push delivery or a pull by the destination). `known` is the message's metadata
   * when the caller already has it (a claim), so the engine need not read it again.
   */
  openPayload(id: string, known?: MessageMeta): Promise<Readable>;

  /** Delivered: deletes the payload at once, keeps the metadata with state `delivered`. */
  ack(claim: Claim, nowMs: number): Promise<MessageMeta>;

  /**
   * A failed attempt: back to `accepted` with `nextAttemptAtMs` for a retry, or — when `retryAtMs` is null —
   * `dead`, payload deleted.
   */
  fail(claim: Claim, error: string, retryAtMs: number | null, nowMs: number): Promise<MessageMeta>;

  /** Messages past their `expiresAtMs` that were not delivered become `dead` and lose their payload. Returns them. */
  expire(nowMs: number): Promise<MessageMeta[]>;

  get(id: string): Promise<MessageMeta | null>;

  /** How many messages wait for delivery (accepted or delivering): the async backlog the operator watches. */
  pendingCount(): Promise<number>;
  /**
   * Where the engine keeps each message on several servers (NATS with `messaging.natsReplicas` > 1): how many of
   * them hold the queue now, as the last `pendingCount` saw it; null for an engine that keeps one copy.
   */
  replication?(): Replication | null;

  /**
   * Which of `keyIds` still seal a stored payload — a message accepted or being delivered — so that the data key
   * must not be destroyed yet (R-02, payload-keys.ts).
   */
  payloadKeysInUse(keyIds: string[]): Promise<Set<string>>;

  close(): Promise<void>;
}

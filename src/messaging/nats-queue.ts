import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AckPolicy,
  type ClusterInfo,
  DeliverPolicy,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { type ObjectStore, Objm } from '@nats-io/obj';
import {
  connect,
  createInbox,
  headers,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  nanos,
  type Subscription,
} from '@nats-io/transport-node';
import { ENVIRONMENTS } from '../api/contract/index.ts';
import type { PayloadCipher } from './payload-cipher.ts';
import type {
  Claim,
  ClaimOptions,
  EnqueueResult,
  MessageMeta,
  MessageQueue,
  NewMessage,
  Replication,
} from './port.ts';
import { acceptedMeta, claimLost } from './port.ts';

/**
 * The NATS JetStream engine of the message queue port (issue 4, issue 13 item 6, R-02, R-04, R-05): JetStream's own
 * work-queue semantics, so every worker node shares one durable queue without a home-made broker.
 *
 * Layout, all named by the prefix `P` (so tests can isolate and delete their own resources):
 * - **Work-queue stream `P_queue`** (retention `workqueue`, file storage) holds every pending message — accepted or
 *   being delivered — on the subject `P.q.<version>.<environment>.<key>.<expiry minute>`. Its body is the
 *   message's metadata as accepted (JSON, length-prefixed) followed by the payload sealed (`PayloadCipher`, R-02)
 *   when it is at most INLINE_MAX_BYTES (512 KiB, well below the server's `max_payload`); a larger payload goes to
 *   the object store. The `<key>` token names the payload's data key, so `payloadKeysInUse` is one stream-info
 *   request; the `<expiry minute>` token lets `expire` read only the subjects whose messages may have expired.
 * - **One durable pull consumer per destination version and environment**, filtered to its subjects: `ack_wait` =
 *   the claim's lease, `max_ack_pending` = the destination's `deliveryConcurrency` (`ClaimOptions.concurrency`:
 *   the server itself bounds a destination's pushes in flight across every node), `max_deliver` as a last resort
 *   (its advisory makes the message dead). A claim is one batched pull request (`no_wait`): what is due arrives
 *   at once, in stream order, redeliveries first. Ack on delivery removes the message from the stream; a retry is
 *   `nak` with the back-off as its delay; a claimant that dies is replaced when `ack_wait` lapses.
 * - **KV bucket `P_messages`**: `m.<id>` → `{ meta, seq, object }`, the metadata that outlives delivery (`get`,
 *   meta kept, payload gone) and the fence of every claim: a claim writes `delivering` and its token carries
 *   the entry's new revision; ack and fail are compare-and-set on it, so a stale claimant (its lease lapsed and the
 *   server delivered the message to someone else, who wrote a newer revision) gets `claimLost`. `i.<source>.<hash>`
 *   → message id keeps Idempotency-Keys after the stream's duplicate window.
 * - **Object Store bucket `P_payloads`**: payloads above INLINE_MAX_BYTES, sealed, streamed in 128 KiB chunks and
 *   read back chunk by chunk (a 100 MB payload is never held whole); deleted on ack, death or expiry.
 *
 * Clock (the port passes `nowMs`): due times and expiry are decided on the port's clock — a claim naks a message
 * not yet due (`nextAttemptAtMs` > now) with the remaining delay, and `expire` compares `expiresAtMs` — but
 * JetStream's `ack_wait` and nak delays run on the server's wall clock. So a lapsed lease or a retry's back-off
 * becomes claimable when that real time has passed, not when a test clock says so:
 * `test/messaging.contract.test.ts` runs its timing cases on NATS with real, short delays (`engine.serverClock`).
 *
 * Round trips (7 NATS operations per keyed message, 6 without a key; `bench:async --profile` counted 6 and 5 before
 * the claim's read). Enqueue: a keyed send
 * creates its key's index `i.…` (an index already there is a resend, found after the duplicate window too), then
 * publishes with `Nats-Msg-Id` = (source, Idempotency-Key), then creates `m.<id>` (it needs the publish's sequence).
 * A duplicate inside the window is answered by the stream itself (the publish ack is marked duplicate and names the
 * first message's sequence). Claim: one pull for the batch, then per message (all in parallel) a KV read and a
 * compare-and-set — the first delivery too, see `take`. Ack:
 * the compare-and-set, then the stream ack, confirmed (and the object's deletion for a large payload). These requests
 * go through `Requests` (one inbox, one timeout sweep), not the client's own, which cost two stack traces and a
 * timer each.
 *
 * Durability and crashes: `enqueue` resolves after JetStream acked the publish (the commit point) and the metadata.
 * A process killed between the two leaves a message in the stream without `m.<id>`: it is delivered all the same
 * (its first claim writes the entry; its key's index went out before the publish), and a resend of its key inside
 * the duplicate window is answered from the stream. A KV entry saying delivered or dead whose stream message is still
 * there (killed between the compare-and-set and the stream ack) is acked away at its next delivery, never pushed
 * again. A NATS server killed and restarted can bring settled messages back (nats-server 2.9 loses deletions inside
 * a stream, and sometimes the consumer's latest deliveries): at each reconnect the engine deletes every settled
 * message still stored (`dropSettledLeftovers`, R-02); a message it delivers again is claimed only after its KV
 * entry is read (`take`), so none is pushed twice.
 *
 * Refusing fast (issue 13 item 6): while the connection is down `enqueue` fails at once, and every request has a
 * REQUEST_TIMEOUT_MS limit; the intake answers 503 MQ_QUEUE_UNAVAILABLE with Retry-After. The client reconnects by
 * itself and the durable stream, consumers and buckets carry on.
 */

const CHUNK_BYTES = 128 * 1024;
/** Payloads up to this size travel sealed inside the stream message; larger ones go to the object store. */
export const INLINE_MAX_BYTES = 512 * 1024;
/**
 * Every JetStream request's limit. A send while the connection is down is refused at once (`refuseWhenDown`); this
 * bounds a send to a server that stopped answering without closing the connection.
 */
const REQUEST_TIMEOUT_MS = 900;
/** A queue replica not heard from for this long counts as missing (`replication`); a live one is seen each second. */
const REPLICA_SILENT_MS = 5_000;
/** How long a pull waits for the server's first answer before it counts as empty (a busy machine is slow). */
const PULL_TIMEOUT_MS = 5_000;
/** How long a pull may wait on the server when the consumer is at `max_ack_pending` (otherwise it answers at once). */
const PULL_EXPIRES_MS = 100;
/** The stream's duplicate window: a resend of the same Idempotency-Key inside it is found by the stream itself. */
const DUPLICATE_WINDOW_MS = 15 * 60_000;
/** Width of the expiry buckets in the subjects. */
const EXPIRY_BUCKET_MS = 60_000;
/** How often the expiry sweep also looks for payload objects no message names (a send killed mid-way). */
const ORPHAN_SWEEP_EVERY_MS = 60_000;
/** How often the expiry sweep also looks for settled messages the work queue kept (`dropSettledLeftovers`). */
const LEFTOVER_SWEEP_EVERY_MS = 10_000;
/** After a reconnect, how many times (and how far apart) the leftover sweep is tried until one completes. */
const RECOVERY_TRIES = 120;
const RECOVERY_RETRY_MS = 500;
/** An object with no message this long after it was written belongs to a send that never committed. */
const ORPHAN_AGE_MS = DUPLICATE_WINDOW_MS;
/** `max_ack_pending` when the claimant does not say its concurrency. */
const DEFAULT_MAX_ACK_PENDING = 1_000;
/** The server's last resort: deliveries (attempts, lapsed leases, early naks) after which a message is dead. */
const DEFAULT_MAX_DELIVER = 200;
const KEY_SAFE = /^[-_=a-zA-Z0-9]+$/;
const ACK = new TextEncoder().encode('+ACK');
const EMPTY = new Uint8Array(0);

export interface NatsQueueOptions {
  /** Names the JetStream resources: `<prefix>_queue`, `<prefix>_messages` (KV), `<prefix>_payloads` (objects). */
  prefix?: string;
  /** The consumers' `max_deliver` (default 200). */
  maxDeliver?: number;
  /**
   * How many JetStream servers keep each stream — the queue, the metadata bucket, the payload objects (default 1;
   * 3 or 5 on a NATS cluster, so that an accepted message outlives a server: docs/messaging.md). Existing streams
   * are moved to it at open.
   */
  replicas?: number;
}

/** `m.<id>`: the metadata, where the stream holds the message (while pending) and whether its payload is an object. */
interface MetaRecord {
  meta: MessageMeta;
  seq: number | null;
  object: boolean;
}

interface Stored extends MetaRecord {
  revision: number;
}

/** One destination version and environment: its subject tokens and its consumer. */
interface Scope {
  version: string;
  environment: string;
}

/**
 * JetStream requests without the client's per-request cost: nats.js makes two Error objects (their stack traces
 * captured up front) and a timer for every request — a tenth of the platform process's CPU on the async path
 * (`bench:async --profile`, CPU profile). Here every reply comes to one inbox subscription, and one sweep a tenth of
 * a second ends the requests past their limit. Publishes and acks, KV reads and writes go through it; the object
 * store (large payloads only) keeps the client's own.
 *
 * What they send waits for the next turn of the event loop and goes out together: the client writes to its socket
 * once per burst of publishes made in one go, and each HTTP request or reply batch is its own go — one write (a
 * system call, ~15 µs of the main thread) per NATS operation. Sent from `setImmediate`, the operations of every
 * request and reply handled in that turn share one write.
 */
class Requests {
  private readonly inbox = createInbox();
  private next = 0;
  /** By token, in the order sent: the deadlines are in order too. */
  private readonly waiting = new Map<
    string,
    { resolve: (msg: Msg) => void; reject: (err: Error) => void; deadline: number }
  >();
  private readonly subscription: Subscription;
  private readonly sweep: NodeJS.Timeout;
  /** Publishes waiting for the next turn, in the order made (an index before its message, on the wire too). */
  private outbox: { subject: string; data: Uint8Array | string; reply: string; hdrs?: MsgHdrs }[] = [];
  private flushing: NodeJS.Immediate | null = null;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.subscription = nc.subscribe(`${this.inbox}.*`, {
      callback: (_err, msg) => {
        const token = msg.subject.slice(this.inbox.length + 1);
        const waiter = this.waiting.get(token);
        if (waiter === undefined) return;
        this.waiting.delete(token);
        // 503: no responders — JetStream is not (yet) serving that stream.
        if (msg.headers?.code === 503)
          waiter.reject(new Error('NATS JetStream did not answer (no responders)'));
        else waiter.resolve(msg);
      },
    });
    this.sweep = setInterval(() => this.timeOut(Date.now()), 100);
    this.sweep.unref();
  }

  request(subject: string, data: Uint8Array, hdrs?: MsgHdrs): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const token = (this.next++).toString(36);
      this.waiting.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.send(subject, data, `${this.inbox}.${token}`, hdrs);
    });
  }

  /** A publish nobody answers (a nak), in its place among the requests. */
  send(subject: string, data: Uint8Array | string, reply = '', hdrs?: MsgHdrs): void {
    this.outbox.push(hdrs ? { subject, data, reply, hdrs } : { subject, data, reply });
    this.flushing ??= setImmediate(() => this.flush());
  }

  /** The connection dropped: nothing in flight will be answered, and nothing waiting is sent. */
  failAll(err: Error): void {
    this.outbox = [];
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiters) w.reject(err);
  }

  close(): void {
    if (this.flushing !== null) clearImmediate(this.flushing);
    clearInterval(this.sweep);
    this.subscription.unsubscribe();
    this.failAll(new Error('NATS queue closed'));
  }

  private flush(): void {
    this.flushing = null;
    const batch = this.outbox;
    this.outbox = [];
    for (const { subject, data, reply, hdrs } of batch) {
      try {
        this.nc.publish(subject, data, hdrs ? { reply, headers: hdrs } : { reply });
      } catch (err) {
        // Closed: its request (if any) fails now rather than at its time limit.
        const token = reply.slice(this.inbox.length + 1);
        const waiter = reply === '' ? undefined : this.waiting.get(token);
        if (waiter === undefined) continue;
        this.waiting.delete(token);
        waiter.reject(err as Error);
      }
    }
  }

  private timeOut(now: number): void {
    for (const [token, w] of this.waiting) {
      if (w.deadline > now) break;
      this.waiting.delete(token);
      w.reject(new Error(`NATS JetStream did not answer within ${this.timeoutMs} ms`));
    }
  }
}

export class NatsQueue implements MessageQueue {
  readonly engine = 'nats' as const;
  /** Consumers ensured by this process, with the settings they were made with. */
  private readonly consumers = new Map<string, { ackWaitMs: number; maxAckPending: number }>();
  /** The claims this process made (`take`): their tokens never left it, so settling one reads no KV first. */
  private readonly issued = new WeakSet<Claim>();
  private readonly subscriptions: Subscription[] = [];
  /** Made dead by the server's `max_deliver` (its advisory): answered by the next `expire`. */
  private readonly deadByServer: MessageMeta[] = [];
  private disconnected = false;
  /** Rejects the sends in flight when the connection drops, instead of letting them wait for their time limit. */
  private readonly onDisconnect = new Set<(err: Error) => void>();
  private lastOrphanSweepMs = Date.now();
  private lastLeftoverSweepMs = 0;
  /** The highest stream sequence this process has had delivered (see `deliveredBeforeReconnectSeq`). */
  private highestDeliveredSeq = 0;
  /**
   * After a reconnect: the messages at or below this sequence were delivered before, whatever the server's consumer
   * now says — it may have lost, with its own acks, its record of their delivery (`dropSettledLeftovers`).
   */
  private deliveredBeforeReconnectSeq = 0;
  /** The sweep run after each reconnect, while it is running (one at a time). */
  private recovering: Promise<void> | null = null;

  /** The queue stream's cluster as the last `pendingCount` saw it (`replication`). */
  private cluster: ClusterInfo | null = null;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly requests: Requests,
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    private readonly os: ObjectStore,
    private readonly cipher: PayloadCipher,
    private readonly prefix: string,
    private readonly maxDeliver: number,
    /** The bucket names, exposed for tests and operators. */
    readonly kvBucket: string,
    readonly objectBucket: string,
    /** How many JetStream servers keep each stream (`NatsQueueOptions.replicas`). */
    private readonly replicas: number,
  ) {
    this.subscriptions.push(
      nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${this.streams.queue}.*`, {
        callback: (_err, msg) => void this.maxDeliveries(msg).catch(() => undefined),
      }),
    );
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') {
          this.disconnected = true;
          for (const reject of this.onDisconnect) reject(unreachable());
          this.requests.failAll(unreachable());
        } else if (s.type === 'reconnect') {
          this.disconnected = false;
          this.deliveredBeforeReconnectSeq = this.highestDeliveredSeq;
          this.recoverAfterReconnect();
        }
      }
    })();
  }

  static async open(url: string, cipher: PayloadCipher, options: NatsQueueOptions = {}): Promise<NatsQueue> {
    const prefix = options.prefix ?? 'lgsp';
    if (!KEY_SAFE.test(prefix)) throw new Error(`NATS queue prefix must match ${KEY_SAFE}: ${prefix}`);
    const replicas = options.replicas ?? 1;
    const nc = await connect({
      // Several servers of a cluster, comma-separated: any one that answers lets the node start (the client then
      // learns the rest of the cluster from it).
      servers: url.split(',').map((server) => server.trim()),
      name: `openlgsp-queue-${prefix}`,
      // A restarted server is found again within a quarter second, however long it was away.
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    try {
      const js = jetstream(nc, { timeout: REQUEST_TIMEOUT_MS });
      const jsm = await jetstreamManager(nc, { timeout: REQUEST_TIMEOUT_MS * 4 });
      const stream = `${prefix}_queue`;
      const exists = await jsm.streams.info(stream).then(
        () => true,
        () => false,
      );
      if (!exists) {
        await jsm.streams
          .add({
            name: stream,
            subjects: [`${prefix}.q.>`],
            retention: RetentionPolicy.Workqueue,
            storage: StorageType.File,
            num_replicas: replicas,
            duplicate_window: nanos(DUPLICATE_WINDOW_MS),
            // Reads by sequence and by subject (`expire`, `original`) answered by any replica, off the API path.
            allow_direct: true,
            description: 'OpenLGSP pending messages (work queue), removed on delivery (R-02)',
          })
          .catch(async (err: unknown) => {
            // Another node made it meanwhile.
            await jsm.streams.info(stream).catch(() => Promise.reject(err));
          });
      }
      const kvBucket = `${prefix}_messages`;
      const objectBucket = `${prefix}_payloads`;
      // create() opens the bucket when it exists with the same configuration.
      const kv = await new Kvm(js).create(kvBucket, { history: 1, replicas });
      const os = await new Objm(js).create(objectBucket, {
        description: 'OpenLGSP message payloads above 512 KiB, deleted on delivery (R-02)',
        replicas,
      });
      // Buckets that exist are opened as they are: a changed setting moves them (and the queue) now.
      for (const name of [stream, `KV_${kvBucket}`, `OBJ_${objectBucket}`]) {
        const { config } = await jsm.streams.info(name);
        if (config.num_replicas !== replicas)
          await jsm.streams.update(name, { ...config, num_replicas: replicas });
      }
      return new NatsQueue(
        nc,
        new Requests(nc, REQUEST_TIMEOUT_MS),
        jsm,
        kv,
        os,
        cipher,
        prefix,
        options.maxDeliver ?? DEFAULT_MAX_DELIVER,
        kvBucket,
        objectBucket,
        replicas,
      );
    } catch (err) {
      await nc.close();
      throw replicasRefused(err, replicas) ?? err;
    }
  }

  /** The JetStream manager (tests scan the streams with it). */
  get manager(): JetStreamManager {
    return this.jsm;
  }

  /** The JetStream streams: the work queue and those behind the buckets. */
  get streams(): { queue: string; kv: string; objects: string } {
    return { queue: `${this.prefix}_queue`, kv: `KV_${this.kvBucket}`, objects: `OBJ_${this.objectBucket}` };
  }

  async enqueue(message: NewMessage, payload: Readable): Promise<EnqueueResult> {
    // Message ids (`msg_…`) name KV keys and objects as they are.
    if (!KEY_SAFE.test(message.id)) throw new Error(`message id must match ${KEY_SAFE}: ${message.id}`);
    if (this.disconnected || this.nc.isClosed()) throw unreachable();
    let reject: (err: Error) => void = () => {};
    const dropped = new Promise<never>((_, r) => {
      reject = r;
    });
    dropped.catch(() => undefined);
    this.onDisconnect.add(reject);
    try {
      return await Promise.race([this.store(message, payload), dropped]);
    } finally {
      this.onDisconnect.delete(reject);
    }
  }

  /** `enqueue` itself: the key looked up, the payload sealed and stored, the message published and indexed. */
  private async store(message: NewMessage, payload: Readable): Promise<EnqueueResult> {
    const identity =
      message.idempotencyKey === null
        ? null
        : idempotencyIdentity(message.sourceSystemId, message.idempotencyKey);
    // The key's index is created before the message is stored — one round trip whether the key is new or not — so
    // that a sender killed after the publish leaves its key indexed all the same.
    let namesUnstored = false;
    if (identity !== null) {
      const taken = await this.kvCreate(indexKey(identity), new TextEncoder().encode(message.id)).then(
        () => false,
        (err: unknown) => {
          if (!isWrongSequence(err)) throw err;
          return true;
        },
      );
      if (taken) {
        // A resend (after the stream's duplicate window too): the key's index names the first message.
        const first = await this.indexed(identity);
        if (first !== null) {
          payload.resume();
          return { message: first, duplicate: true };
        }
        // It names a message without metadata: one being sent now, or a send killed before its publish (its index
        // is then harmless). The stream's duplicate check below tells which.
        namesUnstored = true;
      }
    }
    const stored = await this.storePayload(message, payload);
    const meta = acceptedMeta(message, stored);
    const object = stored.inline === null;
    // Should this fail with its outcome unknown (a timeout), a large payload's object is left to the orphan sweep —
    // the message may have been stored after all — and a resend of its key is answered from the stream.
    const ack = await this.publish(
      this.subjectOf(meta),
      frame({ meta, seq: null, object }, stored.inline),
      identity,
    );
    if (ack.duplicate) {
      if (object) await this.os.delete(message.id).catch(() => undefined);
      const first = await this.original(ack.seq, identity!);
      await this.kvPut(indexKey(identity!), new TextEncoder().encode(first.id));
      return { message: first, duplicate: true };
    }
    // The index named a send that never got stored: it names this one now.
    if (namesUnstored) await this.kvPut(indexKey(identity!), new TextEncoder().encode(meta.id));
    // create, not put: a claim that already took the message wrote a newer state.
    await this.kvCreate(metaKey(meta.id), encode({ meta, seq: ack.seq, object })).catch((err: unknown) => {
      if (!isWrongSequence(err)) throw err;
    });
    return { message: meta, duplicate: false };
  }

  async claim(options: ClaimOptions): Promise<Claim[]> {
    if (options.limit <= 0) return [];
    const claims: Claim[] = [];
    for (const scope of await this.scopesOf(options)) {
      const left = options.limit - claims.length;
      if (left <= 0) break;
      const consumer = await this.consumerFor(scope, options);
      // Never more than the consumer lets be in flight: the server then answers without waiting.
      const pulled = await this.pull(consumer, Math.min(left, options.concurrency ?? left));
      const taken = await Promise.all(pulled.map((msg) => this.take(msg, options.nowMs)));
      for (const c of taken) if (c !== null) claims.push(c);
    }
    return claims;
  }

  async openPayload(id: string, known?: MessageMeta): Promise<Readable> {
    const record = await this.read(id);
    const meta = record?.meta ?? (known?.id === id ? known : undefined);
    if (meta === undefined || !meta.hasPayload) throw new Error(`message ${id} has no stored payload`);
    if (record !== null && !record.object) {
      const sealed = await this.storedInline(record);
      if (sealed === null) throw new Error(`message ${id} has no stored payload`);
      return Readable.from([this.openInline(meta, sealed)]);
    }
    return this.openObject(meta);
  }

  async ack(claim: Claim, nowMs: number): Promise<MessageMeta> {
    return this.settle(claim, {
      ...claim.message,
      state: 'delivered',
      deliveredAtMs: nowMs,
      hasPayload: false,
      sealedTarget: null,
    });
  }

  async fail(claim: Claim, error: string, retryAtMs: number | null, nowMs: number): Promise<MessageMeta> {
    if (retryAtMs === null)
      return this.settle(claim, {
        ...claim.message,
        state: 'dead',
        lastError: error,
        hasPayload: false,
        sealedTarget: null,
      });
    return this.settle(
      claim,
      { ...claim.message, state: 'accepted', lastError: error, nextAttemptAtMs: retryAtMs },
      Math.max(0, retryAtMs - nowMs),
    );
  }

  async expire(nowMs: number): Promise<MessageMeta[]> {
    const expired = this.deadByServer.splice(0);
    const nowBucket = Math.floor(nowMs / EXPIRY_BUCKET_MS);
    for (const subject of Object.keys(await this.subjects())) {
      // Only the subjects whose expiry minute has begun can hold an expired message.
      if (Number(subject.split('.').at(-1)) > nowBucket) continue;
      let seq = 1;
      for (;;) {
        const msg = await this.jsm.direct
          .getMessage(this.streams.queue, { next_by_subj: subject, seq })
          .catch(() => null);
        if (msg === null) break;
        seq = msg.seq + 1;
        const { record } = unframe(msg.data);
        if (record.meta.expiresAtMs > nowMs) continue;
        const dead = await this.kill(record, msg.seq, (meta) => meta.expiresAtMs <= nowMs);
        if (dead !== null) expired.push(dead);
      }
    }
    if (Date.now() - this.lastLeftoverSweepMs > LEFTOVER_SWEEP_EVERY_MS) {
      this.lastLeftoverSweepMs = Date.now();
      // A server that does not answer now is asked again at the next sweep.
      await this.dropSettledLeftovers().catch(() => undefined);
    }
    if (Date.now() - this.lastOrphanSweepMs > ORPHAN_SWEEP_EVERY_MS) {
      this.lastOrphanSweepMs = Date.now();
      await this.dropOrphanObjects();
    }
    return expired;
  }

  async get(id: string): Promise<MessageMeta | null> {
    return (await this.read(id))?.meta ?? null;
  }

  /** From the stream's subjects: each pending message's subject names its payload's data key. */
  async payloadKeysInUse(keyIds: string[]): Promise<Set<string>> {
    const wanted = new Set(keyIds);
    const inUse = new Set<string>();
    for (const subject of Object.keys(await this.subjects())) {
      const keyId = keyIdOfToken(subject.split('.').at(-2) ?? '');
      if (keyId !== null && wanted.has(keyId)) inUse.add(keyId);
    }
    return inUse;
  }

  /** The work queue's length: every message accepted or being delivered, and nothing else. */
  async pendingCount(): Promise<number> {
    const info = await this.jsm.streams.info(this.streams.queue);
    this.cluster = info.cluster ?? null;
    return info.state.messages;
  }

  replication(): Replication | null {
    if (this.replicas === 1) return null;
    const peers = this.cluster?.replicas ?? [];
    const leader = this.cluster?.leader ?? null;
    // nats-server 2.9 does not mark a replica whose server died `offline`: it stops being seen (`active` grows).
    const missing = peers.filter((p) => p.offline || p.active > nanos(REPLICA_SILENT_MS)).map((p) => p.name);
    return {
      replicas: this.replicas,
      leader,
      holding: (leader === null ? 0 : 1) + peers.length - missing.length,
      missing,
    };
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    this.requests.close();
    for (const s of this.subscriptions) s.unsubscribe();
    await this.nc.drain();
  }

  /** Deletes the stream and both buckets (tests; an operator decommissioning a prefix) and closes the connection. */
  async destroy(): Promise<void> {
    await this.jsm.streams.delete(this.streams.queue).catch(() => undefined);
    await this.kv.destroy().catch(() => undefined);
    await this.os.destroy().catch(() => undefined);
    await this.close();
  }

  /**
   * The payload's sealed bytes as JetStream stores them — inside the stream message or in the object store — for
   * tests that check what is on disk; null when none is stored.
   */
  async storedSealed(id: string): Promise<Buffer | null> {
    const record = await this.read(id);
    if (record === null || !record.meta.hasPayload) return null;
    if (!record.object) return this.storedInline(record);
    const parts: Buffer[] = [];
    for await (const part of this.objectChunks(id)) parts.push(part);
    return Buffer.concat(parts);
  }

  // ------------------------------------------------------------------ claims

  /**
   * One pulled message becomes a claim — or not: a message that is not due yet goes back with the remaining delay,
   * one already settled (its process died before the stream ack) is acked away.
   *
   * Every delivery reads the KV entry and claims by compare-and-set on it, the first one too: a delivery count of 1
   * does not prove the message was never claimed. nats-server before 2.10.14 (nats-io/nats-server#5305) hands a
   * retried message out again as a first delivery when its redelivery falls on a pull request that is no longer
   * valid (expired, or its inbox gone: every pull here ends within PULL_EXPIRES_MS) — and so does a consumer made
   * again (deleted by an operator, lost by the server). Taken from the stream's copy, the attempts, the last error and
   * the back-off were reset (CI saw `attempts 1 !== 3`), and a message settled in KV whose stream ack was lost would
   * have been pushed again. `test/messaging.nats.test.ts` makes the server do it.
   */
  private async take(msg: Msg, nowMs: number): Promise<Claim | null> {
    const reply = msg.reply!;
    const { record, inline } = unframe(msg.data);
    const streamSeq = streamSeqOf(reply);
    if (streamSeq > this.highestDeliveredSeq) this.highestDeliveredSeq = streamSeq;
    // No entry: its sender was killed between the publish and the metadata, or its create is still on the way.
    const current = await this.read(record.meta.id);
    const meta = current?.meta ?? record.meta;
    if (meta.state === 'delivered' || meta.state === 'dead') {
      await this.ackStream(reply);
      if (record.object) await this.os.delete(meta.id).catch(() => undefined);
      return null;
    }
    if (meta.state === 'accepted' && meta.nextAttemptAtMs > nowMs) {
      this.nak(reply, meta.nextAttemptAtMs - nowMs);
      return null;
    }
    const next: MessageMeta = { ...meta, state: 'delivering', attempts: meta.attempts + 1 };
    const entry = encode({ meta: next, seq: streamSeq, object: record.object });
    const revision =
      current !== null
        ? await this.compareAndSet(meta.id, entry, current.revision)
        : await this.kvCreate(metaKey(meta.id), entry).catch((err: unknown) => {
            if (isWrongSequence(err)) return null;
            throw err;
          });
    if (revision === null) {
      // Written meanwhile — settled, claimed by a stale claimant's late answer, or created by its sender: look again
      // at the next claim.
      this.nak(reply, 0);
      return null;
    }
    const claim: Claim = {
      message: next,
      token: `${meta.id}:${revision}:${record.object ? 'o' : 'i'}:${reply}`,
    };
    this.issued.add(claim);
    if (inline !== null) {
      try {
        claim.payload = this.openInline(next, inline);
      } catch {
        // Unreadable (its key destroyed, its bytes altered): the deliverer's openPayload says why.
      }
    }
    return claim;
  }

  /**
   * A batched pull (`no_wait`): the server sends what is due at once, up to `batch`, then a status; it waits only
   * when the consumer is at `max_ack_pending` (at most PULL_EXPIRES_MS). No answer within the request limit (the
   * server is away) is an empty claim. JetStream delivers to the pull's own inbox (a message keeps its subject), so
   * each pull subscribes to one.
   */
  private pull(consumer: string, batch: number): Promise<Msg[]> {
    return new Promise((resolve) => {
      const got: Msg[] = [];
      const inbox = createInbox();
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        sub.unsubscribe();
        resolve(got);
      };
      const sub = this.nc.subscribe(inbox, {
        callback: (_err, msg) => {
          if (finished) {
            // Arrived after the pull gave up: straight back to the queue.
            if (msg.reply?.startsWith('$JS.ACK.')) this.nak(msg.reply, 0);
            return;
          }
          if (!msg.reply?.startsWith('$JS.ACK.')) return done(); // a status: 404 nothing due, 408 the wait ended
          got.push(msg);
          if (got.length >= batch) done();
        },
      });
      const timer = setTimeout(() => {
        // The consumer may be gone (deleted by an operator, or the server lost it): ensure it again next time.
        if (got.length === 0) this.consumers.delete(consumer);
        done();
      }, PULL_EXPIRES_MS + PULL_TIMEOUT_MS);
      try {
        this.nc.publish(
          `$JS.API.CONSUMER.MSG.NEXT.${this.streams.queue}.${consumer}`,
          JSON.stringify({ batch, no_wait: true, expires: nanos(PULL_EXPIRES_MS) }),
          { reply: inbox },
        );
      } catch {
        done();
      }
    });
  }

  /** The durable consumer of a destination version and environment, made or changed when its settings differ. */
  private async consumerFor(scope: Scope, options: ClaimOptions): Promise<string> {
    const name = `d_${scope.version}_${scope.environment}`;
    const ackWaitMs = options.leaseMs;
    const maxAckPending = options.concurrency ?? DEFAULT_MAX_ACK_PENDING;
    const known = this.consumers.get(name);
    if (known && known.ackWaitMs === ackWaitMs && known.maxAckPending === maxAckPending) return name;
    const settings = {
      ack_wait: nanos(ackWaitMs),
      max_ack_pending: maxAckPending,
      max_deliver: this.maxDeliver,
    };
    const info = await this.jsm.consumers.info(this.streams.queue, name).catch(() => null);
    if (info === null) {
      await this.jsm.consumers
        .add(this.streams.queue, {
          durable_name: name,
          filter_subject: `${this.prefix}.q.${scope.version}.${scope.environment}.>`,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          ...settings,
        })
        .catch(async (err: unknown) => {
          // Another node made it meanwhile.
          await this.jsm.consumers.info(this.streams.queue, name).catch(() => Promise.reject(err));
        });
    } else if (
      info.config.ack_wait !== settings.ack_wait ||
      info.config.max_ack_pending !== maxAckPending ||
      info.config.max_deliver !== this.maxDeliver
    ) {
      await this.jsm.consumers.update(this.streams.queue, name, settings);
    }
    this.consumers.set(name, { ackWaitMs, maxAckPending });
    return name;
  }

  /** The destinations a claim looks at: the one it names, or every one with a pending message. */
  private async scopesOf(options: ClaimOptions): Promise<Scope[]> {
    const version =
      options.destinationVersionId === undefined ? undefined : token(options.destinationVersionId);
    if (version !== undefined && options.environment !== undefined)
      return [{ version, environment: options.environment }];
    const scopes = new Map<string, Scope>();
    for (const subject of Object.keys(await this.subjects())) {
      const parts = subject.split('.');
      const scope = { version: parts.at(-4)!, environment: parts.at(-3)! };
      if (version !== undefined && scope.version !== version) continue;
      if (options.environment !== undefined && scope.environment !== options.environment) continue;
      if (!(ENVIRONMENTS as readonly string[]).includes(scope.environment)) continue;
      scopes.set(`${scope.version}.${scope.environment}`, scope);
    }
    return [...scopes.values()];
  }

  // ------------------------------------------------------------------ settling

  /**
   * Writes the settled metadata if the claim is still the latest (compare-and-set on the revision it wrote), then
   * tells the stream: ack (delivered, dead: the message leaves the work queue) or nak with the retry's delay.
   */
  private async settle(claim: Claim, next: MessageMeta, retryDelayMs?: number): Promise<MessageMeta> {
    const { id, revision, object, reply } = this.parseToken(claim);
    if (!this.issued.has(claim)) await this.checkHandle(claim, revision, object, reply);
    const settled = next.state === 'delivered' || next.state === 'dead';
    const entry = encode({ meta: next, seq: settled ? null : streamSeqOf(reply), object });
    if ((await this.compareAndSet(id, entry, revision)) === null) throw claimLost(id);
    if (!settled) {
      this.nak(reply, retryDelayMs ?? 0);
      return next;
    }
    // The KV entry is the truth from here: should this ack be lost (the connection dropped), the sweep at reconnect
    // deletes the message, or its next delivery acks it away; a server killed after it may bring the message back,
    // and the sweep at reconnect deletes it (`dropSettledLeftovers`).
    await Promise.all([this.ackStream(reply), object ? this.os.delete(id).catch(() => undefined) : null]);
    return next;
  }

  /**
   * A claim token that came back from outside — a pulling destination's receipt handle — names an ack subject, and
   * acking that subject takes a message out of the work queue: a destination that rewrote it could take out
   * another destination's message while it is claimed (lost, should that claim lapse) and leave its own delivered
   * one in the stream. So such a token must be exactly what the claim wrote in KV: the same revision, the
   * stream sequence that claim took, where the payload lies, and the consumer of the message's own destination.
   * Claims this process made (`take`, the deliverer's pushes) are trusted as they are: one KV read less a push.
   */
  private async checkHandle(claim: Claim, revision: number, object: boolean, reply: string): Promise<void> {
    const meta = claim.message;
    const consumer = `d_${token(meta.destinationVersionId)}_${meta.environment}`;
    const parts = reply.split('.');
    const named = parts[parts.length === 9 ? 3 : 5];
    const current = named === consumer ? await this.read(meta.id) : null;
    if (
      current === null ||
      current.revision !== revision ||
      current.seq !== streamSeqOf(reply) ||
      current.object !== object
    )
      throw claimLost(meta.id);
  }

  /**
   * Makes a pending message dead (expired, or out of deliveries) if `still` holds for its current metadata: the KV
   * entry first (compare-and-set, so a concurrent ack wins or loses cleanly), then the stream message and the
   * object go. Answers the dead metadata, or null when it was settled already.
   */
  private async kill(
    record: MetaRecord,
    seq: number,
    still: (meta: MessageMeta) => boolean,
  ): Promise<MessageMeta | null> {
    const id = record.meta.id;
    for (let tries = 0; tries < 5; tries++) {
      const current = await this.read(id);
      const meta = current?.meta ?? record.meta;
      let dead: MessageMeta | null = null;
      if (meta.state !== 'delivered' && meta.state !== 'dead') {
        if (!still(meta)) return null;
        dead = { ...meta, state: 'dead', hasPayload: false, sealedTarget: null };
        const entry = encode({ meta: dead, seq: null, object: record.object });
        const written =
          current === null
            ? await this.kvCreate(metaKey(id), entry).catch((err: unknown) => {
                if (isWrongSequence(err)) return null;
                throw err;
              })
            : await this.compareAndSet(id, entry, current.revision);
        if (written === null) continue;
      }
      await this.jsm.streams.deleteMessage(this.streams.queue, seq, false).catch(() => undefined);
      if (record.object) await this.os.delete(id).catch(() => undefined);
      return dead;
    }
    return null;
  }

  /** `max_deliver` reached: the server will not deliver the message again, so it is dead (and its payload gone). */
  private async maxDeliveries(msg: Msg): Promise<void> {
    const { stream_seq: seq } = msg.json<{ stream_seq: number }>();
    const stored = await this.jsm.streams.getMessage(this.streams.queue, { seq }).catch(() => null);
    if (stored === null) return;
    const dead = await this.kill(unframe(stored.data).record, seq, () => true);
    if (dead !== null) this.deadByServer.push({ ...dead, lastError: dead.lastError ?? 'max deliveries' });
  }

  /**
   * Settled messages the work queue still holds — delivered or dead in KV, yet in the stream, payload and all.
   * nats-server 2.9 keeps a deletion inside the stream (not at its head: acks out of order, as concurrent deliveries
   * are) in memory until it next writes the block's index; a server killed meanwhile comes back with every such
   * message — `test/messaging.nats.test.ts` shows half a batch returning — while the consumer's own record may
   * count them as acknowledged and never deliver them again (or may have lost its latest deliveries too: those it
   * delivers again, and `take` re-reads KV for them). Any message delivered (at or below the consumer's `delivered`
   * mark, or the highest this process saw before the reconnect) that is still stored is either in flight — at most
   * `max_ack_pending` of them — or such a leftover: each is looked up in KV and deleted when settled. Costs one
   * consumer list plus one read per in-flight message; errors propagate (the caller retries).
   */
  private async dropSettledLeftovers(): Promise<void> {
    for await (const consumer of this.jsm.consumers.list(this.streams.queue)) {
      // The server may also have lost the consumer's latest deliveries (seen: 100 of 200): what this process saw
      // delivered counts too.
      const delivered = Math.max(consumer.delivered.stream_seq, this.deliveredBeforeReconnectSeq);
      const filter = consumer.config.filter_subject;
      if (!filter) continue;
      let seq = 1;
      for (;;) {
        const msg = await this.jsm.direct.getMessage(this.streams.queue, { next_by_subj: filter, seq });
        if (msg === null || msg.seq > delivered) break;
        seq = msg.seq + 1;
        const { record } = unframe(msg.data);
        const current = await this.read(record.meta.id);
        if (current === null || (current.meta.state !== 'delivered' && current.meta.state !== 'dead'))
          continue;
        await this.deleteConfirmed(msg.seq);
        if (record.object) await this.os.delete(record.meta.id).catch(() => undefined);
      }
    }
  }

  /**
   * After the connection came back (the server may have restarted and brought settled messages back): sweeps until
   * one sweep completes — JetStream answers 503 for a moment while it recovers its streams.
   */
  private recoverAfterReconnect(): void {
    if (this.recovering !== null) return;
    this.recovering = (async () => {
      for (let tries = 0; tries < RECOVERY_TRIES && !this.nc.isClosed(); tries++) {
        try {
          await this.dropSettledLeftovers();
          return;
        } catch {
          await sleep(RECOVERY_RETRY_MS);
        }
      }
    })().finally(() => {
      this.recovering = null;
    });
  }

  /** Deletes a stream message by sequence; already gone counts as done, any other failure is thrown. */
  private async deleteConfirmed(seq: number): Promise<void> {
    try {
      await this.jsm.streams.deleteMessage(this.streams.queue, seq, false);
    } catch (err) {
      if (!/no message found|not found|10057/i.test(String((err as Error)?.message ?? err))) throw err;
    }
  }

  /**
   * Payload objects whose message never committed (its send died after the upload) or settled without deleting
   * them: deleted once older than any resend may take to find them.
   */
  private async dropOrphanObjects(): Promise<void> {
    for (const info of await this.os.list().catch(() => [])) {
      if (info.deleted || Date.now() - new Date(info.mtime).getTime() < ORPHAN_AGE_MS) continue;
      const record = await this.read(info.name);
      if (record === null || !record.meta.hasPayload) await this.os.delete(info.name).catch(() => undefined);
    }
  }

  // ------------------------------------------------------------------ enqueue helpers

  /** The message a key's index names, once its metadata is written; null otherwise. */
  private async indexed(identity: string): Promise<MessageMeta | null> {
    const entry = await this.kvGet(indexKey(identity));
    if (entry === null) return null;
    return this.get(new TextDecoder().decode(entry.data));
  }

  /**
   * The first message of a duplicate send: from the stream while it is pending there, else (delivered meanwhile)
   * from its key's index, which its sender creates before the publish (and re-points when the stream took another id).
   */
  private async original(seq: number, identity: string): Promise<MessageMeta> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const stored = await this.jsm.streams.getMessage(this.streams.queue, { seq }).catch(() => null);
      if (stored !== null) {
        const { meta } = unframe(stored.data).record;
        return (await this.get(meta.id)) ?? meta;
      }
      const first = await this.indexed(identity);
      if (first !== null) return first;
      if (Date.now() > deadline) throw new Error(`duplicate of an unknown message (sequence ${seq})`);
      await sleep(50);
    }
  }

  /**
   * Seals the payload as it streams. Up to INLINE_MAX_BYTES it is kept in memory and travels in the stream message;
   * beyond, what was read and the rest go to the object store `message.id`. Answers the plaintext's size and hash.
   */
  private async storePayload(
    message: NewMessage,
    payload: Readable,
  ): Promise<{ sizeBytes: number; sha256: string; payloadKeyId: string; inline: Buffer | null }> {
    const sealing = this.cipher.seal(message.id, message.acceptedAtMs, payload);
    const source = sealing.sealed;
    const head: Buffer[] = [];
    let headBytes = 0;
    try {
      for (;;) {
        const { value, done } = await source.next();
        if (done) {
          return { ...sealing.stats(), payloadKeyId: sealing.keyId, inline: Buffer.concat(head) };
        }
        head.push(value);
        headBytes += value.length;
        if (headBytes > INLINE_MAX_BYTES) break;
      }
    } catch (err) {
      await source.return(undefined);
      throw err;
    }
    // highWaterMark 0: the object store pulls one piece at a time, publishing each chunk before asking for more.
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const first = head.shift();
          if (first !== undefined) {
            controller.enqueue(first);
            return;
          }
          const { value, done } = await source.next();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        async cancel() {
          await source.return(undefined);
        },
      },
      { highWaterMark: 0 },
    );
    try {
      await this.os.put({ name: message.id, options: { max_chunk_size: CHUNK_BYTES } }, body);
    } catch (err) {
      // Leave nothing half-stored: the source was not answered 202 and will send again.
      await this.os.delete(message.id).catch(() => undefined);
      throw err;
    } finally {
      await source.return(undefined);
    }
    return { ...sealing.stats(), payloadKeyId: sealing.keyId, inline: null };
  }

  // ------------------------------------------------------------------ reading

  private subjectOf(meta: MessageMeta): string {
    return [
      `${this.prefix}.q`,
      token(meta.destinationVersionId),
      meta.environment,
      keyToken(meta.payloadKeyId),
      Math.floor(meta.expiresAtMs / EXPIRY_BUCKET_MS),
    ].join('.');
  }

  /** The queue stream's subjects with their message counts (one request). */
  private async subjects(): Promise<Record<string, number>> {
    const info = await this.jsm.streams.info(this.streams.queue, { subjects_filter: `${this.prefix}.q.>` });
    return info.state.subjects ?? {};
  }

  private async storedInline(record: MetaRecord): Promise<Buffer | null> {
    if (record.seq === null) return null;
    const stored = await this.jsm.streams
      .getMessage(this.streams.queue, { seq: record.seq })
      .catch(() => null);
    if (stored === null) return null;
    const { record: framed, inline } = unframe(stored.data);
    return framed.meta.id === record.meta.id ? inline : null;
  }

  /** Opens a payload carried in the stream message and checks it against its SHA-256. */
  private openInline(meta: MessageMeta, sealed: Buffer): Buffer {
    const plain = this.cipher.openWhole(meta.id, meta.payloadKeyId, sealed, meta.sizeBytes);
    if (createHash('sha256').update(plain).digest('hex') !== meta.sha256)
      throw new Error(`payload of ${meta.id} does not match its SHA-256`);
    return plain;
  }

  /** The sealed chunks of a payload object, one direct get per chunk (a slow reader keeps memory flat). */
  private async *objectChunks(id: string): AsyncGenerator<Buffer> {
    const info = await this.os.info(id);
    if (info === null || info.deleted) throw new Error(`message ${id} has no stored payload`);
    const stream = this.streams.objects;
    const subject = `$O.${this.objectBucket}.C.${info.nuid}`;
    let seq = 0;
    for (let i = 0; i < info.chunks; i++) {
      const msg = await this.jsm.direct.getMessage(stream, { next_by_subj: subject, seq: seq + 1 });
      if (msg === null) throw new Error(`payload of ${id} was deleted while it was being read`);
      seq = msg.seq;
      yield Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
    }
  }

  private async openObject(meta: MessageMeta): Promise<Readable> {
    // Fails here, not mid-stream, when there is no object.
    const info = await this.os.info(meta.id);
    if (info === null || info.deleted) throw new Error(`message ${meta.id} has no stored payload`);
    const plain = this.cipher.open(meta.id, meta.payloadKeyId, this.objectChunks(meta.id), meta.sizeBytes);
    async function* checked(): AsyncGenerator<Buffer> {
      const hash = createHash('sha256');
      for await (const part of plain) {
        hash.update(part);
        yield part;
      }
      if (hash.digest('hex') !== meta.sha256)
        throw new Error(`payload of ${meta.id} does not match its SHA-256`);
    }
    // Readable.from pulls the next chunk only when the consumer reads: one chunk in flight, whatever the size.
    return Readable.from(checked(), { objectMode: false, highWaterMark: 1 });
  }

  private async read(id: string): Promise<Stored | null> {
    // One KV key token: `*`, `>` or a '.' would make the direct get a pattern, answering another message's entry.
    if (!KEY_SAFE.test(id)) return null;
    const entry = await this.kvGet(metaKey(id));
    if (entry === null || entry.data.length === 0) return null;
    const record = JSON.parse(new TextDecoder().decode(entry.data)) as MetaRecord;
    return { ...record, revision: entry.revision };
  }

  /** Writes the entry if it is still at `revision`; the new revision, or null when someone else changed it first. */
  private async compareAndSet(id: string, entry: Uint8Array, revision: number): Promise<number | null> {
    try {
      return await this.kvUpdate(metaKey(id), entry, revision);
    } catch (err) {
      if (isWrongSequence(err)) return null;
      throw err;
    }
  }

  /**
   * Acks a delivery and waits for the server's confirmation, so that the message has left the work queue when `ack`
   * resolves; a lost ack is repaired by the sweep at reconnect or at the message's next delivery.
   */
  private async ackStream(reply: string): Promise<void> {
    await this.requests.request(reply, ACK).catch(() => undefined);
  }

  // ------------------------------------------------------------------ JetStream and KV requests (`Requests`)

  /** Publishes to the work queue; `msgId` is the stream's de-duplication id (`Nats-Msg-Id`). */
  private async publish(
    subject: string,
    data: Uint8Array,
    msgId: string | null,
  ): Promise<{ seq: number; duplicate: boolean }> {
    let hdrs: MsgHdrs | undefined;
    if (msgId !== null) {
      hdrs = headers();
      hdrs.set('Nats-Msg-Id', msgId);
    }
    return pubAck(await this.requests.request(subject, data, hdrs));
  }

  /** The KV entry's new revision. */
  private async kvPut(key: string, data: Uint8Array): Promise<number> {
    return (await pubAck(await this.requests.request(`$KV.${this.kvBucket}.${key}`, data))).seq;
  }

  /** Writes the entry only if it is at `revision` (0: only if it does not exist); otherwise `wrong last sequence`. */
  private async kvUpdate(key: string, data: Uint8Array, revision: number): Promise<number> {
    const hdrs = headers();
    hdrs.set('Nats-Expected-Last-Subject-Sequence', String(revision));
    return (await pubAck(await this.requests.request(`$KV.${this.kvBucket}.${key}`, data, hdrs))).seq;
  }

  private kvCreate(key: string, data: Uint8Array): Promise<number> {
    return this.kvUpdate(key, data, 0);
  }

  /** A KV entry by a direct get (the bucket allows them); null when absent or deleted. */
  private async kvGet(key: string): Promise<{ data: Uint8Array; revision: number } | null> {
    const subject = `$JS.API.DIRECT.GET.${this.streams.kv}.$KV.${this.kvBucket}.${key}`;
    const msg = await this.requests.request(subject, EMPTY);
    const code = msg.headers?.code ?? 0;
    if (code === 404) return null;
    if (code !== 0) throw new Error(`NATS KV read of ${key}: ${code} ${msg.headers?.description ?? ''}`);
    const operation = msg.headers?.get('KV-Operation') ?? '';
    if (operation === 'DEL' || operation === 'PURGE') return null;
    return { data: msg.data, revision: Number(msg.headers?.get('Nats-Sequence')) };
  }

  private nak(reply: string, delayMs: number): void {
    const body = delayMs > 0 ? `-NAK ${JSON.stringify({ delay: nanos(Math.ceil(delayMs)) })}` : '-NAK';
    // Should the connection be closed, the server redelivers when ack_wait lapses.
    this.requests.send(reply, body);
  }

  /**
   * The claim token: `<id>:<revision>:<o|i>:<ack subject>`. It travels to a pulling destination as its receipt
   * handle and comes back: the ack subject must be one of this queue's consumers' (nothing else is published to).
   */
  private parseToken(claim: Claim): { id: string; revision: number; object: boolean; reply: string } {
    const [id, revision, kind, ...rest] = claim.token.split(':');
    const reply = rest.join(':');
    const ackPrefix = `$JS.ACK.${this.streams.queue}.d_`;
    if (
      id !== claim.message.id ||
      !/^\d+$/.test(revision ?? '') ||
      (kind !== 'o' && kind !== 'i') ||
      !reply.startsWith(ackPrefix) ||
      !/^[-_=a-zA-Z0-9]+(\.\d+){5}$/.test(reply.slice(ackPrefix.length))
    )
      // A handle that is not one of ours is as good as a lapsed one: the message is not acknowledged.
      throw claimLost(claim.message.id);
    return { id, revision: Number(revision), object: kind === 'o', reply };
  }
}

/** A send refused because the connection to NATS is down (the intake answers 503 with Retry-After). */
function unreachable(): Error {
  return new Error('NATS JetStream is unreachable: the message was not stored');
}

/**
 * JetStream refusing the replicas asked for (a single server: "replicas > 1 not supported in non-clustered mode"; a
 * cluster with fewer JetStream servers: "insufficient resources"), as an error that names the setting; null for
 * any other error.
 */
function replicasRefused(err: unknown, replicas: number): Error | null {
  const message = err instanceof Error ? err.message : String(err);
  if (replicas === 1 || !/replicas|insufficient resources|no suitable peers/i.test(message)) return null;
  return new Error(
    `NATS không có đủ ${replicas} máy chủ JetStream để giữ mỗi luồng ${replicas} bản (messaging.natsReplicas / ` +
      `LGSP_NATS_REPLICAS): ${message} / NATS has fewer than ${replicas} JetStream servers to keep ${replicas} ` +
      'copies of each stream',
  );
}

function metaKey(id: string): string {
  return `m.${id}`;
}

function indexKey(identity: string): string {
  return `i.${identity}`;
}

/** (source, Idempotency-Key) as one token: the stream's `Nats-Msg-Id` and the key index's name. */
function idempotencyIdentity(sourceSystemId: string, idempotencyKey: string): string {
  const key = createHash('sha256').update(idempotencyKey).digest('hex');
  return `${token(sourceSystemId)}.${key}`;
}

/** Ids are `[a-z0-9_]`; anything else is hashed so it cannot break a subject, a KV key or a consumer name. */
function token(value: string): string {
  return KEY_SAFE.test(value) ? value : `h${createHash('sha256').update(value).digest('hex').slice(0, 40)}`;
}

/** A data key id as a subject token (base64url), reversibly; `none` for a payload stored before sealing. */
function keyToken(keyId: string | null): string {
  return keyId === null ? 'none' : `k${Buffer.from(keyId).toString('base64url')}`;
}

function keyIdOfToken(t: string): string | null {
  return t.startsWith('k') ? Buffer.from(t.slice(1), 'base64url').toString() : null;
}

/**
 * The stream sequence from an ack subject (`$JS.ACK.<stream>.<consumer>.<count>.<seq>…`). Its delivery count is
 * left unread on purpose: it does not tell whether the message was claimed before (see `take`).
 */
function streamSeqOf(reply: string): number {
  const parts = reply.split('.');
  // Old form: 9 tokens; newer servers add domain and account hash after `ACK` (and a random token at the end).
  return Number(parts[parts.length === 9 ? 5 : 7]);
}

/** A stream message body: 4-byte length, the record as JSON, then the sealed inline payload (if any). */
function frame(record: MetaRecord, inline: Buffer | null): Buffer {
  const json = Buffer.from(JSON.stringify(record));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json, inline ?? Buffer.alloc(0)]);
}

function unframe(data: Uint8Array): { record: MetaRecord; inline: Buffer | null } {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const length = bytes.readUInt32BE(0);
  const record = JSON.parse(bytes.subarray(4, 4 + length).toString()) as MetaRecord;
  return { record, inline: record.object ? null : bytes.subarray(4 + length) };
}

function encode(record: MetaRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

/** A JetStream publish acknowledgement, or its error thrown (`wrong last sequence` for a failed compare-and-set). */
function pubAck(msg: Msg): { seq: number; duplicate: boolean } {
  const ack = JSON.parse(new TextDecoder().decode(msg.data)) as {
    seq?: number;
    duplicate?: boolean;
    error?: { code?: number; err_code?: number; description?: string };
  };
  if (ack.error !== undefined || typeof ack.seq !== 'number')
    throw new Error(
      `NATS JetStream refused the write: ${ack.error?.description ?? 'no sequence'} (${ack.error?.err_code ?? ack.error?.code ?? '?'})`,
    );
  return { seq: ack.seq, duplicate: ack.duplicate === true };
}

/** JetStream's answer when an expected-last-sequence check (KV create/update) fails. */
function isWrongSequence(err: unknown): boolean {
  const text = String((err as { message?: string })?.message ?? err);
  return /wrong last sequence|key exists|10071/i.test(text);
}

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type JetStreamManager, jetstreamManager } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import { type ObjectStore, Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { PayloadCipher } from './payload-cipher.ts';
import type { Claim, ClaimOptions, EnqueueResult, MessageMeta, MessageQueue, NewMessage } from './port.ts';
import { acceptedMeta, claimLost } from './port.ts';

/**
 * The NATS JetStream engine of the message queue port (issue 4, R-02, R-04, R-05): what a scaled-out deployment
 * uses so every worker node shares one durable queue without a home-made broker.
 *
 * Layout, all named by the prefix `P` (so tests can isolate and delete their own resources):
 * - **Object Store bucket `P_payloads`** holds the payloads — sealed (`PayloadCipher`, R-02: the file store keeps a
 *   purged message's bytes in its block files until it compacts them, so they must be unreadable without the
 *   epoch key) — one object per message id, streamed in 128 KiB chunks
 *   (the client publishes chunk by chunk and waits for each JetStream ack, so a 100 MB payload is never held whole).
 *   They are read back chunk by chunk with direct gets, one chunk per `read()`, so a slow reader keeps memory flat —
 *   the library's own `get()` pushes every chunk into an unbounded web stream. On ack, death or expiry the object is
 *   deleted: the store purges the chunk subject, so the stream keeps no bytes of it; only the object's small
 *   "deleted" meta marker (name, size, digest) remains.
 * - **KV bucket `P_messages`** holds `m.<id>` → `MessageMeta` as JSON, kept after delivery as the port requires;
 *   `p.<id>` (empty) while the message is pending (accepted or delivering), removed once delivered or dead so a claim
 *   scans only live messages; and `idem.<source>.<sha256(key)>` → message id, written with `create()` so the second
 *   send of the same (source, Idempotency-Key) fails to create it and is answered as a duplicate.
 *
 * Scheduling and leases are kept in the KV metadata, not in broker timers: the port passes the clock in (`nowMs`),
 * and JetStream's `ack_wait` and nak delays run on the server's wall clock, so they could not honour it. The value of `m.<id>` is
 * `{ meta, leaseUntilMs }`. A claim moves a due message to `delivering` with `leaseUntilMs` = now + lease and
 * writes it with compare-and-set on the entry's revision; the claim token is `<id>:<new revision>`. Ack and fail are
 * compare-and-set on that same revision, so once a lapsed lease has been claimed again (a new revision), the stale
 * claimant's ack fails. A message whose lease lapsed (`leaseUntilMs` < now) is claimable again. Claim order matches
 * the embedded engine: `nextAttemptAtMs`, then `acceptedAtMs`, then id. A claim works from this node's view of the pending
 * messages (`claimView`: read in full at most once a second, kept current by its own operations) and costs one
 * compare-and-set per message claimed; the expiry sweep still reads them all, every few seconds.
 *
 * Durability: `enqueue` resolves after the last chunk, the object's meta record and the KV metadata were acked by
 * JetStream (file storage). Writing `m.<id>` is the commit point; the pending marker is written before the payload.
 * A process killed mid-way (test/messaging.loss.test.ts) therefore leaves at most an upload that never became a
 * message — a marker without `m.<id>`, its idempotency key, maybe chunks no object names — or a settled message
 * whose payload was not deleted yet. `expire`, run by the deliverer every few seconds, deletes both once the
 * upload is older than any upload may take; a retry of the interrupted send takes its key over after that time.
 */

const CHUNK_BYTES = 128 * 1024;
/** How often a claim lists the pending messages on the server (`claimView`). */
const VIEW_TTL_MS = 1_000;
/** How often the expiry sweep also looks for what killed processes left behind (it reads every pending entry). */
const CLEANUP_EVERY_MS = 60_000;
/**
 * How long a send may take to store its payload (the gateway's request timeout bounds an upload to 60 s). A
 * duplicate send waits that long for the first send of the same key; after that the first send counts as abandoned
 * — its process died between taking the key and storing the message — and is fenced off
 * (`reserveIdempotencyKey`, `fence`).
 */
const DUPLICATE_WAIT_MS = 60_000;
const KEY_SAFE = /^[-_=a-zA-Z0-9]+$/;

export interface NatsQueueOptions {
  /** Names the JetStream resources: `<prefix>_messages` (KV) and `<prefix>_payloads` (object store). */
  prefix?: string;
}

export class NatsQueue implements MessageQueue {
  readonly engine = 'nats' as const;
  private view: { atMs: number; entries: Map<string, Stored> } | null = null;
  private lastCleanupMs = -Infinity;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly kv: KV,
    private readonly os: ObjectStore,
    private readonly cipher: PayloadCipher,
    /** The bucket names, exposed for tests and operators. */
    readonly kvBucket: string,
    readonly objectBucket: string,
  ) {}

  static async open(url: string, cipher: PayloadCipher, options: NatsQueueOptions = {}): Promise<NatsQueue> {
    const prefix = options.prefix ?? 'lgsp';
    if (!KEY_SAFE.test(prefix)) throw new Error(`NATS queue prefix must match ${KEY_SAFE}: ${prefix}`);
    const nc = await connect({ servers: url, name: `openlgsp-queue-${prefix}` });
    try {
      const jsm = await jetstreamManager(nc);
      const kvBucket = `${prefix}_messages`;
      const objectBucket = `${prefix}_payloads`;
      // create() opens the bucket when it exists with the same configuration.
      const kv = await new Kvm(nc).create(kvBucket, { history: 1 });
      const os = await new Objm(nc).create(objectBucket, {
        description: 'OpenLGSP message payloads, deleted on delivery (R-02)',
      });
      return new NatsQueue(nc, jsm, kv, os, cipher, kvBucket, objectBucket);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** The JetStream manager (tests scan the streams with it). */
  get manager(): JetStreamManager {
    return this.jsm;
  }

  /** The JetStream streams behind the buckets. */
  get streams(): { kv: string; objects: string } {
    return { kv: `KV_${this.kvBucket}`, objects: `OBJ_${this.objectBucket}` };
  }

  async enqueue(message: NewMessage, payload: Readable): Promise<EnqueueResult> {
    // Message ids (`msg_…`) name KV keys and objects as they are.
    if (!KEY_SAFE.test(message.id)) throw new Error(`message id must match ${KEY_SAFE}: ${message.id}`);
    const idemKey =
      message.idempotencyKey === null
        ? null
        : idempotencyKvKey(message.sourceSystemId, message.idempotencyKey);
    /** The revision of our idempotency entry: released on failure only while it is still ours. */
    let reserved: number | null = null;
    if (idemKey !== null) {
      const reservation = await this.reserveIdempotencyKey(idemKey, message.id);
      if ('existing' in reservation) {
        // Nothing new is stored; let the duplicate's upload run to its end without keeping it.
        payload.resume();
        return { message: reservation.existing, duplicate: true };
      }
      reserved = reservation.revision;
    }
    // Guards a caller's bug (ids are random): putting the object again would replace another message's payload.
    if ((await this.kv.get(metaKey(message.id)))?.operation === 'PUT') {
      if (idemKey !== null) await this.kv.delete(idemKey, { previousSeq: reserved! }).catch(() => undefined);
      throw new Error(`message ${message.id} already exists`);
    }
    try {
      // The pending marker before the metadata: a process killed between the two must not leave an accepted
      // message that no claim ever finds. A marker without metadata is an upload in progress (or an abandoned one,
      // which `expire` cleans up).
      await this.kv.put(pendingKey(message.id), new Uint8Array(0));
      const meta = acceptedMeta(message, await this.putPayload(message, payload));
      // The commit point. It fails when this send was fenced off as abandoned (`fence`): then the key belongs
      // to another send, and this one must not become a second message for it.
      const revision = await this.kv.create(metaKey(message.id), encode({ meta, leaseUntilMs: null }));
      this.view?.entries.set(meta.id, { meta, leaseUntilMs: null, revision });
      return { message: meta, duplicate: false };
    } catch (err) {
      // Leave nothing half-stored: the source was not answered 202 and will send again.
      await this.dropUpload(message.id);
      if (idemKey !== null) await this.kv.delete(idemKey, { previousSeq: reserved! }).catch(() => undefined);
      throw err;
    }
  }

  async claim(options: ClaimOptions): Promise<Claim[]> {
    if (options.limit <= 0) return [];
    const due: Stored[] = [];
    const view = await this.claimView();
    for (const entry of view.values()) {
      const { meta, leaseUntilMs } = entry;
      const isDue =
        (meta.state === 'accepted' && meta.nextAttemptAtMs <= options.nowMs) ||
        (meta.state === 'delivering' && leaseUntilMs !== null && leaseUntilMs < options.nowMs);
      if (!isDue) continue;
      if (
        options.destinationVersionId !== undefined &&
        meta.destinationVersionId !== options.destinationVersionId
      )
        continue;
      if (options.environment !== undefined && meta.environment !== options.environment) continue;
      due.push(entry);
    }
    due.sort(
      (a, b) =>
        a.meta.nextAttemptAtMs - b.meta.nextAttemptAtMs ||
        a.meta.acceptedAtMs - b.meta.acceptedAtMs ||
        compare(a.meta.id, b.meta.id),
    );
    const claims: Claim[] = [];
    for (const { meta, revision } of due) {
      if (claims.length >= options.limit) break;
      const next: MessageMeta = { ...meta, state: 'delivering', attempts: meta.attempts + 1 };
      const leaseUntilMs = options.nowMs + options.leaseMs;
      const newRevision = await this.compareAndSet(meta.id, next, revision, leaseUntilMs);
      if (newRevision === null) {
        // Another node changed it first (claimed it, settled it): learn its state now, and leave it to them.
        await this.refresh(meta.id);
        continue;
      }
      view.set(meta.id, { meta: next, leaseUntilMs, revision: newRevision });
      claims.push({ message: next, token: `${meta.id}:${newRevision}` });
    }
    return claims;
  }

  async openPayload(id: string, known?: MessageMeta): Promise<Readable> {
    const info = await this.os.info(id);
    if (info === null || info.deleted) throw new Error(`message ${id} has no stored payload`);
    const meta = known?.id === id ? known : (await this.read(id))?.meta;
    if (meta === undefined) throw new Error(`message ${id} has no metadata`);
    const stream = this.streams.objects;
    const subject = `$O.${this.objectBucket}.C.${info.nuid}`;
    const jsm = this.jsm;
    const chunkCount = info.chunks;
    async function* sealedChunks(): AsyncGenerator<Buffer> {
      let seq = 0;
      for (let i = 0; i < chunkCount; i++) {
        const msg = await jsm.direct.getMessage(stream, { next_by_subj: subject, seq: seq + 1 });
        if (msg === null) throw new Error(`payload of ${id} was deleted while it was being read`);
        seq = msg.seq;
        yield Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength);
      }
    }
    const plain = this.cipher.open(id, meta.payloadKeyId, sealedChunks(), meta.sizeBytes);
    async function* checked(): AsyncGenerator<Buffer> {
      const hash = createHash('sha256');
      for await (const part of plain) {
        hash.update(part);
        yield part;
      }
      if (hash.digest('hex') !== meta!.sha256) throw new Error(`payload of ${id} does not match its SHA-256`);
    }
    // Readable.from pulls the next chunk only when the consumer reads: one chunk in flight, whatever the size.
    return Readable.from(checked(), { objectMode: false, highWaterMark: 1 });
  }

  async ack(claim: Claim, nowMs: number): Promise<MessageMeta> {
    return this.settle(claim, (meta) => ({
      ...meta,
      state: 'delivered',
      deliveredAtMs: nowMs,
      hasPayload: false,
      sealedTarget: null,
    }));
  }

  async fail(claim: Claim, error: string, retryAtMs: number | null, _nowMs: number): Promise<MessageMeta> {
    return this.settle(claim, (meta) =>
      retryAtMs === null
        ? { ...meta, state: 'dead', lastError: error, hasPayload: false, sealedTarget: null }
        : { ...meta, state: 'accepted', lastError: error, nextAttemptAtMs: retryAtMs },
    );
  }

  async expire(nowMs: number): Promise<MessageMeta[]> {
    const expired: MessageMeta[] = [];
    let entries: Stored[];
    if (Date.now() - this.lastCleanupMs > CLEANUP_EVERY_MS) {
      // Left by a process killed mid-way: uploads that never became a message, acks or deaths whose payload was
      // not deleted yet. Finding them reads every pending entry, so it runs only now and then.
      this.lastCleanupMs = Date.now();
      const pending = await this.pending();
      await this.dropAbandonedUploads(pending.unstored);
      for (const { meta } of pending.entries) {
        if (meta.state === 'delivered' || meta.state === 'dead') await this.dropUpload(meta.id);
      }
      entries = pending.entries;
    } else {
      entries = [...(await this.claimView()).values()];
    }
    for (let { meta, revision } of entries) {
      // Retry on a concurrent change (a claim racing the sweep) until the message is settled or no longer expired.
      for (;;) {
        if (meta.state === 'delivered' || meta.state === 'dead' || meta.expiresAtMs > nowMs) break;
        const next: MessageMeta = { ...meta, state: 'dead', hasPayload: false, sealedTarget: null };
        if ((await this.compareAndSet(meta.id, next, revision)) !== null) {
          this.view?.entries.delete(meta.id);
          await this.dropPayload(meta.id);
          expired.push(next);
          break;
        }
        const again = await this.read(meta.id);
        if (again === null) break;
        ({ meta, revision } = again);
      }
    }
    return expired;
  }

  async get(id: string): Promise<MessageMeta | null> {
    return (await this.read(id))?.meta ?? null;
  }

  /**
   * From the pending messages as listed at most a second ago (`claimView`): a message another node committed after
   * that listing was uploading before it, which the key's grace after its epoch (UPLOAD_GRACE_MS) covers.
   */
  async payloadKeysInUse(keyIds: string[]): Promise<Set<string>> {
    const wanted = new Set(keyIds);
    const inUse = new Set<string>();
    for (const { meta } of (await this.claimView()).values()) {
      if (meta.payloadKeyId !== null && wanted.has(meta.payloadKeyId)) inUse.add(meta.payloadKeyId);
    }
    return inUse;
  }

  async pendingCount(): Promise<number> {
    const info = await this.jsm.streams.info(this.streams.kv, {
      subjects_filter: `$KV.${this.kvBucket}.p.>`,
    });
    return Object.keys(info.state.subjects ?? {}).length;
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain();
  }

  /** Deletes both buckets (tests; an operator decommissioning a prefix) and closes the connection. */
  async destroy(): Promise<void> {
    await this.kv.destroy().catch(() => undefined);
    await this.os.destroy().catch(() => undefined);
    await this.close();
  }

  private async settle(claim: Claim, change: (meta: MessageMeta) => MessageMeta): Promise<MessageMeta> {
    // The claim's revision is the proof: if the entry changed since (a lapsed claim taken over, a sweep), the
    // compare-and-set fails. The claim carries the metadata as claimed, so nothing needs reading first.
    const { id, revision } = parseToken(claim);
    if (claim.message.state !== 'delivering') throw claimLost(id);
    const next = change(claim.message);
    const newRevision = await this.compareAndSet(id, next, revision);
    if (newRevision === null) {
      await this.refresh(id);
      throw claimLost(id);
    }
    if (next.state === 'delivered' || next.state === 'dead') {
      this.view?.entries.delete(id);
      await this.dropPayload(id);
    } else {
      this.view?.entries.set(id, { meta: next, leaseUntilMs: null, revision: newRevision });
    }
    return next;
  }

  /** Deletes the payload (the object store purges its chunks) and the pending marker, leaving no history. */
  private async dropPayload(id: string): Promise<void> {
    await this.os.delete(id).catch((err: unknown) => {
      if (!/not found/i.test(String(err))) throw err;
    });
    await this.jsm.streams.purge(this.streams.kv, { filter: `$KV.${this.kvBucket}.${pendingKey(id)}` });
  }

  /** Best effort: whatever an upload or a settled message left (its object's chunks, its pending marker). */
  private async dropUpload(id: string): Promise<void> {
    await this.os.delete(id).catch(() => undefined);
    await this.jsm.streams
      .purge(this.streams.kv, { filter: `$KV.${this.kvBucket}.${pendingKey(id)}` })
      .catch(() => undefined);
  }

  /**
   * Fences off the upload of message `id`, so it can never be committed: its metadata key is created empty first
   * (`read` treats that as absent), and the upload's own `create` of it then fails. True when the upload is fenced
   * (now or before), false when it had already been committed as a message.
   */
  private async fence(id: string): Promise<boolean> {
    try {
      await this.kv.create(metaKey(id), new Uint8Array(0));
      return true;
    } catch (err) {
      if (!isWrongSequence(err)) throw err;
    }
    const entry = await this.kv.get(metaKey(id));
    return entry !== null && entry.operation === 'PUT' && entry.length === 0;
  }

  /**
   * Pending markers with no message, older than any upload may take: their process died mid-upload (or a retry
   * took their key over). Fenced off, so they can never commit; then their payload — the object, or loose chunks
   * when the process died before the object was written — and last their marker are deleted. The marker
   * goes last: should this process die meanwhile, the next sweep finds the upload again.
   */
  private async dropAbandonedUploads(ids: string[]): Promise<void> {
    const abandoned: string[] = [];
    for (const id of ids) {
      const marker = await this.kv.get(pendingKey(id));
      if (marker === null || Date.now() - marker.created.getTime() <= DUPLICATE_WAIT_MS) continue;
      if (await this.fence(id)) abandoned.push(id);
    }
    if (abandoned.length === 0) return;
    for (const id of abandoned) await this.os.delete(id).catch(() => undefined);
    await this.dropLooseChunks();
    for (const id of abandoned) await this.dropUpload(id);
  }

  /**
   * Chunks that no stored object names and older than any upload may take: written by an upload whose process died
   * before it wrote the object. Every stored payload belongs to a pending marker (the marker is written first),
   * so the objects of the pending markers are all that may keep chunks.
   */
  private async dropLooseChunks(): Promise<void> {
    const prefix = `$O.${this.objectBucket}.C.`;
    const info = await this.jsm.streams.info(this.streams.objects, { subjects_filter: `${prefix}>` });
    const subjects = Object.keys(info.state.subjects ?? {});
    if (subjects.length === 0) return;
    const named = new Set<string>();
    for (const id of await this.pendingIds()) {
      const object = await this.os.info(id);
      if (object !== null && !object.deleted) named.add(`${prefix}${object.nuid}`);
    }
    for (const subject of subjects) {
      if (named.has(subject)) continue;
      const first = await this.jsm.direct.getMessage(this.streams.objects, { next_by_subj: subject, seq: 1 });
      if (first === null || Date.now() - first.time.getTime() <= DUPLICATE_WAIT_MS) continue;
      await this.jsm.streams.purge(this.streams.objects, { filter: subject });
    }
  }

  /**
   * The pending messages as this node last saw them, read in full from the server at most every VIEW_TTL_MS and
   * kept current with this node's own enqueues, claims and settlements in between — so a claim costs one
   * compare-and-set per message instead of a read of every pending message. The view may be stale about other
   * nodes' changes; that is safe: every claim is a compare-and-set on the entry's revision, and a message another
   * node enqueued is seen at the next full read.
   */
  /** Re-reads one message into the view (after a compare-and-set lost to another node). */
  private async refresh(id: string): Promise<void> {
    if (!this.view) return;
    const entry = await this.read(id);
    if (entry && entry.meta.state !== 'delivered' && entry.meta.state !== 'dead')
      this.view.entries.set(id, entry);
    else this.view.entries.delete(id);
  }

  private async claimView(): Promise<Map<string, Stored>> {
    if (!this.view || Date.now() - this.view.atMs > VIEW_TTL_MS) {
      // One request lists the pending ids; only the ones this node does not know yet are read. Entries no longer
      // pending are dropped; a known entry another node changed is corrected when a compare-and-set on it fails.
      const atMs = Date.now();
      const known = this.view?.entries ?? new Map<string, Stored>();
      const ids = await this.pendingIds();
      const next = new Map<string, Stored>();
      const unknown: string[] = [];
      for (const id of ids) {
        const entry = known.get(id);
        if (entry) next.set(id, entry);
        else unknown.push(id);
      }
      for (let i = 0; i < unknown.length; i += 64) {
        const batch = await Promise.all(unknown.slice(i, i + 64).map((id) => this.read(id)));
        for (const e of batch) if (e !== null) next.set(e.meta.id, e);
      }
      this.view = { atMs, entries: next };
    }
    return this.view.entries;
  }

  /** The ids of the pending markers: messages accepted or being delivered, and uploads in progress or abandoned. */
  private async pendingIds(): Promise<string[]> {
    // The pending markers' subjects, from one stream-info request (paged by the client). Not `kv.keys()`: its
    // ordered consumer expects as many entries as were pending when it started, and when an ack purges a marker
    // meanwhile it waits ~30 s for an entry that never comes.
    const prefix = `$KV.${this.kvBucket}.p.`;
    const info = await this.jsm.streams.info(this.streams.kv, { subjects_filter: `${prefix}>` });
    return Object.keys(info.state.subjects ?? {}).map((subject) => subject.slice(prefix.length));
  }

  /** The pending messages, and the ids of pending markers with no message (uploads in progress or abandoned). */
  private async pending(): Promise<{ entries: Stored[]; unstored: string[] }> {
    const ids = await this.pendingIds();
    const entries: Stored[] = [];
    const unstored: string[] = [];
    // Bounded parallel reads: enough to hide the round trips without flooding the server.
    for (let i = 0; i < ids.length; i += 64) {
      const slice = ids.slice(i, i + 64);
      const batch = await Promise.all(slice.map((id) => this.read(id)));
      batch.forEach((e, j) => {
        if (e !== null) entries.push(e);
        else unstored.push(slice[j]!);
      });
    }
    return { entries, unstored };
  }

  private async read(id: string): Promise<Stored | null> {
    const entry = await this.kv.get(metaKey(id));
    if (entry === null || entry.operation !== 'PUT' || entry.length === 0) return null;
    const { meta, leaseUntilMs } = entry.json<MetaRecord>();
    return { meta, leaseUntilMs, revision: entry.revision };
  }

  /**
   * Writes `meta` (and the lease end, while delivering) if the entry is still at `revision`; the new revision, or
   * null when someone else changed it first.
   */
  private async compareAndSet(
    id: string,
    meta: MessageMeta,
    revision: number,
    leaseUntilMs: number | null = null,
  ): Promise<number | null> {
    try {
      return await this.kv.update(metaKey(id), encode({ meta, leaseUntilMs }), revision);
    } catch (err) {
      if (isWrongSequence(err)) return null;
      throw err;
    }
  }

  /**
   * Creates the idempotency key for `id` (answering its revision); when it exists, waits for and returns the
   * message that holds it. A holder that never became a message within DUPLICATE_WAIT_MS of taking the key was
   * abandoned — its process was killed mid-upload — and would otherwise block the key forever: it is fenced off
   * (it can no longer commit, even if it was only slow) and the key is taken over.
   */
  private async reserveIdempotencyKey(
    key: string,
    id: string,
  ): Promise<{ existing: MessageMeta } | { revision: number }> {
    const deadline = Date.now() + 2 * DUPLICATE_WAIT_MS;
    for (;;) {
      try {
        return { revision: await this.kv.create(key, new TextEncoder().encode(id)) };
      } catch (err) {
        if (!isWrongSequence(err)) throw err;
      }
      const holder = await this.kv.get(key);
      if (holder !== null && holder.operation === 'PUT') {
        const holderId = holder.string();
        const existing = await this.get(holderId);
        if (existing !== null) return { existing };
        if (Date.now() - holder.created.getTime() > DUPLICATE_WAIT_MS && (await this.fence(holderId))) {
          try {
            // What the abandoned send stored is deleted by the sweep (`expire`), which finds its pending marker.
            return { revision: await this.kv.update(key, new TextEncoder().encode(id), holder.revision) };
          } catch (err) {
            // Another send took the key over first: wait for that one instead.
            if (!isWrongSequence(err)) throw err;
          }
        }
      }
      // The first send is still storing its payload (or just failed and released the key): look again shortly.
      if (Date.now() > deadline) throw new Error(`idempotency key held by an unfinished message: ${key}`);
      await sleep(50);
    }
  }

  /** Seals the payload as it streams and stores it as the object `message.id`; answers the plaintext's size and hash. */
  private async putPayload(
    message: NewMessage,
    payload: Readable,
  ): Promise<{ sizeBytes: number; sha256: string; payloadKeyId: string }> {
    const sealing = this.cipher.seal(message.id, message.acceptedAtMs, payload);
    const source = sealing.sealed;
    // highWaterMark 0: the object store pulls one piece at a time, publishing each chunk before asking for more.
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { value, done } = await source.next();
          if (done) {
            controller.close();
            return;
          }
          controller.enqueue(value);
        },
        async cancel() {
          await source.return(undefined);
        },
      },
      { highWaterMark: 0 },
    );
    try {
      await this.os.put({ name: message.id, options: { max_chunk_size: CHUNK_BYTES } }, body);
    } finally {
      await source.return(undefined);
    }
    return { ...sealing.stats(), payloadKeyId: sealing.keyId };
  }
}

function metaKey(id: string): string {
  return `m.${id}`;
}

function pendingKey(id: string): string {
  return `p.${id}`;
}

function idempotencyKvKey(sourceSystemId: string, idempotencyKey: string): string {
  const key = createHash('sha256').update(idempotencyKey).digest('hex');
  return `idem.${keyPart(sourceSystemId)}.${key}`;
}

/** Source ids are `[a-z0-9_]`; anything else is hashed so it cannot break the KV key syntax. */
function keyPart(value: string): string {
  return KEY_SAFE.test(value) ? value : `h${createHash('sha256').update(value).digest('hex')}`;
}

function parseToken(claim: Claim): { id: string; revision: number } {
  const at = claim.token.lastIndexOf(':');
  const id = claim.token.slice(0, at);
  const revision = Number(claim.token.slice(at + 1));
  // A handle that is not one of ours is as good as a lapsed one: the message is not acknowledged.
  if (at < 0 || id !== claim.message.id || !Number.isSafeInteger(revision)) throw claimLost(claim.message.id);
  return { id, revision };
}

/** The KV value of `m.<id>`: the port's metadata plus the lease end of the current claim (null when unclaimed). */
interface MetaRecord {
  meta: MessageMeta;
  leaseUntilMs: number | null;
}

interface Stored extends MetaRecord {
  revision: number;
}

function encode(record: MetaRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JetStream's answer when an expected-last-sequence check (KV create/update) fails. */
function isWrongSequence(err: unknown): boolean {
  const text = String((err as { message?: string })?.message ?? err);
  return /wrong last sequence|key exists|10071/i.test(text);
}

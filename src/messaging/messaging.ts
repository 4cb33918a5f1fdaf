import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { CompactSign, type CryptoKey } from 'jose';
import type { Logger } from 'pino';
import type { Environment } from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { LgspError } from '../core/errors.ts';
import { isoOf, isoOrNull } from '../core/time.ts';
import type { PeerData, PeerRoute } from '../federation/snapshot.ts';
import { enqueueNotification } from '../notify/outbox.ts';
import type { Store } from '../store/port.ts';
import type { Alerts } from '../telemetry/alerts.ts';
import { PayloadCipher } from './payload-cipher.ts';
import type { PayloadKeys } from './payload-keys.ts';
import { handedOnView, type MessageFederationRow } from './peer-forward.ts';
import type { Claim, EnqueueResult, MessageMeta, MessageQueue } from './port.ts';

/** MQ_UPLOAD_FAILED's details, read beside its bilingual title: Vietnamese first, English beside. */
const UPLOAD_ABORTED =
  'bên gửi ngắt kết nối trước khi gửi hết nội dung / the sender broke off before the body was whole';
const UPLOAD_CUT_SHORT = 'nội dung thông điệp dừng trước khi đủ / the message body ended before its end';

/**
 * The async store-and-forward service (issue 4) between the gateway and a queue engine: what happens around the
 * queue when a message is accepted, delivered or dies — size limits, signed delivery receipts, the source's
 * callbacks (webhook events `message.delivered` / `message.dead`, signed by the outbox) and the operator's alert.
 * The gateway calls it for intake, status and the pull inbox; the `Deliverer` calls it for pushes.
 */
export interface MessagingDeps {
  queue: MessageQueue;
  /** The data keys the queue seals payloads with (R-02): destroyed here once their messages are settled. */
  keys: PayloadKeys;
  store: Store;
  clock: Clock;
  config: Config['messaging'];
  logger: Logger;
  alerts: Alerts;
}

/**
 * What messaging needs to know of the configuration snapshot: destinations by version id, and the key that signs
 * receipts. The gateway's compiled snapshot is one (messaging does not depend on the gateway).
 */
export interface Destinations {
  routesByVersion: ReadonlyMap<string, Destination>;
  systems: ReadonlyMap<string, { organizationCode: string }>;
  signing: { kid: string; algorithm: string; privateKey: CryptoKey | Uint8Array };
  /** Peer platforms (issue 12 item 10b): who sent us a message, whom we hand one on to. */
  federation?: {
    peersById: ReadonlyMap<string, PeerData>;
    peersBySystem: ReadonlyMap<string, PeerData>;
  };
}

export interface Destination {
  serviceId: string;
  context: string;
  version: string;
  versionId: string;
  providerSystemId: string;
  providerOrgCode: string;
  mode: 'sync' | 'async';
  deliveryConcurrency: number;
  /** The push endpoint per environment; none: the destination pulls from its inbox. */
  upstreams: Record<Environment, { origin: string; basePath: string } | null>;
  /** A version imported from a peer platform: its messages are handed on to that peer (issue 12 item 10b). */
  peer?: PeerRoute | null;
}

export interface IncomingMessage {
  id: string;
  route: Destination;
  sourceSystemId: string;
  environment: Environment;
  idempotencyKey: string | null;
  contentType: string;
  /**
   * What the source called under the version (issue 12 item 10), already matched and canonical (gateway `paths.ts`):
   * the declared template, and the path after `/{context}/{version}` ('' for the version itself) with its query
   * ('' or `?…`, as received). Delivered with the message; the path and query are sealed with its payload's key.
   */
  resource?: MessageResource;
}

/** A message's resource: the template it matched, and the path and query it was sent to. */
export interface MessageResource {
  template: string;
  path: string;
  query: string;
}

/** The state a source (or its destination) reads back; also the body of the callback and the receipt's claims. */
export interface MessageStatus {
  messageId: string;
  state: MessageMeta['state'];
  sourceSystemId: string;
  destination: { context: string; version: string; versionId: string; providerSystemId: string } | null;
  /** The declared template the message was sent to (`/vanban/{so}`), never its path or query; null before issue 12. */
  resourceTemplate: string | null;
  environment: Environment;
  sizeBytes: number;
  sha256: string;
  attempts: number;
  acceptedAt: string;
  expiresAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  /** Whether this platform still holds the payload (R-02: false once delivered, handed on, dead or expired). */
  payloadStored: boolean;
  /**
   * A message handed on to a peer platform (issue 12 item 10b): `state` above is the end-to-end outcome the peer's
   * receipt reports; here the peer, its message id and state, when we handed it on, and its signed receipt.
   */
  federation?: HandedOn;
}

type HandedOn = NonNullable<ReturnType<typeof handedOnView>['federation']>;

/**
 * How long the list of organizations with webhooks is reused: a newly registered endpoint gets callbacks within
 * this time, and a busy platform does not query it once per delivered message.
 */
const SUBSCRIBERS_TTL_MS = 1_000;

export class Messaging {
  readonly queue: MessageQueue;
  private readonly deps: MessagingDeps;
  /** Seals and opens the messages' resource targets (the queue seals the payloads with the same keys). */
  private readonly cipher: PayloadCipher;
  private webhookOrgs: { atMs: number; byCode: Promise<Map<string, string>> } | null = null;

  constructor(deps: MessagingDeps) {
    this.deps = deps;
    this.queue = deps.queue;
    this.cipher = new PayloadCipher(deps.keys);
  }

  /** The store (federated messages keep their identities and receipts there, whatever the queue engine). */
  get store(): Store {
    return this.deps.store;
  }

  get config(): Config['messaging'] {
    return this.deps.config;
  }

  /** The data keys payloads are sealed with (operators' and tests' view: ids, never key bytes). */
  get keys(): PayloadKeys {
    return this.deps.keys;
  }

  /** Closes the queue engine and wipes the data keys from this process's memory (the key file stays). */
  async close(): Promise<void> {
    await this.queue.close();
    this.deps.keys.close();
  }

  /**
   * Stores a message whose payload streams from `body`; resolves once it is durable (then the gateway answers 202).
   * A body larger than `maxMessageBytes` fails with MQ_MESSAGE_TOO_LARGE and leaves nothing stored.
   */
  async accept(message: IncomingMessage, body: Readable): Promise<EnqueueResult> {
    const nowMs = this.deps.clock.nowMs();
    const keyed = message.idempotencyKey !== null;
    const limited = body.pipe(new SizeLimit(this.deps.config.maxMessageBytes, keyed));
    body.once('error', (err) => limited.destroy(err));
    body.once('aborted', () => limited.destroy(new LgspError('MQ_UPLOAD_FAILED', UPLOAD_ABORTED)));
    const resource = message.resource;
    const result = await this.queue.enqueue(
      {
        id: message.id,
        sourceSystemId: message.sourceSystemId,
        destinationVersionId: message.route.versionId,
        environment: message.environment,
        idempotencyKey: scopedKey(message.environment, message.idempotencyKey),
        contentType: message.contentType,
        acceptedAtMs: nowMs,
        expiresAtMs: nowMs + this.deps.config.ttlHours * 3_600_000,
        resourceTemplate: resource?.template ?? null,
        // Sealed with the key of the same acceptance time as the payload: one key erases both (R-02).
        sealedTarget: resource
          ? this.cipher.sealTarget(message.id, nowMs, resource.path + resource.query)
          : null,
      },
      limited,
    );
    if (result.duplicate) {
      // The key was used before: the same send again (a retry) is answered with the first message; the key reused
      // for anything else is refused rather than that send silently dropped (draft-ietf-httpapi-idempotency-key).
      // Read to its end by a reader of our own: the engine may have left its own async iterator on it, and a stream
      // with a 'readable' listener does not flow on resume() — a large resend would have waited forever.
      for await (const _chunk of limited) {
        // only its hash is wanted
      }
      const sha256 = await limited.digest();
      if (!this.sameSend(result.message, message, sha256))
        throw new LgspError('MQ_IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key');
    }
    return result;
  }

  /**
   * Whether a send with an Idempotency-Key already used by its source is that same send: the same destination
   * version and environment, the same resource template, the same payload (SHA-256) — and, while the first
   * message still holds them (its path and query are erased with its payload, R-02), the same path and query.
   */
  private sameSend(first: MessageMeta, again: IncomingMessage, sha256: string): boolean {
    if (
      first.destinationVersionId !== again.route.versionId ||
      first.environment !== again.environment ||
      first.sha256 !== sha256 ||
      (first.resourceTemplate ?? null) !== (again.resource?.template ?? null)
    )
      return false;
    if (!first.sealedTarget || !again.resource) return true;
    let target: string;
    try {
      target = this.cipher.openTarget(first.id, first.sealedTarget);
    } catch {
      return true; // its key is gone: nothing of it is left to compare
    }
    return target === again.resource.path + again.resource.query;
  }

  /**
   * The path (after the version's prefix, '' for the version itself) and query ('' or `?…`) the message was sent
   * to; null for a message stored without one (before issue 12), delivered to the endpoint as configured. Throws
   * PayloadUnreadable once its key is destroyed — by then its payload is unreadable too. A path has no `?`, so the
   * first one starts the query.
   */
  target(meta: MessageMeta): { path: string; query: string } | null {
    if (!meta.sealedTarget) return null;
    const target = this.cipher.openTarget(meta.id, meta.sealedTarget);
    const q = target.indexOf('?');
    return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q) };
  }

  status(
    meta: MessageMeta,
    snapshot: Destinations | null,
    fed: MessageFederationRow | null = null,
  ): MessageStatus {
    const route = snapshot?.routesByVersion.get(meta.destinationVersionId);
    const peerCode = fed?.to_peer_id
      ? (snapshot?.federation?.peersById.get(fed.to_peer_id)?.code ?? null)
      : null;
    const view = handedOnView(meta, fed, peerCode);
    return {
      messageId: meta.id,
      state: view.state,
      sourceSystemId: meta.sourceSystemId,
      destination: route
        ? {
            context: route.context,
            version: route.version,
            versionId: route.versionId,
            providerSystemId: route.providerSystemId,
          }
        : null,
      resourceTemplate: meta.resourceTemplate ?? null,
      environment: meta.environment,
      sizeBytes: meta.sizeBytes,
      sha256: meta.sha256,
      attempts: meta.attempts,
      acceptedAt: isoOf(meta.acceptedAtMs),
      expiresAt: isoOf(meta.expiresAtMs),
      deliveredAt: isoOrNull(view.deliveredAtMs),
      lastError: meta.lastError,
      payloadStored: meta.hasPayload,
      ...(view.federation ? { federation: view.federation } : {}),
    };
  }

  /**
   * A delivery receipt: the message's final metadata (ids, size, SHA-256, times — never the payload) as a compact
   * JWS signed with the platform's token key (ES256), so either party can prove later, against the published JWKS,
   * what the LGSP delivered and when (R-23).
   */
  async receipt(
    meta: MessageMeta,
    snapshot: Destinations,
    fed: MessageFederationRow | null = null,
  ): Promise<string | null> {
    const status = this.status(meta, snapshot, fed);
    if (status.state !== 'delivered') return null;
    const claims = {
      iss: 'openlgsp',
      typ: 'lgsp-delivery-receipt',
      iat: Math.floor(this.deps.clock.nowMs() / 1000),
      ...status,
    };
    return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: snapshot.signing.algorithm, kid: snapshot.signing.kid, typ: 'JWS' })
      .sign(snapshot.signing.privateKey);
  }

  /** After an ack: the source's `message.delivered` webhook (with the signed receipt), if it subscribes to one. */
  async delivered(
    meta: MessageMeta,
    snapshot: Destinations,
    fed: MessageFederationRow | null = null,
  ): Promise<void> {
    await this.callback('message.delivered', meta, snapshot, fed);
  }

  /**
   * A message that will never be delivered (attempts exhausted or expired): the operator's alert — one per
   * destination and environment while it stays open — and the source's `message.dead` webhook. Its payload is
   * already gone (the queue deletes it when the message dies).
   */
  async dead(
    meta: MessageMeta,
    snapshot: Destinations | null,
    reason: 'attempts' | 'expired' | 'remote',
    fed: MessageFederationRow | null = null,
  ): Promise<void> {
    const route = snapshot?.routesByVersion.get(meta.destinationVersionId);
    const where = route ? `${route.context} ${route.version}` : meta.destinationVersionId;
    await this.deps.alerts.raise({
      kind: 'message.dead',
      key: `message.dead:${meta.destinationVersionId}:${meta.environment}`,
      severity: 'critical',
      subject: `Thông điệp không chuyển được tới ${where} (${meta.environment}) / Messages cannot be delivered`,
      text:
        `Thông điệp ${meta.id} gửi tới ${where} (${meta.environment}) đã chuyển sang trạng thái không chuyển được ` +
        `(${reason === 'attempts' ? `sau ${meta.attempts} lần thử` : reason === 'remote' ? 'nền tảng nhận chuyển tiếp báo không chuyển được' : 'hết hạn lưu giữ'}). Lỗi gần nhất: ${meta.lastError ?? '—'}.\n` +
        `Message ${meta.id} to ${where} is dead (${reason === 'attempts' ? `${meta.attempts} attempts` : reason === 'remote' ? 'the peer platform it was handed to reports it dead' : 'expired'}). ` +
        'Check the destination system and its endpoint.',
      details: {
        messageId: meta.id,
        destinationVersionId: meta.destinationVersionId,
        environment: meta.environment,
        sourceSystemId: meta.sourceSystemId,
        reason,
        attempts: meta.attempts,
        lastError: meta.lastError,
      },
    });
    if (snapshot) await this.callback('message.dead', meta, snapshot, fed);
  }

  private async callback(
    eventType: 'message.delivered' | 'message.dead',
    meta: MessageMeta,
    snapshot: Destinations,
    fed: MessageFederationRow | null,
  ): Promise<void> {
    // Most sources register no webhook: decide that from the snapshot and a cached list, without a query.
    const code = snapshot.systems.get(meta.sourceSystemId)?.organizationCode;
    const organizationId = code === undefined ? undefined : (await this.subscribers()).get(code);
    if (organizationId === undefined) return;
    const status = this.status(meta, snapshot, fed);
    const receipt = await this.receipt(meta, snapshot, fed);
    await this.deps.store.db.transaction().execute((trx) =>
      enqueueNotification(
        trx,
        {
          eventType,
          recipients: { organizationIds: [organizationId] },
          subject:
            eventType === 'message.delivered'
              ? `Đã chuyển thông điệp ${meta.id} / Message delivered`
              : `Không chuyển được thông điệp ${meta.id} / Message dead`,
          text: `${meta.id}: ${meta.state}`,
          payload: { ...status, ...(receipt ? { receipt } : {}) },
        },
        this.deps.clock.nowMs(),
      ),
    );
  }

  /**
   * Organizations with an active webhook endpoint, code → id (cached a second). One look-up at a time: the pushes
   * that find the cache stale together share the query in flight rather than each make their own (the profile of
   * `bench:async -- --profile` showed one query per four delivered messages before).
   */
  private subscribers(): Promise<Map<string, string>> {
    // A cache's age is wall-clock time, not the platform's (possibly test-driven) clock.
    const nowMs = performance.now();
    if (!this.webhookOrgs || nowMs - this.webhookOrgs.atMs > SUBSCRIBERS_TTL_MS) {
      const byCode = this.deps.store.db
        .selectFrom('webhook_endpoints')
        .innerJoin('organizations', 'organizations.id', 'webhook_endpoints.organization_id')
        .select(['organizations.id', 'organizations.code'])
        .where('webhook_endpoints.active', '=', true)
        .execute()
        .then((rows) => new Map(rows.map((r) => [r.code, r.id])));
      const entry = { atMs: nowMs, byCode };
      this.webhookOrgs = entry;
      // A failed look-up is not cached: the next caller tries again.
      byCode.catch(() => {
        if (this.webhookOrgs === entry) this.webhookOrgs = null;
      });
    }
    return this.webhookOrgs.byCode;
  }

  /**
   * Cryptographic deletion (issue 10 item 3, R-02): keeps the current and next epoch keys ready, and destroys every
   * key whose epoch is over and whose messages are all settled — or whose deadline (epoch end + TTL + 1 h) passed.
   * From then on no copy of those payloads (WAL, table files, NATS file store, replicas, backups) can be read.
   * Run by the primary's deliverer after each expiry sweep; answers the ids of the keys destroyed.
   */
  async destroySpentKeys(nowMs: number): Promise<string[]> {
    const { keys, logger } = this.deps;
    keys.ensureAhead(nowMs);
    const candidates = keys.retiring(nowMs);
    if (candidates.length === 0) return [];
    const destroyed = keys.destroy(nowMs, await this.queue.payloadKeysInUse(candidates));
    if (destroyed.length > 0)
      logger.info({ keys: destroyed }, 'đã huỷ khoá dữ liệu của thông điệp / message data keys destroyed');
    return destroyed;
  }

  /** Claims the next message for a pulling destination (one version and environment at a time). */
  async claimForPull(versionIds: string[], environment: Environment): Promise<Claim | null> {
    const nowMs = this.deps.clock.nowMs();
    for (const destinationVersionId of versionIds) {
      const [claim] = await this.queue.claim({
        nowMs,
        limit: 1,
        leaseMs: this.deps.config.pullLeaseSeconds * 1000,
        destinationVersionId,
        environment,
      });
      if (claim) return claim;
    }
    return null;
  }

  /** Retry delay after `attempts` failed attempts: exponential from retryBaseMs, capped, with jitter. */
  retryDelayMs(attempts: number): number {
    const { retryBaseMs, retryMaxMs } = this.deps.config;
    const full = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.max(0, attempts - 1));
    // Half fixed, half random: a destination coming back is not hit by every waiting message at once.
    return Math.round(full / 2 + (Math.random() * full) / 2);
  }
}

/**
 * The key an engine stores for a source's Idempotency-Key: the sandbox and production are two worlds, so a key
 * used in one is free in the other — a source testing with its real dossier numbers does not find its production
 * sends refused, or (before) answered with a sandbox message. A production key is stored as sent (as before); a
 * sandbox key behind `sandbox ` — a space, which no key has (1–200 visible ASCII characters), so no production key
 * is ever the same text.
 */
function scopedKey(environment: Environment, key: string | null): string | null {
  if (key === null || environment === 'production') return key;
  return `${environment} ${key}`;
}

/**
 * Counts bytes and fails the stream once they pass the limit, so the engine rolls the message back. With `hashing`
 * (a send with an Idempotency-Key) it also hashes what passes, so a resend can be told from a different send.
 */
class SizeLimit extends Transform {
  private bytes = 0;
  private readonly hash: Hash | null;
  private readonly ended: Promise<string>;
  private settle: { resolve: (sha256: string) => void; reject: (err: Error) => void } | null = null;

  constructor(
    private readonly limit: number,
    hashing: boolean,
  ) {
    super();
    this.hash = hashing ? createHash('sha256') : null;
    this.ended = new Promise<string>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    // Nobody may ever ask (a send without a key, or one stored at once): never an unhandled rejection.
    this.ended.catch(() => undefined);
    this.once('error', (err) => this.settle?.reject(err));
    this.once('close', () => this.settle?.reject(new LgspError('MQ_UPLOAD_FAILED', UPLOAD_CUT_SHORT)));
  }

  /** The SHA-256 (hex) of the whole body, once it has all passed (the stream must be flowing). */
  digest(): Promise<string> {
    return this.ended;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) {
      done(new LgspError('MQ_MESSAGE_TOO_LARGE', `> ${this.limit} bytes`));
      return;
    }
    this.hash?.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const settle = this.settle;
    this.settle = null;
    settle?.resolve(this.hash ? this.hash.digest('hex') : '');
    done();
  }
}

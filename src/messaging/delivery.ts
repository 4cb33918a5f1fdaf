import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { Agent, type Dispatcher, request } from 'undici';
import { ENVIRONMENTS } from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import { SequentialIds } from '../core/ids.ts';
import type { PeerClients } from '../federation/peer-clients.ts';
import { signingKeyObject } from '../federation/wire.ts';
import { AbortingDeadline, isTimeout, uploadKeepingDeadline } from '../net/deadlines.ts';
import { type EgressPolicy, isEgressDenied } from '../net/egress.ts';
import type { TransactionLeg } from '../store/schema.ts';
import {
  newTransactionRecord,
  noteService,
  type RecordSink,
  type TransactionRecord,
} from '../telemetry/record.ts';
import { type DestinationSlots, InProcessSlots } from './destination-slots.ts';
import type { Destination, Destinations, Messaging } from './messaging.ts';
import {
  dueReceiptChecks,
  fetchPeerReceipt,
  type MessageFederationRow,
  messageFederationOf,
  noteHandedOn,
  noteReceipt,
  type PeerReceipt,
  peerSend,
  representedHeaders,
} from './peer-forward.ts';
import type { Claim, MessageMeta } from './port.ts';

/** How often dead-by-expiry messages are swept (their payloads deleted, the operator alerted). */
const EXPIRY_SWEEP_MS = 5_000;
/** How much of a destination's answer to a push is read (and hashed); the rest is not read (`readAnswer`). */
const ANSWER_LIMIT_BYTES = 64 * 1024;

export interface DelivererDeps {
  messaging: Messaging;
  clock: Clock;
  logger: Logger;
  records: RecordSink;
  /** The current configuration snapshot (the gateway's compiled snapshot), or null before the first one. */
  destinations: () => Destinations | null;
  /** The platform's egress policy (issue 10): every new connection to a destination passes it. */
  egress: EgressPolicy;
  /**
   * Hand-off to peer platforms (issue 12 item 10b): our tokens and connections per peer, and our signature label.
   * Absent: messages for imported versions are not handed on (they wait, and die at their expiry).
   */
  peers?: { clients: PeerClients; code: string } | null;
  /**
   * Whether this node sweeps expired messages now (issue 13 item 4: one node of the cluster at a time, by its job
   * lease, so an expiry's alert and record are made once). Absent: always.
   */
  sweepsExpiry?: () => boolean;
  /**
   * Whether this node looks for the receipts of handed-on messages now (issue 13 item 4: by its job lease, so a
   * receipt settles a message — its status, webhook, alert — once in the cluster). Absent: always.
   */
  sweepsReceipts?: () => boolean;
  /**
   * How many pushes to each destination may be in flight (issue 13 item 3): shared by every worker node in Redis
   * when configured (`openDestinationSlots`), else this node's count. Absent: this node's count. The deliverer
   * closes it when it stops.
   */
  slots?: DestinationSlots;
}

/** How often the receipts of handed-on messages are looked for (each message is then polled with backoff). */
const RECEIPT_SWEEP_MS = 1_000;
/** The longest wait between two looks at one handed-on message's receipt. */
const RECEIPT_CHECK_MAX_MS = 60_000;
/** A handed-on message with no final receipt this long after its expiry is given up on (dead). */
const RECEIPT_GIVE_UP_MS = 60 * 60_000;

/**
 * Push delivery (issue 4): for every async destination with an endpoint in an environment, keeps at most its
 * `deliveryConcurrency` pushes in flight, claiming the next due messages as pushes finish. A 2xx answer
 * acknowledges (the payload is deleted at once, R-02); anything else — an error status, no answer, a timeout — is a
 * failed attempt retried with exponential backoff, until `maxAttempts`, when the message dies and the operator is
 * alerted. Every attempt is a `delivery` transaction record linked by the message id. A node that dies mid-push
 * leaves a claim that lapses, and the message is pushed again: destinations deduplicate on `Idempotency-Key`,
 * which is the message id (at-least-once delivery, exactly-once effect).
 */
export class Deliverer {
  private readonly slots: DestinationSlots;
  private readonly pushes = new Set<Promise<void>>();
  private readonly agent: Agent;
  private readonly ids = new SequentialIds();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private again = false;
  private wakePending = false;
  private stopped = false;
  private lastSweepMs = 0;
  private lastReceiptSweepMs = 0;
  private receiptsRunning = false;

  constructor(private readonly deps: DelivererDeps) {
    this.slots = deps.slots ?? new InProcessSlots();
    const timeoutMs = deps.messaging.config.pushTimeoutMs;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connect: deps.egress.connector('delivery', { timeout: Math.min(timeoutMs, 10_000) }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  start(): void {
    const every = this.deps.messaging.config.pollIntervalMs;
    const loop = () => {
      if (this.stopped) return;
      this.wake();
      this.timer = setTimeout(loop, every);
      this.timer.unref();
    };
    loop();
  }

  /** Looks for due messages now (after an intake in this process, or a finished push), not at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick()
      .catch((err) =>
        this.deps.logger.error({ err }, 'vòng chuyển thông điệp thất bại / message delivery round failed'),
      )
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          this.wakePending = true;
          setImmediate(() => {
            this.wakePending = false;
            this.wake();
          });
        }
      });
  }

  /**
   * Resolves once no round runs or is due and no push or after-work is in flight: everything due at this clock
   * reading has been tried. Tests with a manual clock wait on this instead of a fixed real-time pause (issue 9).
   */
  async settled(): Promise<void> {
    while (this.ticking || this.again || this.wakePending || this.pushes.size > 0) {
      await Promise.allSettled([...this.pushes]);
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Stops claiming, waits for the pushes in flight to settle (their claims would lapse otherwise). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.ticking || this.pushes.size > 0) {
      await Promise.allSettled([...this.pushes]);
      if (this.ticking) await new Promise((r) => setTimeout(r, 10));
    }
    await this.agent.close();
    await this.slots.close();
  }

  private async tick(): Promise<void> {
    const destinations = this.deps.destinations();
    if (!destinations) return;
    const { messaging, clock } = this.deps;
    const nowMs = clock.nowMs();
    const sweeps = this.deps.sweepsExpiry?.() ?? true;
    if (sweeps && (nowMs - this.lastSweepMs >= EXPIRY_SWEEP_MS || nowMs < this.lastSweepMs)) {
      this.lastSweepMs = nowMs;
      for (const meta of await messaging.queue.expire(nowMs)) {
        await messaging.dead(meta, destinations, 'expired');
      }
      await messaging.destroySpentKeys(nowMs);
    }
    if (
      this.deps.peers &&
      (this.deps.sweepsReceipts?.() ?? true) &&
      (destinations.federation?.peersById.size ?? 0) > 0 &&
      !this.receiptsRunning &&
      Math.abs(nowMs - this.lastReceiptSweepMs) >= RECEIPT_SWEEP_MS
    ) {
      this.lastReceiptSweepMs = nowMs;
      this.receiptsRunning = true;
      this.afterwards(
        this.checkReceipts(destinations).finally(() => {
          this.receiptsRunning = false;
        }),
        'receipts',
      );
    }
    // A claim outlives the push's own time limit by the margin, so only a dead node's claims lapse.
    const leaseMs = messaging.config.pushTimeoutMs + messaging.config.claimMarginSeconds * 1000;
    for (const route of destinations.routesByVersion.values()) {
      if (route.mode !== 'async' || this.stopped) continue;
      // One claim per version when every environment has an endpoint (a published version usually has both): an
      // environment without one is pulled from its inbox, so then only the pushed environments are claimed.
      const pushed = ENVIRONMENTS.filter((environment) => route.upstreams[environment]);
      const filters = pushed.length === ENVIRONMENTS.length ? [undefined] : pushed;
      for (const environment of filters) {
        // Slots first (one Redis round trip for a batch when shared, none while this node holds enough), then
        // at most that many messages; the slots the claim did not use go back at once.
        const free = await this.slots.take(
          route.versionId,
          route.deliveryConcurrency,
          route.deliveryConcurrency,
        );
        if (free <= 0) continue;
        let claims: Claim[] = [];
        try {
          claims = await messaging.queue.claim({
            nowMs: clock.nowMs(),
            limit: free,
            leaseMs,
            destinationVersionId: route.versionId,
            ...(environment ? { environment } : {}),
            // The NATS engine bounds the destination's pushes across nodes by this (max_ack_pending).
            concurrency: route.deliveryConcurrency,
          });
        } finally {
          if (claims.length < free) this.slots.give(route.versionId, free - claims.length, false);
        }
        for (const claim of claims) this.launch(claim, route, destinations);
      }
    }
  }

  /** Work after a message settled (callbacks, alerts): tracked so `stop` waits for it, never holding a slot. */
  private afterwards(work: Promise<void>, messageId: string): void {
    const tracked = work
      .catch((err) =>
        this.deps.logger.error(
          { err, message: messageId },
          'việc sau khi chuyển thông điệp thất bại / after-delivery work failed',
        ),
      )
      .finally(() => this.pushes.delete(tracked));
    this.pushes.add(tracked);
  }

  /**
   * Receipts back (issue 12 item 10b): for each handed-on message whose look is due, asks the peer — as the
   * message's source — what became of it, with backoff between looks. Once the peer says delivered or dead (its
   * own outcome already includes the platforms after it), our source learns it: its status and receipt, and its
   * `message.delivered` / `message.dead` webhook; a dead one alerts our operator too.
   */
  private async checkReceipts(destinations: Destinations): Promise<void> {
    const { messaging, clock, logger } = this.deps;
    const peers = this.deps.peers!.clients;
    for (const row of await dueReceiptChecks(messaging.store, clock.nowMs(), 20)) {
      const meta = await messaging.queue.get(row.message_id);
      const peer = destinations.federation?.peersById.get(row.to_peer_id ?? '');
      let receipt: PeerReceipt | null = null;
      if (meta && peer && row.remote_message_id) {
        try {
          receipt = await fetchPeerReceipt(
            peers,
            peer,
            row.remote_message_id,
            messaging.config.pushTimeoutMs,
          );
        } catch (err) {
          logger.info(
            { message: row.message_id, peer: peer.code, err: (err as Error).message },
            'không đọc được biên nhận / receipt not read',
          );
        }
      }
      const nowMs = clock.nowMs();
      const checks = row.receipt_checks + 1;
      if (!receipt && meta && nowMs > meta.expiresAtMs + RECEIPT_GIVE_UP_MS)
        receipt = { state: 'dead', deliveredAt: null, receipt: null };
      const final = receipt?.state === 'delivered' || receipt?.state === 'dead';
      const delay = Math.min(
        RECEIPT_CHECK_MAX_MS,
        messaging.config.retryMaxMs,
        messaging.config.retryBaseMs * 2 ** Math.min(checks, 16),
      );
      await noteReceipt(
        messaging.store,
        row.message_id,
        receipt,
        checks,
        final || !meta ? null : nowMs + delay,
      );
      if (!final || !meta) continue;
      const settled: MessageFederationRow = {
        ...row,
        remote_state: receipt!.state,
        remote_delivered_at: receipt!.deliveredAt ? new Date(receipt!.deliveredAt) : null,
        remote_receipt: receipt!.receipt,
      };
      if (receipt!.state === 'delivered') await messaging.delivered(meta, destinations, settled);
      else await messaging.dead(meta, destinations, 'remote', settled);
    }
  }

  /** Starts a push on a slot already taken; the slot is given back when the push settles. */
  private launch(claim: Claim, route: Destination, destinations: Destinations): void {
    const push = this.push(claim, route, destinations)
      .catch((err) =>
        this.deps.logger.error(
          { err, message: claim.message.id },
          'đẩy thông điệp gặp lỗi không lường trước / push failed unexpectedly',
        ),
      )
      .finally(() => {
        this.slots.give(route.versionId, 1);
        this.pushes.delete(push);
        this.wake();
      });
    this.pushes.add(push);
  }

  private async push(claim: Claim, route: Destination, destinations: Destinations): Promise<void> {
    const { messaging, clock, logger } = this.deps;
    const meta = claim.message;
    const upstream = route.upstreams[meta.environment]!;
    const rec = messageLegRecord(this.ids, 'delivery', meta, route, destinations, clock.nowMs());
    rec.resourceTemplate = meta.resourceTemplate ?? PUSH_TEMPLATE;
    rec.requestBytes = meta.sizeBytes;
    rec.requestSha256 = meta.sha256;
    let failure: { text: string; code: string | null; status: number } | null = null;
    const peerRoute = route.peer ?? null;
    const answerText: Buffer[] = [];
    let deadline: AbortingDeadline | null = null;
    try {
      // A message from a peer platform, or one we hand on: its represented party, end-to-end id and hops.
      const fed =
        peerRoute !== null || destinations.federation?.peersBySystem.has(meta.sourceSystemId)
          ? await messageFederationOf(messaging.store, meta.id)
          : null;
      let url: string;
      let headers: Record<string, string>;
      let dispatcher: Dispatcher = this.agent;
      if (peerRoute !== null) {
        if (!this.deps.peers) throw new Error('no peer hand-off on this node');
        const send = await peerSend(
          {
            peers: this.deps.peers.clients,
            code: this.deps.peers.code,
            signing: {
              kid: destinations.signing.kid,
              privateKey: signingKeyObject(destinations.signing.privateKey),
            },
          },
          peerRoute,
          meta,
          pushTarget(peerRoute, messaging.target(meta)),
          fed,
          { systemId: meta.sourceSystemId, organizationCode: rec.consumerOrgCode },
          clock.nowMs(),
        );
        url = send.url;
        headers = send.headers;
        dispatcher = this.deps.peers.clients.agentFor(peerRoute.peer);
        rec.federation = send.evidence;
        rec.representedOrgCode = send.representedOrg;
        rec.representedSystem = send.representedSystem;
        rec.endToEndId = send.endToEndId;
        rec.peerId = peerRoute.peer.id;
      } else {
        url = `${upstream.origin}${pushTarget(upstream, messaging.target(meta))}`;
        headers = {
          'content-type': meta.contentType,
          'content-length': String(meta.sizeBytes),
          // The destination deduplicates on it: a push repeated after a lost acknowledgement is the same message.
          'idempotency-key': meta.id,
          'x-lgsp-message-id': meta.id,
          'x-lgsp-attempt': String(meta.attempts),
          'x-lgsp-transaction-id': rec.id,
          'x-lgsp-consumer-system': meta.sourceSystemId,
          'x-lgsp-consumer-organization': rec.consumerOrgCode ?? '',
          'x-lgsp-environment': meta.environment,
          'x-lgsp-accepted-at': new Date(meta.acceptedAtMs).toISOString(),
          // RFC 9530: the destination can check the payload arrived intact.
          'repr-digest': `sha-256=:${Buffer.from(meta.sha256, 'hex').toString('base64')}:`,
        };
        if (fed?.from_peer_id) Object.assign(headers, representedHeaders(fed, destinations));
      }
      // the destination's answer — its headers and what is read of its body — within `pushTimeoutMs` of the
      // payload's last chunk sent, however it trickles (the agent's own timeouts are per read). A large payload's
      // upload is not counted: each chunk read from the store gives the answer its whole limit again, so a 100 MB
      // message over a slow link is delivered, not timed out again and again until it dies.
      deadline = new AbortingDeadline(messaging.config.pushTimeoutMs);
      const body = claim.payload
        ? Readable.from([claim.payload])
        : Readable.from(uploadKeepingDeadline(await messaging.queue.openPayload(meta.id, meta), deadline), {
            objectMode: false,
          });
      rec.requestOutAt = clock.nowMs();
      const answer = await request(url, {
        dispatcher,
        method: 'POST',
        body,
        headers,
        signal: deadline.signal,
      });
      rec.responseInAt = clock.nowMs();
      rec.providerStatus = answer.statusCode;
      const read = await readAnswer(answer.body, peerRoute !== null);
      rec.responseBytes = read.bytes;
      answerText.push(...read.kept);
      if (peerRoute !== null && answer.statusCode === 401 && typeof headers['authorization'] === 'string')
        this.deps.peers?.clients.forgetToken(peerRoute.peer.id, headers['authorization'].slice(7));
      rec.responseSha256 = read.sha256;
      if (answer.statusCode < 200 || answer.statusCode >= 300) {
        failure = { text: `HTTP ${answer.statusCode}`, code: null, status: answer.statusCode };
      } else if (peerRoute !== null && deadline.expired) {
        // A peer's 2xx is an acknowledgement only with the message id its body names, which did not come in time.
        failure = PUSH_TIMED_OUT;
      }
    } catch (err) {
      // lastError is read by the source agency (message status, `message.dead` webhook): it says the platform's
      // policy refused the destination by its code, never which internal rule did; the operator's `egress.denied`
      // alert (telemetry/alerts.ts) names the rule and the target. A timeout says so by its code too.
      failure = isEgressDenied(err)
        ? { text: 'GW_EGRESS_DENIED', code: 'GW_EGRESS_DENIED', status: 502 }
        : isTimeout(err)
          ? PUSH_TIMED_OUT
          : {
              text: (err as { code?: string }).code ?? (err as Error).message,
              code: 'GW_UPSTREAM_UNREACHABLE',
              status: 502,
            };
    } finally {
      deadline?.done();
    }

    const nowMs = clock.nowMs();
    try {
      const remoteId = failure === null && peerRoute !== null ? remoteMessageIdOf(answerText) : null;
      if (failure === null && peerRoute !== null && remoteId === null)
        failure = {
          text: 'peer answered without a message id',
          code: 'GW_FED_PEER_UNAVAILABLE',
          status: 502,
        };
      if (failure === null && peerRoute !== null) {
        // Handed on: the peer holds it durably now; ours is deleted, and the outcome comes with the peer's receipt.
        rec.consumerStatus = rec.providerStatus!;
        await noteHandedOn(
          messaging.store,
          meta,
          peerRoute.peer.id,
          remoteId!,
          nowMs + messaging.config.retryBaseMs,
          nowMs,
        );
        await messaging.queue.ack(claim, nowMs);
        rec.responseOutAt = clock.nowMs();
        this.deps.records.record(rec);
        return;
      }
      if (failure === null) {
        rec.consumerStatus = rec.providerStatus!;
        const delivered = await messaging.queue.ack(claim, nowMs);
        rec.responseOutAt = clock.nowMs();
        this.deps.records.record(rec);
        // The source's callback does not hold the destination's delivery slot.
        this.afterwards(messaging.delivered(delivered, destinations), meta.id);
        return;
      }
      rec.consumerStatus = failure.status;
      rec.errorCode = failure.code;
      rec.responseOutAt = nowMs;
      this.deps.records.record(rec);
      const exhausted = meta.attempts >= messaging.config.maxAttempts;
      const settled = await messaging.queue.fail(
        claim,
        failure.text,
        exhausted ? null : nowMs + messaging.retryDelayMs(meta.attempts),
        nowMs,
      );
      if (settled.state === 'dead')
        this.afterwards(messaging.dead(settled, destinations, 'attempts'), meta.id);
      else
        logger.info(
          { message: meta.id, attempt: meta.attempts, error: failure.text },
          'sẽ đẩy lại thông điệp / push will be retried',
        );
    } catch (err) {
      // The claim lapsed meanwhile (a very slow destination) and another push owns the message now.
      if (err instanceof LgspError && err.code === 'MQ_CLAIM_LOST') {
        logger.warn(
          { message: meta.id },
          'đẩy thông điệp xong khi lượt nhận đã hết hạn / push finished after its claim lapsed',
        );
        return;
      }
      throw err;
    }
  }
}

/** A push whose whole exchange did not end within `pushTimeoutMs`: a failed attempt, retried. */
const PUSH_TIMED_OUT = { text: 'GW_UPSTREAM_TIMEOUT', code: 'GW_UPSTREAM_TIMEOUT', status: 504 } as const;

/**
 * A destination's answer to a push: its status decided already, the body is read only to be hashed for the record
 * (and, from a peer, parsed) — at most `ANSWER_LIMIT_BYTES` of it and only until the push's deadline, which aborts
 * it; then the rest is dropped with the connection. Reading to its end let a destination hold a push, its delivery
 * slot and its claim for as long as it kept a body dripping (undici's `bodyTimeout` is the gap between two chunks,
 * not a total), so its 2xx never settled the message, which was pushed again once the claim lapsed; or made the
 * platform read an answer of any size. A body that breaks off is what was read of it: the status alone acknowledges
 * (or not).
 */
async function readAnswer(
  body: Readable,
  keep: boolean,
): Promise<{ bytes: number; sha256: string; kept: Buffer[] }> {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      const part =
        bytes + buf.length > ANSWER_LIMIT_BYTES ? buf.subarray(0, ANSWER_LIMIT_BYTES - bytes) : buf;
      hash.update(part);
      if (keep) kept.push(part);
      bytes += part.length;
      if (bytes >= ANSWER_LIMIT_BYTES) break;
    }
  } catch {
    // Broken off, or stopped at the time limit: what was read is what is recorded.
  } finally {
    if (!body.readableEnded) body.destroy();
  }
  return { bytes, sha256: hash.digest('hex'), kept };
}

/** The peer's message id in its 202 answer to our hand-off; null when the answer names none. */
function remoteMessageIdOf(chunks: Buffer[]): string | null {
  try {
    const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messageId?: unknown }).messageId;
    return typeof id === 'string' && /^[\x21-\x7e]{1,200}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * The template recorded for pushes of a message stored without its resource (before issue 12): the destination's
 * endpoint as configured, never a path with data in it. Newer messages record the template they matched.
 */
const PUSH_TEMPLATE = '(đẩy thông điệp / message push)';

/**
 * Where a push goes (issue 12 item 10): the destination's base path followed by the resource path and query the
 * source called, exactly as a sync call is forwarded (`gateway/proxy.ts`) — already canonical, since the intake
 * decided on it (`core/paths.ts`) and forwards it byte for byte. A message sent to the version itself
 * (`/hoso/3.0`) goes to the base as configured (`/nhan`), as every message did before; one stored without its
 * resource does too. Federation (issue 12, a later change) forwards a message to a peer platform with the same
 * (path, query): this is the one place that turns them into a URL.
 */
export function pushTarget(
  upstream: { basePath: string },
  target: { path: string; query: string } | null,
): string {
  if (target === null) return upstream.basePath || '/';
  return (upstream.basePath + target.path || '/') + target.query;
}

/**
 * A transaction record for one leg of an async message. Every leg names the message's source as the consumer and
 * the destination as the provider, whoever made the HTTP call, so each party's records of a message line up.
 */
export function messageLegRecord(
  ids: SequentialIds,
  leg: TransactionLeg,
  meta: MessageMeta,
  route: Destination,
  destinations: Destinations,
  nowMs: number,
): TransactionRecord {
  const rec = newTransactionRecord(ids.next('txn', nowMs), 'POST', '', leg, nowMs);
  rec.consumerSystemId = meta.sourceSystemId;
  rec.consumerOrgCode = destinations.systems.get(meta.sourceSystemId)?.organizationCode ?? null;
  noteService(rec, route);
  rec.environment = meta.environment;
  rec.messageId = meta.id;
  return rec;
}

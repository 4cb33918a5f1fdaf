import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { type KeyEncryptionKey, openText, SEALED_LABELS } from '../keys/index.ts';
import { isTimeout, timedOutReason, withinDeadline } from '../net/deadlines.ts';
import { EgressPolicy } from '../net/egress.ts';
import { LOCK_NAMESPACE } from '../store/cluster-session.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import type { NotificationChannel } from './outbox.ts';
import { webhookBody } from './webhook-events.ts';
import { webhookHeaders } from './webhook-signature.ts';

type NotificationRow = Selectable<Database['notifications']>;

/** Wait before the next try after `attempts` failed tries: 30 s, 1 min, 2 min, 4 min … at most 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * A claimed row is not due again, and its recipient is in flight (`claimed_until`), for this long. Longer than any
 * delivery can take (webhooks 10 s, e-mails 30 s), so only a node that died mid-delivery leaves a row to be claimed
 * again, and its recipient to be sent to again, when it runs out.
 */
const CLAIM_LEASE_MS = 5 * 60_000;
const WEBHOOK_TIMEOUT_MS = 10_000;
/**
 * The limit of one e-mail's whole send (R-03): connection, greeting, login, envelope, message and the relay's last
 * reply. nodemailer's own timeouts are per phase and per read (below): a relay that answered each SMTP line just
 * before the 30 s idle timeout held the send — and with it its batch, the round, every notification behind it and the
 * platform's stop — for as long as it liked. A relay answers a healthy send in seconds; 30 s is R-03's limit.
 */
const MAIL_TIMEOUT_MS = 30_000;
/**
 * Sends a lane keeps in flight on one node. A lane is a pool, not a batch that waits for its slowest send: each send
 * that ends frees its place, and the lane claims again at once — so a receiver that holds its request to the limit
 * (a webhook's 10 s) holds that one place, never the deliveries claimed with it or after it.
 */
const LANE_IN_FLIGHT = 20;
/**
 * The oldest due rows a claim looks at to pick one per recipient. Rows of recipients with a send in flight (on any
 * node) are passed over before this window, so one receiver's backlog fills it only while that receiver is free.
 */
const CLAIM_WINDOW = 5 * LANE_IN_FLIGHT;
/** The longest a claim waits for its channel's turn (takeClaimTurn); a claim holds it for milliseconds. */
const CLAIM_TURN_WAIT_MS = 5_000;
const DISABLED_EMAIL_WARNING_INTERVAL_MS = 3_600_000;

export type NotifierConfig = Config['notifications'];

export interface NotifierOptions {
  /** The limit of a webhook's whole exchange; 10 s unless a test needs it shorter. */
  webhookTimeoutMs?: number;
  /** The limit of an e-mail's whole send; 30 s unless a test needs it shorter. */
  mailTimeoutMs?: number;
  /** The platform's egress policy (issue 10); without one, the defaults alone (no `egress.allow`). */
  egress?: EgressPolicy;
  /** Where each send's outcome is counted (`lgsp_notifications_total`, telemetry/metrics.ts). */
  metrics?: { notificationSent(channel: NotificationChannel, outcome: keyof DeliveryRound): void };
}

export interface DeliveryRound {
  sent: number;
  /** Given up on after `maxAttempts` tries, or undeliverable (the endpoint was deleted). */
  failed: number;
  /** Failed this time, to be tried again after the backoff. */
  retried: number;
}

/** Where a webhook goes and the secrets that sign it: the current one, then the one before a rotation, if still valid. */
interface WebhookTarget {
  url: string;
  secrets: string[];
  active: boolean;
}

/** A failure retrying will not fix. */
class PermanentFailure extends Error {}

/** The SMTP URL's form, checked without ever echoing the URL (it may carry the password, R-25). */
function parseSmtpUrl(smtpUrl: string): { host: string; port: number; secure: boolean } {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('notifications.smtpUrl (LGSP_SMTP_URL): not a URL; expected smtp://user:pass@host:587');
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new Error(
      'notifications.smtpUrl (LGSP_SMTP_URL): expected smtp://user:pass@host:587 or smtps://…:465',
    );
  }
  const secure = url.protocol === 'smtps:';
  return { host: url.hostname, port: url.port ? Number(url.port) : secure ? 465 : 587, secure };
}

/**
 * The rows a lane claims next at `nowMs`: the oldest due of the channel, one per recipient, none of a recipient with
 * a row in flight — claimed by any node, its claim not lapsed (`claimed_until`, migration 0051) —, at most `limit`;
 * locked, skipping rows another node holds. One per recipient and none in flight, so that a receiver (or relay
 * address) with many rows due — one that hangs, say — has one send in flight in the whole cluster and takes one place
 * of one lane, not all of them. The due rows are read from the index of pending rows by channel (migration 0050), so a
 * lane reads its own rows only, never the other's backlog, and the window of `CLAIM_WINDOW` rows bounds what one claim
 * reads; the recipients in flight, once per claim from the index of claimed rows (migration 0051).
 *
 * Claims of one channel take turns across the cluster ({@link takeClaimTurn}): two claims at once would each miss the
 * other's uncommitted row and both take one of the same recipient.
 */
export function dueRows(
  db: Kysely<Database>,
  channel: NotificationChannel,
  nowMs: number,
  { limit = LANE_IN_FLIGHT }: { limit?: number } = {},
) {
  const now = new Date(nowMs);
  const recipientsInFlight = db
    .selectFrom('notifications')
    .select('recipient')
    .where('status', '=', 'pending')
    .where('channel', '=', channel)
    .where('claimed_until', 'is not', null)
    .where('claimed_until', '>', now);
  const window = db
    .selectFrom('notifications')
    .select(['id', 'recipient', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .where('channel', '=', channel)
    .where('next_attempt_at', '<=', now)
    .where('recipient', 'not in', recipientsInFlight)
    .orderBy('next_attempt_at')
    .limit(CLAIM_WINDOW);
  const oldestOfEachRecipient = db
    .selectFrom(window.as('due'))
    .distinctOn('due.recipient')
    .select('due.id')
    .orderBy('due.recipient')
    .orderBy('due.next_attempt_at');
  // The lock re-reads status and due time: a row another node claimed meanwhile is no longer due.
  return db
    .selectFrom('notifications')
    .select('id')
    .where('id', 'in', oldestOfEachRecipient)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .forUpdate()
    .skipLocked();
}

/** How far behind a channel of the outbox is (`lgsp_notifications_pending`, `…_oldest_due_seconds`). */
export interface OutboxBacklog {
  /** Rows not yet sent nor given up: due, waiting for a retry, or in flight. */
  pending: number;
  /** How long the longest-waiting due row has been due (a new row is due when written); 0 when none is due. */
  oldestDueSeconds: number;
}

/**
 * Each channel's backlog at `nowMs`: one query per channel, an index-only scan of the channel's entries in the index of
 * pending rows (migration 0050) — it costs the backlog, never the sent rows kept in the table. Rows in flight or waiting for a retry are due later, so a lane that keeps up shows
 * an oldest due of at most about one poll interval.
 */
export async function outboxBacklog(
  db: Kysely<Database>,
  nowMs: number,
): Promise<Record<NotificationChannel, OutboxBacklog>> {
  const read = async (channel: NotificationChannel): Promise<OutboxBacklog> => {
    const row = await db
      .selectFrom('notifications')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('pending'),
        eb.fn.min('next_attempt_at').as('first_due'),
      ])
      .where('status', '=', 'pending')
      .where('channel', '=', channel)
      .executeTakeFirstOrThrow();
    const firstDueMs = row.first_due === null ? nowMs : new Date(row.first_due).getTime();
    return { pending: Number(row.pending), oldestDueSeconds: Math.max(0, (nowMs - firstDueMs) / 1000) };
  };
  const [email, webhook] = await Promise.all([read('email'), read('webhook')]);
  return { email, webhook };
}

/**
 * Takes the turn of a channel's claims, across every node on one PostgreSQL, for the transaction `trx`: held from
 * before the claim reads to its COMMIT, so the next claim of the channel reads this one's rows in flight. A claim is
 * one short UPDATE and the sends run outside it, so a turn is waited for milliseconds; one not had within
 * `CLAIM_TURN_WAIT_MS` (a node frozen mid-claim) fails the claim, and the round with it, rather than hold this lane
 * and this node's stop behind another node — the next tick claims again. On PGlite, one session, it is always free.
 */
export async function takeClaimTurn(trx: Transaction<Database>, channel: NotificationChannel): Promise<void> {
  await sql`SELECT set_config('lock_timeout', ${`${CLAIM_TURN_WAIT_MS}ms`}, true)`.execute(trx);
  await sql`SELECT pg_advisory_xact_lock(${LOCK_NAMESPACE}, hashtext(${`notification-claim:${channel}`}))`.execute(
    trx,
  );
}

/**
 * Delivers the outbox. Each round claims due rows with `FOR UPDATE SKIP LOCKED`, so any number of nodes on one
 * PostgreSQL share the work without sending a row twice; PGlite runs the same SQL (it is PostgreSQL), where
 * having one session makes the lock a no-op. The claim also moves the row's next attempt past the lease and marks it
 * in flight until then (`claimed_until`), then the message is sent outside any transaction, then the outcome is
 * written and the mark cleared.
 *
 * Each channel is a lane of its own — its own rounds, claims and sends — because a mail relay holding every send to
 * its 30 s limit would otherwise hold the webhooks claimed with the e-mails and every round behind them (N waiting
 * e-mails: a round of N/20 × 30 s), and an agency's systems would hear of a revoked credential minutes late. A lane
 * still in its round is left to it while the other claims and delivers as usual: a dead webhook receiver holds no
 * e-mail either.
 *
 * Within a lane, up to `LANE_IN_FLIGHT` sends run at once on a node, and at most one per recipient (a webhook endpoint,
 * an e-mail address) in the whole cluster — the claim carries that bound (dueRows), not this node's memory, because a
 * lane's round outlives the job lease whose tick starts it: a node giving its leases back at stop, or whose session
 * was lost, goes on claiming until its round ends while the lease's new holder runs its own. A send that ends lets the
 * lane claim again at once; a tick finds a lane in its round and has it claim what has fallen due. Before, a lane
 * claimed a batch and waited for its slowest send before the next claim: a receiver that hung to the 10 s limit held
 * every other organization's webhook of the batches behind it, 10 s per batch it had rows in. Now it holds one place
 * of one lane in the cluster, and its other rows wait for it, not anyone else's.
 *
 * E-mail needs `notifications.smtpUrl`. Without it e-mail rows are not claimed: they stay `pending` (counted in a
 * warning at most hourly) and go out once SMTP is configured, because a notice an agency must receive (R-21) is
 * better late than marked failed for a setting the operator has not made yet. Webhooks are delivered regardless.
 */
export class Notifier {
  private readonly mailer: Transporter | null;
  private readonly smtp: { host: string; port: number; secure: boolean } | null;
  private readonly agent: Agent;
  private readonly webhookTimeoutMs: number;
  private readonly mailTimeoutMs: number;
  private readonly metrics: NotifierOptions['metrics'];
  private readonly channels: NotificationChannel[];
  private timer: NodeJS.Timeout | null = null;
  /** Each lane's round in progress. */
  private readonly lanes = new Map<NotificationChannel, Promise<DeliveryRound>>();
  /** Has a lane in its round claim again now (a tick, `deliverDue`): rows may have fallen due since its last claim. */
  private readonly wakers = new Map<NotificationChannel, () => void>();
  /** Once stop() is called: a lane finishes the sends in flight and claims no other. */
  private stopped: Promise<void> | null = null;
  private nextDisabledWarningMs = 0;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly config: NotifierConfig,
    private readonly logger: Logger,
    /** Opens the webhook secrets, stored sealed (issue 10 item 4). */
    private readonly kek: KeyEncryptionKey,
    options: NotifierOptions = {},
  ) {
    this.webhookTimeoutMs = options.webhookTimeoutMs ?? WEBHOOK_TIMEOUT_MS;
    this.mailTimeoutMs = options.mailTimeoutMs ?? MAIL_TIMEOUT_MS;
    this.metrics = options.metrics;
    this.smtp = config.smtpUrl ? parseSmtpUrl(config.smtpUrl) : null;
    this.mailer = config.smtpUrl
      ? nodemailer.createTransport({
          url: config.smtpUrl,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
          // socketCloseTimeout stays at its 5 s: a send cut at its limit settles at once, and the timer (unref'd)
          // only destroys, later, the socket of a relay that never closes its side — nothing waits for it.
          // nodemailer's own logging would print the SMTP conversation, AUTH included: keep it off.
          logger: false,
          debug: false,
        })
      : null;
    this.channels = this.mailer ? ['email', 'webhook'] : ['webhook'];
    this.agent = new Agent({
      // Issue 10: every connection to a webhook passes the egress policy, checked on the resolved address.
      connect: (options.egress ?? new EgressPolicy({ allow: [] })).connector('webhook', {
        timeout: this.webhookTimeoutMs,
      }),
      headersTimeout: this.webhookTimeoutMs,
      bodyTimeout: this.webhookTimeoutMs,
    });
  }

  /** Delivers due notifications every `pollIntervalMs`. */
  start(): void {
    if (this.timer) return;
    this.announceMailSetting();
    this.timer = setInterval(() => this.startIdleLanes(), this.config.pollIntervalMs);
    this.timer.unref();
  }

  /** Says at start whether e-mail goes out (the platform's job scheduler calls `deliverDue` itself, issue 13). */
  announceMailSetting(): void {
    if (this.smtp) {
      // Host and port only: the URL may carry the SMTP password (R-25).
      this.logger.info(
        { smtpHost: this.smtp.host, smtpPort: this.smtp.port },
        'đã bật thông báo e-mail / e-mail notifications enabled',
      );
    } else {
      this.logger.warn(
        'đã tắt thông báo e-mail: đặt notifications.smtpUrl (LGSP_SMTP_URL) / e-mail notifications disabled: set notifications.smtpUrl (LGSP_SMTP_URL)',
      );
    }
  }

  /**
   * Stops the timer, waits for the sends in flight (each delivery within its limit: a webhook's 10 s, an e-mail's
   * 30 s, all at once), closes SMTP and HTTP connections. The rows not yet claimed stay due for the next node.
   * A second call returns the first's.
   */
  stop(): Promise<void> {
    this.stopped ??= this.close();
    return this.stopped;
  }

  private async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.lanes.values()]);
    this.mailer?.close();
    await this.agent.close();
  }

  /**
   * One round of every lane, the totals summed: a lane idle now starts one, a lane still in its round is joined (and
   * claims what is due now), not doubled. Resolves when the slowest lane's round ends — for a caller that wants the outcome; a periodic tick
   * calls {@link startIdleLanes}, which waits for none.
   */
  async deliverDue(): Promise<DeliveryRound> {
    const rounds = await Promise.all(this.channels.map((channel) => this.lane(channel)));
    return rounds.reduce((sum, r) => ({
      sent: sum.sent + r.sent,
      failed: sum.failed + r.failed,
      retried: sum.retried + r.retried,
    }));
  }

  /**
   * The periodic tick (start(), the platform's `notification-outbox` job): starts a round in each idle lane, has each
   * lane in its round claim what has fallen due, and returns. No lane waits for the other, nor for its own slow sends.
   */
  startIdleLanes(): void {
    for (const channel of this.channels) {
      this.lane(channel).catch((err) =>
        this.logger.error({ err, channel }, 'vòng gửi thông báo thất bại / notification round failed'),
      );
    }
  }

  /** The lane's round in progress, woken to claim again, or a new one. */
  private lane(channel: NotificationChannel): Promise<DeliveryRound> {
    let running = this.lanes.get(channel);
    if (running) {
      this.wakers.get(channel)?.();
    } else {
      running = this.round(channel).finally(() => this.lanes.delete(channel));
      this.lanes.set(channel, running);
    }
    return running;
  }

  /**
   * Every row of the channel due now, and those falling due while the round lasts: claims fill the lane's free places
   * (one row per recipient not already in flight), each send's end or a tick claims again; the round ends when
   * nothing is in flight and the last claim found nothing due (or stop() was called).
   */
  private async round(channel: NotificationChannel): Promise<DeliveryRound> {
    const totals: DeliveryRound = { sent: 0, failed: 0, retried: 0 };
    // A send's end or a tick: rows may be due that the last claim did not take. Counted, not a flag, so that one
    // coming while a claim is under way is not lost when that claim finds nothing.
    let nudges = 0;
    let wake = () => {};
    const nudge = () => {
      nudges++;
      wake();
    };
    this.wakers.set(channel, nudge);
    /** The sends in flight on this node, by row id. */
    const inFlight = new Map<string, Promise<void>>();
    const send = (row: NotificationRow, endpoints: Map<string, WebhookTarget>) => {
      const done = this.deliverOne(row, endpoints)
        .then(
          (outcome) => {
            totals[outcome]++;
            this.metrics?.notificationSent(channel, outcome);
          },
          // Only writing the outcome can fail here (the store away): the row keeps its claim, its recipient in
          // flight, and is sent again once the lease runs out — at least once, as for a node that died mid-delivery.
          (err) =>
            this.logger.error(
              { err, notificationId: row.id, channel },
              'không ghi được kết quả gửi thông báo / notification outcome not recorded',
            ),
        )
        .finally(() => {
          inFlight.delete(row.id);
          nudge();
        });
      inFlight.set(row.id, done);
    };
    try {
      // Without SMTP the webhook lane is the only one: it reports the e-mails left waiting.
      if (!this.mailer) await this.warnAboutWaitingEmails();
      /** The nudges counted when a claim last found nothing due: none since, nothing to claim. */
      let quietAt = -1;
      for (;;) {
        const mayBeDue = nudges !== quietAt;
        if (this.stopped === null && mayBeDue && inFlight.size < LANE_IN_FLIGHT) {
          const nudgesBefore = nudges;
          const claimed = await this.claim(channel, LANE_IN_FLIGHT - inFlight.size);
          if (claimed.length > 0) {
            const endpoints = await this.endpointsFor(claimed);
            for (const row of claimed) send(row, endpoints);
          } else {
            quietAt = nudgesBefore;
          }
          // Again: a recipient passed over (in flight, or a second row of one claimed now) may have more due, and a
          // send may have ended meanwhile.
          continue;
        }
        if (inFlight.size === 0 && (this.stopped !== null || !mayBeDue)) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      this.wakers.delete(channel);
      // A claim that failed (the store away) ends the round, never before the sends it started.
      await Promise.allSettled(inFlight.values());
    }
    return totals;
  }

  private claim(channel: NotificationChannel, limit: number): Promise<NotificationRow[]> {
    return this.store.db.transaction().execute(async (trx) => {
      await takeClaimTurn(trx, channel);
      // The time is read once the turn is ours: a claim that waited for it judges what is due and what has lapsed now.
      const nowMs = this.clock.nowMs();
      const leaseEnd = new Date(nowMs + CLAIM_LEASE_MS);
      return trx
        .updateTable('notifications')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          next_attempt_at: leaseEnd,
          claimed_until: leaseEnd,
        }))
        .where('id', 'in', dueRows(trx, channel, nowMs, { limit }))
        .returningAll()
        .execute();
    });
  }

  private async endpointsFor(rows: NotificationRow[]) {
    const ids = [...new Set(rows.filter((r) => r.channel === 'webhook').map((r) => r.recipient))];
    if (ids.length === 0) return new Map<string, WebhookTarget>();
    const found = await this.store.db
      .selectFrom('webhook_endpoints')
      .select([
        'id',
        'url',
        'secret_sealed',
        'previous_secret_sealed',
        'previous_secret_expires_at',
        'active',
      ])
      .where('id', 'in', ids)
      .execute();
    const nowMs = this.clock.nowMs();
    // Opened here, just before signing. A row without a sealed secret (none once the platform has started) is
    // treated as inactive rather than signed with an empty key. The secret before a rotation signs too, until
    // its overlap ends.
    return new Map(
      found.map((e): [string, WebhookTarget] => {
        const open = (sealed: Uint8Array) => openText(this.kek, sealed, SEALED_LABELS.webhookSecret(e.id));
        const previousValid =
          e.previous_secret_sealed !== null &&
          e.previous_secret_expires_at !== null &&
          new Date(e.previous_secret_expires_at).getTime() > nowMs;
        return [
          e.id,
          {
            url: e.url,
            active: e.active && e.secret_sealed !== null,
            secrets: e.secret_sealed
              ? [open(e.secret_sealed), ...(previousValid ? [open(e.previous_secret_sealed!)] : [])]
              : [],
          },
        ];
      }),
    );
  }

  private async deliverOne(
    row: NotificationRow,
    endpoints: Map<string, WebhookTarget>,
  ): Promise<keyof DeliveryRound> {
    let error: unknown = null;
    try {
      if (row.channel === 'email') await this.sendEmail(row);
      else {
        const endpoint = endpoints.get(row.recipient);
        if (!endpoint?.active) throw new PermanentFailure('webhook endpoint deleted or inactive');
        await this.postWebhook(row, endpoint);
      }
    } catch (err) {
      error = err;
    }
    const nowMs = this.clock.nowMs();
    const log = {
      notificationId: row.id,
      eventType: row.event_type,
      channel: row.channel,
      attempts: row.attempts,
    };
    // The recipient is logged for e-mail (an agency's official address); for a webhook, its endpoint id only,
    // since a URL may carry a receiver's token in its query.
    const recipient = row.channel === 'email' ? { to: row.recipient } : { endpointId: row.recipient };

    if (error === null) {
      await this.finish(row.id, { status: 'sent', sent_at: new Date(nowMs), last_error: null });
      this.logger.info({ ...log, ...recipient }, 'đã gửi thông báo / notification sent');
      return 'sent';
    }
    const reason = this.describe(error, row.channel === 'email' ? this.mailTimeoutMs : this.webhookTimeoutMs);
    if (error instanceof PermanentFailure || row.attempts >= this.config.maxAttempts) {
      await this.finish(row.id, { status: 'failed', last_error: reason });
      this.logger.error(
        { ...log, ...recipient, reason },
        'gửi thông báo thất bại: ngừng thử lại / notification failed: giving up',
      );
      return 'failed';
    }
    const next = new Date(nowMs + retryDelayMs(row.attempts));
    await this.finish(row.id, { next_attempt_at: next, last_error: reason });
    this.logger.warn(
      { ...log, ...recipient, reason, nextAttemptAt: next.toISOString() },
      'sẽ gửi lại thông báo / notification retry',
    );
    return 'retried';
  }

  /** Writes a send's outcome and ends its claim: the recipient's next row may be claimed, on any node. */
  private async finish(
    id: string,
    set: Partial<Pick<NotificationRow, 'status' | 'sent_at' | 'last_error' | 'next_attempt_at'>>,
  ): Promise<void> {
    await this.store.db
      .updateTable('notifications')
      .set({ ...set, claimed_until: null })
      .where('id', '=', id)
      .execute();
  }

  /**
   * One attempt, whole within `MAIL_TIMEOUT_MS`: at the limit nodemailer closes the connection and the attempt fails
   * as a timeout, retried after its back-off. At least once, not at most once: a relay that took the message and was
   * cut before its final reply may have delivered it, and the retry delivers it again — with the same
   * `X-LGSP-Delivery` (the notification id, as a webhook's `webhook-id`), so a reader or a filter can tell.
   */
  private async sendEmail(row: NotificationRow): Promise<void> {
    await withinDeadline(this.mailTimeoutMs, async (deadline) => {
      try {
        await this.mailer!.sendMail({
          from: this.config.mailFrom,
          to: row.recipient,
          subject: row.subject,
          text: row.body_text,
          headers: { 'X-LGSP-Event': row.event_type, 'X-LGSP-Delivery': row.id },
          signal: deadline.signal,
        });
      } catch (err) {
        // nodemailer reports any abort as its own EABORT: one at the deadline is the deadline's timeout.
        throw deadline.expired ? deadline.signal.reason : err;
      }
    });
  }

  /**
   * One attempt, signed the Standard Webhooks way (webhook-signature.ts): `webhook-id` is the notification id, the
   * same on every retry, so the receiver deduplicates on it; the timestamp and signature are this attempt's.
   *
   * The whole exchange — connection, upload, the receiver's answer — is within the webhook limit (R-03): the agent's
   * own timeouts are per read, so a receiver that sends `103 Early Hints` without end, or a byte now and then, would
   * hold the round. At the limit the attempt fails as a timeout and is retried after its back-off. The 2xx status is
   * the acknowledgement (Standard Webhooks): a receiver that answered 2xx has the event, and the rest of its answer,
   * not kept anyway, is not waited for past the limit.
   */
  private async postWebhook(row: NotificationRow, endpoint: WebhookTarget): Promise<void> {
    const body = webhookBody({
      id: row.id,
      type: row.event_type,
      createdAtMs: new Date(row.created_at).getTime(),
      data: row.payload,
    });
    const timestamp = Math.floor(this.clock.nowMs() / 1000);
    const status = await withinDeadline(this.webhookTimeoutMs, async (deadline) => {
      const res = await request(endpoint.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'OpenLGSP-Webhook/1',
          ...webhookHeaders(endpoint.secrets, row.id, timestamp, body),
        },
        body,
        signal: deadline.signal,
      });
      // The answer's body is not kept (it is the receiver's, and may carry data): only its status matters.
      await res.body.dump();
      return res.statusCode;
    });
    if (status < 200 || status > 299) throw new Error(`HTTP ${status}`);
  }

  /** A short reason for `last_error` and the log, with the SMTP password (if any) struck out. */
  private describe(err: unknown, limitMs: number): string {
    const e = err as { name?: string; code?: string; message?: string; responseCode?: number };
    let text = isTimeout(err)
      ? timedOutReason(limitMs)
      : [e?.code, e?.message ?? String(err)].filter(Boolean).join(': ');
    if (this.config.smtpUrl) {
      const { password } = new URL(this.config.smtpUrl);
      if (password) {
        text = text.replaceAll(password, '[đã ẩn/redacted]');
        text = text.replaceAll(decodeURIComponent(password), '[đã ẩn/redacted]');
      }
    }
    return text.slice(0, 500);
  }

  private async warnAboutWaitingEmails(): Promise<void> {
    const nowMs = this.clock.nowMs();
    if (nowMs < this.nextDisabledWarningMs) return;
    this.nextDisabledWarningMs = nowMs + DISABLED_EMAIL_WARNING_INTERVAL_MS;
    const { count } = await this.store.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', '=', 'pending')
      .where('channel', '=', 'email')
      .executeTakeFirstOrThrow();
    if (Number(count) > 0) {
      this.logger.warn(
        { pendingEmails: Number(count) },
        'thông báo e-mail đang chờ gửi: đặt notifications.smtpUrl (LGSP_SMTP_URL) để gửi / e-mail notifications are waiting: set notifications.smtpUrl (LGSP_SMTP_URL) to send them',
      );
    }
  }
}

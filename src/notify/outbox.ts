import type { Transaction } from 'kysely';
import { LgspError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../store/schema.ts';
import { isWebhookEventName } from './webhook-events.ts';

/**
 * Notifications to agencies: deprecations, endpoint changes, maintenance windows,
 * decommissions, request decisions. Two halves, joined by the `notifications` outbox table:
 *
 * - `enqueueNotification` is called by the workflow that makes the change, INSIDE that change's transaction, so
 *   a rolled-back change tells no one and a committed one is never forgotten (transactional outbox).
 * - `Notifier` delivers due rows by e-mail (SMTP, nodemailer) and by signed webhook, retrying with exponential
 *   backoff. Delivery is at least once: a receiver that may see a delivery twice (a node died after sending but
 *   before recording it) deduplicates on the notification id (`webhook-id`, `X-LGSP-Delivery` in e-mail).
 *
 * Event types are the catalogue's (webhook-events.ts): one list for what is sent, what endpoints subscribe to and
 * what the API documents.
 */

export type NotificationChannel = 'email' | 'webhook';

/** One address, no display name: the characters that would let a value smuggle in a second address or header. */
const EMAIL_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+$/;
/** Keys that must never appear in a payload (mirrors what the logger redacts, R-25). */
const SECRET_KEY = /secret|password|passwd|private_?key|access_?token/i;

/** An event type an endpoint subscribes to: one of the catalogue's, or 400 naming where the list is. */
export function validateEventType(eventType: string): string {
  if (!isWebhookEventName(eventType)) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `events: không có sự kiện "${eventType.slice(0, 100)}" / no event "${eventType.slice(0, 100)}" ` +
        '(GET /api/v1/webhooks/event-types)',
    );
  }
  return eventType;
}

export interface NotificationInput {
  /** What happened, one of the catalogue's names (webhook-events.ts), e.g. `notice.deprecation`. */
  eventType: string;
  recipients: {
    /** One e-mail per address (duplicates, compared case-insensitively, are sent once). */
    emails?: string[];
    /** One webhook delivery per active endpoint of each organization subscribed to `eventType`. */
    organizationIds?: string[];
  };
  /** Vietnamese first; used as given for the e-mail subject. */
  subject: string;
  /** Plain-text e-mail body, Vietnamese first. */
  text: string;
  /**
   * The webhook's `data`. Never put secrets here (consumer secrets, passwords, tokens): it is stored in the
   * outbox as is, kept after delivery, and sent to every subscribed endpoint. Keys that look like secrets are
   * refused.
   */
  payload: Record<string, unknown>;
}

export interface QueuedNotification {
  id: string;
  channel: NotificationChannel;
  /** The e-mail address or the webhook endpoint id. */
  recipient: string;
}

export interface EnqueueResult {
  queued: QueuedNotification[];
  /**
   * Addresses that are not a plain `local@domain` (e.g. a mistyped contact e-mail). They are skipped rather than
   * failing the change that causes the notification; the caller decides whether to report them.
   */
  invalidEmails: string[];
}

/**
 * Writes the notifications for one event into the outbox, using the caller's transaction (see the module
 * comment). They are due at once; the Notifier picks them up on its next round.
 */
export async function enqueueNotification(
  trx: Transaction<Database>,
  input: NotificationInput,
  nowMs: number,
): Promise<EnqueueResult> {
  // A name missing from the catalogue is the platform's own mistake, not the caller's input: fail loudly.
  if (!isWebhookEventName(input.eventType)) {
    throw new Error(`event type "${input.eventType}" is not in the catalogue (src/notify/webhook-events.ts)`);
  }
  const eventType = input.eventType;
  if (input.subject.trim() === '') throw new LgspError('API_VALIDATION_FAILED', 'subject is empty');
  assertNoSecrets(input.payload, 'payload');
  const now = new Date(nowMs);
  const payload = JSON.stringify(input.payload);
  // A subject is one header line: line breaks would be folded by the mailer anyway; make that explicit here.
  const subject = input.subject.replace(/\s*[\r\n]+\s*/g, ' ').trim();

  const invalidEmails: string[] = [];
  const emails = new Map<string, string>();
  for (const raw of input.recipients.emails ?? []) {
    const address = raw.trim();
    if (!EMAIL_ADDRESS.test(address)) invalidEmails.push(raw);
    else if (!emails.has(address.toLowerCase())) emails.set(address.toLowerCase(), address);
  }

  const organizationIds = [...new Set(input.recipients.organizationIds ?? [])];
  const endpoints =
    organizationIds.length === 0
      ? []
      : await trx
          .selectFrom('webhook_endpoints')
          .select('id')
          .where('organization_id', 'in', organizationIds)
          .where('active', '=', true)
          // An empty list subscribes to every event type.
          .where((eb) =>
            eb.or([
              eb(eb.fn('cardinality', [eb.ref('events')]), '=', 0),
              eb(eb.val(eventType), '=', eb.fn.any('events')),
            ]),
          )
          .orderBy('id')
          .execute();

  const queued: QueuedNotification[] = [
    ...[...emails.values()].map((recipient) => ({
      id: newId('ntf', nowMs),
      channel: 'email' as const,
      recipient,
    })),
    ...endpoints.map((e) => ({ id: newId('ntf', nowMs), channel: 'webhook' as const, recipient: e.id })),
  ];
  if (queued.length > 0) {
    await trx
      .insertInto('notifications')
      .values(
        queued.map((q) => ({
          id: q.id,
          event_type: eventType,
          channel: q.channel,
          recipient: q.recipient,
          subject,
          body_text: input.text,
          payload,
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: now,
          last_error: null,
          created_at: now,
          sent_at: null,
        })),
      )
      .execute();
  }
  return { queued, invalidEmails };
}

function assertNoSecrets(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertNoSecrets(v, `${path}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) throw new Error(`${path}.${k}: a notification payload must not carry secrets`);
      assertNoSecrets(v, `${path}.${k}`);
    }
  }
}

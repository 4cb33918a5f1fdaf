import type { Static } from '@sinclair/typebox';
import type { Selectable } from 'kysely';
import type {
  CreatedWebhookEndpoint,
  PageOf,
  WebhookCreate,
  WebhookEndpoint,
  WebhookEventCatalogue,
  WebhookQuery,
} from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import { newId, newSecret } from '../core/ids.ts';
import { type KeyEncryptionKey, SEALED_LABELS, sealText } from '../keys/index.ts';
import { EgressPolicy } from '../net/egress.ts';
import { validateEventType } from '../notify/outbox.ts';
import { WEBHOOK_EVENT_TYPES, webhookBody } from '../notify/webhook-events.ts';
import { receiverSecret, WEBHOOK_SIGNATURE_SCHEME } from '../notify/webhook-signature.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../store/paging.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { auditOf, runChange } from './change.ts';
import { requireOrganization } from './registry/organizations.ts';

/**
 * Webhook endpoints: where an organization's systems want to be told, by signed HTTP POST, about the changes that
 * concern them. Signing (Standard Webhooks) and delivery are in notify/ (webhook-signature.ts,
 * notifier.ts), the events in notify/webhook-events.ts. The endpoint types are the contract's (WebhookSchema,
 * CreatedWebhookSchema). docs/webhooks.md is the receiver's guide.
 */

/** The API defaults `organizationId` to the agency user's own; here it is already resolved, so required. */
export type WebhookEndpointInput = Omit<WebhookCreate, 'organizationId'> & { organizationId: string };

type Row = Selectable<Database['webhook_endpoints']>;

const audit = auditOf('webhook_endpoint', 'webhook');

// Every column but the secret: nothing that lists or reads endpoints can leak it.
const PUBLIC_COLUMNS = [
  'id',
  'organization_id',
  'url',
  'events',
  'active',
  'created_at',
  'previous_secret_expires_at',
] as const;

function toEndpoint(r: Pick<Row, (typeof PUBLIC_COLUMNS)[number]>): WebhookEndpoint {
  return {
    id: r.id,
    organizationId: r.organization_id,
    url: r.url,
    events: r.events,
    active: r.active,
    createdAt: new Date(r.created_at).toISOString(),
    previousSecretExpiresAt: r.previous_secret_expires_at
      ? new Date(r.previous_secret_expires_at).toISOString()
      : null,
  };
}

/** http(s) only; no user:password (it would be listed back) and no fragment (never sent). */
function validateWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      'url: không phải URL, cần https://… / not a URL; expected https://…',
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.hash) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      'url: expected http(s)://host/path, without user:password or #',
    );
  }
  return url.toString();
}

/**
 * The secret is stored sealed with the key-encryption key (issue 10 item 4); notify/ opens it to sign.
 * @param egress the platform's egress policy (issue 10): a webhook URL that reaches a denied address is refused
 * (400 API_EGRESS_DENIED) before anything is written; without one, the defaults alone apply.
 */
export async function createWebhookEndpoint(
  store: Store,
  clock: Clock,
  kek: KeyEncryptionKey,
  input: WebhookEndpointInput,
  actor: string,
  egress: EgressPolicy = new EgressPolicy({ allow: [] }),
): Promise<CreatedWebhookEndpoint> {
  const url = validateWebhookUrl(input.url);
  await egress.assertAllowed(url, 'url');
  const events = [...new Set((input.events ?? []).map(validateEventType))].sort();
  const secret = newSecret();
  return runChange(store, clock, async (trx, now) => {
    const org = await requireOrganization(trx, input.organizationId);
    const id = newId('whk', now.getTime());
    const row = await trx
      .insertInto('webhook_endpoints')
      .values({
        id,
        organization_id: org.id,
        url,
        secret: null,
        secret_sealed: sealText(kek, secret, SEALED_LABELS.webhookSecret(id)),
        events,
        active: true,
        created_at: now,
      })
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirstOrThrow();
    return {
      // Shown once, in the Standard Webhooks form (`whsec_…`): its bytes are the stored secret's.
      result: { ...toEndpoint(row), secret: receiverSecret(secret) },
      // The audit event names the endpoint, never its secret.
      events: [audit(actor, 'create', id, { organizationId: org.id, url, events })],
    };
  });
}

/**
 * A new secret for an endpoint, shown once like the first (`whsec_…`). The one it replaces keeps signing beside it
 * for `overlapHours` (deliveries then carry both signatures, and a receiver verifies with either), so the receiver
 * can switch keys without refusing a delivery; 0 stops it at once (a leaked secret). Only the last previous secret
 * is kept: rotating again within the overlap ends the older one.
 */
export async function rotateWebhookSecret(
  store: Store,
  clock: Clock,
  kek: KeyEncryptionKey,
  id: string,
  overlapHours: number,
  actor: string,
): Promise<CreatedWebhookEndpoint> {
  if (!Number.isInteger(overlapHours) || overlapHours < 0 || overlapHours > 168) {
    throw new LgspError('API_VALIDATION_FAILED', 'overlapHours: 0…168');
  }
  const secret = newSecret();
  return runChange(store, clock, async (trx, now) => {
    const current = await trx
      .selectFrom('webhook_endpoints')
      .select(['id', 'organization_id', 'secret_sealed'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new LgspError('API_NOT_FOUND', `webhook endpoint ${id}`);
    const overlap = overlapHours > 0 && current.secret_sealed !== null;
    const row = await trx
      .updateTable('webhook_endpoints')
      .set({
        secret_sealed: sealText(kek, secret, SEALED_LABELS.webhookSecret(id)),
        // Sealed under the same label (the endpoint's), so it moves across as it is.
        previous_secret_sealed: overlap ? current.secret_sealed : null,
        previous_secret_expires_at: overlap ? new Date(now.getTime() + overlapHours * 3_600_000) : null,
      })
      .where('id', '=', id)
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirstOrThrow();
    return {
      result: { ...toEndpoint(row), secret: receiverSecret(secret) },
      events: [audit(actor, 'rotate_secret', id, { organizationId: current.organization_id, overlapHours })],
    };
  });
}

export async function listWebhookEndpoints(
  store: Store,
  filter: { organizationId?: string; id?: string } = {},
): Promise<WebhookEndpoint[]> {
  let q = store.db.selectFrom('webhook_endpoints').select(PUBLIC_COLUMNS);
  if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
  if (filter.id) q = q.where('id', '=', filter.id);
  return (await q.orderBy('created_at').orderBy('id').execute()).map(toEndpoint);
}

/**
 * One page of webhook endpoints for people (issue 11), oldest first by default, searched by URL and id. The
 * organization a user is limited to comes in `query.organizationId`, in the SQL before the page is cut.
 */
export async function pageWebhookEndpoints(
  store: Store,
  query: Static<typeof WebhookQuery>,
): Promise<PageOf<WebhookEndpoint>> {
  let q = store.db.selectFrom('webhook_endpoints').select(PUBLIC_COLUMNS);
  if (query.organizationId) q = q.where('organization_id', '=', query.organizationId);
  const search = query.q;
  if (search) q = q.where((eb) => matchesAny(eb, ['url', 'id'], search));
  const order = ordering(
    query.sort,
    'createdAt',
    { createdAt: byColumn('created_at'), url: byColumn('url') },
    'id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toEndpoint), total };
}

/**
 * Deletes an endpoint. Its notifications not yet delivered are marked failed in the same transaction (there is
 * nowhere left to send them); those already sent stay as the record of what it was told.
 */
export async function deleteWebhookEndpoint(
  store: Store,
  clock: Clock,
  id: string,
  actor: string,
): Promise<WebhookEndpoint> {
  return runChange(store, clock, async (trx) => {
    const row = await trx
      .deleteFrom('webhook_endpoints')
      .where('id', '=', id)
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirst();
    if (!row) throw new LgspError('API_NOT_FOUND', `webhook endpoint ${id}`);
    const { numUpdatedRows } = await trx
      .updateTable('notifications')
      .set({ status: 'failed', last_error: 'webhook endpoint deleted' })
      .where('channel', '=', 'webhook')
      .where('recipient', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return {
      result: toEndpoint(row),
      events: [
        audit(actor, 'delete', id, {
          organizationId: row.organization_id,
          url: row.url,
          pendingCancelled: Number(numUpdatedRows),
        }),
      ],
    };
  });
}

/**
 * The events the platform sends and how deliveries are signed: what the console's webhook page shows and a
 * receiver needs (issue 11). Each example is the whole body, built by the sender's own function.
 */
export function webhookEventCatalogue(): WebhookEventCatalogue {
  const exampleAtMs = Date.parse('2026-12-03T02:15:00.000Z');
  return {
    items: WEBHOOK_EVENT_TYPES.map((e) => ({
      name: e.name,
      description: e.description,
      example: JSON.parse(
        webhookBody({
          id: 'ntf_0mx6x9m00ftqy6b2889dclsic',
          type: e.name,
          createdAtMs: exampleAtMs,
          data: e.exampleData,
        }),
      ) as Record<string, unknown>,
    })),
    signature: { ...WEBHOOK_SIGNATURE_SCHEME, headers: [...WEBHOOK_SIGNATURE_SCHEME.headers] },
  };
}

import type { Selectable } from 'kysely';
import type { CreatedWebhookEndpoint, WebhookCreate, WebhookEndpoint } from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import { newId, newSecret } from '../core/ids.ts';
import { type KeyEncryptionKey, SEALED_LABELS, sealText } from '../keys/index.ts';
import { EgressPolicy } from '../net/egress.ts';
import { validateEventType } from '../notify/outbox.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { auditOf, runChange } from './change.ts';
import { requireOrganization } from './registry/organizations.ts';

/**
 * Webhook endpoints: where an organization's systems want to be told, by signed HTTP POST, about the changes that
 * concern them. Signing and delivery are in notify/ (webhook-signature.ts, notifier.ts). The
 * endpoint types are the contract's (WebhookSchema, CreatedWebhookSchema).
 */

/** The API defaults `organizationId` to the agency user's own; here it is already resolved, so required. */
export type WebhookEndpointInput = Omit<WebhookCreate, 'organizationId'> & { organizationId: string };

type Row = Selectable<Database['webhook_endpoints']>;

const audit = auditOf('webhook_endpoint', 'webhook');

// Every column but the secret: nothing that lists or reads endpoints can leak it.
const PUBLIC_COLUMNS = ['id', 'organization_id', 'url', 'events', 'active', 'created_at'] as const;

function toEndpoint(r: Omit<Row, 'secret' | 'secret_sealed'>): WebhookEndpoint {
  return {
    id: r.id,
    organizationId: r.organization_id,
    url: r.url,
    events: r.events,
    active: r.active,
    createdAt: new Date(r.created_at).toISOString(),
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
      result: { ...toEndpoint(row), secret },
      // The audit event names the endpoint, never its secret.
      events: [audit(actor, 'create', id, { organizationId: org.id, url, events })],
    };
  });
}

export async function listWebhookEndpoints(
  store: Store,
  filter: { organizationId?: string } = {},
): Promise<WebhookEndpoint[]> {
  let q = store.db.selectFrom('webhook_endpoints').select(PUBLIC_COLUMNS);
  if (filter.organizationId) q = q.where('organization_id', '=', filter.organizationId);
  return (await q.orderBy('created_at').orderBy('id').execute()).map(toEndpoint);
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

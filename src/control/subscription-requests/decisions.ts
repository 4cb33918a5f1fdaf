import type { Transaction } from 'kysely';
import { LgspError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';
import { newId, newSecret } from '../../core/ids.ts';
import type { Environment } from '../../core/types.ts';
import type { Database } from '../../store/schema.ts';
import { recordChange } from '../audit.ts';
import { parseTimeOfUse } from '../rules.ts';
import type { RequestRow, RequestsContext, SubscriptionRequest } from './queries.ts';
import { transition } from './workflow.ts';

/** Reasons are required, one per item, trimmed, no blanks. */
function reasonList(reasons: string[], what: string): string[] {
  const list = reasons.map((r) => r.trim()).filter(Boolean);
  if (list.length === 0) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `reasons: phải nêu ${what} / at least one reason is required`,
    );
  }
  return list;
}

/**
 * Approves an environment: the sandbox from a submitted request, production once `requestProduction`
 * recorded the sandbox call as evidence. The approval grants the subscription, with the request's quotas and
 * window, and a credential when the system has none in that environment; the sandbox approval also makes the
 * service's technical guide available.
 */
export async function approve(
  ctx: RequestsContext,
  id: string,
  environment: Environment,
  actor: string,
): Promise<SubscriptionRequest> {
  const action = environment === 'sandbox' ? 'approve_sandbox' : 'approve_production';
  return transition(ctx, action, id, actor, async ({ trx, row, now }) => {
    const request = row!;
    const version = await trx
      .selectFrom('service_versions')
      .select('status')
      .where('id', '=', request.version_id)
      .executeTakeFirstOrThrow();
    if (version.status !== 'published' && version.status !== 'deprecated') {
      throw new LgspError('CP_VERSION_NOT_PUBLISHED', `${request.version_id}: ${version.status}`);
    }
    const subscriptionId = await grantSubscription(trx, request, environment, now, actor);
    const credentialId = await issueCredentialIfNone(trx, request, environment, now, actor);
    return {
      set:
        environment === 'sandbox'
          ? { sandbox_subscription_id: subscriptionId, sandbox_credential_id: credentialId }
          : { production_subscription_id: subscriptionId, production_credential_id: credentialId },
      details: { subscriptionId, credentialId },
    };
  });
}

/** The reviewer says what must be completed (R-12: "a notice saying what must be completed"). */
export async function needsCompletion(
  ctx: RequestsContext,
  id: string,
  reasons: string[],
  actor: string,
): Promise<SubscriptionRequest> {
  const list = reasonList(reasons, 'nội dung cần bổ sung');
  return transition(ctx, 'needs_completion', id, actor, async ({ row }) => ({
    reasons: list,
    details: { from: row!.status, reasons: list },
  }));
}

/**
 * The reviewer refuses, with reasons. A request refused at the production stage also loses the sandbox
 * subscription it was given (the system's credentials stay: other subscriptions may use them).
 */
export async function reject(
  ctx: RequestsContext,
  id: string,
  reasons: string[],
  actor: string,
): Promise<SubscriptionRequest> {
  const list = reasonList(reasons, 'lý do từ chối');
  return transition(ctx, 'reject', id, actor, async ({ trx, row, now }) => {
    if (row!.sandbox_subscription_id) {
      const revoked = await trx
        .updateTable('subscriptions')
        .set({ status: 'revoked', updated_at: now })
        .where('id', '=', row!.sandbox_subscription_id)
        .where('status', '!=', 'revoked')
        .returning('id')
        .executeTakeFirst();
      if (revoked) {
        await recordChange(
          trx,
          {
            actor,
            action: 'subscription.revoke',
            objectType: 'subscription',
            objectId: revoked.id,
            details: { subscriptionRequestId: id },
          },
          now.getTime(),
        );
      }
    }
    return { reasons: list, details: { from: row!.status, reasons: list } };
  });
}

/**
 * The subscription the approval grants, with the request's quotas and window. A subscription revoked earlier
 * (the system stopped using the version, R-21) is activated again with the new terms; a live one is refused.
 */
async function grantSubscription(
  trx: Transaction<Database>,
  row: RequestRow,
  environment: Environment,
  now: Date,
  actor: string,
): Promise<string> {
  const window = parseTimeOfUse(row.time_of_use);
  const terms = {
    status: 'active' as const,
    quota_per_day: row.frequency_per_day,
    quota_per_minute: row.frequency_per_minute,
    window_start: window?.start ?? null,
    window_end: window?.end ?? null,
    updated_at: now,
  };
  const existing = await trx
    .selectFrom('subscriptions')
    .select(['id', 'status'])
    .where('system_id', '=', row.system_id)
    .where('version_id', '=', row.version_id)
    .where('environment', '=', environment)
    .executeTakeFirst();
  if (existing && existing.status !== 'revoked') {
    throw new LgspError(
      'CP_SUBSCRIPTION_EXISTS',
      `${existing.id}: ${row.system_id} ${row.context} ${row.version} ${environment}`,
    );
  }
  const subscriptionId = existing?.id ?? newId('sub', now.getTime());
  if (existing) {
    await trx.updateTable('subscriptions').set(terms).where('id', '=', existing.id).execute();
  } else {
    await trx
      .insertInto('subscriptions')
      .values({
        id: subscriptionId,
        system_id: row.system_id,
        version_id: row.version_id,
        environment,
        created_at: now,
        ...terms,
      })
      .execute();
  }
  await recordChange(
    trx,
    {
      actor,
      action: existing ? 'subscription.activate' : 'subscription.create',
      objectType: 'subscription',
      objectId: subscriptionId,
      details: {
        systemId: row.system_id,
        versionId: row.version_id,
        environment,
        quotaPerDay: row.frequency_per_day,
        quotaPerMinute: row.frequency_per_minute,
        timeOfUse: row.time_of_use,
        subscriptionRequestId: row.id,
      },
    },
    now.getTime(),
  );
  return subscriptionId;
}

/**
 * A credential for the environment when the system has no active one; null when it has (its key serves every
 * subscription of the system). The secret generated here is discarded unseen: the consumer's own secret is made
 * when it collects (see `collectCredential`), so the credential cannot be used before then.
 */
async function issueCredentialIfNone(
  trx: Transaction<Database>,
  row: RequestRow,
  environment: Environment,
  now: Date,
  actor: string,
): Promise<string | null> {
  const active = await trx
    .selectFrom('credentials')
    .select('id')
    .where('system_id', '=', row.system_id)
    .where('environment', '=', environment)
    .where('status', '=', 'active')
    .where('replaced_by', 'is', null)
    .executeTakeFirst();
  if (active) return null;
  const id = newId('cred', now.getTime());
  // The consumer key is public (it names the credential in logs and tokens), as Registry.issueCredential makes it.
  const consumerKey = newSecret().replace(/[-_]/g, '').slice(0, 20);
  await trx
    .insertInto('credentials')
    .values({
      id,
      system_id: row.system_id,
      environment,
      consumer_key: consumerKey,
      secret_sha256: sha256Hex(newSecret()),
      status: 'active',
      created_at: now,
      revoked_at: null,
    })
    .execute();
  await recordChange(
    trx,
    {
      actor,
      action: 'credential.issue',
      objectType: 'credential',
      objectId: id,
      details: { systemId: row.system_id, environment, consumerKey, subscriptionRequestId: row.id },
    },
    now.getTime(),
  );
  return id;
}

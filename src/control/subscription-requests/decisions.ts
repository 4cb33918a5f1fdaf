import type { Transaction } from 'kysely';
import type { Environment, SubscriptionRequest } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import type { Database } from '../../store/schema.ts';
import type { ChangeEvent } from '../audit.ts';
import type { Changed } from '../change.ts';
import { issueCredential } from '../registry/credentials.ts';
import { grantSubscription, requireSubscription, updateSubscription } from '../registry/subscriptions.ts';
import type { RequestRow, RequestsContext } from './queries.ts';
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
  return transition(ctx, action, id, actor, async ({ trx, row: request, now }) => {
    const version = await trx
      .selectFrom('service_versions')
      .select('status')
      .where('id', '=', request.version_id)
      .executeTakeFirstOrThrow();
    if (version.status !== 'published' && version.status !== 'deprecated') {
      throw new LgspError('CP_VERSION_NOT_PUBLISHED', `${request.version_id}: ${version.status}`);
    }
    const subscription = await grantRequested(trx, request, environment, actor, now);
    const credential = await issueCredentialIfNone(trx, request, environment, actor, now);
    const subscriptionId = subscription.result;
    const credentialId = credential.result;
    return {
      events: [...subscription.events, ...credential.events],
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
    details: { from: row.status, reasons: list },
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
    const sandboxId = row.sandbox_subscription_id;
    const sandbox = sandboxId ? await requireSubscription(trx, sandboxId) : null;
    const revoked =
      sandbox && sandbox.status !== 'revoked'
        ? (await updateSubscription(trx, sandbox.id, { status: 'revoked' }, actor, now)).events
        : [];
    return {
      events: fromRequest(revoked, { subscriptionRequestId: id }),
      reasons: list,
      details: { from: row.status, reasons: list },
    };
  });
}

/** The request behind an object an approval or a refusal changed, in that object's audit event. */
function fromRequest(events: ChangeEvent[], details: Record<string, unknown>): ChangeEvent[] {
  return events.map((e) => ({ ...e, details: { ...e.details, ...details } }));
}

/**
 * The subscription the approval grants, with the request's quotas and window (registry/subscriptions.ts: a
 * subscription revoked earlier, R-21, is activated again with the new terms; a live one is refused).
 */
async function grantRequested(
  trx: Transaction<Database>,
  row: RequestRow,
  environment: Environment,
  actor: string,
  now: Date,
): Promise<Changed<string>> {
  const terms = {
    systemId: row.system_id,
    versionId: row.version_id,
    environment,
    quotaPerDay: row.frequency_per_day,
    quotaPerMinute: row.frequency_per_minute,
    timeOfUse: row.time_of_use,
  };
  const granted = await grantSubscription(trx, terms, actor, now);
  const details = { ...terms, subscriptionRequestId: row.id };
  return { result: granted.result.id, events: fromRequest(granted.events, details) };
}

/**
 * A credential for the environment when the system has no active one; null when it has (its key serves every
 * subscription of the system). The secret the registry's command answers is discarded unseen here: the
 * consumer's own secret is made when it collects (collect.ts), so the credential cannot be used before then.
 */
async function issueCredentialIfNone(
  trx: Transaction<Database>,
  row: RequestRow,
  environment: Environment,
  actor: string,
  now: Date,
): Promise<Changed<string | null>> {
  const active = await trx
    .selectFrom('credentials')
    .select('id')
    .where('system_id', '=', row.system_id)
    .where('environment', '=', environment)
    .where('status', '=', 'active')
    .where('replaced_by', 'is', null)
    .executeTakeFirst();
  if (active) return { result: null, events: [] };
  const issued = await issueCredential(trx, { systemId: row.system_id, environment }, actor, now);
  return {
    result: issued.result.id,
    events: fromRequest(issued.events, { subscriptionRequestId: row.id }),
  };
}

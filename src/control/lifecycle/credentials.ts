import type { Transaction } from 'kysely';
import type { Environment, IssuedCredential } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import type { Database } from '../../store/schema.ts';
import { insertCredential } from '../registry/credentials.ts';
import type { LifecycleContext } from './workflow.ts';

/** how long both secrets work after a rotation, unless the operator says otherwise. */
export const DEFAULT_ROTATION_OVERLAP_HOURS = 72;

/**
 * Rotates a credential: a new key and secret for the same system and environment; the old pair keeps
 * working for `overlapHours` so the consumer can switch without downtime, then stops (`runDue` revokes it).
 */
export async function rotateCredential(
  ctx: LifecycleContext,
  credentialId: string,
  overlapHours: number,
  actor: string,
): Promise<IssuedCredential & { previousExpiresAt: string }> {
  const old = await ctx.registry.getCredential(credentialId);
  if (old.status === 'revoked') throw new LgspError('CP_CREDENTIAL_REVOKED', credentialId);
  if (old.replacedBy) throw new LgspError('CP_CREDENTIAL_ROTATED', `${credentialId} → ${old.replacedBy}`);
  const expiresAt = new Date(ctx.clock.nowMs() + overlapHours * 3_600_000);
  // One transaction: the new pair exists exactly when the old one has its end date.
  const issued = await ctx.registry.changes.run(async (trx, now) => {
    const fresh = await insertCredential(trx, old.systemId, old.environment, now);
    await trx
      .updateTable('credentials')
      .set({ expires_at: expiresAt, replaced_by: fresh.id })
      .where('id', '=', credentialId)
      .execute();
    return {
      result: fresh,
      events: [
        {
          actor,
          action: 'credential.rotate',
          objectType: 'credential',
          objectId: credentialId,
          details: {
            replacedBy: fresh.id,
            consumerKey: fresh.consumerKey,
            expiresAt: expiresAt.toISOString(),
          },
        },
      ],
    };
  });
  return { ...issued, previousExpiresAt: expiresAt.toISOString() };
}

/**
 * A consumer stops using a service: the subscription is revoked, and so, at once, are the system's
 * credentials in that environment if no other active subscription still needs them.
 */
export async function cancelSubscription(
  ctx: LifecycleContext,
  subscriptionId: string,
  actor: string,
): Promise<{ revokedCredentials: string[] }> {
  return ctx.registry.changes.run(async (trx, now) => {
    const sub = await trx
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', subscriptionId)
      .executeTakeFirst();
    if (!sub) throw new LgspError('CP_SUBSCRIPTION_NOT_FOUND', subscriptionId);
    await trx
      .updateTable('subscriptions')
      .set({ status: 'revoked', updated_at: now })
      .where('id', '=', subscriptionId)
      .execute();
    const revokedCredentials = await revokeUnneededCredentials(
      trx,
      [{ systemId: sub.system_id, environment: sub.environment }],
      now,
    );
    return {
      result: { revokedCredentials },
      events: [
        {
          actor,
          action: 'subscription.cancel',
          objectType: 'subscription',
          objectId: subscriptionId,
          details: { revokedCredentials },
        },
      ],
    };
  });
}

/** Revokes the active credentials of these (system, environment) pairs that no active subscription needs any more. */
export async function revokeUnneededCredentials(
  trx: Transaction<Database>,
  pairs: Array<{ systemId: string; environment: Environment }>,
  now: Date,
): Promise<string[]> {
  const revoked: string[] = [];
  const seen = new Set<string>();
  for (const { systemId, environment } of pairs) {
    const key = `${systemId}|${environment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const still = await trx
      .selectFrom('subscriptions')
      .select('id')
      .where('system_id', '=', systemId)
      .where('environment', '=', environment)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (still) continue;
    // Guarded on `active`: a credential another change revoked meanwhile is not revoked (nor reported) twice.
    const rows = await trx
      .updateTable('credentials')
      .set({ status: 'revoked', revoked_at: now })
      .where('system_id', '=', systemId)
      .where('environment', '=', environment)
      .where('status', '=', 'active')
      .returning('id')
      .execute();
    revoked.push(...rows.map((r) => r.id));
  }
  return revoked;
}

import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/**
 * The latest successful call to a version in the sandbox that the gateway recorded — 2xx from the provider and to
 * the consumer — made by `consumerSystemId` when given: the evidence that publishing a version and asking
 * for production access each require — and, made at or after `since`, applying a reviewed change to a
 * published version (issue 10: a call before its sandbox test opened did not reach the proposed configuration).
 * Its transaction id, or null when there is none yet.
 */
export async function sandboxEvidence(
  db: Kysely<Database>,
  versionId: string,
  consumerSystemId?: string,
  since?: Date,
): Promise<string | null> {
  let q = db
    .selectFrom('transactions')
    .select('id')
    .where('version_id', '=', versionId)
    .where('environment', '=', 'sandbox')
    .where('provider_status', '>=', 200)
    .where('provider_status', '<', 300)
    .where('consumer_status', '>=', 200)
    .where('consumer_status', '<', 300);
  if (consumerSystemId !== undefined) q = q.where('consumer_system_id', '=', consumerSystemId);
  if (since !== undefined) q = q.where('request_in_at', '>=', since);
  const latest = await q.orderBy('request_in_at', 'desc').limit(1).executeTakeFirst();
  return latest?.id ?? null;
}

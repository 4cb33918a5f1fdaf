import type { Transaction } from 'kysely';
import { newId } from '../core/ids.ts';
import type { Database } from '../store/schema.ts';

export interface ChangeEvent {
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  details?: Record<string, unknown>;
}

/**
 * Every control-plane change calls this inside its own transaction (DESIGN.md "Audit in the same transaction as
 * the change"): it bumps the config revision, which tells gateways to load a new snapshot, and writes the audit
 * event carrying that revision. Returns the new revision.
 */
export async function recordChange(
  trx: Transaction<Database>,
  event: ChangeEvent,
  atMs: number,
): Promise<number> {
  const { revision } = await trx
    .updateTable('config_state')
    .set((eb) => ({ revision: eb('revision', '+', 1) }))
    .where('id', '=', 1)
    .returning('revision')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('audit_events')
    .values({
      id: newId('evt', atMs),
      at: new Date(atMs),
      actor: event.actor,
      action: event.action,
      object_type: event.objectType,
      object_id: event.objectId,
      details: JSON.stringify(event.details ?? {}),
      revision,
    })
    .execute();
  return revision;
}

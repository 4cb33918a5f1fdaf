import { type Kysely, sql, type Transaction } from 'kysely';
import { chainHash, GENESIS_HASH } from '../core/hashing.ts';
import { newId } from '../core/ids.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';

export interface ChangeEvent {
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  details?: Record<string, unknown>;
}

/** The chain columns of audit_events (migration 0002_audit_chain.sql), as Kysely sees them. */
export interface AuditChainColumns {
  seq: number;
  prev_hash: string | null;
  hash: string | null;
}

/** The database with the chain columns on audit_events; the same tables as `Database` otherwise. */
export type AuditDatabase = Omit<Database, 'audit_events'> & {
  audit_events: Database['audit_events'] & AuditChainColumns;
};

/** The content of an audit event that its hash covers: every column but the chain's own links. */
export interface AuditEventContent {
  seq: number;
  id: string;
  /** ISO 8601, UTC, milliseconds. */
  at: string;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  details: unknown;
  revision: number;
}

/** SHA-256 (hex) of the previous event's hash, a newline and this event's canonical JSON. */
export function auditEventHash(prevHash: string, content: AuditEventContent): string {
  const { seq, id, at, actor, action, objectType, objectId, details, revision } = content;
  return chainHash(prevHash, { seq, id, at, actor, action, objectType, objectId, details, revision });
}

/** An audit_events row as read back from either store. */
interface AuditRow {
  id: string;
  at: Date | string;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  details: unknown;
  revision: number;
  seq: number;
}

/** The hashed content of a row as either store returns it (timestamptz as Date, jsonb parsed, int8 as number). */
export function auditRowContent(row: AuditRow): AuditEventContent {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: (row.at instanceof Date ? row.at : new Date(row.at)).toISOString(),
    actor: row.actor,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    details: row.details,
    revision: Number(row.revision),
  };
}

/** The chain's view of a transaction or store handle; the chain columns are not in `Database` (schema.ts). */
function chainDb(db: Kysely<Database>): Kysely<AuditDatabase> {
  return db as unknown as Kysely<AuditDatabase>;
}

/**
 * Every control-plane change calls this inside its own transaction (DESIGN.md "Audit in the same transaction as
 * the change"): it bumps the config revision, which tells gateways to load a new snapshot, and writes the audit
 * event carrying that revision. Returns the new revision.
 *
 * The event is also the next link of a hash chain (R-20: the audit trail is evidence, so changing, deleting or
 * slipping in an event must show; `verifyAuditChain` in audit-verify.ts checks it). Reading the last link and
 * appending the next is safe without any other lock because the revision bump above row-locks config_state until
 * this transaction ends, which serializes every change on every node sharing the database. That only holds if
 * every audit write goes through this function: do not insert into audit_events anywhere else.
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
  const db = chainDb(trx);
  let last = await lastLink(db);
  // Events from before migration 0002 are numbered but not yet hashed until the platform seals them at start;
  // if this change comes first, seal them now, under the same lock, so the new event links to a real hash.
  if (last && last.hash === null) {
    await sealPrefix(db);
    last = await lastLink(db);
  }
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  const id = newId('evt', atMs);
  const at = new Date(atMs);
  // What jsonb will hand back when the chain is verified: undefined members dropped, dates as strings.
  const details = JSON.parse(JSON.stringify(event.details ?? {})) as Record<string, unknown>;
  const hash = auditEventHash(prevHash, {
    seq,
    id,
    at: at.toISOString(),
    actor: event.actor,
    action: event.action,
    objectType: event.objectType,
    objectId: event.objectId,
    details,
    revision,
  });
  await db
    .insertInto('audit_events')
    .values({
      id,
      at,
      actor: event.actor,
      action: event.action,
      object_type: event.objectType,
      object_id: event.objectId,
      details: JSON.stringify(details),
      revision,
      seq,
      prev_hash: prevHash,
      hash,
    })
    .execute();
  return revision;
}

async function lastLink(db: Kysely<AuditDatabase>) {
  const row = await db
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { seq: Number(row.seq), hash: row.hash } : undefined;
}

const SEAL_PAGE = 500;

/**
 * Hashes the events that migration 0002 numbered but could not hash: the unhashed rows at the start of the chain,
 * before the first hashed one. Only that prefix — a row whose hash went missing further on is tampering for
 * `verifyAuditChain` to report, not something to paper over. Runs inside the caller's transaction.
 */
async function sealPrefix(db: Kysely<AuditDatabase>): Promise<number> {
  const first = await db.selectFrom('audit_events').select('hash').orderBy('seq').limit(1).executeTakeFirst();
  if (!first || first.hash !== null) return 0;
  const firstHashed = await db
    .selectFrom('audit_events')
    .select('seq')
    .where('hash', 'is not', null)
    .orderBy('seq')
    .limit(1)
    .executeTakeFirst();
  let prevHash = GENESIS_HASH;
  let afterSeq: number | null = null;
  let sealed = 0;
  for (;;) {
    let q = db
      .selectFrom('audit_events')
      .select(['id', 'at', 'actor', 'action', 'object_type', 'object_id', 'details', 'revision', 'seq'])
      .where('hash', 'is', null)
      .orderBy('seq')
      .limit(SEAL_PAGE);
    if (afterSeq !== null) q = q.where('seq', '>', afterSeq);
    if (firstHashed) q = q.where('seq', '<', Number(firstHashed.seq));
    const rows = await q.execute();
    if (rows.length === 0) break;
    const links = rows.map((row) => {
      const hash = auditEventHash(prevHash, auditRowContent(row));
      const link = { id: row.id, prevHash, hash };
      prevHash = hash;
      return link;
    });
    await sql`UPDATE audit_events AS e SET prev_hash = v.prev_hash, hash = v.hash
      FROM (VALUES ${sql.join(links.map((l) => sql`(${l.id}::text, ${l.prevHash}::text, ${l.hash}::text)`))})
        AS v (id, prev_hash, hash)
      WHERE e.id = v.id`.execute(db);
    sealed += rows.length;
    afterSeq = Number(rows[rows.length - 1]!.seq);
    if (rows.length < SEAL_PAGE) break;
  }
  return sealed;
}

/**
 * Chains the audit events written before migration 0002 (R-20), in the order the migration numbered them
 * (revision, time, id). Call it once after the store is opened and migrated, before the platform takes changes;
 * it does nothing when there is nothing to seal. Returns how many events it sealed. It takes the config_state row
 * lock, as `recordChange` does, so it never interleaves with a change made by another node.
 */
export async function sealUnchainedAuditEvents(store: Pick<Store, 'db'>): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    await trx.selectFrom('config_state').select('revision').where('id', '=', 1).forUpdate().execute();
    return sealPrefix(chainDb(trx));
  });
}

import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { type ChangeEvent, recordChange } from './audit.ts';

/** Called after a change commits, with the new revision, so in-process gateways reload at once. */
export type ChangeListener = (revision: number) => void;

/**
 * What a command returns (registry/*.ts, the workflows): its result and the audit events of what it changed, in
 * the order they happened. The caller's change writes the events; a command never writes audit rows itself.
 */
export interface Changed<T> {
  result: T;
  events: ChangeEvent[];
}

/**
 * A command (registry/*.ts, the workflows): runs on the caller's transaction at the change's `now`, checks what
 * it needs and returns its result with its events, so a workflow can make several commands one change.
 */
export type Command<Input, Result> = (
  trx: Transaction<Database>,
  input: Input,
  actor: string,
  now: Date,
) => Promise<Changed<Result>>;

/** A command on one existing object named by id (for a new child: its parent's id). */
export type CommandOn<Input, Result> = (
  trx: Transaction<Database>,
  id: string,
  input: Input,
  actor: string,
  now: Date,
) => Promise<Changed<Result>>;

/**
 * The audit events of one object type: `audit(actor, 'update', id, details)` is `{ action: 'service.update',
 * objectType: 'service', … }`. The action's prefix is the object type unless named (`version.*` events are
 * about a `service_version`).
 */
export function auditOf(objectType: string, actionPrefix = objectType) {
  return (actor: string, verb: string, objectId: string, details?: Record<string, unknown>): ChangeEvent => ({
    actor,
    action: `${actionPrefix}.${verb}`,
    objectType,
    objectId,
    details,
  });
}

/** The work of one change: commands run on the change's transaction, at the change's one `now`. */
export type ChangeWork<T> = (trx: Transaction<Database>, now: Date) => Promise<Changed<T>>;

/**
 * Opens one change for everyone (DESIGN.md "Audit in the same transaction as the change", R-20): runs `work` in a
 * transaction that also writes each of its audit events — every event bumps the config revision — then, once it
 * committed, tells the listeners the last revision. A change that throws writes nothing and tells no one.
 */
export async function runChange<T>(
  store: Pick<Store, 'db'>,
  clock: Clock,
  work: ChangeWork<T>,
  listeners: Iterable<ChangeListener> = [],
): Promise<T> {
  const nowMs = clock.nowMs();
  const { result, revision } = await store.db.transaction().execute(async (trx) => {
    const { result, events } = await work(trx, new Date(nowMs));
    let revision: number | null = null;
    for (const event of events) revision = await recordChange(trx, event, nowMs);
    return { result, revision };
  });
  if (revision !== null) for (const listener of listeners) listener(revision);
  return result;
}

/**
 * Locks one request row until the change commits (SELECT … FOR UPDATE), so two people deciding at once take
 * turns: the second reads the first's decision. Throws CP_REQUEST_NOT_FOUND when there is no such request.
 */
export async function lockRequestRow(
  trx: Transaction<Database>,
  table: 'connection_requests' | 'subscription_requests' | 'version_change_requests',
  id: string,
): Promise<void> {
  const locked = await trx.selectFrom(table).select('id').where('id', '=', id).forUpdate().executeTakeFirst();
  if (!locked) throw new LgspError('CP_REQUEST_NOT_FOUND', id);
}

/** `runChange` bound to one store and clock, with the listeners that want to hear of every change. */
export class Changes {
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    private readonly store: Pick<Store, 'db'>,
    private readonly clock: Clock,
  ) {}

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  run<T>(work: ChangeWork<T>): Promise<T> {
    return runChange(this.store, this.clock, work, this.listeners);
  }
}

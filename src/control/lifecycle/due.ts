import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { revokeUnneededCredentials } from './credentials.ts';
import { type LifecycleContext, moveVersionIfIn } from './workflow.ts';

/** What `runDue` did, by kind: the ids it changed. */
export interface DueReport {
  retiredVersions: string[];
  decommissionedServices: string[];
  revokedCredentials: string[];
}

/** One row carried out: its audit event's details, and the credentials it revoked on the way (a decommission). */
interface CarriedOut {
  details: Record<string, unknown>;
  revokedCredentials?: string[];
}

/**
 * Something that falls due at a date. `due` lists the rows due at `now`; it reads outside any change, so another
 * node may carry out the same rows at the same time. `carryOut` therefore changes a row only if it is still in the
 * state `due` found it in — the guard is in the UPDATE itself, which PostgreSQL re-checks after waiting for the
 * other node's lock — and answers null when it changed nothing, so that each row is changed, and audited, once.
 */
interface DueRule {
  reportAs: keyof DueReport;
  /** The audit event of each row carried out. */
  action: string;
  objectType: string;
  due(db: Kysely<Database>, now: Date): Promise<string[]>;
  carryOut(trx: Transaction<Database>, id: string, at: Date): Promise<CarriedOut | null>;
}

/** The ids a query selects. */
const ids = async (query: { execute(): Promise<Array<{ id: string }>> }) =>
  (await query.execute()).map((r) => r.id);

/**
 * What falls due: versions past their sunset are retired; services past their decommission
 * date are ended (versions retired, subscriptions and the credentials they alone needed revoked); rotated
 * credentials past their overlap are revoked.
 */
const DUE_RULES: readonly DueRule[] = [
  {
    reportAs: 'retiredVersions',
    action: 'version.retire',
    objectType: 'service_version',
    due: (db, now) =>
      ids(
        db
          .selectFrom('service_versions')
          .select('id')
          .where('status', '=', 'deprecated')
          .where('sunset_at', '<=', now),
      ),
    carryOut: async (trx, id, at) =>
      (await moveVersionIfIn(trx, id, 'retire', {}, at)) ? { details: { reason: 'sunset' } } : null,
  },
  {
    reportAs: 'decommissionedServices',
    action: 'service.decommission',
    objectType: 'service',
    due: (db, now) =>
      ids(
        db
          .selectFrom('services')
          .select('id')
          .where('decommission_at', '<=', now)
          .where('decommissioned_at', 'is', null),
      ),
    carryOut: async (trx, id, at) => {
      const ended = await trx
        .updateTable('services')
        .set({ decommissioned_at: at, updated_at: at })
        .where('id', '=', id)
        .where('decommission_at', '<=', at)
        .where('decommissioned_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!ended) return null;
      const versionIds = await ids(
        trx.selectFrom('service_versions').select('id').where('service_id', '=', id),
      );
      if (versionIds.length > 0) {
        await trx
          .updateTable('service_versions')
          .set({ status: 'retired', updated_at: at })
          .where('id', 'in', versionIds)
          .where('status', '!=', 'rejected')
          .execute();
      }
      const subs = versionIds.length
        ? await trx
            .updateTable('subscriptions')
            .set({ status: 'revoked', updated_at: at })
            .where('version_id', 'in', versionIds)
            .where('status', '!=', 'revoked')
            .returning(['system_id', 'environment'])
            .execute()
        : [];
      const revokedCredentials = await revokeUnneededCredentials(
        trx,
        subs.map((s) => ({ systemId: s.system_id, environment: s.environment })),
        at,
      );
      return { details: { revokedSubscriptions: subs.length, revokedCredentials }, revokedCredentials };
    },
  },
  {
    reportAs: 'revokedCredentials',
    action: 'credential.revoke',
    objectType: 'credential',
    due: (db, now) =>
      ids(
        db
          .selectFrom('credentials')
          .select('id')
          .where('status', '=', 'active')
          .where('expires_at', '<=', now),
      ),
    carryOut: async (trx, id, at) => {
      const revoked = await trx
        .updateTable('credentials')
        .set({ status: 'revoked', revoked_at: at })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .where('expires_at', '<=', at)
        .returning('id')
        .executeTakeFirst();
      return revoked ? { details: { reason: 'rotation overlap ended' } } : null;
    },
  },
];

/**
 * Carries out what has fallen due, each row in its own change (change.ts) with its audit event. The gateway
 * already refuses these from its snapshot at the due time; this makes the registry say so too. Any number of
 * nodes may run it at once: each row is changed by one of them. Returns what this call did.
 */
export async function runDue(ctx: LifecycleContext, actor: string): Promise<DueReport> {
  const now = new Date(ctx.clock.nowMs());
  const out: DueReport = { retiredVersions: [], decommissionedServices: [], revokedCredentials: [] };
  for (const rule of DUE_RULES) {
    for (const id of await rule.due(ctx.store.db, now)) {
      const done = await ctx.registry.changes.run(async (trx, at) => {
        const result = await rule.carryOut(trx, id, at);
        const { action, objectType } = rule;
        return {
          result,
          events: result ? [{ actor, action, objectType, objectId: id, details: result.details }] : [],
        };
      });
      if (!done) continue;
      out[rule.reportAs].push(id);
      out.revokedCredentials.push(...(done.revokedCredentials ?? []));
    }
  }
  return out;
}

import type { Kysely } from 'kysely';
import type { Credential, Environment, IssuedCredential } from '../../api/contract/index.ts';
import type { Clock } from '../../core/clock.ts';
import { isoOf } from '../../core/time.ts';
import { EgressPolicy } from '../../net/egress.ts';
import type { Store } from '../../store/port.ts';
import type { Database } from '../../store/schema.ts';
import { type ChangeListener, Changes, type Command, type CommandOn } from '../change.ts';
import * as credentials from './credentials.ts';
import * as organizations from './organizations.ts';
import * as services from './services.ts';
import * as subscriptions from './subscriptions.ts';
import * as systems from './systems.ts';

export type { OrganizationInput } from './organizations.ts';
export type { ServiceInput, ServicePatch, VersionInput, VersionPatch } from './services.ts';
export type { SubscriptionInput, SubscriptionPatch } from './subscriptions.ts';
export type { SystemInput, SystemPatch } from './systems.ts';

/**
 * The registry of the control plane: organizations, systems, services and versions, subscriptions, credentials.
 * Each method is one change (change.ts) around one command of registry/*.ts: one transaction that also writes
 * its audit event and bumps the config revision. Workflows call the same commands inside their own changes.
 */
export class Registry {
  /** Every change of the control plane goes through here, so the listeners hear of all of them. */
  readonly changes: Changes;

  /**
   * @param egress the platform's egress policy (issue 10): upstream URLs are checked against it when saved. Without
   * one, the defaults alone apply (no `egress.allow`, no own ports known).
   */
  constructor(
    private readonly store: Store,
    clock: Clock,
    readonly egress: EgressPolicy = new EgressPolicy({ allow: [] }),
  ) {
    this.changes = new Changes(store, clock);
  }

  onChange(listener: ChangeListener): () => void {
    return this.changes.onChange(listener);
  }

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  // Each public method is one change around one command, or one query; the binders below make them so.

  private command<I, R>(command: Command<I, R>) {
    return (input: I, actor: string): Promise<R> =>
      this.changes.run((trx, now) => command(trx, input, actor, now));
  }

  private commandOn<I, R>(command: CommandOn<I, R>) {
    return (id: string, input: I, actor: string): Promise<R> =>
      this.changes.run((trx, now) => command(trx, id, input, actor, now));
  }

  private query<F, R>(query: (db: Kysely<Database>, filter?: F) => Promise<R[]>) {
    return (filter?: F): Promise<R[]> => query(this.db, filter);
  }

  private lookup<Row, R>(require: (db: Kysely<Database>, id: string) => Promise<Row>, map: (row: Row) => R) {
    return async (id: string): Promise<R> => map(await require(this.db, id));
  }

  // ── Organizations ──────────────────────────────────────────────────────────────────────────────────────────
  readonly createOrganization = this.command(organizations.createOrganization);
  readonly updateOrganization = this.commandOn(organizations.updateOrganization);
  readonly listOrganizations = this.query(organizations.listOrganizations);
  readonly getOrganization = this.lookup(organizations.requireOrganization, organizations.toOrganization);

  // ── Information systems ────────────────────────────────────────────────────────────────────────────────────
  readonly createSystem = this.command(systems.createSystem);
  readonly updateSystem = this.commandOn(systems.updateSystem);
  readonly listSystems = this.query(systems.listSystems);
  readonly getSystem = this.lookup(systems.requireSystem, systems.toSystem);

  // ── Services and versions ──────────────────────────────────────────────────────────────────────────────────
  readonly createService = this.command(services.createService);
  readonly updateService = this.commandOn(services.updateService);
  readonly listServices = this.query(services.listServices);
  readonly getService = this.lookup(services.requireService, services.toService);
  /** A new version of the service named by the first argument. */
  readonly createVersion = async (serviceId: string, input: services.VersionInput, actor: string) => {
    await services.assertVersionEgress(this.db, this.egress, null, input);
    return this.commandOn(services.createVersion)(serviceId, input, actor);
  };
  readonly updateVersion = async (id: string, patch: services.VersionPatch, actor: string) => {
    await services.assertVersionEgress(this.db, this.egress, id, patch);
    return this.commandOn(services.updateVersion)(id, patch, actor);
  };
  readonly listVersions = this.query(services.listVersions);
  readonly getVersion = this.lookup(services.requireVersion, services.toVersion);

  // ── Subscriptions ──────────────────────────────────────────────────────────────────────────────────────────
  readonly createSubscription = this.command(subscriptions.createSubscription);
  readonly updateSubscription = this.commandOn(subscriptions.updateSubscription);
  readonly listSubscriptions = this.query(subscriptions.listSubscriptions);
  readonly getSubscription = this.lookup(subscriptions.requireSubscription, subscriptions.toSubscription);

  // ── Credentials ────────────────────────────────────────────────────────────────────────────────────────────

  issueCredential(systemId: string, environment: Environment, actor: string): Promise<IssuedCredential> {
    return this.changes.run((trx, now) =>
      credentials.issueCredential(trx, { systemId, environment }, actor, now),
    );
  }

  revokeCredential(id: string, actor: string, reason?: string): Promise<Credential> {
    return this.changes.run((trx, now) => credentials.revokeCredential(trx, id, actor, now, reason));
  }

  readonly listCredentials = this.query(credentials.listCredentials);
  readonly getCredential = this.lookup(credentials.requireCredential, credentials.toCredential);

  // ── Audit trail ────────────────────────────────────────────────────────────────────────────────────────────

  async listAuditEvents(filter: { objectId?: string; limit?: number } = {}) {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.objectId) q = q.where('object_id', '=', filter.objectId);
    const rows = await q
      .orderBy('revision', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      at: isoOf(r.at),
      actor: r.actor,
      action: r.action,
      objectType: r.object_type,
      objectId: r.object_id,
      details: r.details,
      revision: r.revision,
    }));
  }
}

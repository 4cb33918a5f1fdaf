import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../../core/clock.ts';
import { isoOf } from '../../core/time.ts';
import type {
  Credential,
  Environment,
  InformationSystem,
  IssuedCredential,
  Organization,
  Service,
  ServiceVersion,
  Subscription,
} from '../../core/types.ts';
import type { Store } from '../../store/port.ts';
import type { Database } from '../../store/schema.ts';
import type { ChangeEvent } from '../audit.ts';
import { type ChangeListener, Changes, type ChangeWork } from '../change.ts';
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

  constructor(
    private readonly store: Store,
    clock: Clock,
  ) {
    this.changes = new Changes(store, clock);
  }

  onChange(listener: ChangeListener): () => void {
    return this.changes.onChange(listener);
  }

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  private run<T>(work: ChangeWork<T>): Promise<T> {
    return this.changes.run(work);
  }

  /**
   * One change with a single audit event, for the workflows not yet written as commands (lifecycle, subscription
   * requests); new code uses `changes.run` with `{ result, events }`.
   */
  change<T>(
    work: (trx: Transaction<Database>, now: Date) => Promise<{ result: T; event: ChangeEvent }>,
  ): Promise<T> {
    return this.run(async (trx, now) => {
      const { result, event } = await work(trx, now);
      return { result, events: [event] };
    });
  }

  // ── Organizations ──────────────────────────────────────────────────────────────────────────────────────────

  createOrganization(input: organizations.OrganizationInput, actor: string): Promise<Organization> {
    return this.run((trx, now) => organizations.createOrganization(trx, input, actor, now));
  }

  updateOrganization(
    id: string,
    patch: Partial<Omit<organizations.OrganizationInput, 'code'>>,
    actor: string,
  ): Promise<Organization> {
    return this.run((trx, now) => organizations.updateOrganization(trx, id, patch, actor, now));
  }

  listOrganizations(): Promise<Organization[]> {
    return organizations.listOrganizations(this.db);
  }

  async getOrganization(id: string): Promise<Organization> {
    return organizations.toOrganization(await organizations.requireOrganization(this.db, id));
  }

  // ── Information systems ────────────────────────────────────────────────────────────────────────────────────

  createSystem(input: systems.SystemInput, actor: string): Promise<InformationSystem> {
    return this.run((trx, now) => systems.createSystem(trx, input, actor, now));
  }

  updateSystem(id: string, patch: systems.SystemPatch, actor: string): Promise<InformationSystem> {
    return this.run((trx, now) => systems.updateSystem(trx, id, patch, actor, now));
  }

  listSystems(filter: { organizationId?: string } = {}): Promise<InformationSystem[]> {
    return systems.listSystems(this.db, filter);
  }

  async getSystem(id: string): Promise<InformationSystem> {
    return systems.toSystem(await systems.requireSystem(this.db, id));
  }

  // ── Services and versions ──────────────────────────────────────────────────────────────────────────────────

  createService(input: services.ServiceInput, actor: string): Promise<Service> {
    return this.run((trx, now) => services.createService(trx, input, actor, now));
  }

  updateService(id: string, patch: services.ServicePatch, actor: string): Promise<Service> {
    return this.run((trx, now) => services.updateService(trx, id, patch, actor, now));
  }

  listServices(filter: { providerSystemId?: string } = {}): Promise<Service[]> {
    return services.listServices(this.db, filter);
  }

  async getService(id: string): Promise<Service> {
    return services.toService(await services.requireService(this.db, id));
  }

  createVersion(serviceId: string, input: services.VersionInput, actor: string): Promise<ServiceVersion> {
    return this.run((trx, now) => services.createVersion(trx, serviceId, input, actor, now));
  }

  updateVersion(id: string, patch: services.VersionPatch, actor: string): Promise<ServiceVersion> {
    return this.run((trx, now) => services.updateVersion(trx, id, patch, actor, now));
  }

  listVersions(filter: { serviceId?: string } = {}): Promise<ServiceVersion[]> {
    return services.listVersions(this.db, filter);
  }

  async getVersion(id: string): Promise<ServiceVersion> {
    return services.toVersion(await services.requireVersion(this.db, id));
  }

  // ── Subscriptions ──────────────────────────────────────────────────────────────────────────────────────────

  createSubscription(input: subscriptions.SubscriptionInput, actor: string): Promise<Subscription> {
    return this.run((trx, now) => subscriptions.createSubscription(trx, input, actor, now));
  }

  updateSubscription(
    id: string,
    patch: subscriptions.SubscriptionPatch,
    actor: string,
  ): Promise<Subscription> {
    return this.run((trx, now) => subscriptions.updateSubscription(trx, id, patch, actor, now));
  }

  listSubscriptions(filter: { systemId?: string; versionId?: string } = {}): Promise<Subscription[]> {
    return subscriptions.listSubscriptions(this.db, filter);
  }

  async getSubscription(id: string): Promise<Subscription> {
    return subscriptions.toSubscription(await subscriptions.requireSubscription(this.db, id));
  }

  // ── Credentials ────────────────────────────────────────────────────────────────────────────────────────────

  issueCredential(systemId: string, environment: Environment, actor: string): Promise<IssuedCredential> {
    return this.run((trx, now) => credentials.issueCredential(trx, { systemId, environment }, actor, now));
  }

  revokeCredential(id: string, actor: string, reason?: string): Promise<Credential> {
    return this.run((trx, now) => credentials.revokeCredential(trx, id, actor, now, reason));
  }

  listCredentials(filter: { systemId?: string } = {}): Promise<Credential[]> {
    return credentials.listCredentials(this.db, filter);
  }

  async getCredential(id: string): Promise<Credential> {
    return credentials.toCredential(await credentials.requireCredential(this.db, id));
  }

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

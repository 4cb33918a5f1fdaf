import type { Static } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type {
  AuditQuery,
  Credential,
  Environment,
  IssuedCredential,
  PageOf,
} from '../../api/contract/index.ts';
import type { Clock } from '../../core/clock.ts';
import { isoOf } from '../../core/time.ts';
import { EgressPolicy } from '../../net/egress.ts';
import type { Store } from '../../store/port.ts';
import type { Database } from '../../store/schema.ts';
import { type ChangeListener, Changes, type Command, type CommandOn } from '../change.ts';
import * as credentials from './credentials.ts';
import * as organizations from './organizations.ts';
import { isPlatformTestClient } from './platform-owned.ts';
import * as services from './services.ts';
import * as subscriptions from './subscriptions.ts';
import * as systems from './systems.ts';

export type { OrganizationInput } from './organizations.ts';

/** The audit trail's filters and page (its `limit` optional here: 100 when not given). */
export type AuditFilter = Partial<Static<typeof AuditQuery>>;
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

  /** One page of a list for people (issue 11), with the organization it is limited to when one is. */
  private page<Q, R>(page: (db: Kysely<Database>, query: Q, visibleTo?: string) => Promise<PageOf<R>>) {
    return (query: Q, visibleTo?: string): Promise<PageOf<R>> => page(this.db, query, visibleTo);
  }

  private lookup<Row, R>(require: (db: Kysely<Database>, id: string) => Promise<Row>, map: (row: Row) => R) {
    return async (id: string): Promise<R> => map(await require(this.db, id));
  }

  // ── Organizations ──────────────────────────────────────────────────────────────────────────────────────────
  readonly createOrganization = this.command(organizations.createOrganization);
  readonly updateOrganization = this.commandOn(organizations.updateOrganization);
  readonly listOrganizations = this.query(organizations.listOrganizations);
  readonly pageOrganizations = this.page(organizations.pageOrganizations);
  readonly getOrganization = this.lookup(organizations.requireOrganization, organizations.toOrganization);

  // ── Information systems ────────────────────────────────────────────────────────────────────────────────────
  readonly createSystem = this.command(systems.createSystem);
  readonly updateSystem = this.commandOn(systems.updateSystem);
  readonly listSystems = this.query(systems.listSystems);
  readonly pageSystems = this.page(systems.pageSystems);
  readonly getSystem = this.lookup(systems.requireSystem, systems.toSystem);
  readonly isPlatformTestClient = (systemId: string): Promise<boolean> =>
    isPlatformTestClient(this.db, systemId);

  // ── Services and versions ──────────────────────────────────────────────────────────────────────────────────
  readonly createService = this.command(services.createService);
  readonly updateService = this.commandOn(services.updateService);
  readonly listServices = this.query(services.listServices);
  readonly pageServices = this.page(services.pageServices);
  readonly getService = this.lookup(services.requireService, services.toService);
  /** Whether an organization may know the service exists: its own, or in the catalogue (R-27). */
  serviceVisibleTo(id: string, organizationId: string): Promise<boolean> {
    return services.serviceVisibleTo(this.db, id, organizationId);
  }
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
  readonly pageVersions = this.page(services.pageVersions);
  readonly getVersion = this.lookup(services.requireVersion, services.toVersion);
  /** Whether an organization may know the version exists: its own service's, or in the catalogue (R-27). */
  versionVisibleTo(id: string, organizationId: string): Promise<boolean> {
    return services.versionVisibleTo(this.db, id, organizationId);
  }

  // ── Subscriptions ──────────────────────────────────────────────────────────────────────────────────────────
  readonly createSubscription = this.command(subscriptions.createSubscription);
  readonly updateSubscription = this.commandOn(subscriptions.updateSubscription);
  readonly listSubscriptions = this.query(subscriptions.listSubscriptions);
  readonly pageSubscriptions = this.page(subscriptions.pageSubscriptions);
  readonly getSubscription = (id: string) => subscriptions.readSubscription(this.db, id);

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
  readonly pageCredentials = this.page(credentials.pageCredentials);
  readonly getCredential = this.lookup(credentials.requireCredential, credentials.toCredential);

  // ── Audit trail ────────────────────────────────────────────────────────────────────────────────────────────

  /** The newest audit events matching `filter` (one page, without its cursor). */
  async listAuditEvents(filter: AuditFilter = {}) {
    return (await this.pageAuditEvents(filter)).items;
  }

  /**
   * One page of the audit trail (R-20), newest first, keyset-paged on its chain position (`seq`), so a deep page
   * costs what the first does. No total: the trail only grows, and counting it on every page is not free.
   */
  async pageAuditEvents(filter: AuditFilter = {}) {
    const limit = filter.limit ?? 100;
    // The actor is a user id (or `system:…` for the platform's own jobs); its username is joined in, as other
    // lists join the names of what they refer to, so a reader sees `admin`, not `usr_…` (a deleted or system
    // actor has none).
    let q = this.db
      .selectFrom('audit_events')
      .leftJoin('users', 'users.id', 'audit_events.actor')
      .selectAll('audit_events')
      .select('users.username as actor_username');
    if (filter.objectId) q = q.where('audit_events.object_id', '=', filter.objectId);
    if (filter.objectType) q = q.where('audit_events.object_type', '=', filter.objectType);
    if (filter.action) q = q.where('audit_events.action', '=', filter.action);
    if (filter.actor) q = q.where('audit_events.actor', '=', filter.actor);
    if (filter.from) q = q.where('audit_events.at', '>=', new Date(filter.from));
    if (filter.to) q = q.where('audit_events.at', '<', new Date(filter.to));
    if (filter.cursor) q = q.where('audit_events.seq', '<', Number(filter.cursor));
    const rows = await q
      .orderBy('audit_events.seq', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const items = page.map((r) => ({
      id: r.id,
      at: isoOf(r.at),
      actor: r.actor,
      actorUsername: r.actor_username ?? null,
      action: r.action,
      objectType: r.object_type,
      objectId: r.object_id,
      details: r.details,
      revision: r.revision,
    }));
    return { items, nextCursor: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
  }
}

import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  ContactPoint,
  Credential,
  Environment,
  InformationSystem,
  IssuedCredential,
  Organization,
  Protocol,
  ResourceTemplate,
  Service,
  ServiceVersion,
  Subscription,
  SubscriptionStatus,
  SystemStatus,
  TechnicalDescription,
  VersionMode,
  VersionStatus,
} from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import { newId, newSecret } from '../core/ids.ts';
import { isoOf } from '../core/time.ts';
import { isUniqueViolation, type Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { type ChangeEvent, recordChange } from './audit.ts';
import { publishNotice } from './notices.ts';
import {
  assertVersionMove,
  parseTimeOfUse,
  validateDeliveryConcurrency,
  validateResourceTemplates,
  validateUpstreamUrl,
} from './rules.ts';

/** Official electronic codes of agencies (Circular 10/2023/TT-BTTTT), e.g. 000.00.31.H01. */
const ORGANIZATION_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

type Row<T extends keyof Database> = Selectable<Database[T]>;

function toOrganization(r: Row<'organizations'>): Organization {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    parentId: r.parent_id,
    contact: r.contact_name
      ? {
          name: r.contact_name,
          title: r.contact_title,
          unit: r.contact_unit,
          phone: r.contact_phone,
          email: r.contact_email,
        }
      : null,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function toSystem(r: Row<'systems'> & { organization_code: string }): InformationSystem {
  return {
    id: r.id,
    organizationId: r.organization_id,
    organizationCode: r.organization_code,
    name: r.name,
    description: r.description,
    isProvider: r.is_provider,
    isConsumer: r.is_consumer,
    status: r.status,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function toService(r: Row<'services'>): Service {
  return {
    id: r.id,
    context: r.context,
    name: r.name,
    providerSystemId: r.provider_system_id,
    description: r.description,
    decommissionAt: r.decommission_at ? isoOf(r.decommission_at) : null,
    decommissionedAt: r.decommissioned_at ? isoOf(r.decommissioned_at) : null,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function toVersion(r: Row<'service_versions'> & { context: string }): ServiceVersion {
  return {
    id: r.id,
    serviceId: r.service_id,
    context: r.context,
    version: r.version,
    protocol: r.protocol,
    status: r.status,
    mode: r.mode,
    deliveryConcurrency: r.delivery_concurrency,
    healthCheck: r.health_check_path
      ? { path: r.health_check_path, intervalSeconds: r.health_check_interval_seconds }
      : null,
    upstreams: { sandbox: r.sandbox_url, production: r.production_url },
    resources: r.resources,
    publishedAt: r.published_at ? isoOf(r.published_at) : null,
    deprecatedAt: r.deprecated_at ? isoOf(r.deprecated_at) : null,
    sunsetAt: r.sunset_at ? isoOf(r.sunset_at) : null,
    successorVersionId: r.successor_version_id,
    technicalDocumentType: r.technical_document_type,
    submittedAt: r.submitted_at ? isoOf(r.submitted_at) : null,
    rejectionReason: r.rejection_reason,
    sandboxEvidenceTransactionId: r.sandbox_evidence_txn_id,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function toSubscription(r: Row<'subscriptions'>): Subscription {
  return {
    id: r.id,
    systemId: r.system_id,
    versionId: r.version_id,
    environment: r.environment,
    status: r.status,
    quotaPerMinute: r.quota_per_minute,
    quotaPerDay: r.quota_per_day,
    timeOfUse: r.window_start && r.window_end ? `${r.window_start}-${r.window_end}` : null,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function toCredential(r: Row<'credentials'>): Credential {
  return {
    id: r.id,
    systemId: r.system_id,
    environment: r.environment,
    consumerKey: r.consumer_key,
    status: r.status,
    createdAt: isoOf(r.created_at),
    revokedAt: r.revoked_at ? isoOf(r.revoked_at) : null,
    expiresAt: r.expires_at ? isoOf(r.expires_at) : null,
    replacedBy: r.replaced_by,
  };
}

export interface OrganizationInput {
  code: string;
  name: string;
  parentId?: string | null;
  contact?: ContactPoint | null;
}
export interface SystemInput {
  organizationId: string;
  name: string;
  description?: string | null;
  isProvider: boolean;
  isConsumer: boolean;
}
export interface ServiceInput {
  context: string;
  name: string;
  providerSystemId: string;
  description?: TechnicalDescription;
}
export interface VersionInput {
  version: string;
  protocol?: Protocol;
  status?: VersionStatus;
  mode?: VersionMode;
  deliveryConcurrency?: number;
  /** null removes the probe. */
  healthCheck?: { path: string; intervalSeconds?: number } | null;
  upstreams?: { sandbox?: string | null; production?: string | null };
  resources?: ResourceTemplate[];
}
export interface SubscriptionInput {
  systemId: string;
  versionId: string;
  environment: Environment;
  status?: SubscriptionStatus;
  quotaPerMinute?: number | null;
  quotaPerDay?: number | null;
  timeOfUse?: string | null;
}

/** Called after a change commits, with the new revision, so in-process gateways reload at once. */
export type ChangeListener = (revision: number) => void;

/**
 * The registry of the control plane: organizations, systems, services and versions, subscriptions, credentials.
 * Every change is one transaction that also writes its audit event and bumps the config revision.
 */
export class Registry {
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  /**
   * Runs `work` and records its change in one transaction, then tells the listeners. Public so that the other
   * control-plane services (lifecycle, workflows) make their changes the same way.
   */
  async change<T>(
    work: (trx: Transaction<Database>, now: Date) => Promise<{ result: T; event: ChangeEvent }>,
  ): Promise<T> {
    const nowMs = this.clock.nowMs();
    const { result, revision } = await this.db.transaction().execute(async (trx) => {
      const { result, event } = await work(trx, new Date(nowMs));
      return { result, revision: await recordChange(trx, event, nowMs) };
    });
    for (const listener of this.listeners) listener(revision);
    return result;
  }

  // ── Organizations (R-09: each names its contact point) ──────────────────────────────────────────────────────

  async createOrganization(input: OrganizationInput, actor: string): Promise<Organization> {
    if (!ORGANIZATION_CODE.test(input.code)) throw new LgspError('CP_ORGANIZATION_CODE_INVALID', input.code);
    return this.change(async (trx, now) => {
      if (input.parentId) await this.requireOrganization(trx, input.parentId);
      const id = newId('org', now.getTime());
      const row = await trx
        .insertInto('organizations')
        .values({
          id,
          code: input.code,
          name: input.name,
          parent_id: input.parentId ?? null,
          ...contactColumns(input.contact),
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch((err) => {
          throw isUniqueViolation(err) ? new LgspError('CP_ORGANIZATION_CODE_TAKEN', input.code) : err;
        });
      return {
        result: toOrganization(row),
        event: {
          actor,
          action: 'organization.create',
          objectType: 'organization',
          objectId: id,
          details: { code: input.code, name: input.name },
        },
      };
    });
  }

  async updateOrganization(
    id: string,
    patch: Partial<Omit<OrganizationInput, 'code'>>,
    actor: string,
  ): Promise<Organization> {
    return this.change(async (trx, now) => {
      await this.requireOrganization(trx, id);
      if (patch.parentId) await this.requireOrganization(trx, patch.parentId);
      const row = await trx
        .updateTable('organizations')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.parentId !== undefined ? { parent_id: patch.parentId } : {}),
          ...(patch.contact !== undefined ? contactColumns(patch.contact) : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        result: toOrganization(row),
        event: {
          actor,
          action: 'organization.update',
          objectType: 'organization',
          objectId: id,
          details: { fields: Object.keys(patch) },
        },
      };
    });
  }

  async listOrganizations(): Promise<Organization[]> {
    const rows = await this.db.selectFrom('organizations').selectAll().orderBy('code').execute();
    return rows.map(toOrganization);
  }

  async getOrganization(id: string): Promise<Organization> {
    return toOrganization(await this.requireOrganization(this.db, id));
  }

  private async requireOrganization(db: Kysely<Database>, id: string): Promise<Row<'organizations'>> {
    const row = await db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_ORGANIZATION_NOT_FOUND', id);
    return row;
  }

  // ── Information systems (R-07: the list of connected systems) ───────────────────────────────────────────────

  async createSystem(input: SystemInput, actor: string): Promise<InformationSystem> {
    if (!input.isProvider && !input.isConsumer) throw new LgspError('CP_SYSTEM_ROLE_REQUIRED');
    return this.change(async (trx, now) => {
      const org = await this.requireOrganization(trx, input.organizationId);
      const id = newId('sys', now.getTime());
      const row = await trx
        .insertInto('systems')
        .values({
          id,
          organization_id: org.id,
          name: input.name,
          description: input.description ?? null,
          is_provider: input.isProvider,
          is_consumer: input.isConsumer,
          status: 'active',
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        result: toSystem({ ...row, organization_code: org.code }),
        event: {
          actor,
          action: 'system.create',
          objectType: 'system',
          objectId: id,
          details: { organizationCode: org.code, name: input.name },
        },
      };
    });
  }

  async updateSystem(
    id: string,
    patch: {
      name?: string;
      description?: string | null;
      isProvider?: boolean;
      isConsumer?: boolean;
      status?: SystemStatus;
    },
    actor: string,
  ): Promise<InformationSystem> {
    return this.change(async (trx, now) => {
      const current = await this.requireSystem(trx, id);
      const isProvider = patch.isProvider ?? current.is_provider;
      const isConsumer = patch.isConsumer ?? current.is_consumer;
      if (!isProvider && !isConsumer) throw new LgspError('CP_SYSTEM_ROLE_REQUIRED');
      await trx
        .updateTable('systems')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: patch.description } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          is_provider: isProvider,
          is_consumer: isConsumer,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      const action =
        patch.status && patch.status !== current.status
          ? `system.${patch.status === 'suspended' ? 'suspend' : 'activate'}`
          : 'system.update';
      return {
        result: toSystem(await this.requireSystem(trx, id)),
        event: { actor, action, objectType: 'system', objectId: id, details: { fields: Object.keys(patch) } },
      };
    });
  }

  async listSystems(filter: { organizationId?: string } = {}): Promise<InformationSystem[]> {
    let q = this.systemQuery(this.db);
    if (filter.organizationId) q = q.where('systems.organization_id', '=', filter.organizationId);
    return (await q.orderBy('systems.created_at').execute()).map(toSystem);
  }

  async getSystem(id: string): Promise<InformationSystem> {
    return toSystem(await this.requireSystem(this.db, id));
  }

  private systemQuery(db: Kysely<Database>) {
    return db
      .selectFrom('systems')
      .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
      .selectAll('systems')
      .select('organizations.code as organization_code');
  }

  private async requireSystem(db: Kysely<Database>, id: string) {
    const row = await this.systemQuery(db).where('systems.id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_SYSTEM_NOT_FOUND', id);
    return row;
  }

  // ── Services and versions (R-11 description; R-18 versions side by side) ───────────────────────────────────

  async createService(input: ServiceInput, actor: string): Promise<Service> {
    const context = normalizeContext(input.context);
    return this.change(async (trx, now) => {
      const provider = await this.requireSystem(trx, input.providerSystemId);
      if (!provider.is_provider) throw new LgspError('CP_SYSTEM_NOT_PROVIDER', provider.id);
      const id = newId('svc', now.getTime());
      const row = await trx
        .insertInto('services')
        .values({
          id,
          context,
          name: input.name,
          provider_system_id: provider.id,
          description: JSON.stringify(input.description ?? {}),
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch((err) => {
          throw isUniqueViolation(err) ? new LgspError('CP_SERVICE_CONTEXT_TAKEN', context) : err;
        });
      return {
        result: toService(row),
        event: {
          actor,
          action: 'service.create',
          objectType: 'service',
          objectId: id,
          details: { context, name: input.name },
        },
      };
    });
  }

  async updateService(
    id: string,
    patch: { name?: string; description?: TechnicalDescription },
    actor: string,
  ): Promise<Service> {
    return this.change(async (trx, now) => {
      await this.requireService(trx, id);
      const row = await trx
        .updateTable('services')
        .set({
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.description !== undefined ? { description: JSON.stringify(patch.description) } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        result: toService(row),
        event: {
          actor,
          action: 'service.update',
          objectType: 'service',
          objectId: id,
          details: { fields: Object.keys(patch) },
        },
      };
    });
  }

  async listServices(filter: { providerSystemId?: string } = {}): Promise<Service[]> {
    let q = this.db.selectFrom('services').selectAll();
    if (filter.providerSystemId) q = q.where('provider_system_id', '=', filter.providerSystemId);
    return (await q.orderBy('context').execute()).map(toService);
  }

  async getService(id: string): Promise<Service> {
    return toService(await this.requireService(this.db, id));
  }

  private async requireService(db: Kysely<Database>, id: string): Promise<Row<'services'>> {
    const row = await db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_SERVICE_NOT_FOUND', id);
    return row;
  }

  async createVersion(serviceId: string, input: VersionInput, actor: string): Promise<ServiceVersion> {
    // The version is a path segment of every call (`/dancu/1.0/…`): path-safe, short.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(input.version)) {
      throw new LgspError(
        'API_VALIDATION_FAILED',
        `version "${input.version}": letters, digits, . _ - (≤ 32)`,
      );
    }
    // Every version starts as a draft and reaches production only through onboarding.
    if (input.status !== undefined && input.status !== 'draft')
      throw new LgspError('CP_VERSION_STATE', `→ ${input.status}`);
    const resources = validateResourceTemplates(input.resources ?? [{ method: '*', path: '/*' }]);
    const sandbox = validateUpstreamUrl(input.upstreams?.sandbox ?? null);
    const production = validateUpstreamUrl(input.upstreams?.production ?? null);
    return this.change(async (trx, now) => {
      const service = await this.requireService(trx, serviceId);
      const id = newId('ver', now.getTime());
      const row = await trx
        .insertInto('service_versions')
        .values({
          id,
          service_id: service.id,
          version: input.version,
          protocol: input.protocol ?? 'REST',
          status: input.status ?? 'draft',
          mode: input.mode ?? 'sync',
          delivery_concurrency: validateDeliveryConcurrency(input.deliveryConcurrency ?? 4),
          ...healthCheckColumns(input.healthCheck),
          sandbox_url: sandbox,
          production_url: production,
          resources: JSON.stringify(resources),
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch((err) => {
          throw isUniqueViolation(err)
            ? new LgspError('CP_VERSION_TAKEN', `${service.context} ${input.version}`)
            : err;
        });
      return {
        result: toVersion({ ...row, context: service.context }),
        event: {
          actor,
          action: 'version.create',
          objectType: 'service_version',
          objectId: id,
          details: { context: service.context, version: input.version },
        },
      };
    });
  }

  async updateVersion(
    id: string,
    patch: Omit<Partial<VersionInput>, 'version'>,
    actor: string,
  ): Promise<ServiceVersion> {
    const resources = patch.resources ? validateResourceTemplates(patch.resources) : undefined;
    const upstreams = patch.upstreams;
    return this.change(async (trx, now) => {
      const current = await this.requireVersion(trx, id);
      if (patch.status !== undefined) assertVersionMove(current.status, patch.status);
      // Consumers build against the mode: it is fixed once the version leaves draft (a new version changes it).
      if (patch.mode !== undefined && patch.mode !== current.mode && current.status !== 'draft') {
        throw new LgspError('CP_VERSION_STATE', `mode: ${current.status} (chỉ khi nháp / only in draft)`);
      }
      await trx
        .updateTable('service_versions')
        .set({
          ...(patch.protocol !== undefined ? { protocol: patch.protocol } : {}),
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.mode !== undefined ? { mode: patch.mode } : {}),
          ...healthCheckColumns(patch.healthCheck),
          ...(patch.deliveryConcurrency !== undefined
            ? { delivery_concurrency: validateDeliveryConcurrency(patch.deliveryConcurrency) }
            : {}),
          ...(upstreams?.sandbox !== undefined
            ? { sandbox_url: validateUpstreamUrl(upstreams.sandbox) }
            : {}),
          ...(upstreams?.production !== undefined
            ? { production_url: validateUpstreamUrl(upstreams.production) }
            : {}),
          ...(resources ? { resources: JSON.stringify(resources) } : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      const updated = await this.requireVersion(trx, id);
      // the provider's endpoint of a version in use changed — the consumers concerned are told, with a
      // public notice, in this same transaction (they keep calling the same gateway address).
      const endpointMoved =
        updated.sandbox_url !== current.sandbox_url || updated.production_url !== current.production_url;
      if (endpointMoved && ['sandbox_test', 'published', 'deprecated'].includes(current.status)) {
        await publishNotice(
          trx,
          {
            kind: 'endpoint_change',
            serviceId: current.service_id,
            versionId: id,
            title: `Thay đổi địa chỉ dịch vụ nguồn ${current.context} ${current.version} / Upstream endpoint changed`,
            body:
              `Hệ thống cung cấp của dịch vụ ${current.context} ${current.version} đã đổi địa chỉ kết nối. Bên khai thác tiếp tục gọi qua LGSP như cũ; ` +
              'nếu có lỗi, hãy liên hệ đầu mối của Sở TT&TT. / The provider endpoint changed; keep calling through the LGSP as before.',
          },
          [id],
          now,
          actor,
        );
      }
      const action =
        patch.status && patch.status !== current.status ? `version.${patch.status}` : 'version.update';
      return {
        result: toVersion(updated),
        event: {
          actor,
          action,
          objectType: 'service_version',
          objectId: id,
          details: { fields: Object.keys(patch), ...(patch.status ? { status: patch.status } : {}) },
        },
      };
    });
  }

  async listVersions(filter: { serviceId?: string } = {}): Promise<ServiceVersion[]> {
    let q = this.versionQuery(this.db);
    if (filter.serviceId) q = q.where('service_versions.service_id', '=', filter.serviceId);
    return (await q.orderBy('services.context').orderBy('service_versions.version').execute()).map(toVersion);
  }

  async getVersion(id: string): Promise<ServiceVersion> {
    return toVersion(await this.requireVersion(this.db, id));
  }

  private versionQuery(db: Kysely<Database>) {
    return db
      .selectFrom('service_versions')
      .innerJoin('services', 'services.id', 'service_versions.service_id')
      .selectAll('service_versions')
      .select('services.context');
  }

  private async requireVersion(db: Kysely<Database>, id: string) {
    const row = await this.versionQuery(db).where('service_versions.id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_VERSION_NOT_FOUND', id);
    return row;
  }

  // ── Subscriptions (R-16: a token is valid only for what its system subscribed to) ──────────────────────────

  async createSubscription(input: SubscriptionInput, actor: string): Promise<Subscription> {
    const window = parseTimeOfUse(input.timeOfUse ?? null);
    return this.change(async (trx, now) => {
      const system = await this.requireSystem(trx, input.systemId);
      if (!system.is_consumer) throw new LgspError('CP_SYSTEM_NOT_CONSUMER', system.id);
      const version = await this.requireVersion(trx, input.versionId);
      const id = newId('sub', now.getTime());
      const row = await trx
        .insertInto('subscriptions')
        .values({
          id,
          system_id: system.id,
          version_id: version.id,
          environment: input.environment,
          status: input.status ?? 'active',
          quota_per_minute: input.quotaPerMinute ?? null,
          quota_per_day: input.quotaPerDay ?? null,
          window_start: window?.start ?? null,
          window_end: window?.end ?? null,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch((err) => {
          throw isUniqueViolation(err)
            ? new LgspError(
                'CP_SUBSCRIPTION_EXISTS',
                `${system.id} ${version.context} ${version.version} ${input.environment}`,
              )
            : err;
        });
      return {
        result: toSubscription(row),
        event: {
          actor,
          action: 'subscription.create',
          objectType: 'subscription',
          objectId: id,
          details: { systemId: system.id, versionId: version.id, environment: input.environment },
        },
      };
    });
  }

  async updateSubscription(
    id: string,
    patch: {
      status?: SubscriptionStatus;
      quotaPerMinute?: number | null;
      quotaPerDay?: number | null;
      timeOfUse?: string | null;
    },
    actor: string,
  ): Promise<Subscription> {
    const window = patch.timeOfUse !== undefined ? parseTimeOfUse(patch.timeOfUse) : undefined;
    return this.change(async (trx, now) => {
      const current = await this.requireSubscription(trx, id);
      const row = await trx
        .updateTable('subscriptions')
        .set({
          ...(patch.status !== undefined ? { status: patch.status } : {}),
          ...(patch.quotaPerMinute !== undefined ? { quota_per_minute: patch.quotaPerMinute } : {}),
          ...(patch.quotaPerDay !== undefined ? { quota_per_day: patch.quotaPerDay } : {}),
          ...(window !== undefined
            ? { window_start: window?.start ?? null, window_end: window?.end ?? null }
            : {}),
          updated_at: now,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      const action =
        patch.status && patch.status !== current.status
          ? `subscription.${patch.status === 'active' ? 'activate' : patch.status === 'suspended' ? 'suspend' : 'revoke'}`
          : 'subscription.update';
      return {
        result: toSubscription(row),
        event: { actor, action, objectType: 'subscription', objectId: id, details: { ...patch } },
      };
    });
  }

  async listSubscriptions(filter: { systemId?: string; versionId?: string } = {}): Promise<Subscription[]> {
    let q = this.db.selectFrom('subscriptions').selectAll();
    if (filter.systemId) q = q.where('system_id', '=', filter.systemId);
    if (filter.versionId) q = q.where('version_id', '=', filter.versionId);
    return (await q.orderBy('created_at').execute()).map(toSubscription);
  }

  async getSubscription(id: string): Promise<Subscription> {
    return toSubscription(await this.requireSubscription(this.db, id));
  }

  private async requireSubscription(db: Kysely<Database>, id: string): Promise<Row<'subscriptions'>> {
    const row = await db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_SUBSCRIPTION_NOT_FOUND', id);
    return row;
  }

  // ── Credentials (R-14 consumer key + secret; R-25 secret shown once, stored hashed; revoke at once) ─────────

  async issueCredential(
    systemId: string,
    environment: Environment,
    actor: string,
  ): Promise<IssuedCredential> {
    return this.change(async (trx, now) => {
      const issued = await insertCredential(trx, systemId, environment, now);
      return {
        result: issued,
        event: {
          actor,
          action: 'credential.issue',
          objectType: 'credential',
          objectId: issued.id,
          details: { systemId, environment, consumerKey: issued.consumerKey },
        },
      };
    });
  }

  async revokeCredential(id: string, actor: string, reason?: string): Promise<Credential> {
    return this.change(async (trx, now) => {
      const current = await trx.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
      if (!current) throw new LgspError('CP_CREDENTIAL_NOT_FOUND', id);
      if (current.status === 'revoked') throw new LgspError('CP_CREDENTIAL_REVOKED', id);
      const row = await trx
        .updateTable('credentials')
        .set({ status: 'revoked', revoked_at: now })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        result: toCredential(row),
        event: {
          actor,
          action: 'credential.revoke',
          objectType: 'credential',
          objectId: id,
          details: { systemId: row.system_id, ...(reason ? { reason } : {}) },
        },
      };
    });
  }

  async listCredentials(filter: { systemId?: string } = {}): Promise<Credential[]> {
    let q = this.db.selectFrom('credentials').selectAll();
    if (filter.systemId) q = q.where('system_id', '=', filter.systemId);
    return (await q.orderBy('created_at').execute()).map(toCredential);
  }

  async getCredential(id: string): Promise<Credential> {
    const row = await this.db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_CREDENTIAL_NOT_FOUND', id);
    return toCredential(row);
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

/** The probe's columns from the API's `healthCheck` (undefined: unchanged; null: no probe). */
function healthCheckColumns(check: VersionInput['healthCheck']) {
  if (check === undefined) return {};
  if (check === null) return { health_check_path: null };
  const path = check.path.trim();
  if (!/^\/[^\s?#]*(\?[^\s#]*)?$/.test(path) || path.length > 500) {
    throw new LgspError('API_VALIDATION_FAILED', `healthCheck.path "${check.path}": a path such as /health`);
  }
  const interval = check.intervalSeconds ?? 60;
  if (!Number.isInteger(interval) || interval < 10 || interval > 86400) {
    throw new LgspError('API_VALIDATION_FAILED', `healthCheck.intervalSeconds ${interval}: 10–86400`);
  }
  return { health_check_path: path, health_check_interval_seconds: interval };
}

async function providesAsync(trx: Transaction<Database>, systemId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('service_versions')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .select('service_versions.id')
    .where('services.provider_system_id', '=', systemId)
    .where('service_versions.mode', '=', 'async')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Issues a consumer key and secret inside the caller's transaction: the secret is returned this once
 * and only its SHA-256 is stored. Shared by issuing and rotating, so a rotation is one transaction.
 */
export async function insertCredential(
  trx: Transaction<Database>,
  systemId: string,
  environment: Environment,
  now: Date,
): Promise<IssuedCredential> {
  const system = await trx
    .selectFrom('systems')
    .select(['id', 'is_consumer'])
    .where('id', '=', systemId)
    .executeTakeFirst();
  if (!system) throw new LgspError('CP_SYSTEM_NOT_FOUND', systemId);
  // A provider of an async service needs a credential too: to pull its inbox and acknowledge (issue 4).
  if (!system.is_consumer && !(await providesAsync(trx, system.id))) {
    throw new LgspError('CP_SYSTEM_NOT_CONSUMER', system.id);
  }
  const consumerSecret = newSecret();
  // The consumer key is public (it names the credential in logs and tokens); 20 random characters.
  const consumerKey = newSecret().replace(/[-_]/g, '').slice(0, 20);
  const row = await trx
    .insertInto('credentials')
    .values({
      id: newId('cred', now.getTime()),
      system_id: system.id,
      environment,
      consumer_key: consumerKey,
      secret_sha256: sha256Hex(consumerSecret),
      status: 'active',
      created_at: now,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...toCredential(row), consumerSecret };
}

function contactColumns(contact: ContactPoint | null | undefined) {
  return {
    contact_name: contact?.name ?? null,
    contact_title: contact?.title ?? null,
    contact_unit: contact?.unit ?? null,
    contact_phone: contact?.phone ?? null,
    contact_email: contact?.email ?? null,
  };
}

/** A context is one or more lower-case path segments without slashes at the ends: `dancu`, `bhxh/tracuu`. */
function normalizeContext(raw: string): string {
  const context = raw.trim().replace(/^\/+|\/+$/g, '');
  if (!/^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9_-]*)*$/.test(context)) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `context "${raw}": lower-case letters, digits, - and _, segments separated by /`,
    );
  }
  return context;
}

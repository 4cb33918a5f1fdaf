import type { Static } from '@sinclair/typebox';
import type { Kysely, Selectable } from 'kysely';
import type {
  CompositeInput,
  PageOf,
  Protocol,
  ResourceTemplate,
  Service,
  ServiceQuery,
  ServiceVersion,
  SoapRestInput,
  TechnicalDescription,
  VersionFieldMappingInput,
  VersionMode,
  VersionQuery,
  VersionStatus,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { normalizeFieldMapping } from '../../core/field-mapping.ts';
import { newId } from '../../core/ids.ts';
import { pathProblem } from '../../core/paths.ts';
import { isoOf } from '../../core/time.ts';
import type { EgressPolicy } from '../../net/egress.ts';
import { byColumn, byName, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import { isUniqueViolation } from '../../store/port.ts';
import type { Database } from '../../store/schema.ts';
import { auditOf, type Command, type CommandOn } from '../change.ts';
import { refuseCompositeUpstreams, resolveComposite } from '../composites.ts';
import { publishNotice } from '../notices.ts';
import {
  assertVersionMove,
  validateDeliveryConcurrency,
  validateRequestBodyLimit,
  validateResourceTemplates,
  validateUpstreamUrl,
} from '../rules.ts';
import { fieldMappingColumn, refuseSoapRestDrift, soapRestColumn } from '../version-transforms.ts';
import { requireRow } from './rows.ts';
import { requireSystem } from './systems.ts';
import { serviceSeenBy, versionSeenBy } from './visibility.ts';

export type ServiceRow = Selectable<Database['services']>;
export type VersionRow = Selectable<Database['service_versions']> & { context: string };

export interface ServiceInput {
  context: string;
  name: string;
  providerSystemId: string;
  description?: TechnicalDescription;
}

export interface ServicePatch {
  name?: string;
  description?: TechnicalDescription;
}

export interface VersionInput {
  version: string;
  protocol?: Protocol;
  status?: VersionStatus;
  mode?: VersionMode;
  deliveryConcurrency?: number;
  /** null: the platform's default (`gateway.maxRequestBodyBytes`). */
  requestBodyLimitBytes?: number | null;
  /** null removes the probe. */
  healthCheck?: { path: string; intervalSeconds?: number } | null;
  upstreams?: { sandbox?: string | null; production?: string | null };
  resources?: ResourceTemplate[];
  /** A composite service (R-17, src/control/composites.ts); null: not one. Set only on a draft. */
  composite?: CompositeInput | null;
  /** JSON field mapping of requests and answers (src/control/version-transforms.ts); set only on a draft. */
  fieldMapping?: VersionFieldMappingInput | null;
  /** A SOAP version exposed as REST (src/control/version-transforms.ts); set only on a draft. */
  soapRest?: SoapRestInput | null;
}

export type VersionPatch = Omit<Partial<VersionInput>, 'version'>;

const serviceAudit = auditOf('service');
const versionAudit = auditOf('service_version', 'version');

export function toService(r: ServiceRow): Service {
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

/** The API's `healthCheck` from the probe's columns: null when the version has no probe. */
export function healthCheckOf(r: {
  health_check_path: string | null;
  health_check_interval_seconds: number;
}): { path: string; intervalSeconds: number } | null {
  return r.health_check_path
    ? { path: r.health_check_path, intervalSeconds: r.health_check_interval_seconds }
    : null;
}

export function toVersion(r: VersionRow): ServiceVersion {
  return {
    id: r.id,
    serviceId: r.service_id,
    context: r.context,
    version: r.version,
    protocol: r.protocol,
    status: r.status,
    mode: r.mode,
    deliveryConcurrency: r.delivery_concurrency,
    requestBodyLimitBytes: r.request_body_limit_bytes,
    healthCheck: healthCheckOf(r),
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
    // Definitions saved before `drop` and `constants` existed show them as what they mean: nothing dropped or set.
    composite: r.composite
      ? {
          sequential: r.composite.sequential,
          backends: r.composite.backends.map((b) => ({ ...b, ...normalizeFieldMapping(b) })),
        }
      : null,
    fieldMapping: r.field_mapping ?? null,
    soapRest: r.soap_rest ?? null,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
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

/** The probe's columns from the API's `healthCheck` (undefined: unchanged; null: no probe). */
function healthCheckColumns(check: VersionInput['healthCheck']) {
  if (check === undefined) return {};
  if (check === null) return { health_check_path: null };
  const path = check.path.trim();
  if (!/^\/[^\s?#]*(\?[^\s#]*)?$/.test(path) || path.length > 500) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `healthCheck.path "${check.path}": cần một đường dẫn như /health / a path such as /health`,
    );
  }
  // The probe asks for the upstream's base path + this path: the gateway's canonical-path rule keeps it under the
  // base, so that a provider resolving `..` cannot make it probe another service on a shared host (issue 10).
  const problem = pathProblem(path.split('?', 1)[0]!);
  if (problem !== null) {
    throw new LgspError('API_VALIDATION_FAILED', `healthCheck.path "${check.path}": ${problem}`);
  }
  const interval = check.intervalSeconds ?? 60;
  if (!Number.isInteger(interval) || interval < 10 || interval > 86400) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `healthCheck.intervalSeconds ${interval}: từ 10 đến 86400 giây / 10–86400 seconds`,
    );
  }
  return { health_check_path: path, health_check_interval_seconds: interval };
}

/**
 * Issue 10 (no SSRF): the upstreams a create or patch would save pass the egress policy — and so do the stored
 * upstreams a new health check would probe — else 400 API_EGRESS_DENIED naming the rule. Called before the
 * change's transaction: it may resolve names, and a transaction must not wait on DNS.
 */
export async function assertVersionEgress(
  db: Kysely<Database>,
  egress: EgressPolicy,
  versionId: string | null,
  input: Pick<VersionPatch, 'upstreams' | 'healthCheck'>,
): Promise<void> {
  const urls: { sandbox?: string | null; production?: string | null } = { ...input.upstreams };
  if (input.healthCheck && versionId) {
    const stored = await requireVersion(db, versionId);
    if (urls.sandbox === undefined) urls.sandbox = stored.sandbox_url;
    if (urls.production === undefined) urls.production = stored.production_url;
  }
  await egress.assertAllowed(urls.sandbox, 'upstreams.sandbox');
  await egress.assertAllowed(urls.production, 'upstreams.production');
}

// ── Service commands (R-11: the technical description) ────────────────────────────────────────────────────────

export const createService: Command<ServiceInput, Service> = async (trx, input, actor, now) => {
  const context = normalizeContext(input.context);
  const provider = await requireSystem(trx, input.providerSystemId);
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
    events: [serviceAudit(actor, 'create', id, { context, name: input.name })],
  };
};

export const updateService: CommandOn<ServicePatch, Service> = async (trx, id, patch, actor, now) => {
  await requireService(trx, id);
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
    events: [serviceAudit(actor, 'update', id, { fields: Object.keys(patch) })],
  };
};

// ── Version commands (R-18: versions side by side) ─────────────────────────────────────────────────────────────

export const createVersion: CommandOn<VersionInput, ServiceVersion> = async (
  trx,
  serviceId,
  input,
  actor,
  now,
) => {
  // The version is a path segment of every call (`/dancu/1.0/…`): path-safe, short.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/.test(input.version)) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `version "${input.version}": chữ, số, . _ - (≤ 32 ký tự) / letters, digits, . _ - (≤ 32)`,
    );
  }
  // Every version starts as a draft and reaches production only through onboarding (R-11).
  if (input.status !== undefined && input.status !== 'draft')
    throw new LgspError('CP_VERSION_STATE', `→ ${input.status}`);
  const resources = validateResourceTemplates(input.resources ?? [{ method: '*', path: '/*' }]);
  const sandbox = validateUpstreamUrl(input.upstreams?.sandbox ?? null);
  const production = validateUpstreamUrl(input.upstreams?.production ?? null);
  const service = await requireService(trx, serviceId);
  // R-21: an ended service stays ended — a new version would reach review and consumers' requests, then answer 410.
  if (service.decommissioned_at !== null)
    throw new LgspError('CP_SERVICE_DECOMMISSIONED', `${service.id} (${service.context})`);
  // R-17: a composite's backends are checked and resolved to versions now, every problem named at once.
  if (input.composite) refuseCompositeUpstreams(input.upstreams, input.mode);
  const composite = input.composite
    ? await resolveComposite(trx, input.composite, resources, null, await agencyScopeOf(trx, actor))
    : null;
  const shape = {
    status: 'draft',
    protocol: input.protocol ?? 'REST',
    mode: input.mode ?? 'sync',
    isComposite: composite !== null,
  };
  const transforms = {
    ...fieldMappingColumn(input.fieldMapping ?? undefined, shape),
    ...soapRestColumn(input.soapRest ?? undefined, shape),
  };
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
      request_body_limit_bytes: validateRequestBodyLimit(input.requestBodyLimitBytes ?? null),
      ...healthCheckColumns(input.healthCheck),
      sandbox_url: sandbox,
      production_url: production,
      resources: JSON.stringify(resources),
      composite: composite ? JSON.stringify(composite) : null,
      ...transforms,
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
    events: [versionAudit(actor, 'create', id, { context: service.context, version: input.version })],
  };
};

export const updateVersion: CommandOn<VersionPatch, ServiceVersion> = async (trx, id, patch, actor, now) => {
  const resources = patch.resources ? validateResourceTemplates(patch.resources) : undefined;
  const upstreams = patch.upstreams;
  const current = await requireVersion(trx, id);
  if (patch.status !== undefined) assertVersionMove(current.status, patch.status);
  // Consumers build against the mode: it is fixed once the version leaves draft (a new version changes it).
  if (patch.mode !== undefined && patch.mode !== current.mode && current.status !== 'draft') {
    throw new LgspError('CP_VERSION_STATE', `mode: ${current.status} (chỉ khi nháp / only in draft)`);
  }
  const composite = await compositeColumn(trx, current, patch, resources, await agencyScopeOf(trx, actor));
  const shape = {
    status: current.status,
    protocol: patch.protocol ?? current.protocol,
    mode: patch.mode ?? current.mode,
    isComposite: patch.composite !== undefined ? patch.composite !== null : current.composite !== null,
  };
  refuseSoapRestDrift(current, patch);
  const transforms = {
    ...fieldMappingColumn(patch.fieldMapping, shape),
    ...soapRestColumn(patch.soapRest, shape),
  };
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
      ...(patch.requestBodyLimitBytes !== undefined
        ? { request_body_limit_bytes: validateRequestBodyLimit(patch.requestBodyLimitBytes) }
        : {}),
      ...(upstreams?.sandbox !== undefined ? { sandbox_url: validateUpstreamUrl(upstreams.sandbox) } : {}),
      ...(upstreams?.production !== undefined
        ? { production_url: validateUpstreamUrl(upstreams.production) }
        : {}),
      ...(resources ? { resources: JSON.stringify(resources) } : {}),
      ...composite,
      ...transforms,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  const updated = await requireVersion(trx, id);
  // R-19: what the gateway forwards a version in use to, or lets through, changed — the consumers concerned are
  // told, with a public notice, in this same transaction (they keep calling the same gateway address).
  const endpointMoved =
    updated.sandbox_url !== current.sandbox_url || updated.production_url !== current.production_url;
  const resourcesChanged = JSON.stringify(updated.resources) !== JSON.stringify(current.resources);
  if (
    (endpointMoved || resourcesChanged) &&
    ['sandbox_test', 'published', 'deprecated'].includes(current.status)
  ) {
    const what = `${current.context} ${current.version}`;
    await publishNotice(
      trx,
      {
        kind: 'endpoint_change',
        serviceId: current.service_id,
        versionId: id,
        title: endpointMoved
          ? `Thay đổi địa chỉ dịch vụ nguồn ${what} / Upstream endpoint changed`
          : `Thay đổi tài nguyên của dịch vụ ${what} / Resources changed`,
        body:
          (endpointMoved
            ? `Hệ thống cung cấp của dịch vụ ${what} đã đổi địa chỉ kết nối. `
            : `Danh sách tài nguyên của dịch vụ ${what} đã thay đổi: ${updated.resources.map((r) => `${r.method} ${r.path}`).join(', ')}. `) +
          'Bên khai thác tiếp tục gọi qua LGSP như cũ; nếu có lỗi, hãy liên hệ đầu mối của Sở TT&TT. / ' +
          (endpointMoved ? 'The provider endpoint changed' : 'The resources of this version changed') +
          '; keep calling through the LGSP as before.',
      },
      [id],
      now,
      actor,
    );
  }
  const verb = patch.status && patch.status !== current.status ? patch.status : 'update';
  // Where a version forwards to is what an attacker would change (issue 10): the audit keeps before and after.
  const details = {
    fields: Object.keys(patch),
    ...(patch.status ? { status: patch.status } : {}),
    ...(endpointMoved
      ? {
          upstreams: {
            before: { sandbox: current.sandbox_url, production: current.production_url },
            after: { sandbox: updated.sandbox_url, production: updated.production_url },
          },
        }
      : {}),
    ...(resourcesChanged ? { resources: { before: current.resources, after: updated.resources } } : {}),
  };
  return {
    result: toVersion(updated),
    events: [versionAudit(actor, verb, id, details)],
  };
};

/**
 * The `composite` column a patch writes (R-17): a definition is set or removed only on a draft (consumers build
 * against it, like the mode); new resources of a composite are checked against its definition again.
 */
async function compositeColumn(
  trx: Parameters<typeof resolveComposite>[0],
  current: VersionRow,
  patch: VersionPatch,
  resources: ResourceTemplate[] | undefined,
  /** An agency actor's organization: its composites target its own versions and catalogued ones only. */
  visibleTo: string | undefined,
): Promise<{ composite?: string | null }> {
  const isComposite = patch.composite !== undefined ? patch.composite !== null : current.composite !== null;
  if (isComposite) refuseCompositeUpstreams(patch.upstreams, patch.mode ?? current.mode);
  if (patch.composite === undefined) {
    if (!current.composite || !resources) return {};
    const again = await resolveComposite(trx, current.composite, resources, current.id, visibleTo);
    return { composite: JSON.stringify(again) };
  }
  if (current.status !== 'draft') {
    throw new LgspError('CP_VERSION_STATE', `composite: ${current.status} (chỉ khi nháp / only in draft)`);
  }
  if (patch.composite === null) return { composite: null };
  refuseCompositeUpstreams({
    sandbox: patch.upstreams?.sandbox !== undefined ? patch.upstreams.sandbox : current.sandbox_url,
    production:
      patch.upstreams?.production !== undefined ? patch.upstreams.production : current.production_url,
  });
  const definition = await resolveComposite(
    trx,
    patch.composite,
    resources ?? current.resources,
    current.id,
    visibleTo,
  );
  return { composite: JSON.stringify(definition) };
}

// ── Queries ─────────────────────────────────────────────────────────────────────────────────────────────────────

type ServiceFilter = Omit<Static<typeof ServiceQuery>, 'sort' | 'limit' | 'offset'>;

/**
 * The organization an actor is limited to when it is an agency user (`∅` without one), else undefined: operator
 * staff, and the platform's own actors (not people), see every version.
 */
async function agencyScopeOf(db: Kysely<Database>, actor: string): Promise<string | undefined> {
  const user = await db
    .selectFrom('users')
    .select(['role', 'organization_id'])
    .where('id', '=', actor)
    .executeTakeFirst();
  return user?.role === 'agency' ? (user.organization_id ?? '∅') : undefined;
}

/** Services matching the filters of a service list, in no order yet; `visibleTo`: those that organization sees. */
function filteredServices(db: Kysely<Database>, filter: ServiceFilter, visibleTo?: string) {
  let q = db.selectFrom('services').selectAll('services');
  if (visibleTo !== undefined) q = q.where((eb) => serviceSeenBy(eb, visibleTo));
  if (filter.providerSystemId) q = q.where('services.provider_system_id', '=', filter.providerSystemId);
  const organizationId = filter.organizationId;
  if (organizationId) {
    q = q.where('services.provider_system_id', 'in', (eb) =>
      eb.selectFrom('systems').select('systems.id').where('systems.organization_id', '=', organizationId),
    );
  }
  const search = filter.q;
  if (search) q = q.where((eb) => matchesAny(eb, ['services.context', 'services.name'], search));
  return q;
}

/** Every service matching `filter`, by context (for the platform's own use; people get `pageServices`). */
export const listServices = async (db: Kysely<Database>, filter: ServiceFilter = {}) =>
  (await filteredServices(db, filter).orderBy('services.context').execute()).map(toService);

/**
 * One page of the service catalogue (issue 11), searched by context and name; by context by default. `visibleTo`
 * limits it, in SQL, to the services that organization may see (`serviceSeenBy`).
 */
export async function pageServices(
  db: Kysely<Database>,
  query: Static<typeof ServiceQuery>,
  visibleTo?: string,
): Promise<PageOf<Service>> {
  const order = ordering(
    query.sort,
    'context',
    {
      context: byColumn('services.context'),
      name: byName('services.name'),
      createdAt: byColumn('services.created_at'),
    },
    'services.id',
  );
  const { rows, total } = await pageOf(filteredServices(db, query, visibleTo), query, order);
  return { items: rows.map(toService), total };
}

export const requireService = (db: Kysely<Database>, id: string) => requireRow(db, 'services', id);

/** Whether an organization may know that a service exists (`serviceSeenBy`; false when there is none). */
export async function serviceVisibleTo(db: Kysely<Database>, id: string, organizationId: string) {
  const found = await filteredServices(db, {}, organizationId)
    .where('services.id', '=', id)
    .select('services.id as found')
    .executeTakeFirst();
  return found !== undefined;
}

/** Versions with their service's context. */
export function versionQuery(db: Kysely<Database>) {
  return db
    .selectFrom('service_versions')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .selectAll('service_versions')
    .select('services.context');
}

type VersionFilter = Omit<Static<typeof VersionQuery>, 'sort' | 'limit' | 'offset'>;

/** Versions matching the filters of a version list, in no order yet; `visibleTo`: those that organization sees. */
function filteredVersions(db: Kysely<Database>, filter: VersionFilter, visibleTo?: string) {
  let q = versionQuery(db);
  if (visibleTo !== undefined) q = q.where((eb) => versionSeenBy(eb, visibleTo));
  if (filter.serviceId) q = q.where('service_versions.service_id', '=', filter.serviceId);
  if (filter.status) q = q.where('service_versions.status', '=', filter.status);
  const search = filter.q;
  if (search) q = q.where((eb) => matchesAny(eb, ['services.context', 'service_versions.version'], search));
  return q;
}

/** Every version matching `filter`, by context and version (for the platform's own use). */
export async function listVersions(
  db: Kysely<Database>,
  filter: VersionFilter = {},
): Promise<ServiceVersion[]> {
  const q = filteredVersions(db, filter);
  return (await q.orderBy('services.context').orderBy('service_versions.version').execute()).map(toVersion);
}

/**
 * One page of versions (issue 11), searched by context and version; by context, then version, by default.
 * `visibleTo` limits it, in SQL, to the versions that organization may see (`versionSeenBy`).
 */
export async function pageVersions(
  db: Kysely<Database>,
  query: Static<typeof VersionQuery>,
  visibleTo?: string,
): Promise<PageOf<ServiceVersion>> {
  const order = ordering(
    query.sort,
    'context',
    {
      context: [byColumn('services.context'), byColumn('service_versions.version')],
      status: byColumn('service_versions.status'),
      createdAt: byColumn('service_versions.created_at'),
    },
    'service_versions.id',
  );
  const { rows, total } = await pageOf(filteredVersions(db, query, visibleTo), query, order);
  return { items: rows.map(toVersion), total };
}

/** Whether an organization may know that a version exists (`versionSeenBy`; false when there is none). */
export async function versionVisibleTo(db: Kysely<Database>, id: string, organizationId: string) {
  const found = await filteredVersions(db, {}, organizationId)
    .where('service_versions.id', '=', id)
    .select('service_versions.id as found')
    .executeTakeFirst();
  return found !== undefined;
}

export async function requireVersion(db: Kysely<Database>, id: string): Promise<VersionRow> {
  const row = await versionQuery(db).where('service_versions.id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError('CP_VERSION_NOT_FOUND', id);
  return row;
}

import { sql } from 'kysely';
import { PLATFORM_CATEGORY_PROVIDER } from '../../api/contract/sandbox-try.ts';
import type { ChangeEvent } from '../audit.ts';
import { auditOf, type Changes } from '../change.ts';
import { createOrganization } from '../registry/organizations.ts';
import { createService, createVersion } from '../registry/services.ts';
import { createSystem } from '../registry/systems.ts';

/**
 * The shared category lists are served as a service like any other (issue 12 item 7): `/dmdc/1.0`, published in
 * the registry by a provider system of a platform organization, so that a consumer calls it with its token and
 * subscription, under its quota and time window, and every call is recorded. The gateway answers its calls itself
 * from the snapshot (src/gateway/categories.ts) — never by forwarding to the platform's own admin port, which the
 * egress policy rightly denies. Its upstream URLs are in the reserved `.invalid` domain (RFC 6761 §6.4): were the
 * gateway ever to forward such a call, it would fail to resolve, never reach anything.
 */

export const CATEGORY_SERVICE = {
  context: 'dmdc',
  version: '1.0',
  // Stored in Vietnamese, as every organization's names are; the console shows them in the reader's language.
  organization: {
    code: PLATFORM_CATEGORY_PROVIDER.organizationCode,
    name: PLATFORM_CATEGORY_PROVIDER.organizationName.vi,
  },
  systemName: PLATFORM_CATEGORY_PROVIDER.systemName.vi,
  upstream: 'http://dmdc.lgsp.invalid/dmdc',
  resources: [
    { method: 'GET', path: '/AllCategory' },
    { method: 'GET', path: '/Metadata/{code}' },
    { method: 'GET', path: '/Category/{code}' },
  ],
} as const;

export interface CategoryServiceRef {
  serviceId: string;
  versionId: string;
  providerSystemId: string;
  context: string;
  version: string;
  paths: string[];
}

/** Nodes sharing a PostgreSQL make the service once between them: the first holds this lock while it does. */
const SERVICE_LOCK = 5207300028;
const versionAudit = auditOf('service_version', 'version');

/**
 * The built-in service, made at start-up when it is not there yet (one change: organization, provider system,
 * service, published version, each audited); nothing at all when it is. A platform whose `dmdc` context is already
 * taken by an agency's own service keeps that one and serves no built-in lists (null), and says so in its log.
 */
export async function ensureCategoryService(
  changes: Changes,
  actor = 'system:platform',
): Promise<CategoryServiceRef | null> {
  return changes.run(async (trx, now) => {
    await sql`SELECT pg_advisory_xact_lock(${SERVICE_LOCK})`.execute(trx);
    const events: ChangeEvent[] = [];
    const existing = await trx
      .selectFrom('builtin_services')
      .selectAll()
      .where('kind', '=', 'categories')
      .executeTakeFirst();
    if (existing)
      return {
        result: categoryServiceRef(existing.service_id, existing.version_id, existing.system_id),
        events,
      };
    const taken = await trx
      .selectFrom('services')
      .select('id')
      .where('context', '=', CATEGORY_SERVICE.context)
      .executeTakeFirst();
    if (taken) return { result: null, events };

    let organizationId = (
      await trx
        .selectFrom('organizations')
        .select('id')
        .where('code', '=', CATEGORY_SERVICE.organization.code)
        .executeTakeFirst()
    )?.id;
    if (organizationId === undefined) {
      const org = await createOrganization(trx, { ...CATEGORY_SERVICE.organization }, actor, now);
      events.push(...org.events);
      organizationId = org.result.id;
    }
    const system = await createSystem(
      trx,
      {
        organizationId,
        name: CATEGORY_SERVICE.systemName,
        description: 'Do nền tảng tạo; cổng kết nối tự trả lời các lời gọi /dmdc/1.0 từ danh mục đã nhập.',
        isProvider: true,
        isConsumer: false,
      },
      actor,
      now,
    );
    events.push(...system.events);
    const service = await createService(
      trx,
      {
        context: CATEGORY_SERVICE.context,
        name: 'Danh mục dùng chung',
        providerSystemId: system.result.id,
        description: {
          addressAndInterface:
            'GET /dmdc/1.0/AllCategory, /dmdc/1.0/Metadata/{code}, /dmdc/1.0/Category/{code}?page=&pageSize=',
          dataPresentation: 'JSON (docs/categories.md)',
        },
      },
      actor,
      now,
    );
    events.push(...service.events);
    const version = await createVersion(
      trx,
      service.result.id,
      {
        version: CATEGORY_SERVICE.version,
        upstreams: { sandbox: CATEGORY_SERVICE.upstream, production: CATEGORY_SERVICE.upstream },
        resources: CATEGORY_SERVICE.resources.map((r) => ({ ...r })),
      },
      actor,
      now,
    );
    events.push(...version.events);
    // Published at once: it is the platform's own, reviewed with the platform, not an agency's submission.
    await trx
      .updateTable('service_versions')
      .set({ status: 'published', published_at: now, updated_at: now })
      .where('id', '=', version.result.id)
      .execute();
    events.push(versionAudit(actor, 'publish', version.result.id, { builtin: 'categories' }));
    await trx
      .insertInto('builtin_services')
      .values({
        kind: 'categories',
        organization_id: organizationId,
        system_id: system.result.id,
        service_id: service.result.id,
        version_id: version.result.id,
        created_at: now,
      })
      .execute();
    return { result: categoryServiceRef(service.result.id, version.result.id, system.result.id), events };
  });
}

export function categoryServiceRef(
  serviceId: string,
  versionId: string,
  providerSystemId: string,
): CategoryServiceRef {
  const base = `/${CATEGORY_SERVICE.context}/${CATEGORY_SERVICE.version}`;
  return {
    serviceId,
    versionId,
    providerSystemId,
    context: CATEGORY_SERVICE.context,
    version: CATEGORY_SERVICE.version,
    paths: [`${base}/AllCategory`, `${base}/Metadata/{code}`, `${base}/Category/{code}`],
  };
}

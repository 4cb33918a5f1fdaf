import type { Static } from '@sinclair/typebox';
import type { ExpressionBuilder, Kysely } from 'kysely';
import type {
  PageOf,
  PublicContactQuery,
  PublicOrganization,
  PublicService,
  PublicServiceQuery,
  TechnicalDescription,
} from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import { isoOf, isoOrNull } from '../core/time.ts';
import { byColumn, byName, matchesAny, ordering, pageOf } from '../store/paging.ts';
import type { Database } from '../store/schema.ts';
import { hideUpstreams } from './api-document.ts';

/**
 * The public catalogue (R-10): what any agency may read without signing in — services that have a published or
 * deprecated version and are not decommissioned, their R-11 description, provider and its contact point (R-09),
 * their live versions and those versions' API documents. Nothing here is secret: no upstream addresses — not even
 * one the provider wrote into its description or document, which consumers read with the gateway's address in its
 * place (`descriptionForConsumers`, `documentForConsumers`; docs/security.md §2.1) — no subscriptions, and never a
 * draft's document (a version under review is not public yet). Search, count and paging run in SQL, so a
 * catalogue of thousands of services never loads every row.
 */

/** The states in which a version, and its document, are public. */
const LIVE_STATES = ['published', 'deprecated'] as const;

type Db = Kysely<Database>;
type ServiceScope = ExpressionBuilder<
  Database & { s: Database['services']; y: Database['systems']; o: Database['organizations'] },
  's' | 'y' | 'o'
>;

function publicServices(db: Db) {
  return db
    .selectFrom('services as s')
    .innerJoin('systems as y', 'y.id', 's.provider_system_id')
    .innerJoin('organizations as o', 'o.id', 'y.organization_id')
    .where('s.decommissioned_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('service_versions as v')
          .select('v.id')
          .whereRef('v.service_id', '=', 's.id')
          .where('v.status', 'in', LIVE_STATES),
      ),
    );
}

function matching(q: string | undefined) {
  const text = q?.trim();
  return (eb: ServiceScope) => {
    if (!text) return eb.lit(true);
    // Without regard to case or accents, like every list's search (src/store/paging.ts, migration 0024).
    return matchesAny(eb, ['s.name', 's.context', 'o.name', 'o.code'], text);
  };
}

const SERVICE_COLUMNS = [
  's.id',
  's.context',
  's.name',
  's.description',
  's.decommission_at',
  'y.name as system_name',
  'o.code as org_code',
  'o.name as org_name',
  'o.contact_name',
  'o.contact_title',
  'o.contact_unit',
  'o.contact_phone',
  'o.contact_email',
] as const;

const selectServices = (db: Db) => publicServices(db).select(SERVICE_COLUMNS);
type ServiceRow = Awaited<ReturnType<ReturnType<typeof selectServices>['execute']>>[number];

/** Where a version's document is read: absolute under `admin.publicUrl` when set, else a path on this origin. */
export const publicDocumentPath = (versionId: string) =>
  `/api/v1/public/versions/${encodeURIComponent(versionId)}/document`;

/** One page of the public services matching `q`, by name, and how many match in all. */
export async function listPublicServices(
  db: Db,
  query: PublicServiceQuery,
  publicBase: string,
  gatewayBase: string,
): Promise<{ items: PublicService[]; total: number }> {
  const where = matching(query.q);
  const [count, rows] = await Promise.all([
    publicServices(db)
      .where(where)
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow(),
    selectServices(db)
      .where(where)
      .orderBy('s.name')
      .orderBy('s.id')
      .limit(query.limit)
      .offset(query.offset)
      .execute(),
  ]);
  return { items: await withVersions(db, rows, publicBase, gatewayBase), total: Number(count.n) };
}

/** A public service, or 404 for one that does not exist or is not public (nothing told apart). */
export async function getPublicService(
  db: Db,
  id: string,
  publicBase: string,
  gatewayBase: string,
): Promise<PublicService> {
  const rows = await selectServices(db).where('s.id', '=', id).execute();
  const [found] = await withVersions(db, rows, publicBase, gatewayBase);
  if (!found)
    throw new LgspError(
      'CP_SERVICE_NOT_FOUND',
      `${id}: không có dịch vụ công khai này / no such public service`,
    );
  return found;
}

/** The document of a live version of a public service; 404 for a draft's, a retired one's, or none. */
export async function publicVersionDocument(
  db: Db,
  versionId: string,
): Promise<{
  type: 'openapi' | 'wsdl';
  text: string;
  name: string;
  basePath: string;
  /** Every upstream address of the service, replaced in the document by the gateway's (`documentForConsumers`). */
  upstreams: string[];
}> {
  const row = await db
    .selectFrom('service_versions as v')
    .innerJoin('services as s', 's.id', 'v.service_id')
    .select([
      'v.technical_document',
      'v.technical_document_type',
      'v.version',
      's.context',
      's.id as service_id',
    ])
    .where('v.id', '=', versionId)
    .where('v.status', 'in', LIVE_STATES)
    .where('s.decommissioned_at', 'is', null)
    .executeTakeFirst();
  if (!row?.technical_document || !row.technical_document_type) {
    throw new LgspError(
      'CP_VERSION_NOT_FOUND',
      `${versionId}: không có tài liệu công khai của phiên bản này / no public document for this version`,
    );
  }
  return {
    type: row.technical_document_type,
    text: row.technical_document,
    // A file name for Content-Disposition: only characters no header or file system reads specially.
    name: `${row.context}-${row.version}`.replace(/[^a-zA-Z0-9._-]/g, '-'),
    // Where consumers call it on the gateway: the address the document is given instead of the provider's own.
    basePath: `/${row.context}/${row.version}`,
    upstreams: ((await upstreamsByService(db, [row.service_id])).get(row.service_id) ?? []).flatMap(
      (v) => v.urls,
    ),
  };
}

/** The upstream addresses of one version of a service: where the platform was told the provider's server is. */
export interface VersionUpstreams {
  version: string;
  urls: string[];
}

/**
 * Every upstream address the platform was ever given for each service's versions — the current sandbox and
 * production ones, and those a version change proposed or replaced (a document written before the move still names
 * the old server) — by service: the published and deprecated versions first, then the newest first.
 */
export async function upstreamsByService(
  db: Db,
  serviceIds: readonly string[],
): Promise<Map<string, VersionUpstreams[]>> {
  const out = new Map<string, VersionUpstreams[]>();
  if (serviceIds.length === 0) return out;
  // One query, each version beside its change requests (a row per change; one with nulls when it has none), so the
  // public catalogue reads these and its versions in one round (withVersions).
  const rows = await db
    .selectFrom('service_versions as v')
    .leftJoin('version_change_requests as c', 'c.version_id', 'v.id')
    .select([
      'v.id',
      'v.service_id',
      'v.version',
      'v.status',
      'v.sandbox_url',
      'v.production_url',
      'c.proposed_upstreams',
      'c.previous',
    ])
    .where('v.service_id', 'in', [...serviceIds])
    .orderBy('v.created_at', 'desc')
    .orderBy('v.id')
    .execute();
  // Each version's addresses: its own first, then those its change requests proposed or replaced.
  const versions = new Map<string, { row: (typeof rows)[number]; urls: Set<string> }>();
  for (const row of rows) {
    let entry = versions.get(row.id);
    if (!entry) {
      entry = { row, urls: new Set() };
      versions.set(row.id, entry);
      for (const url of [row.sandbox_url, row.production_url]) if (url) entry.urls.add(url);
    }
    for (const url of [
      row.proposed_upstreams?.sandbox,
      row.proposed_upstreams?.production,
      row.previous?.upstreams.sandbox,
      row.previous?.upstreams.production,
    ])
      if (url) entry.urls.add(url);
  }
  const live = (status: string) => (LIVE_STATES as readonly string[]).includes(status);
  // A stable sort: the newest first among the live versions, then among the others.
  for (const { row, urls } of [...versions.values()].sort(
    (a, b) => Number(live(b.row.status)) - Number(live(a.row.status)),
  )) {
    const list = out.get(row.service_id) ?? [];
    list.push({ version: row.version, urls: [...urls] });
    out.set(row.service_id, list);
  }
  return out;
}

/**
 * A service's R-11 description as a consumer reads it (the public catalogue, the technical guide, the console of
 * another agency): a provider describing "Địa chỉ và giao diện kết nối" writes its own server, so each upstream
 * origin becomes the gateway address of the version it belongs to (`${gatewayBase}/${context}/${version}`;
 * api-document.ts `hideUpstreams`). The provider's agency and the operator read it as written.
 */
export function descriptionForConsumers(
  description: TechnicalDescription | Record<string, unknown> | null | undefined,
  context: string,
  versions: readonly VersionUpstreams[],
  gatewayBase: string,
): Record<string, string> {
  const hide = hideUpstreams(
    versions.flatMap((v) =>
      v.urls.map((upstream) => ({ upstream, gateway: `${gatewayBase}/${context}/${v.version}` })),
    ),
  );
  const out: Record<string, string> = {};
  for (const [item, text] of Object.entries(description ?? {}))
    if (typeof text === 'string') out[item] = hide(text);
  return out;
}

/** Whether a version is public at all (its operation list is then empty when it has no document). */
export async function isPublicVersion(db: Db, versionId: string): Promise<boolean> {
  const row = await db
    .selectFrom('service_versions as v')
    .innerJoin('services as s', 's.id', 'v.service_id')
    .select('v.id')
    .where('v.id', '=', versionId)
    .where('v.status', 'in', LIVE_STATES)
    .where('s.decommissioned_at', 'is', null)
    .executeTakeFirst();
  return row !== undefined;
}

async function withVersions(
  db: Db,
  rows: ServiceRow[],
  publicBase: string,
  gatewayBase: string,
): Promise<PublicService[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // Independent reads, both at once: the upstreams to hide in the descriptions and the versions to list.
  const [upstreams, versions] = await Promise.all([
    upstreamsByService(db, ids),
    // The document's text stays in the database: the list says only whether there is one, and where.
    db
      .selectFrom('service_versions')
      .select([
        'id',
        'service_id',
        'version',
        'protocol',
        'status',
        'sunset_at',
        'resources',
        'technical_document_type',
      ])
      .where('service_id', 'in', ids)
      .where('status', 'in', LIVE_STATES)
      .orderBy('created_at')
      .orderBy('id')
      .execute(),
  ]);
  return rows.map((r) => ({
    id: r.id,
    context: r.context,
    name: r.name,
    provider: {
      organizationCode: r.org_code,
      organizationName: r.org_name,
      systemName: r.system_name,
      contact: r.contact_name
        ? {
            name: r.contact_name,
            title: r.contact_title,
            unit: r.contact_unit,
            phone: r.contact_phone,
            email: r.contact_email,
          }
        : null,
    },
    description: descriptionForConsumers(r.description, r.context, upstreams.get(r.id) ?? [], gatewayBase),
    decommissionAt: isoOrNull(r.decommission_at),
    versions: versions
      .filter((v) => v.service_id === r.id)
      .map((v) => ({
        id: v.id,
        version: v.version,
        protocol: v.protocol,
        status: v.status,
        path: `/${r.context}/${v.version}`,
        sunsetAt: v.sunset_at ? isoOf(v.sunset_at) : null,
        resources: v.resources,
        documentType: v.technical_document_type,
        documentUrl: v.technical_document_type ? `${publicBase}${publicDocumentPath(v.id)}` : null,
      })),
  }));
}

/**
 * One page of the public contact points (R-09; issue 11): each organization's code, name and contact point, by
 * name by default, searched by code, name and the contact's name. Nothing else of an organization is public.
 */
export async function pagePublicContacts(
  db: Db,
  query: Static<typeof PublicContactQuery>,
): Promise<PageOf<PublicOrganization>> {
  let q = db
    .selectFrom('organizations')
    .select([
      'id',
      'code',
      'name',
      'contact_name',
      'contact_title',
      'contact_unit',
      'contact_phone',
      'contact_email',
    ]);
  const search = query.q;
  if (search) q = q.where((eb) => matchesAny(eb, ['code', 'name', 'contact_name'], search));
  const order = ordering(query.sort, 'name', { name: byName('name'), code: byColumn('code') }, 'id');
  const { rows, total } = await pageOf(q, query, order);
  return {
    items: rows.map((r) => ({
      code: r.code,
      name: r.name,
      contact: r.contact_name
        ? {
            name: r.contact_name,
            title: r.contact_title,
            unit: r.contact_unit,
            phone: r.contact_phone,
            email: r.contact_email,
          }
        : null,
    })),
    total,
  };
}

import type { Static } from '@sinclair/typebox';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  PageOf,
  ResourceTemplate,
  VersionChange,
  VersionChangeQuery,
  VersionChangeStatus,
} from '../../api/contract/index.ts';
import type { Clock } from '../../core/clock.ts';
import { LgspError } from '../../core/errors.ts';
import { isoOf, isoOrNull } from '../../core/time.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import type { Store } from '../../store/port.ts';
import type { Database, VersionChangeUpstreams } from '../../store/schema.ts';
import { lockRequestRow } from '../change.ts';
import type { Registry } from '../registry/index.ts';

export interface VersionChangeFilter {
  /** The provider organization. */
  organizationId?: string;
  versionId?: string;
  status?: VersionChangeStatus;
}

export interface VersionChangeSettings {
  /**
   * How often every gateway node checks for a new configuration (`snapshot.pollIntervalMs`): a sandbox call made
   * sooner than this after the test opened may have been served by a node still on the old configuration, so it
   * is not evidence that the proposal works.
   */
  snapshotPollIntervalMs: number;
  /** The gateway's request body limit for a version without its own (`gateway.maxRequestBodyBytes`). */
  defaultRequestBodyLimitBytes: number;
}

/** What every part of the workflow works with; built once by the `VersionChanges` facade. */
export interface VersionChangesContext {
  store: Store;
  registry: Registry;
  clock: Clock;
  settings: VersionChangeSettings;
}

/** The states in which a change is open: at most one per version (0014_version_changes.sql). */
export const OPEN: readonly VersionChangeStatus[] = ['submitted', 'sandbox_test'];

/** A change row with its version's configuration and owner beside it. */
export type ChangeRow = Selectable<Database['version_change_requests']> & {
  service_id: string;
  context: string;
  version: string;
  organization_id: string;
  sandbox_url: string | null;
  production_url: string | null;
  resources: ResourceTemplate[];
};

function changeQuery(db: Kysely<Database>) {
  return db
    .selectFrom('version_change_requests')
    .innerJoin('service_versions', 'service_versions.id', 'version_change_requests.version_id')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .innerJoin('systems', 'systems.id', 'services.provider_system_id')
    .selectAll('version_change_requests')
    .select([
      'services.id as service_id',
      'services.context as context',
      'service_versions.version as version',
      'systems.organization_id as organization_id',
      'service_versions.sandbox_url as sandbox_url',
      'service_versions.production_url as production_url',
      'service_versions.resources as resources',
    ]);
}

export async function requireChange(db: Kysely<Database>, id: string): Promise<ChangeRow> {
  const row = await changeQuery(db).where('version_change_requests.id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError('CP_REQUEST_NOT_FOUND', id);
  return row;
}

/** Locks the change until the step commits, so two people acting at once take turns. */
export async function lockChange(trx: Transaction<Database>, id: string): Promise<ChangeRow> {
  await lockRequestRow(trx, 'version_change_requests', id);
  return requireChange(trx, id);
}

/**
 * Where the version's sandbox forwards while the change is under test. The change under review is what production
 * will forward to, so the sandbox test exercises exactly that target: the proposed production upstream when the
 * proposal sets one, else the proposed sandbox upstream, else the sandbox upstream in service.
 */
export function sandboxTargetOf(
  proposed: VersionChangeUpstreams,
  currentSandbox: string | null,
): string | null {
  if (proposed.production) return proposed.production;
  if (proposed.sandbox !== undefined) return proposed.sandbox;
  return currentSandbox;
}

export function toChange(r: ChangeRow): VersionChange {
  const current = {
    upstreams: { sandbox: r.sandbox_url, production: r.production_url },
    resources: r.resources,
  };
  return {
    id: r.id,
    versionId: r.version_id,
    serviceId: r.service_id,
    context: r.context,
    version: r.version,
    organizationId: r.organization_id,
    proposed: { upstreams: r.proposed_upstreams, resources: r.proposed_resources },
    current,
    previous: r.previous,
    sandboxTarget: r.status === 'sandbox_test' ? sandboxTargetOf(r.proposed_upstreams, r.sandbox_url) : null,
    reason: r.reason,
    status: r.status,
    reasons: r.reasons ?? [],
    sandboxEvidenceTransactionId: r.sandbox_evidence_txn_id,
    requestedBy: r.requested_by,
    submittedAt: isoOf(r.submitted_at),
    stageStartedAt: isoOf(r.stage_started_at),
    decidedBy: r.decided_by,
    decidedAt: isoOrNull(r.decided_at),
    updatedAt: isoOf(r.updated_at),
  };
}

/** One page of proposed changes (issue 11), newest first by default. */
export async function listChanges(
  db: Kysely<Database>,
  query: VersionChangeFilter & Static<typeof VersionChangeQuery>,
): Promise<PageOf<VersionChange>> {
  let q = changeQuery(db);
  if (query.organizationId) q = q.where('systems.organization_id', '=', query.organizationId);
  if (query.versionId) q = q.where('version_change_requests.version_id', '=', query.versionId);
  if (query.status) q = q.where('version_change_requests.status', '=', query.status);
  const search = query.q;
  if (search) {
    const columns = ['services.context', 'version_change_requests.reason', 'version_change_requests.id'];
    q = q.where((eb) => matchesAny(eb, columns, search));
  }
  const order = ordering(
    query.sort,
    '-submittedAt',
    { submittedAt: byColumn('version_change_requests.submitted_at') },
    'version_change_requests.id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toChange), total };
}

/**
 * The configuration the sandbox of each version under a change test serves, by version id (read by the snapshot):
 * the sandbox target and the proposed resources, or the resources in service when the proposal keeps them.
 */
export async function sandboxConfigurationsUnderTest(
  db: Kysely<Database>,
): Promise<Map<string, { sandbox: string | null; resources: ResourceTemplate[] }>> {
  const rows = await changeQuery(db).where('version_change_requests.status', '=', 'sandbox_test').execute();
  return new Map(
    rows.map((r) => [
      r.version_id,
      {
        sandbox: sandboxTargetOf(r.proposed_upstreams, r.sandbox_url),
        resources: r.proposed_resources ?? r.resources,
      },
    ]),
  );
}

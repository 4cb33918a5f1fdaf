import type {
  ResourceTemplate,
  ServiceVersion,
  VersionChange,
  VersionChangeCreate,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { isUniqueViolation } from '../../store/port.ts';
import type { VersionChangeUpstreams } from '../../store/schema.ts';
import {
  assertVersionEgress,
  requireVersion,
  toVersion,
  updateVersion,
  type VersionPatch,
} from '../registry/services.ts';
import { validateResourceTemplates, validateUpstreamUrl } from '../rules.ts';
import { sandboxEvidence } from '../sandbox-evidence.ts';
import { refuseSoapRestDrift } from '../version-transforms.ts';
import { requireChange, toChange, type VersionChangesContext } from './queries.ts';
import { transition } from './workflow.ts';

/** The versions whose configuration changes only through review: those consumers may be calling. */
export const REVIEWED_STATUSES = ['published', 'deprecated'] as const;

const sameResources = (a: ResourceTemplate[], b: ResourceTemplate[]) =>
  JSON.stringify(a.map((r) => [r.method, r.path])) === JSON.stringify(b.map((r) => [r.method, r.path]));

/**
 * The fields of a version PATCH that change what the gateway forwards to or lets through, against the version as
 * it is: the upstreams of either environment and the resources. An agency sending one of these for a published
 * version must propose a change instead (issue 10); the same values as today pass, so a client that sends the
 * whole object is not refused for fields it did not change. Health checks and concurrency stay direct: they are
 * probed or sent on the upstream already reviewed (protocol and a larger body limit: `refuseAgencyContractChange`).
 */
export function reviewedFieldsChanged(
  current: {
    status: string;
    upstreams: { sandbox: string | null; production: string | null };
    resources: ResourceTemplate[];
  },
  patch: { upstreams?: VersionChangeUpstreams; resources?: ResourceTemplate[] },
): string[] {
  if (!(REVIEWED_STATUSES as readonly string[]).includes(current.status)) return [];
  const changed: string[] = [];
  for (const env of ['sandbox', 'production'] as const) {
    const wanted = patch.upstreams?.[env];
    if (wanted !== undefined && validateUpstreamUrl(wanted) !== current.upstreams[env])
      changed.push(`upstreams.${env}`);
  }
  if (patch.resources && !sameResources(validateResourceTemplates(patch.resources), current.resources))
    changed.push('resources');
  return changed;
}

/**
 * What an agency may not change on a version consumers may be calling, and no proposal changes either: its
 * protocol (consumers build their calls and parse the answers by it — a new version changes it, as the mode) and a
 * larger request body limit (what the gateway accepts and buffers is the operator's capacity to give; a lower limit
 * only refuses more, and stays direct). An operator administrator's direct change stays possible, and audited.
 */
function refuseAgencyContractChange(
  current: { status: string; protocol: string; requestBodyLimitBytes: number | null },
  patch: VersionPatch,
  defaultLimitBytes: number,
): void {
  if (!(REVIEWED_STATUSES as readonly string[]).includes(current.status)) return;
  if (patch.protocol !== undefined && patch.protocol !== current.protocol) {
    throw new LgspError(
      'CP_VERSION_STATE',
      `protocol: ${current.status} (đổi giao thức bằng một phiên bản mới / a new version changes the protocol)`,
    );
  }
  const wanted = patch.requestBodyLimitBytes;
  if (wanted === undefined || wanted === current.requestBodyLimitBytes) return;
  // null is the platform's limit, as the gateway applies it (policy.ts bodyLimit).
  const before = current.requestBodyLimitBytes ?? defaultLimitBytes;
  const after = wanted ?? defaultLimitBytes;
  if (after > before) {
    throw new LgspError(
      'API_FORBIDDEN',
      'requestBodyLimitBytes: chỉ quản trị viên Sở TT&TT được nới giới hạn của phiên bản đang dùng / only an ' +
        'operator administrator may raise the body limit of a version in use',
    );
  }
}

/**
 * A direct edit of a version (PATCH): an operator administrator's goes through as it always did (audited by the
 * registry's command); anyone else's that changes a published version's upstreams or resources is refused with
 * CP_VERSION_CHANGE_REVIEW_REQUIRED. The version row is locked first, so a version published while the edit is on
 * its way is judged as published.
 */
export async function editDirectly(
  ctx: VersionChangesContext,
  id: string,
  patch: VersionPatch,
  actor: string,
  byOperatorAdmin: boolean,
): Promise<ServiceVersion> {
  // Issue 10 (no SSRF): the egress policy before the transaction, as Registry.updateVersion does (it may resolve).
  await assertVersionEgress(ctx.store.db, ctx.registry.egress, id, patch);
  return ctx.registry.changes.run(async (trx, now) => {
    await trx.selectFrom('service_versions').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
    if (!byOperatorAdmin) {
      const current = toVersion(await requireVersion(trx, id));
      const changed = reviewedFieldsChanged(current, patch);
      if (changed.length > 0) {
        throw new LgspError(
          'CP_VERSION_CHANGE_REVIEW_REQUIRED',
          `${changed.join(', ')}: lgsp version-change propose (POST /api/v1/version-changes)`,
        );
      }
      refuseAgencyContractChange(current, patch, ctx.settings.defaultRequestBodyLimitBytes);
    }
    return updateVersion(trx, id, patch, actor, now);
  });
}

/**
 * An agency proposes new upstreams and/or resources for its published version, with a reason. Every proposed
 * upstream passes the same URL check (and egress policy) as a direct change; a proposal that changes nothing is
 * refused; a version has at most one open change.
 */
export async function propose(
  ctx: VersionChangesContext,
  input: VersionChangeCreate,
  actor: string,
): Promise<VersionChange> {
  await assertVersionEgress(ctx.store.db, ctx.registry.egress, null, { upstreams: input.upstreams ?? {} });
  return ctx.registry.changes.run(async (trx, now) => {
    const version = await requireVersion(trx, input.versionId);
    if (!(REVIEWED_STATUSES as readonly string[]).includes(version.status)) {
      throw new LgspError(
        'CP_VERSION_STATE',
        `${version.id}: ${version.status} (chỉ phiên bản đã công bố; bản nháp sửa trực tiếp / only published ` +
          'versions take change requests; edit a draft directly)',
      );
    }
    const upstreams: VersionChangeUpstreams = {};
    for (const env of ['sandbox', 'production'] as const) {
      const wanted = input.upstreams?.[env];
      if (wanted !== undefined) upstreams[env] = validateUpstreamUrl(wanted);
    }
    const resources = input.resources ? validateResourceTemplates(input.resources) : null;
    // A SOAP version exposed as REST takes its resources from its WSDL (docs/soap-rest.md).
    refuseSoapRestDrift(version, { ...(resources ? { resources } : {}) });
    const changed = reviewedFieldsChanged(
      {
        status: version.status,
        upstreams: { sandbox: version.sandbox_url, production: version.production_url },
        resources: version.resources,
      },
      { upstreams, ...(resources ? { resources } : {}) },
    );
    if (changed.length === 0) {
      throw new LgspError(
        'API_VALIDATION_FAILED',
        'đề nghị không thay đổi gì / the proposal changes nothing (upstreams, resources)',
      );
    }
    const id = newId('req', now.getTime());
    await trx
      .insertInto('version_change_requests')
      .values({
        id,
        version_id: version.id,
        proposed_upstreams: JSON.stringify(upstreams),
        proposed_resources: JSON.stringify(resources),
        reason: input.reason,
        status: 'submitted',
        reasons: [],
        previous: JSON.stringify(null),
        sandbox_evidence_txn_id: null,
        requested_by: actor,
        submitted_at: now,
        stage_started_at: now,
        decided_by: null,
        decided_at: null,
        updated_at: now,
      })
      .execute()
      .catch((err) => {
        throw isUniqueViolation(err) ? new LgspError('CP_VERSION_CHANGE_OPEN', version.id) : err;
      });
    return {
      result: toChange(await requireChange(trx, id)),
      events: [
        {
          actor,
          action: 'version_change.propose',
          objectType: 'version_change',
          objectId: id,
          details: { versionId: version.id, fields: changed, upstreams, resources, reason: input.reason },
        },
      ],
    };
  });
}

/** The reviewer opens the sandbox test: the version's sandbox serves the proposal from the next snapshot on. */
export function approve(ctx: VersionChangesContext, id: string, actor: string): Promise<VersionChange> {
  return transition(ctx, 'approve', id, actor, async (row) => ({
    details: { versionId: row.version_id },
  }));
}

/**
 * The reviewer applies a tested change: needs a successful sandbox call through the gateway recorded since the
 * test opened — and at least one snapshot poll interval after it (the same evidence as publishing, R-11). The version's upstreams and resources change in the same
 * transaction through the registry's own command, which announces the change to subscribed consumers.
 */
export function apply(ctx: VersionChangesContext, id: string, actor: string): Promise<VersionChange> {
  return transition(ctx, 'apply', id, actor, async (row, trx, now) => {
    // Calls before every gateway node can have loaded the proposal are not evidence that it works.
    const since = new Date(new Date(row.stage_started_at).getTime() + ctx.settings.snapshotPollIntervalMs);
    const evidence = await sandboxEvidence(trx, row.version_id, undefined, since);
    if (!evidence) throw new LgspError('CP_VERSION_CHANGE_TEST_REQUIRED', row.id);
    const previous = {
      upstreams: { sandbox: row.sandbox_url, production: row.production_url },
      resources: row.resources,
    };
    const updated = await updateVersion(
      trx,
      row.version_id,
      {
        upstreams: row.proposed_upstreams,
        ...(row.proposed_resources ? { resources: row.proposed_resources } : {}),
      },
      actor,
      now,
    );
    return {
      set: { previous: JSON.stringify(previous), sandbox_evidence_txn_id: evidence },
      events: updated.events.map((e) => ({ ...e, details: { ...e.details, versionChangeId: row.id } })),
      details: { versionId: row.version_id, evidence, previous },
    };
  });
}

export function reject(
  ctx: VersionChangesContext,
  id: string,
  reasons: string[],
  actor: string,
): Promise<VersionChange> {
  return transition(ctx, 'reject', id, actor, async (row) => ({
    reasons,
    details: { versionId: row.version_id, reasons },
  }));
}

export function withdraw(ctx: VersionChangesContext, id: string, actor: string): Promise<VersionChange> {
  return transition(ctx, 'withdraw', id, actor, async (row) => ({ details: { versionId: row.version_id } }));
}

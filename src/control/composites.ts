import type { Transaction } from 'kysely';
import type { CompositeInput, Environment, ResourceTemplate } from '../api/contract/index.ts';
import {
  COMPOSITE_DEFAULT_TIMEOUT_MS,
  COMPOSITE_TOTAL_LIMIT_MS,
  type CompositeBackend,
  type CompositeDefinition,
  parseTemplate,
  placeholdersOf,
} from '../core/composite.ts';
import { LgspError } from '../core/errors.ts';
import { fieldMappingProblems, normalizeFieldMapping } from '../core/field-mapping.ts';
import { newId } from '../core/ids.ts';
import type { Database } from '../store/schema.ts';
import type { ChangeEvent } from './audit.ts';
import { auditOf } from './change.ts';
import { versionSeenBy } from './registry/visibility.ts';

/**
 * Composite services (R-17, issue 12 item 5; docs/aggregation.md), control-plane side: a definition is checked and
 * its targets resolved to version ids when saved — every problem named at once in a 400 CP_COMPOSITE_INVALID, in
 * Vietnamese then English — and the composite's provider system is granted subscriptions to its backends when the
 * operator opens its sandbox test (sandbox) and publishes it (production). The gateway then calls each backend as
 * that system, through the same subscription, quota and recording path as any consumer (src/gateway/composite.ts).
 */

interface Problem {
  path: string;
  message: string;
}

const PARAM = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The `{param}` names of a resource template. */
function paramsOf(template: string): Set<string> {
  return new Set([...template.matchAll(PARAM)].map((m) => m[1]!));
}

/** `/bhxh/tracuu/1.0` → context `bhxh/tracuu`, version `1.0`; null when it cannot name a version. */
function splitTarget(target: string): { context: string; version: string } | null {
  const segments = target.replace(/\/+$/, '').split('/').slice(1);
  if (segments.length < 2 || segments.some((s) => s === '')) return null;
  return { context: segments.slice(0, -1).join('/'), version: segments[segments.length - 1]! };
}

function refuse(problems: Problem[]): never {
  throw new LgspError('CP_COMPOSITE_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), {
    errors: problems.map((p) => ({ in: 'body', path: p.path, message: p.message })),
  });
}

/**
 * Checks a composite definition against the version it belongs to (`resources`: the composite's own resource
 * templates; `selfVersionId`: its id when it already exists) and resolves each target to its version id. A target
 * must be a sync version of this platform that is not itself a composite (a composite of composites is refused:
 * one level keeps the call graph, the timeouts and the records readable).
 */
export async function resolveComposite(
  trx: Transaction<Database>,
  input: CompositeInput,
  resources: ResourceTemplate[],
  selfVersionId: string | null,
  /**
   * An agency user's organization when one saves it: a target is then a version it may see (its own, in the
   * catalogue, or subscribed to); another organization's draft answers as a version that does not exist (R-27).
   */
  visibleTo?: string,
): Promise<CompositeDefinition> {
  const problems: Problem[] = [];
  const sequential = input.sequential ?? false;
  const nonGet = resources.filter((r) => r.method !== 'GET');
  if (nonGet.length > 0) {
    problems.push({
      path: '/resources',
      message: `dịch vụ tổng hợp chỉ có tài nguyên GET (${nonGet.map((r) => `${r.method} ${r.path}`).join(', ')}) / a composite's resources are GET only`,
    });
  }
  // A placeholder {x} is filled from the consumer's call: every resource of the composite must carry it.
  const resourceParams = resources.map((r) => paramsOf(r.path));
  const backends: CompositeBackend[] = [];
  const groups = new Set<string>();
  let totalMs = 0;
  let maxMs = 0;
  for (const [i, b] of input.backends.entries()) {
    const at = `/composite/backends/${i}`;
    const timeoutMs = b.timeoutMs ?? COMPOSITE_DEFAULT_TIMEOUT_MS;
    totalMs += timeoutMs;
    maxMs = Math.max(maxMs, timeoutMs);
    const templates: Array<[string, string]> = [
      [`${at}/path`, b.path],
      ...Object.entries(b.query ?? {}).map(([k, v]): [string, string] => [`${at}/query/${k}`, v]),
    ];
    if (!b.path.startsWith('/'))
      problems.push({ path: `${at}/path`, message: 'phải bắt đầu bằng / / must start with /' });
    for (const [where, template] of templates) {
      const parts = parseTemplate(template);
      if (typeof parts === 'string') {
        problems.push({ path: where, message: parts });
        continue;
      }
      for (const p of placeholdersOf(parts)) {
        if (p.kind === 'param' && !resourceParams.every((names) => names.has(p.name))) {
          problems.push({
            path: where,
            message: `{${p.name}} không có trong mọi tài nguyên của dịch vụ tổng hợp / {${p.name}} is not a parameter of every resource of the composite`,
          });
        }
        if (p.kind === 'response' && (!sequential || p.backend >= i)) {
          problems.push({
            path: where,
            message: `{resp${p.backend}.${p.path.join('.')}}: chỉ dùng câu trả lời của dịch vụ nguồn đứng trước, khi gọi lần lượt (sequential: true) / only an earlier backend's answer, in a sequential composite`,
          });
        }
      }
    }
    // The answer's reshaping is the one field-mapping type (src/core/field-mapping.ts), checked the one way.
    problems.push(...fieldMappingProblems(b, at));
    if (b.group) {
      if (groups.has(b.group))
        problems.push({ path: `${at}/group`, message: `"${b.group}" đã dùng / already used` });
      groups.add(b.group);
    }
    const target = splitTarget(b.target);
    if (target === null) {
      problems.push({
        path: `${at}/target`,
        message: `"${b.target}": cần dạng /{context}/{version} / expected /{context}/{version}`,
      });
      continue;
    }
    const version = await trx
      .selectFrom('service_versions')
      .innerJoin('services', 'services.id', 'service_versions.service_id')
      .select([
        'service_versions.id',
        'service_versions.status',
        'service_versions.mode',
        'service_versions.composite',
      ])
      .where('services.context', '=', target.context)
      .where('service_versions.version', '=', target.version)
      .$if(visibleTo !== undefined, (q) => q.where((eb) => versionSeenBy(eb, visibleTo!)))
      .executeTakeFirst();
    if (!version) {
      problems.push({
        path: `${at}/target`,
        message: `"${b.target}": không có phiên bản dịch vụ này / no such service version`,
      });
      continue;
    }
    if (version.id === selfVersionId || version.composite !== null) {
      problems.push({
        path: `${at}/target`,
        message: `"${b.target}" là dịch vụ tổng hợp: không gộp dịch vụ tổng hợp vào dịch vụ tổng hợp / is a composite: a composite of composites is refused`,
      });
      continue;
    }
    if (version.mode !== 'sync') {
      problems.push({
        path: `${at}/target`,
        message: `"${b.target}" là dịch vụ bất đồng bộ / is asynchronous`,
      });
      continue;
    }
    if (version.status === 'retired' || version.status === 'rejected') {
      problems.push({
        path: `${at}/target`,
        message: `"${b.target}" đã ${version.status === 'retired' ? 'ngừng' : 'bị từ chối'} / is ${version.status}`,
      });
      continue;
    }
    backends.push({
      target: `/${target.context}/${target.version}`,
      versionId: version.id,
      path: b.path,
      query: b.query ?? {},
      timeoutMs,
      required: b.required ?? false,
      ...normalizeFieldMapping(b),
      group: b.group ?? null,
    });
  }
  // R-03: the consumer has its answer within the gateway's 30 s, whatever the backends do.
  const budget = sequential ? totalMs : maxMs;
  if (budget > COMPOSITE_TOTAL_LIMIT_MS) {
    problems.push({
      path: '/composite/backends',
      message: `tổng thời gian chờ ${budget} ms vượt ${COMPOSITE_TOTAL_LIMIT_MS} ms / the timeouts add up to more than 30 s`,
    });
  }
  if (problems.length > 0) refuse(problems);
  return { sequential, backends };
}

/**
 * A composite has no upstream of its own — the gateway calls its backends, so an upstream would be ignored — and it
 * answers calls: it is never an asynchronous (message) version.
 */
export function refuseCompositeUpstreams(
  upstreams: { sandbox?: string | null; production?: string | null } | undefined,
  mode: string | undefined = 'sync',
): void {
  const problems: Problem[] = [];
  if (upstreams?.sandbox || upstreams?.production) {
    problems.push({
      path: '/upstreams',
      message:
        'dịch vụ tổng hợp không có địa chỉ dịch vụ nguồn riêng / a composite has no upstream of its own',
    });
  }
  if (mode === 'async') {
    problems.push({
      path: '/mode',
      message: 'dịch vụ tổng hợp là dịch vụ đồng bộ / a composite is a sync version',
    });
  }
  if (problems.length > 0) refuse(problems);
}

const subscriptionAudit = auditOf('subscription');

/** Backend statuses a composite may call in each environment (R-11: production sees published versions only). */
const CALLABLE: Record<Environment, readonly string[]> = {
  sandbox: ['sandbox_test', 'published', 'deprecated'],
  production: ['published', 'deprecated'],
};

/**
 * Grants the composite's provider system a subscription to each backend in `environment`, when it has none: the
 * operator's opening of the sandbox test and approval of the publication (R-11) is the approval of these calls —
 * each one audited as a subscription created by that actor and marked platform-owned (`composite_grants`).
 * Quotas are left open; the operator may set them like any subscription's. A backend that cannot be called in
 * that environment refuses the move (400 CP_COMPOSITE_INVALID naming it).
 */
export async function grantBackendSubscriptions(
  trx: Transaction<Database>,
  versionId: string,
  environment: Environment,
  actor: string,
  now: Date,
): Promise<ChangeEvent[]> {
  const composite = await trx
    .selectFrom('service_versions')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .select(['service_versions.composite', 'services.provider_system_id'])
    .where('service_versions.id', '=', versionId)
    .executeTakeFirst();
  if (!composite?.composite) return [];
  const systemId = composite.provider_system_id;
  const problems: Problem[] = [];
  const events: ChangeEvent[] = [];
  const seen = new Set<string>();
  for (const [i, b] of composite.composite.backends.entries()) {
    if (seen.has(b.versionId)) continue;
    seen.add(b.versionId);
    const backend = await trx
      .selectFrom('service_versions')
      .select(['status', 'composite'])
      .where('id', '=', b.versionId)
      .executeTakeFirst();
    if (!backend || backend.composite !== null || !CALLABLE[environment].includes(backend.status)) {
      problems.push({
        path: `/composite/backends/${i}/target`,
        message: `"${b.target}" chưa gọi được ở môi trường ${environment} (${backend?.status ?? 'không còn / gone'}) / cannot be called in ${environment}`,
      });
      continue;
    }
    const existing = await trx
      .selectFrom('subscriptions')
      .select('id')
      .where('system_id', '=', systemId)
      .where('version_id', '=', b.versionId)
      .where('environment', '=', environment)
      .executeTakeFirst();
    // An existing subscription — requested, suspended or revoked by someone — is that decision; it is kept.
    if (existing) continue;
    const id = newId('sub', now.getTime());
    await trx
      .insertInto('subscriptions')
      .values({
        id,
        system_id: systemId,
        version_id: b.versionId,
        environment,
        status: 'active',
        quota_per_minute: null,
        quota_per_day: null,
        window_start: null,
        window_end: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx
      .insertInto('composite_grants')
      .values({ subscription_id: id, composite_version_id: versionId, created_at: now })
      .execute();
    events.push(
      subscriptionAudit(actor, 'create', id, {
        systemId,
        versionId: b.versionId,
        environment,
        grantedFor: { compositeVersionId: versionId },
      }),
    );
  }
  if (problems.length > 0) refuse(problems);
  return events;
}

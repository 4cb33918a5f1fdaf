import type { Transaction, Updateable } from 'kysely';
import type { VersionStatus } from '../../api/contract/index.ts';
import type { Clock } from '../../core/clock.ts';
import type { ErrorCode } from '../../core/errors.ts';
import { LgspError } from '../../core/errors.ts';
import { formatVietnamDateTime, isoOf, utcOffsetLabel } from '../../core/time.ts';
import type { Store } from '../../store/port.ts';
import type { Database } from '../../store/schema.ts';
import type { ChangeEvent } from '../audit.ts';
import type { Registry } from '../registry/index.ts';

/** What every part of the lifecycle works with; built once by the `Lifecycle` facade. */
export interface LifecycleContext {
  store: Store;
  registry: Registry;
  clock: Clock;
  settings: LifecycleSettings;
}

/** The configuration the lifecycle reads (core/config.ts): the local clock of its texts, the maintenance notice. */
export interface LifecycleSettings {
  /** Dates in notices, e-mails and refusals are written at this offset (Vietnam: 420). */
  timezoneOffsetMinutes: number;
  /** a maintenance window is announced at least this many hours before it starts. */
  maintenanceMinNoticeHours: number;
}

export type VersionAction = 'submit' | 'start_sandbox_test' | 'reject' | 'publish' | 'deprecate' | 'retire';

export interface VersionMove {
  from: readonly VersionStatus[];
  to: VersionStatus;
  /** The audit event's action; null when the move is recorded by the change that causes it (a deprecation). */
  audit: string | null;
  /** The code a version in another state is refused with. */
  refusal: ErrorCode;
}

/**
 * The workflow's moves of a service version, as data; the moves anyone may make by hand are
 * `MANUAL_VERSION_MOVES` in rules.ts. A provider submits a draft with its technical description and document;
 * the operator opens the sandbox test, or rejects; a version tested in the sandbox is published, which deprecates
 * the version it succeeds; a deprecated version is retired once its sunset has passed (`runDue`).
 */
export const VERSION_MOVES: Readonly<Record<VersionAction, VersionMove>> = {
  submit: { from: ['draft'], to: 'submitted', audit: 'version.submitted', refusal: 'CP_VERSION_STATE' },
  start_sandbox_test: {
    from: ['submitted'],
    to: 'sandbox_test',
    audit: 'version.sandbox_test',
    refusal: 'CP_VERSION_STATE',
  },
  reject: {
    from: ['submitted', 'sandbox_test'],
    to: 'rejected',
    audit: 'version.rejected',
    refusal: 'CP_VERSION_STATE',
  },
  publish: {
    from: ['sandbox_test'],
    to: 'published',
    audit: 'version.publish',
    refusal: 'CP_SANDBOX_TEST_REQUIRED',
  },
  deprecate: { from: ['published'], to: 'deprecated', audit: null, refusal: 'CP_VERSION_STATE' },
  retire: { from: ['deprecated'], to: 'retired', audit: 'version.retire', refusal: 'CP_VERSION_STATE' },
};

type VersionColumns = Updateable<Database['service_versions']>;

/**
 * Moves a version only if it is still in a state the move starts from — the guard is in the UPDATE itself, so of
 * two changes racing (two nodes on one PostgreSQL) exactly one moves it. Returns whether this one did.
 */
export async function moveVersionIfIn(
  trx: Transaction<Database>,
  versionId: string,
  action: VersionAction,
  columns: VersionColumns,
  now: Date,
): Promise<boolean> {
  const move = VERSION_MOVES[action];
  const moved = await trx
    .updateTable('service_versions')
    .set({ ...columns, status: move.to, updated_at: now })
    .where('id', '=', versionId)
    .where('status', 'in', move.from)
    .returning('id')
    .executeTakeFirst();
  return moved !== undefined;
}

/** What one version step contributes to its move; the transition writes the rest. */
export interface VersionStep {
  columns?: VersionColumns;
  details?: Record<string, unknown>;
  /** Audit events of other objects the step changed. */
  events?: ChangeEvent[];
}

/**
 * The one way a person moves a version through the workflow: in one change (change.ts) it checks the move is
 * legal from the version's state (refused with the move's code otherwise), runs the step, moves the version under
 * the same guard and writes the move's audit event. A refused step changes nothing.
 */
export async function transitionVersion(
  ctx: LifecycleContext,
  versionId: string,
  action: VersionAction,
  actor: string,
  step: (trx: Transaction<Database>, now: Date) => Promise<VersionStep>,
): Promise<void> {
  const move = VERSION_MOVES[action];
  await ctx.registry.changes.run(async (trx, now) => {
    const current = await trx
      .selectFrom('service_versions')
      .select('status')
      .where('id', '=', versionId)
      .executeTakeFirst();
    if (!current) throw new LgspError('CP_VERSION_NOT_FOUND', versionId);
    const refuse = () =>
      new LgspError(
        move.refusal,
        move.refusal === 'CP_VERSION_STATE' ? `${current.status} → ${move.to}` : `status ${current.status}`,
      );
    if (!move.from.includes(current.status)) throw refuse();
    const out = await step(trx, now);
    if (!(await moveVersionIfIn(trx, versionId, action, out.columns ?? {}, now))) throw refuse();
    const event: ChangeEvent = {
      actor,
      action: move.audit ?? `version.${move.to}`,
      objectType: 'service_version',
      objectId: versionId,
      details: out.details ?? { from: current.status },
    };
    return { result: null, events: [...(out.events ?? []), event] };
  });
}

const MINUTE_MS = 60_000;

/**
 * A refusal for a date too early, saying why (the rule and its article, Vietnamese first) and the earliest date
 * that is accepted — in local time for the reader, and as ISO in `earliestAllowedAt` for programs. The earliest
 * instant is rounded up to the minute, so the time shown is itself accepted.
 */
export function tooEarly(
  code: 'CP_SUNSET_TOO_EARLY' | 'CP_DECOMMISSION_TOO_EARLY' | 'CP_MAINTENANCE_NOTICE_TOO_SHORT',
  why: { vi: string; en: string },
  earliestMs: number,
  offsetMinutes: number,
): LgspError {
  const earliest = Math.ceil(earliestMs / MINUTE_MS) * MINUTE_MS;
  const at = `${formatVietnamDateTime(earliest, offsetMinutes)} (${utcOffsetLabel(offsetMinutes)})`;
  return new LgspError(
    code,
    `${why.vi}; thời điểm sớm nhất được chấp nhận: ${at}. / ${why.en}; the earliest accepted: ${at}.`,
    { earliestAllowedAt: isoOf(earliest) },
  );
}

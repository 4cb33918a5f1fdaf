import type { Updateable } from 'kysely';
import type { SubscriptionRequest, SubscriptionRequestStatus } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import type { Database } from '../../store/schema.ts';
import { requireVersion } from '../registry/services.ts';
import { requireSystem } from '../registry/systems.ts';
import { parseTimeOfUse } from '../rules.ts';
import { sandboxEvidence } from '../sandbox-evidence.ts';
import type { RequestsContext } from './queries.ts';
import { openRequest, transition } from './workflow.ts';

/** What a consumer fills in to register for a service version (R-12, Art. 11.2). */
export interface SubscriptionRequestInput {
  /** The consumer information system that will call the service. */
  systemId: string;
  versionId: string;
  /** Which application of the consumer calls it. */
  application: string;
  purpose: string;
  /** Calls per day: becomes the subscription's daily quota. */
  frequencyPerDay: number;
  /** Calls per minute, if the consumer states it: becomes the per-minute quota. */
  frequencyPerMinute?: number | null;
  /** Local time of use, "HH:MM-HH:MM" (may pass midnight), or null for all day: becomes the window. */
  timeOfUse?: string | null;
  otherNotes?: string | null;
}

/** What a consumer may change when it resubmits a request it was asked to complete. */
export type SubscriptionRequestChanges = Partial<Omit<SubscriptionRequestInput, 'systemId' | 'versionId'>>;

/** A request in these states is finished; another may be opened for the same system and version. */
const CLOSED: readonly SubscriptionRequestStatus[] = ['production_approved', 'rejected'];
const MAX_INT = 2_147_483_647;

/** Text a person typed: trimmed; empty means not given. */
function text(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? t : null;
}

function requiredText(value: string | undefined, field: string): string {
  const t = text(value);
  if (!t)
    throw new LgspError('API_VALIDATION_FAILED', `${field}: bắt buộc, không để trống / required, not blank`);
  return t;
}

function frequency(value: number | null | undefined, field: string, required: boolean): number | null {
  if (value === null || value === undefined) {
    if (required) throw new LgspError('API_VALIDATION_FAILED', `${field}: bắt buộc / required`);
    return null;
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_INT) {
    throw new LgspError('API_VALIDATION_FAILED', `${field}: số nguyên ≥ 1 / an integer ≥ 1`);
  }
  return value;
}

/** "7:00 - 17:30" style input normalized to the subscription's form, or null; CP_TIME_WINDOW_INVALID otherwise. */
function timeOfUse(raw: string | null | undefined): string | null {
  const window = parseTimeOfUse(raw ?? null);
  return window ? `${window.start}-${window.end}` : null;
}

/** The consumer registers a system for a published version; one open request per system and version. */
export async function submit(
  ctx: RequestsContext,
  input: SubscriptionRequestInput,
  actor: string,
): Promise<SubscriptionRequest> {
  const application = requiredText(input.application, 'application');
  const purpose = requiredText(input.purpose, 'purpose');
  const perDay = frequency(input.frequencyPerDay, 'frequencyPerDay', true)!;
  const perMinute = frequency(input.frequencyPerMinute, 'frequencyPerMinute', false);
  const window = timeOfUse(input.timeOfUse);
  return openRequest(ctx, 'submit', actor, async (trx) => {
    const system = await requireSystem(trx, input.systemId);
    if (!system.is_consumer) throw new LgspError('CP_SYSTEM_NOT_CONSUMER', system.id);
    const version = await requireVersion(trx, input.versionId);
    if (version.status !== 'published') {
      throw new LgspError('CP_VERSION_NOT_PUBLISHED', `${version.id}: ${version.status}`);
    }
    const open = await trx
      .selectFrom('subscription_requests')
      .select(['id', 'status'])
      .where('system_id', '=', system.id)
      .where('version_id', '=', version.id)
      .where('status', 'not in', CLOSED)
      .executeTakeFirst();
    if (open) {
      throw new LgspError(
        'CP_REQUEST_STATE',
        `đã có đề nghị đang xử lý / an open request exists: ${open.id} (${open.status})`,
      );
    }
    const production = await trx
      .selectFrom('subscriptions')
      .select(['id', 'status'])
      .where('system_id', '=', system.id)
      .where('version_id', '=', version.id)
      .where('environment', '=', 'production')
      .where('status', '!=', 'revoked')
      .executeTakeFirst();
    if (production) throw new LgspError('CP_SUBSCRIPTION_EXISTS', `${production.id} (${production.status})`);
    return {
      terms: {
        system_id: system.id,
        version_id: version.id,
        application,
        purpose,
        frequency_per_day: perDay,
        frequency_per_minute: perMinute,
        time_of_use: window,
        other_notes: text(input.otherNotes),
      },
      details: { systemId: system.id, versionId: version.id, frequencyPerDay: perDay, timeOfUse: window },
    };
  });
}

/**
 * After the sandbox works, the consumer asks for production (R-12: "after a successful technical connection").
 * The gateway must have recorded a successful sandbox call (2xx to the consumer and from the provider) by THIS
 * system to THIS version; the call becomes the request's evidence.
 */
export async function requestProduction(
  ctx: RequestsContext,
  id: string,
  actor: string,
): Promise<SubscriptionRequest> {
  return transition(ctx, 'request_production', id, actor, async ({ trx, row }) => {
    const evidence = await sandboxEvidence(trx, row.version_id, row.system_id);
    if (!evidence) {
      throw new LgspError(
        'CP_SANDBOX_CALL_REQUIRED',
        `${row.system_id} → ${row.context} ${row.version}: chưa có lời gọi sandbox thành công / no successful sandbox call recorded yet`,
      );
    }
    return {
      set: { sandbox_evidence_txn_id: evidence },
      details: { evidenceTransactionId: evidence },
    };
  });
}

/**
 * The consumer completes what it was asked for and sends the request back to the stage it was in; the deadline
 * clock starts again, since it runs from a complete request. Changed terms apply to the subscriptions granted
 * from then on (a sandbox subscription already granted keeps its own; the operator may adjust it).
 */
export async function resubmit(
  ctx: RequestsContext,
  id: string,
  changes: SubscriptionRequestChanges,
  actor: string,
): Promise<SubscriptionRequest> {
  const set: Updateable<Database['subscription_requests']> = {};
  if (changes.application !== undefined) set.application = requiredText(changes.application, 'application');
  if (changes.purpose !== undefined) set.purpose = requiredText(changes.purpose, 'purpose');
  if (changes.frequencyPerDay !== undefined)
    set.frequency_per_day = frequency(changes.frequencyPerDay, 'frequencyPerDay', true)!;
  if (changes.frequencyPerMinute !== undefined)
    set.frequency_per_minute = frequency(changes.frequencyPerMinute, 'frequencyPerMinute', false);
  if (changes.timeOfUse !== undefined) set.time_of_use = timeOfUse(changes.timeOfUse);
  if (changes.otherNotes !== undefined) set.other_notes = text(changes.otherNotes);
  return transition(ctx, 'resubmit', id, actor, async ({ row }) => ({
    set,
    details: { to: row.completion_stage ?? 'submitted', fields: Object.keys(changes) },
  }));
}

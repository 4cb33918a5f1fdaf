import type { Transaction, Updateable } from 'kysely';
import type { VersionChange, VersionChangeStatus } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { enqueueNotification } from '../../notify/outbox.ts';
import type { Database } from '../../store/schema.ts';
import type { ChangeEvent } from '../audit.ts';
import type { ChangeRow, VersionChangesContext } from './queries.ts';
import { lockChange, OPEN, requireChange, toChange } from './queries.ts';

export type VersionChangeAction = 'approve' | 'apply' | 'reject' | 'withdraw';

export interface VersionChangeMove {
  action: VersionChangeAction;
  from: readonly VersionChangeStatus[];
  to: VersionChangeStatus;
  /** A reviewer's move is a decision: it is signed (decided_by/at) and the provider agency is told of it. */
  by: 'provider' | 'reviewer';
}

/**
 * The legal moves of a version change (issue 10, R-11, R-19), as data. Proposing opens a change in `submitted`
 * (steps.ts); the reviewer approves it for a sandbox test, then applies it once the gateway has recorded a
 * successful sandbox call to the proposed configuration; the reviewer may reject, and the agency withdraw, any
 * open change.
 */
export const VERSION_CHANGE_MOVES: Readonly<Record<VersionChangeAction, VersionChangeMove>> = {
  approve: { action: 'approve', from: ['submitted'], to: 'sandbox_test', by: 'reviewer' },
  apply: { action: 'apply', from: ['sandbox_test'], to: 'applied', by: 'reviewer' },
  reject: { action: 'reject', from: OPEN, to: 'rejected', by: 'reviewer' },
  withdraw: { action: 'withdraw', from: OPEN, to: 'withdrawn', by: 'provider' },
};

/** What one step contributes to its move; the transition writes the rest. */
export interface ChangeStep {
  set?: Updateable<Database['version_change_requests']>;
  reasons?: string[];
  /** Audit events of other objects the step changed (the version), written before the change's own. */
  events?: ChangeEvent[];
  details: Record<string, unknown>;
}

/**
 * The one way a version change moves: in one change (change.ts: transaction, audit events, revision bump — the
 * revision bump is what makes gateways reload, so the sandbox starts or stops serving the proposal at once) it
 * locks the change, checks the move is legal from its state, runs the step, writes the new state and, for a
 * reviewer's decision, tells the provider agency through the outbox. A refused step changes nothing.
 */
export async function transition(
  ctx: VersionChangesContext,
  action: VersionChangeAction,
  id: string,
  actor: string,
  step: (row: ChangeRow, trx: Transaction<Database>, now: Date) => Promise<ChangeStep>,
): Promise<VersionChange> {
  const move = VERSION_CHANGE_MOVES[action];
  return ctx.registry.changes.run(async (trx, now) => {
    const row = await lockChange(trx, id);
    if (!move.from.includes(row.status)) {
      throw new LgspError(
        'CP_REQUEST_STATE',
        `${row.id}: ${row.status} → ${action} (cần / needs ${move.from.join(' | ')})`,
      );
    }
    const out = await step(row, trx, now);
    await trx
      .updateTable('version_change_requests')
      .set({
        ...out.set,
        status: move.to,
        reasons: out.reasons ?? [],
        stage_started_at: now,
        ...(move.by === 'reviewer' ? { decided_by: actor, decided_at: now } : {}),
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    const change = toChange(await requireChange(trx, id));
    if (move.by === 'reviewer') await notifyProvider(trx, change, now.getTime());
    const event: ChangeEvent = {
      actor,
      action: `version_change.${action}`,
      objectType: 'version_change',
      objectId: id,
      details: out.details,
    };
    return { result: change, events: [...(out.events ?? []), event] };
  });
}

const DECISION_TEXT: Partial<Record<VersionChangeStatus, { vi: string; en: string }>> = {
  sandbox_test: {
    vi: 'được duyệt để thử nghiệm: môi trường sandbox của phiên bản đang phục vụ cấu hình đề nghị, production giữ nguyên',
    en: 'approved for a sandbox test: the version’s sandbox serves the proposal, production is unchanged',
  },
  applied: {
    vi: 'đã được áp dụng vào production',
    en: 'applied to production',
  },
  rejected: { vi: 'bị từ chối', en: 'rejected' },
};

/** Tells the provider agency of a reviewer's decision on its change (e-mail to its contact point, its webhooks). */
async function notifyProvider(
  trx: Transaction<Database>,
  change: VersionChange,
  nowMs: number,
): Promise<void> {
  const text = DECISION_TEXT[change.status];
  if (!text) return;
  const org = await trx
    .selectFrom('organizations')
    .select('contact_email')
    .where('id', '=', change.organizationId)
    .executeTakeFirst();
  const what = `${change.context} ${change.version}`;
  await enqueueNotification(
    trx,
    {
      eventType: `version_change.${change.status}`,
      recipients: {
        emails: org?.contact_email ? [org.contact_email] : [],
        organizationIds: [change.organizationId],
      },
      subject: `Đề nghị thay đổi ${what} ${text.vi} / Version change ${text.en}`,
      text: [
        `Đề nghị thay đổi phiên bản ${what} (${change.id}) ${text.vi}.`,
        ...change.reasons.map((r) => `  - ${r}`),
        `Version change ${change.id} of ${what}: ${text.en}.`,
        `lgsp version change show ${change.id}`,
      ].join('\n'),
      payload: {
        changeId: change.id,
        versionId: change.versionId,
        context: change.context,
        version: change.version,
        status: change.status,
        reasons: change.reasons,
      },
    },
    nowMs,
  );
}

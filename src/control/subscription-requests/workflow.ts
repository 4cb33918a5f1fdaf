import type { Insertable, Transaction, Updateable } from 'kysely';
import type { SubscriptionRequest, SubscriptionRequestStatus } from '../../api/contract/index.ts';
import { SUBSCRIPTION_REQUEST_STATUSES } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Database } from '../../store/schema.ts';
import type { ChangeEvent } from '../audit.ts';
import { notifyDecision } from './decision-letter.ts';
import {
  lockRequest,
  type RequestRow,
  type RequestsContext,
  requireRequest,
  toRequest,
  WAITING,
} from './queries.ts';

export type RequestAction =
  | 'submit'
  | 'approve_sandbox'
  | 'request_production'
  | 'approve_production'
  | 'needs_completion'
  | 'resubmit'
  | 'reject'
  | 'collect_credential';

export interface RequestMove {
  action: RequestAction;
  /** The states the move starts from; empty: it opens a new request. */
  from: readonly SubscriptionRequestStatus[];
  /** The state after it; `asked_from`: back to the waiting stage that asked for completion; null: unchanged. */
  to: SubscriptionRequestStatus | 'asked_from' | null;
  /** A reviewer's move is a decision: it is signed (decided_by/at) and the consumer is told of it. */
  by: 'consumer' | 'reviewer';
}

/**
 * The legal moves of a subscription request (R-12, Art. 11.2), as data: submitted → sandbox_approved →
 * production_requested → production_approved; from either waiting stage the reviewer may ask for completion (the
 * consumer resubmits to the stage it was in) or reject. Collecting a credential's secret moves nothing, but it
 * is a step on the request like the others.
 */
export const REQUEST_MOVES: Readonly<Record<RequestAction, RequestMove>> = {
  submit: { action: 'submit', from: [], to: 'submitted', by: 'consumer' },
  approve_sandbox: { action: 'approve_sandbox', from: ['submitted'], to: 'sandbox_approved', by: 'reviewer' },
  request_production: {
    action: 'request_production',
    from: ['sandbox_approved'],
    to: 'production_requested',
    by: 'consumer',
  },
  approve_production: {
    action: 'approve_production',
    from: ['production_requested'],
    to: 'production_approved',
    by: 'reviewer',
  },
  needs_completion: { action: 'needs_completion', from: WAITING, to: 'needs_completion', by: 'reviewer' },
  resubmit: { action: 'resubmit', from: ['needs_completion'], to: 'asked_from', by: 'consumer' },
  reject: { action: 'reject', from: [...WAITING, 'needs_completion'], to: 'rejected', by: 'reviewer' },
  collect_credential: {
    action: 'collect_credential',
    from: SUBSCRIPTION_REQUEST_STATUSES,
    to: null,
    by: 'consumer',
  },
};

/** The consumer's terms of a new request: what `submit` validated. */
export type RequestTerms = Pick<
  Insertable<Database['subscription_requests']>,
  | 'system_id'
  | 'version_id'
  | 'application'
  | 'purpose'
  | 'frequency_per_day'
  | 'frequency_per_minute'
  | 'time_of_use'
  | 'other_notes'
>;

/** What one step contributes to its move; the transition writes the rest. */
export interface Step<T> {
  /** For a move that opens a request: its terms. */
  terms?: RequestTerms;
  /** Other columns of the request the step changes. */
  set?: Updateable<Database['subscription_requests']>;
  /** The reasons of a refusal or of what must be completed; a move to another state clears them otherwise. */
  reasons?: string[];
  /** The audit events of other objects the step changed (registry commands), written before the request's. */
  events?: ChangeEvent[];
  /** The details of the request's own audit event. */
  details: Record<string, unknown>;
  /** What the caller gets, when not the request itself (a collected credential). */
  result?: T;
}

export interface StepContext {
  trx: Transaction<Database>;
  /** The request, locked until the step commits. */
  row: RequestRow;
  now: Date;
}

type AnyStep<T> = (trx: Transaction<Database>, row: RequestRow | null, now: Date) => Promise<Step<T>>;

function resolveTarget(move: RequestMove, row: RequestRow | null): SubscriptionRequestStatus | null {
  if (move.to !== 'asked_from') return move.to;
  return row?.completion_stage ?? 'submitted';
}

/**
 * The one way a request moves: in one change (change.ts: transaction, audit events, revision bump) it locks the
 * request and checks the move is legal from its state (so two people acting at once cannot both move it: the
 * second sees the first's result), runs the step, writes the new state with the columns every move of its kind
 * writes — a waiting stage restarts the deadline clock (Decree 194/2025), a decision is signed — and tells the
 * consumer of a decision through the outbox. A refused step changes nothing.
 */
export async function transition<T = SubscriptionRequest>(
  ctx: RequestsContext,
  action: RequestAction,
  id: string,
  actor: string,
  step: (s: StepContext) => Promise<Step<T>>,
): Promise<T> {
  // With an id, `runMove` always hands the step the locked row.
  return runMove(ctx, action, id, actor, (trx, row, now) => step({ trx, row: row as RequestRow, now }));
}

/** A move that opens a request (`submit`): the step checks and returns the request's terms. */
export async function openRequest(
  ctx: RequestsContext,
  action: RequestAction,
  actor: string,
  step: (trx: Transaction<Database>) => Promise<Step<SubscriptionRequest> & { terms: RequestTerms }>,
): Promise<SubscriptionRequest> {
  return runMove(ctx, action, null, actor, (trx) => step(trx));
}

/** `transition` and `openRequest`: `id` null opens a new request with the step's terms. */
async function runMove<T>(
  ctx: RequestsContext,
  action: RequestAction,
  id: string | null,
  actor: string,
  step: AnyStep<T>,
): Promise<T> {
  const move = REQUEST_MOVES[action];
  return ctx.registry.changes.run(async (trx, now) => {
    const row = id === null ? null : await lockRequest(trx, id);
    if (row && !move.from.includes(row.status)) {
      throw new LgspError(
        'CP_REQUEST_STATE',
        `${row.id}: ${row.status} → ${action.replaceAll('_', '-')} (cần / needs ${move.from.join(' | ')})`,
      );
    }
    const requestId = row?.id ?? newId('req', now.getTime());
    const out = await step(trx, row, now);
    const to = resolveTarget(move, row);
    const columns: Updateable<Database['subscription_requests']> = {
      ...out.set,
      ...(to !== null
        ? {
            status: to,
            reasons: out.reasons ?? [],
            completion_stage:
              to === 'needs_completion' ? (row?.status as 'submitted' | 'production_requested') : null,
          }
        : {}),
      ...(to !== null && WAITING.includes(to) ? { stage_started_at: now } : {}),
      ...(move.by === 'reviewer' ? { decided_by: actor, decided_at: now } : {}),
      updated_at: now,
    };
    if (row) {
      await trx.updateTable('subscription_requests').set(columns).where('id', '=', requestId).execute();
    } else {
      if (!out.terms || to === null)
        throw new Error(`${action}: a move that opens a request needs its terms`);
      await trx
        .insertInto('subscription_requests')
        .values({
          ...out.terms,
          id: requestId,
          status: to,
          reasons: [],
          completion_stage: null,
          sandbox_subscription_id: null,
          production_subscription_id: null,
          sandbox_credential_id: null,
          production_credential_id: null,
          sandbox_credential_collected_at: null,
          production_credential_collected_at: null,
          sandbox_evidence_txn_id: null,
          requested_by: actor,
          submitted_at: now,
          stage_started_at: now,
          decided_by: null,
          decided_at: null,
          updated_at: now,
        })
        .execute();
    }
    let result = out.result;
    if (result === undefined) {
      const request = toRequest(ctx, await requireRequest(trx, requestId));
      if (move.by === 'reviewer') await notifyDecision(trx, request, now.getTime());
      result = request as T;
    }
    const event: ChangeEvent = {
      actor,
      action: `subscription_request.${action}`,
      objectType: 'subscription_request',
      objectId: requestId,
      details: out.details,
    };
    return { result, events: [...(out.events ?? []), event] };
  });
}

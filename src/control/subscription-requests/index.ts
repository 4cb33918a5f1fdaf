import type {
  CollectedCredential,
  Environment,
  PageOf,
  RequestAge,
  SubscriptionRequest,
  SubscriptionRequestStatus,
  TechnicalGuide,
} from '../../api/contract/index.ts';
import type { Clock } from '../../core/clock.ts';
import type { Store } from '../../store/port.ts';
import type { Registry } from '../registry/index.ts';
import { collectCredential } from './collect.ts';
import {
  requestProduction,
  resubmit,
  type SubscriptionRequestChanges,
  type SubscriptionRequestInput,
  submit,
} from './consumer-steps.ts';
import { approve, needsCompletion, reject } from './decisions.ts';
import { technicalGuide } from './guide.ts';
import {
  ageOf,
  listRequests,
  type RequestsContext,
  requireRequest,
  type SubscriptionRequestFilter,
  toRequest,
  type WorkflowSettings,
} from './queries.ts';

// The answers' types are the contract's (each written once); re-exported so the workflow's types come from one
// import.
export type {
  CollectedCredential,
  RequestAge,
  SubscriptionRequest,
  SubscriptionRequestStatus,
  TechnicalGuide,
} from '../../api/contract/index.ts';
export type { SubscriptionRequestChanges, SubscriptionRequestInput } from './consumer-steps.ts';
export type { SubscriptionRequestFilter, WorkflowSettings } from './queries.ts';
export { REQUEST_MOVES, type RequestAction, type RequestMove } from './workflow.ts';

/**
 * The subscription workflow of R-12 (Art. 11.2): a consumer registers for a published service version with its
 * application, purpose, frequency and time of use; the operator's reviewer approves the sandbox — which creates
 * the sandbox subscription (quota from the frequency, window from the time of use), issues a sandbox credential
 * when the system has none, and makes the service's technical guide available — or asks for completion, or
 * rejects, always with reasons; once the gateway has recorded a successful sandbox call, the consumer asks for
 * production and the reviewer approves it the same way.
 *
 * The legal moves are a table (`REQUEST_MOVES` in workflow.ts) and every step goes through its one `transition`:
 * one change with its audit event, the objects it creates and their own audit events, and the notification to
 * the consumer (transactional outbox), so a refused step changes nothing. The operator has 2 working days to
 * answer each waiting stage (Decree 194/2025); every view carries the request's age against that deadline.
 *
 * Secrets: an approval issues a credential whose secret nobody ever sees. The consumer collects it once:
 * collecting generates a fresh secret for that credential, stores only its hash and answers it once — the
 * reviewer who approved never holds the consumer's secret.
 */
export class SubscriptionRequests {
  private readonly ctx: RequestsContext;

  constructor(store: Store, registry: Registry, clock: Clock, settings: WorkflowSettings) {
    this.ctx = { store, registry, clock, settings };
  }

  // ── The consumer's steps ─────────────────────────────────────────────────────────────────────────────────

  submit(input: SubscriptionRequestInput, actor: string): Promise<SubscriptionRequest> {
    return submit(this.ctx, input, actor);
  }

  requestProduction(id: string, actor: string): Promise<SubscriptionRequest> {
    return requestProduction(this.ctx, id, actor);
  }

  resubmit(id: string, changes: SubscriptionRequestChanges, actor: string): Promise<SubscriptionRequest> {
    return resubmit(this.ctx, id, changes, actor);
  }

  collectCredential(id: string, environment: Environment, actor: string): Promise<CollectedCredential> {
    return collectCredential(this.ctx, id, environment, actor);
  }

  // ── The operator's decisions ─────────────────────────────────────────────────────────────────────────────

  /** Approves the sandbox: subscription, credential if the system has none, technical guide. */
  approveSandbox(id: string, actor: string): Promise<SubscriptionRequest> {
    return approve(this.ctx, id, 'sandbox', actor);
  }

  /** Approves production, after the sandbox call that `requestProduction` recorded as evidence. */
  approveProduction(id: string, actor: string): Promise<SubscriptionRequest> {
    return approve(this.ctx, id, 'production', actor);
  }

  needsCompletion(id: string, reasons: string[], actor: string): Promise<SubscriptionRequest> {
    return needsCompletion(this.ctx, id, reasons, actor);
  }

  reject(id: string, reasons: string[], actor: string): Promise<SubscriptionRequest> {
    return reject(this.ctx, id, reasons, actor);
  }

  // ── Reading ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Every request matching `filter`, newest first. */
  async list(filter: SubscriptionRequestFilter = {}): Promise<SubscriptionRequest[]> {
    return (await listRequests(this.ctx, filter)).items;
  }

  /** One page of requests, searched and sorted (issue 11). */
  page(query: Parameters<typeof listRequests>[1]): Promise<PageOf<SubscriptionRequest>> {
    return listRequests(this.ctx, query);
  }

  /** How many waiting requests are past their deadline (flagged to the operator). */
  async countOverdue(filter: Omit<SubscriptionRequestFilter, 'overdue' | 'status'> = {}): Promise<number> {
    return (await listRequests(this.ctx, { ...filter, overdue: true })).total;
  }

  async get(id: string): Promise<SubscriptionRequest> {
    return toRequest(this.ctx, await requireRequest(this.ctx.store.db, id));
  }

  guide(id: string): Promise<TechnicalGuide> {
    return technicalGuide(this.ctx, id);
  }

  /** The age of a waiting stage against the deadline, at `nowMs`; null for the other states. */
  ageOf(status: SubscriptionRequestStatus, stageStartedMs: number, nowMs: number): RequestAge | null {
    return ageOf(this.ctx.settings, status, stageStartedMs, nowMs);
  }
}

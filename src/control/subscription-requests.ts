import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Environment, ResourceTemplate, TechnicalDescription } from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { LgspError } from '../core/errors.ts';
import { sha256Hex } from '../core/hashing.ts';
import { newId, newSecret } from '../core/ids.ts';
import { isoOf, isoOrNull } from '../core/time.ts';
import { deadlineOf, type WorkingCalendar, workingDaysBetween } from '../core/working-days.ts';
import { enqueueNotification } from '../notify/outbox.ts';
import type { Store } from '../store/port.ts';
import type { Database, SubscriptionRequestStatus } from '../store/schema.ts';
import { recordChange } from './audit.ts';
import type { Registry } from './registry.ts';
import { parseTimeOfUse } from './rules.ts';

export type { SubscriptionRequestStatus } from '../store/schema.ts';

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

/** How long a waiting request has waited, against the deadline (Decree 194/2025: 2 working days). */
export interface RequestAge {
  /** Working days elapsed since the current waiting stage began, to two decimals. */
  workingDays: number;
  deadlineAt: string;
  overdue: boolean;
}

export interface SubscriptionRequest {
  id: string;
  systemId: string;
  systemName: string;
  /** The consumer organization (owner of the system). */
  organizationId: string;
  organizationCode: string;
  organizationName: string;
  versionId: string;
  serviceId: string;
  serviceName: string;
  context: string;
  version: string;
  application: string;
  purpose: string;
  frequencyPerDay: number;
  frequencyPerMinute: number | null;
  timeOfUse: string | null;
  otherNotes: string | null;
  status: SubscriptionRequestStatus;
  /** Why it was rejected, or what must be completed; empty otherwise. */
  reasons: string[];
  sandboxSubscriptionId: string | null;
  productionSubscriptionId: string | null;
  /** Issued by the approval (null when the system already had an active credential in that environment). */
  sandboxCredentialId: string | null;
  sandboxCredentialCollectedAt: string | null;
  productionCredentialId: string | null;
  productionCredentialCollectedAt: string | null;
  /** The recorded successful sandbox call that allowed asking for production. */
  sandboxEvidenceTransactionId: string | null;
  requestedBy: string;
  submittedAt: string;
  /** When the current waiting stage began: the deadline clock runs from here. */
  stageStartedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  updatedAt: string;
  /** For the waiting stages (`submitted`, `production_requested`); null otherwise. */
  age: RequestAge | null;
}

/** The one-time answer to collecting a credential: the secret appears here and nowhere else. */
export interface CollectedCredential {
  requestId: string;
  environment: Environment;
  credentialId: string;
  consumerKey: string;
  consumerSecret: string;
}

/** The service's technical guide issued with the sandbox approval: R-11 description + technical document. */
export interface TechnicalGuide {
  requestId: string;
  status: SubscriptionRequestStatus;
  service: { id: string; context: string; name: string; description: TechnicalDescription };
  version: {
    id: string;
    version: string;
    protocol: 'REST' | 'SOAP';
    status: string;
    resources: ResourceTemplate[];
    technicalDocumentType: 'openapi' | 'wsdl' | null;
    technicalDocument: string | null;
  };
  gateway: { tokenPath: string; basePath: string; howToCall: string };
  environments: Array<{
    environment: Environment;
    subscriptionId: string;
    status: string;
    quotaPerDay: number | null;
    quotaPerMinute: number | null;
    timeOfUse: string | null;
    /** The consumer key to use (public); its secret is collected once from the request, or already held. */
    consumerKey: string | null;
    credentialIssuedByThisRequest: boolean;
    credentialCollected: boolean;
  }>;
}

export interface SubscriptionRequestFilter {
  /** The consumer organization. */
  organizationId?: string;
  systemId?: string;
  versionId?: string;
  status?: SubscriptionRequestStatus;
  /** Only waiting requests past their deadline. */
  overdue?: boolean;
}

export interface WorkflowSettings extends WorkingCalendar {
  responseDeadlineWorkingDays: number;
}

/** The stages in which the operator must answer within the deadline. */
const WAITING: readonly SubscriptionRequestStatus[] = ['submitted', 'production_requested'];
/** A request in these states is finished; another may be opened for the same system and version. */
const CLOSED: readonly SubscriptionRequestStatus[] = ['production_approved', 'rejected'];
const MAX_INT = 2_147_483_647;

type RequestRow = Selectable<Database['subscription_requests']> & {
  system_name: string;
  organization_id: string;
  organization_code: string;
  organization_name: string;
  service_id: string;
  service_name: string;
  context: string;
  version: string;
};

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

/** Reasons are required, one per item, trimmed, no blanks. */
function reasonList(reasons: string[], what: string): string[] {
  const list = reasons.map((r) => r.trim()).filter(Boolean);
  if (list.length === 0) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      `reasons: phải nêu ${what} / at least one reason is required`,
    );
  }
  return list;
}

/**
 * The subscription workflow of R-12 (Art. 11.2): a consumer registers for a published service version with its
 * application, purpose, frequency and time of use; the operator's reviewer approves the sandbox — which creates
 * the sandbox subscription (quota from the frequency, window from the time of use), issues a sandbox credential
 * when the system has none, and makes the service's technical guide available — or asks for completion, or
 * rejects, always with reasons; once the gateway has recorded a successful sandbox call, the consumer asks for
 * production and the reviewer approves it the same way.
 *
 * Every step is one transaction through `Registry.change`, with its audit event, the objects it creates and
 * their own audit events, and the notification to the consumer (transactional outbox), so a refused step changes
 * nothing. The operator has 2 working days to answer each waiting stage (Decree 194/2025); every view carries the
 * request's age against that deadline.
 *
 * Secrets: an approval issues a credential whose secret nobody ever sees. The consumer collects it once:
 * collecting generates a fresh secret for that credential, stores only its hash and answers it once — the
 * reviewer who approved never holds the consumer's secret.
 */
export class SubscriptionRequests {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly clock: Clock,
    private readonly settings: WorkflowSettings,
  ) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  // ── The consumer's steps ─────────────────────────────────────────────────────────────────────────────────

  async submit(input: SubscriptionRequestInput, actor: string): Promise<SubscriptionRequest> {
    const application = requiredText(input.application, 'application');
    const purpose = requiredText(input.purpose, 'purpose');
    const perDay = frequency(input.frequencyPerDay, 'frequencyPerDay', true);
    const perMinute = frequency(input.frequencyPerMinute, 'frequencyPerMinute', false);
    const window = timeOfUse(input.timeOfUse);
    return this.registry.change(async (trx, now) => {
      const system = await trx
        .selectFrom('systems')
        .select(['id', 'is_consumer'])
        .where('id', '=', input.systemId)
        .executeTakeFirst();
      if (!system) throw new LgspError('CP_SYSTEM_NOT_FOUND', input.systemId);
      if (!system.is_consumer) throw new LgspError('CP_SYSTEM_NOT_CONSUMER', system.id);
      const version = await trx
        .selectFrom('service_versions')
        .select(['id', 'status'])
        .where('id', '=', input.versionId)
        .executeTakeFirst();
      if (!version) throw new LgspError('CP_VERSION_NOT_FOUND', input.versionId);
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
      if (production)
        throw new LgspError('CP_SUBSCRIPTION_EXISTS', `${production.id} (${production.status})`);

      const id = newId('req', now.getTime());
      await trx
        .insertInto('subscription_requests')
        .values({
          id,
          system_id: system.id,
          version_id: version.id,
          application,
          purpose,
          frequency_per_day: perDay!,
          frequency_per_minute: perMinute,
          time_of_use: window,
          other_notes: text(input.otherNotes),
          status: 'submitted',
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
      return {
        result: this.toRequest(await this.require(trx, id)),
        event: {
          actor,
          action: 'subscription_request.submit',
          objectType: 'subscription_request',
          objectId: id,
          details: { systemId: system.id, versionId: version.id, frequencyPerDay: perDay, timeOfUse: window },
        },
      };
    });
  }

  /**
   * After the sandbox works, the consumer asks for production (R-12: "after a successful technical connection").
   * The gateway must have recorded a successful sandbox call (2xx to the consumer and from the provider) by THIS
   * system to THIS version; the call becomes the request's evidence.
   */
  async requestProduction(id: string, actor: string): Promise<SubscriptionRequest> {
    return this.registry.change(async (trx, now) => {
      const row = await this.lockInState(trx, id, ['sandbox_approved'], 'request-production');
      const evidence = await trx
        .selectFrom('transactions')
        .select('id')
        .where('consumer_system_id', '=', row.system_id)
        .where('version_id', '=', row.version_id)
        .where('environment', '=', 'sandbox')
        .where('consumer_status', '>=', 200)
        .where('consumer_status', '<', 300)
        .where('provider_status', '>=', 200)
        .where('provider_status', '<', 300)
        .orderBy('request_in_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!evidence) {
        throw new LgspError(
          'CP_SANDBOX_CALL_REQUIRED',
          `${row.system_id} → ${row.context} ${row.version}: chưa có lời gọi sandbox thành công / no successful sandbox call recorded yet`,
        );
      }
      await trx
        .updateTable('subscription_requests')
        .set({
          status: 'production_requested',
          sandbox_evidence_txn_id: evidence.id,
          stage_started_at: now,
          reasons: [],
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      return {
        result: this.toRequest(await this.require(trx, id)),
        event: {
          actor,
          action: 'subscription_request.request_production',
          objectType: 'subscription_request',
          objectId: id,
          details: { evidenceTransactionId: evidence.id },
        },
      };
    });
  }

  /**
   * The consumer completes what it was asked for and sends the request back to the stage it was in; the deadline
   * clock starts again, since it runs from a complete request. Changed terms apply to the subscriptions granted
   * from then on (a sandbox subscription already granted keeps its own; the operator may adjust it).
   */
  async resubmit(
    id: string,
    changes: SubscriptionRequestChanges,
    actor: string,
  ): Promise<SubscriptionRequest> {
    const set: Partial<{
      application: string;
      purpose: string;
      frequency_per_day: number;
      frequency_per_minute: number | null;
      time_of_use: string | null;
      other_notes: string | null;
    }> = {};
    if (changes.application !== undefined) set.application = requiredText(changes.application, 'application');
    if (changes.purpose !== undefined) set.purpose = requiredText(changes.purpose, 'purpose');
    if (changes.frequencyPerDay !== undefined)
      set.frequency_per_day = frequency(changes.frequencyPerDay, 'frequencyPerDay', true)!;
    if (changes.frequencyPerMinute !== undefined)
      set.frequency_per_minute = frequency(changes.frequencyPerMinute, 'frequencyPerMinute', false);
    if (changes.timeOfUse !== undefined) set.time_of_use = timeOfUse(changes.timeOfUse);
    if (changes.otherNotes !== undefined) set.other_notes = text(changes.otherNotes);
    return this.registry.change(async (trx, now) => {
      const row = await this.lockInState(trx, id, ['needs_completion'], 'resubmit');
      const back = row.completion_stage ?? 'submitted';
      await trx
        .updateTable('subscription_requests')
        .set({
          ...set,
          status: back,
          completion_stage: null,
          reasons: [],
          stage_started_at: now,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      return {
        result: this.toRequest(await this.require(trx, id)),
        event: {
          actor,
          action: 'subscription_request.resubmit',
          objectType: 'subscription_request',
          objectId: id,
          details: { to: back, fields: Object.keys(changes) },
        },
      };
    });
  }

  /**
   * The consumer collects the secret of a credential the approval issued, once (R-12 "consumer key, initial
   * password"; R-25 shown once, to its holder only). A fresh secret is generated now and only its hash kept, so
   * no one — not the reviewer who approved, not the database — has seen it before. Collecting twice is refused
   * (CP_REQUEST_STATE): a lost secret is replaced by rotating the credential.
   */
  async collectCredential(id: string, environment: Environment, actor: string): Promise<CollectedCredential> {
    const consumerSecret = newSecret();
    return this.registry.change(async (trx, now) => {
      const row = await this.lock(trx, id);
      const credentialId =
        environment === 'sandbox' ? row.sandbox_credential_id : row.production_credential_id;
      const collectedAt =
        environment === 'sandbox'
          ? row.sandbox_credential_collected_at
          : row.production_credential_collected_at;
      if (!credentialId) {
        throw new LgspError(
          'CP_REQUEST_STATE',
          `${id}: đề nghị chưa được cấp thông tin kết nối ${environment} (chưa phê duyệt, hoặc hệ thống dùng khoá đang có) / ` +
            `no ${environment} credential was issued by this request (not approved yet, or the system uses the one it has)`,
        );
      }
      if (collectedAt) {
        throw new LgspError(
          'CP_REQUEST_STATE',
          `${id}: đã nhận lúc ${isoOf(collectedAt)}; nếu mất secret, đề nghị Sở TT&TT thay khoá / ` +
            `already collected at ${isoOf(collectedAt)}; if the secret is lost, ask the operator to rotate the credential`,
        );
      }
      const credential = await trx
        .selectFrom('credentials')
        .select(['id', 'consumer_key', 'status', 'replaced_by'])
        .where('id', '=', credentialId)
        .executeTakeFirstOrThrow();
      if (credential.status === 'revoked') throw new LgspError('CP_CREDENTIAL_REVOKED', credentialId);
      if (credential.replaced_by) {
        throw new LgspError('CP_CREDENTIAL_ROTATED', `${credentialId} → ${credential.replaced_by}`);
      }
      await trx
        .updateTable('credentials')
        .set({ secret_sha256: sha256Hex(consumerSecret) })
        .where('id', '=', credentialId)
        .execute();
      await trx
        .updateTable('subscription_requests')
        .set(
          environment === 'sandbox'
            ? { sandbox_credential_collected_at: now, updated_at: now }
            : { production_credential_collected_at: now, updated_at: now },
        )
        .where('id', '=', id)
        .execute();
      return {
        result: {
          requestId: id,
          environment,
          credentialId,
          consumerKey: credential.consumer_key,
          consumerSecret,
        },
        event: {
          actor,
          action: 'subscription_request.collect_credential',
          objectType: 'subscription_request',
          objectId: id,
          details: { environment, credentialId, consumerKey: credential.consumer_key },
        },
      };
    });
  }

  // ── The operator's decisions ─────────────────────────────────────────────────────────────────────────────

  /** Approves the sandbox: subscription, credential if the system has none, technical guide. */
  async approveSandbox(id: string, actor: string): Promise<SubscriptionRequest> {
    return this.approve(id, 'sandbox', actor);
  }

  /** Approves production, after the sandbox call that `requestProduction` recorded as evidence. */
  async approveProduction(id: string, actor: string): Promise<SubscriptionRequest> {
    return this.approve(id, 'production', actor);
  }

  private async approve(id: string, environment: Environment, actor: string): Promise<SubscriptionRequest> {
    const from: SubscriptionRequestStatus = environment === 'sandbox' ? 'submitted' : 'production_requested';
    const to: SubscriptionRequestStatus =
      environment === 'sandbox' ? 'sandbox_approved' : 'production_approved';
    return this.registry.change(async (trx, now) => {
      const row = await this.lockInState(trx, id, [from], `approve-${environment}`);
      const version = await trx
        .selectFrom('service_versions')
        .select('status')
        .where('id', '=', row.version_id)
        .executeTakeFirstOrThrow();
      if (version.status !== 'published' && version.status !== 'deprecated') {
        throw new LgspError('CP_VERSION_NOT_PUBLISHED', `${row.version_id}: ${version.status}`);
      }
      const subscriptionId = await this.grantSubscription(trx, row, environment, now, actor);
      const credentialId = await this.issueCredentialIfNone(trx, row, environment, now, actor);
      await trx
        .updateTable('subscription_requests')
        .set({
          status: to,
          reasons: [],
          decided_by: actor,
          decided_at: now,
          updated_at: now,
          ...(environment === 'sandbox'
            ? { sandbox_subscription_id: subscriptionId, sandbox_credential_id: credentialId }
            : { production_subscription_id: subscriptionId, production_credential_id: credentialId }),
        })
        .where('id', '=', id)
        .execute();
      const request = this.toRequest(await this.require(trx, id));
      await this.notifyDecision(trx, request, now.getTime());
      return {
        result: request,
        event: {
          actor,
          action: `subscription_request.approve_${environment}`,
          objectType: 'subscription_request',
          objectId: id,
          details: { subscriptionId, credentialId },
        },
      };
    });
  }

  /** The reviewer says what must be completed (R-12: "a notice saying what must be completed"). */
  async needsCompletion(id: string, reasons: string[], actor: string): Promise<SubscriptionRequest> {
    const list = reasonList(reasons, 'nội dung cần bổ sung');
    return this.registry.change(async (trx, now) => {
      const row = await this.lockInState(trx, id, WAITING, 'needs-completion');
      await trx
        .updateTable('subscription_requests')
        .set({
          status: 'needs_completion',
          completion_stage: row.status as 'submitted' | 'production_requested',
          reasons: list,
          decided_by: actor,
          decided_at: now,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      const request = this.toRequest(await this.require(trx, id));
      await this.notifyDecision(trx, request, now.getTime());
      return {
        result: request,
        event: {
          actor,
          action: 'subscription_request.needs_completion',
          objectType: 'subscription_request',
          objectId: id,
          details: { from: row.status, reasons: list },
        },
      };
    });
  }

  /**
   * The reviewer refuses, with reasons. A request refused at the production stage also loses the sandbox
   * subscription it was given (the system's credentials stay: other subscriptions may use them).
   */
  async reject(id: string, reasons: string[], actor: string): Promise<SubscriptionRequest> {
    const list = reasonList(reasons, 'lý do từ chối');
    return this.registry.change(async (trx, now) => {
      const row = await this.lockInState(trx, id, [...WAITING, 'needs_completion'], 'reject');
      if (row.sandbox_subscription_id) {
        const revoked = await trx
          .updateTable('subscriptions')
          .set({ status: 'revoked', updated_at: now })
          .where('id', '=', row.sandbox_subscription_id)
          .where('status', '!=', 'revoked')
          .returning('id')
          .executeTakeFirst();
        if (revoked) {
          await recordChange(
            trx,
            {
              actor,
              action: 'subscription.revoke',
              objectType: 'subscription',
              objectId: revoked.id,
              details: { subscriptionRequestId: id },
            },
            now.getTime(),
          );
        }
      }
      await trx
        .updateTable('subscription_requests')
        .set({
          status: 'rejected',
          completion_stage: null,
          reasons: list,
          decided_by: actor,
          decided_at: now,
          updated_at: now,
        })
        .where('id', '=', id)
        .execute();
      const request = this.toRequest(await this.require(trx, id));
      await this.notifyDecision(trx, request, now.getTime());
      return {
        result: request,
        event: {
          actor,
          action: 'subscription_request.reject',
          objectType: 'subscription_request',
          objectId: id,
          details: { from: row.status, reasons: list },
        },
      };
    });
  }

  // ── Reading ──────────────────────────────────────────────────────────────────────────────────────────────

  /** Newest first; with `overdue`, only waiting requests past their deadline, oldest stage first. */
  async list(filter: SubscriptionRequestFilter = {}): Promise<SubscriptionRequest[]> {
    let q = this.query(this.db);
    if (filter.organizationId) q = q.where('systems.organization_id', '=', filter.organizationId);
    if (filter.systemId) q = q.where('subscription_requests.system_id', '=', filter.systemId);
    if (filter.versionId) q = q.where('subscription_requests.version_id', '=', filter.versionId);
    if (filter.status) q = q.where('subscription_requests.status', '=', filter.status);
    if (filter.overdue) {
      const rows = await q
        .where('subscription_requests.status', 'in', WAITING)
        .orderBy('subscription_requests.stage_started_at')
        .orderBy('subscription_requests.id')
        .execute();
      return rows.map((r) => this.toRequest(r)).filter((r) => r.age?.overdue);
    }
    const rows = await q
      .orderBy('subscription_requests.submitted_at', 'desc')
      .orderBy('subscription_requests.id', 'desc')
      .execute();
    return rows.map((r) => this.toRequest(r));
  }

  /** How many waiting requests are past their deadline (flagged to the operator). */
  async countOverdue(filter: Omit<SubscriptionRequestFilter, 'overdue' | 'status'> = {}): Promise<number> {
    return (await this.list({ ...filter, overdue: true })).length;
  }

  async get(id: string): Promise<SubscriptionRequest> {
    return this.toRequest(await this.require(this.db, id));
  }

  /**
   * The service's technical guide, issued with the sandbox approval: the service's R-11 description, the
   * version's OpenAPI/WSDL document, how to call it through the gateway, and the subscriptions granted.
   */
  async guide(id: string): Promise<TechnicalGuide> {
    const row = await this.require(this.db, id);
    if (!row.sandbox_subscription_id) {
      throw new LgspError(
        'CP_REQUEST_STATE',
        `${id}: tài liệu hướng dẫn được cấp khi duyệt sandbox / the guide is issued with the sandbox approval`,
      );
    }
    const service = await this.registry.getService(row.service_id);
    const version = await this.db
      .selectFrom('service_versions')
      .select([
        'id',
        'version',
        'protocol',
        'status',
        'resources',
        'technical_document',
        'technical_document_type',
      ])
      .where('id', '=', row.version_id)
      .executeTakeFirstOrThrow();
    const environments: TechnicalGuide['environments'] = [];
    for (const environment of ['sandbox', 'production'] as const) {
      const subscriptionId =
        environment === 'sandbox' ? row.sandbox_subscription_id : row.production_subscription_id;
      if (!subscriptionId) continue;
      const subscription = await this.registry.getSubscription(subscriptionId);
      const issuedId = environment === 'sandbox' ? row.sandbox_credential_id : row.production_credential_id;
      const collected =
        environment === 'sandbox'
          ? row.sandbox_credential_collected_at
          : row.production_credential_collected_at;
      // The key to use: the one this request issued while it is current, else the system's newest current key
      // (after a rotation, R-19, the replacement).
      const current = await this.db
        .selectFrom('credentials')
        .select(['id', 'consumer_key'])
        .where('system_id', '=', row.system_id)
        .where('environment', '=', environment)
        .where('status', '=', 'active')
        .where('replaced_by', 'is', null)
        .orderBy('created_at', 'desc')
        .execute();
      const found = current.find((c) => c.id === issuedId) ?? current[0];
      environments.push({
        environment,
        subscriptionId,
        status: subscription.status,
        quotaPerDay: subscription.quotaPerDay,
        quotaPerMinute: subscription.quotaPerMinute,
        timeOfUse: subscription.timeOfUse,
        consumerKey: found?.consumer_key ?? null,
        credentialIssuedByThisRequest: issuedId !== null,
        credentialCollected: collected !== null,
      });
    }
    const basePath = `/${row.context}/${row.version}`;
    return {
      requestId: row.id,
      status: row.status,
      service: {
        id: service.id,
        context: service.context,
        name: service.name,
        description: service.description,
      },
      version: {
        id: version.id,
        version: version.version,
        protocol: version.protocol,
        status: version.status,
        resources: version.resources,
        technicalDocumentType: version.technical_document_type,
        technicalDocument: version.technical_document,
      },
      gateway: {
        tokenPath: '/token',
        basePath,
        howToCall:
          'Lấy token: POST /token, Authorization: Basic base64(consumerKey:consumerSecret), ' +
          `grant_type=client_credentials; gọi: ${basePath}/<tài nguyên> với Authorization: Bearer <token>. / ` +
          'Get a token at POST /token (Basic consumerKey:consumerSecret, grant_type=client_credentials), then ' +
          `call ${basePath}/<resource> with Authorization: Bearer <token>.`,
      },
      environments,
    };
  }

  /** The age of a waiting stage against the deadline, at `nowMs`; null for the other states. */
  ageOf(status: SubscriptionRequestStatus, stageStartedMs: number, nowMs: number): RequestAge | null {
    if (!WAITING.includes(status)) return null;
    const deadlineMs = deadlineOf(stageStartedMs, this.settings.responseDeadlineWorkingDays, this.settings);
    return {
      workingDays: Math.round(workingDaysBetween(stageStartedMs, nowMs, this.settings) * 100) / 100,
      deadlineAt: new Date(deadlineMs).toISOString(),
      overdue: nowMs > deadlineMs,
    };
  }

  // ── Inside a decision's transaction ──────────────────────────────────────────────────────────────────────

  /**
   * The subscription the approval grants, with the request's quotas and window. A subscription revoked earlier
   * (the system stopped using the version, R-21) is activated again with the new terms; a live one is refused.
   */
  private async grantSubscription(
    trx: Transaction<Database>,
    row: RequestRow,
    environment: Environment,
    now: Date,
    actor: string,
  ): Promise<string> {
    const window = parseTimeOfUse(row.time_of_use);
    const terms = {
      status: 'active' as const,
      quota_per_day: row.frequency_per_day,
      quota_per_minute: row.frequency_per_minute,
      window_start: window?.start ?? null,
      window_end: window?.end ?? null,
      updated_at: now,
    };
    const existing = await trx
      .selectFrom('subscriptions')
      .select(['id', 'status'])
      .where('system_id', '=', row.system_id)
      .where('version_id', '=', row.version_id)
      .where('environment', '=', environment)
      .executeTakeFirst();
    if (existing && existing.status !== 'revoked') {
      throw new LgspError(
        'CP_SUBSCRIPTION_EXISTS',
        `${existing.id}: ${row.system_id} ${row.context} ${row.version} ${environment}`,
      );
    }
    const subscriptionId = existing?.id ?? newId('sub', now.getTime());
    if (existing) {
      await trx.updateTable('subscriptions').set(terms).where('id', '=', existing.id).execute();
    } else {
      await trx
        .insertInto('subscriptions')
        .values({
          id: subscriptionId,
          system_id: row.system_id,
          version_id: row.version_id,
          environment,
          created_at: now,
          ...terms,
        })
        .execute();
    }
    await recordChange(
      trx,
      {
        actor,
        action: existing ? 'subscription.activate' : 'subscription.create',
        objectType: 'subscription',
        objectId: subscriptionId,
        details: {
          systemId: row.system_id,
          versionId: row.version_id,
          environment,
          quotaPerDay: row.frequency_per_day,
          quotaPerMinute: row.frequency_per_minute,
          timeOfUse: row.time_of_use,
          subscriptionRequestId: row.id,
        },
      },
      now.getTime(),
    );
    return subscriptionId;
  }

  /**
   * A credential for the environment when the system has no active one; null when it has (its key serves every
   * subscription of the system). The secret generated here is discarded unseen: the consumer's own secret is made
   * when it collects (see `collectCredential`), so the credential cannot be used before then.
   */
  private async issueCredentialIfNone(
    trx: Transaction<Database>,
    row: RequestRow,
    environment: Environment,
    now: Date,
    actor: string,
  ): Promise<string | null> {
    const active = await trx
      .selectFrom('credentials')
      .select('id')
      .where('system_id', '=', row.system_id)
      .where('environment', '=', environment)
      .where('status', '=', 'active')
      .where('replaced_by', 'is', null)
      .executeTakeFirst();
    if (active) return null;
    const id = newId('cred', now.getTime());
    // The consumer key is public (it names the credential in logs and tokens), as Registry.issueCredential makes it.
    const consumerKey = newSecret().replace(/[-_]/g, '').slice(0, 20);
    await trx
      .insertInto('credentials')
      .values({
        id,
        system_id: row.system_id,
        environment,
        consumer_key: consumerKey,
        secret_sha256: sha256Hex(newSecret()),
        status: 'active',
        created_at: now,
        revoked_at: null,
      })
      .execute();
    await recordChange(
      trx,
      {
        actor,
        action: 'credential.issue',
        objectType: 'credential',
        objectId: id,
        details: { systemId: row.system_id, environment, consumerKey, subscriptionRequestId: row.id },
      },
      now.getTime(),
    );
    return id;
  }

  /** Tells the consumer organization (contact e-mail and webhooks) of a decision, Vietnamese first. */
  private async notifyDecision(
    trx: Transaction<Database>,
    request: SubscriptionRequest,
    nowMs: number,
  ): Promise<void> {
    const org = await trx
      .selectFrom('organizations')
      .select('contact_email')
      .where('id', '=', request.organizationId)
      .executeTakeFirst();
    const what = `dịch vụ "${request.serviceName}" (${request.context} ${request.version})`;
    const whatEn = `${request.context} ${request.version}`;
    const who = `hệ thống "${request.systemName}" của ${request.organizationName}`;
    const base = `/api/v1/subscription-requests/${request.id}`;
    const reasons = request.reasons.map((r) => `  - ${r}`);
    const terms =
      `Hạn mức / Quota: ${request.frequencyPerDay} lượt/ngày per day` +
      (request.frequencyPerMinute ? `, ${request.frequencyPerMinute} lượt/phút per minute` : '') +
      `; thời gian khai thác / time of use: ${request.timeOfUse ?? 'cả ngày / all day'}.`;
    const collect = (environment: Environment, issued: boolean) =>
      issued
        ? [
            `Nhận consumer key và secret (chỉ hiển thị MỘT lần) / Collect the key and secret (shown ONCE): ` +
              `lgsp subreq collect ${request.id} --env ${environment}  (POST ${base}/credentials/${environment}/collect)`,
          ]
        : [
            `Hệ thống dùng consumer key ${environment} đang có / The system uses its existing ${environment} consumer key.`,
          ];

    let subject: string;
    let lines: string[];
    switch (request.status) {
      case 'sandbox_approved':
        subject = `Đăng ký khai thác ${whatEn} được duyệt ở môi trường thử nghiệm (sandbox) / Sandbox access approved`;
        lines = [
          `Đề nghị đăng ký khai thác ${what} của ${who} (${request.id}) đã được phê duyệt ở môi trường thử nghiệm (sandbox).`,
          terms,
          ...collect('sandbox', request.sandboxCredentialId !== null),
          `Tài liệu hướng dẫn kỹ thuật / Technical guide: lgsp subreq guide ${request.id}  (GET ${base}/guide)`,
          `Sau khi gọi thử thành công qua LGSP, đề nghị cấp tài khoản chính thức / After a successful sandbox call, ` +
            `ask for production: lgsp subreq request-production ${request.id}`,
          '',
          `Your subscription request ${request.id} for ${whatEn} was approved in the sandbox.`,
        ];
        break;
      case 'production_approved':
        subject = `Đăng ký khai thác ${whatEn} được duyệt ở môi trường chính thức / Production access approved`;
        lines = [
          `Đề nghị khai thác chính thức ${what} của ${who} (${request.id}) đã được phê duyệt.`,
          terms,
          ...collect('production', request.productionCredentialId !== null),
          '',
          `Your subscription request ${request.id} for ${whatEn} was approved in production.`,
        ];
        break;
      case 'needs_completion':
        subject = `Đề nghị đăng ký khai thác ${whatEn} cần bổ sung / Your subscription request needs completing`;
        lines = [
          `Đề nghị đăng ký khai thác ${what} của ${who} (${request.id}) cần được bổ sung các nội dung sau:`,
          ...reasons,
          `Bổ sung và gửi lại / Complete it and resubmit: lgsp subreq resubmit ${request.id}  (POST ${base}/resubmit)`,
          '',
          `Your subscription request ${request.id} for ${whatEn} needs the items above before it can be approved.`,
        ];
        break;
      default:
        subject = `Đề nghị đăng ký khai thác ${whatEn} không được chấp thuận / Subscription request rejected`;
        lines = [
          `Đề nghị đăng ký khai thác ${what} của ${who} (${request.id}) không được chấp thuận.`,
          'Lý do / Reasons:',
          ...reasons,
          '',
          `Your subscription request ${request.id} for ${whatEn} was rejected for the reasons above.`,
        ];
    }
    await enqueueNotification(
      trx,
      {
        eventType: `subscription_request.${request.status}`,
        recipients: {
          emails: org?.contact_email ? [org.contact_email] : [],
          organizationIds: [request.organizationId],
        },
        subject,
        text: lines.join('\n'),
        payload: {
          requestId: request.id,
          systemId: request.systemId,
          versionId: request.versionId,
          context: request.context,
          version: request.version,
          status: request.status,
          reasons: request.reasons,
          sandboxSubscriptionId: request.sandboxSubscriptionId,
          productionSubscriptionId: request.productionSubscriptionId,
          guidePath: `${base}/guide`,
        },
      },
      nowMs,
    );
  }

  // ── Rows ─────────────────────────────────────────────────────────────────────────────────────────────────

  private query(db: Kysely<Database>) {
    return db
      .selectFrom('subscription_requests')
      .innerJoin('systems', 'systems.id', 'subscription_requests.system_id')
      .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
      .innerJoin('service_versions', 'service_versions.id', 'subscription_requests.version_id')
      .innerJoin('services', 'services.id', 'service_versions.service_id')
      .selectAll('subscription_requests')
      .select([
        'systems.name as system_name',
        'systems.organization_id as organization_id',
        'organizations.code as organization_code',
        'organizations.name as organization_name',
        'services.id as service_id',
        'services.name as service_name',
        'services.context as context',
        'service_versions.version as version',
      ]);
  }

  private async require(db: Kysely<Database>, id: string): Promise<RequestRow> {
    const row = await this.query(db).where('subscription_requests.id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_REQUEST_NOT_FOUND', id);
    return row;
  }

  /**
   * Locks the request until the step commits, so two people acting at once cannot both move it: the second sees
   * the first's result.
   */
  private async lock(trx: Transaction<Database>, id: string): Promise<RequestRow> {
    const locked = await trx
      .selectFrom('subscription_requests')
      .select('id')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!locked) throw new LgspError('CP_REQUEST_NOT_FOUND', id);
    return this.require(trx, id);
  }

  private async lockInState(
    trx: Transaction<Database>,
    id: string,
    allowed: readonly SubscriptionRequestStatus[],
    step: string,
  ): Promise<RequestRow> {
    const row = await this.lock(trx, id);
    if (!allowed.includes(row.status)) {
      throw new LgspError(
        'CP_REQUEST_STATE',
        `${id}: ${row.status} → ${step} (cần / needs ${allowed.join(' | ')})`,
      );
    }
    return row;
  }

  private toRequest(r: RequestRow): SubscriptionRequest {
    const stageStartedMs = new Date(r.stage_started_at).getTime();
    return {
      id: r.id,
      systemId: r.system_id,
      systemName: r.system_name,
      organizationId: r.organization_id,
      organizationCode: r.organization_code,
      organizationName: r.organization_name,
      versionId: r.version_id,
      serviceId: r.service_id,
      serviceName: r.service_name,
      context: r.context,
      version: r.version,
      application: r.application,
      purpose: r.purpose,
      frequencyPerDay: r.frequency_per_day,
      frequencyPerMinute: r.frequency_per_minute,
      timeOfUse: r.time_of_use,
      otherNotes: r.other_notes,
      status: r.status,
      reasons: r.reasons ?? [],
      sandboxSubscriptionId: r.sandbox_subscription_id,
      productionSubscriptionId: r.production_subscription_id,
      sandboxCredentialId: r.sandbox_credential_id,
      sandboxCredentialCollectedAt: isoOrNull(r.sandbox_credential_collected_at),
      productionCredentialId: r.production_credential_id,
      productionCredentialCollectedAt: isoOrNull(r.production_credential_collected_at),
      sandboxEvidenceTransactionId: r.sandbox_evidence_txn_id,
      requestedBy: r.requested_by,
      submittedAt: isoOf(r.submitted_at),
      stageStartedAt: isoOf(r.stage_started_at),
      decidedBy: r.decided_by,
      decidedAt: isoOrNull(r.decided_at),
      updatedAt: isoOf(r.updated_at),
      age: this.ageOf(r.status, stageStartedMs, this.clock.nowMs()),
    };
  }
}

import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ContactPoint, InformationSystem } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { isoOf } from '../core/time.ts';
import { enqueueNotification } from '../notify/outbox.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { recordChange } from './audit.ts';
import type { Registry } from './registry.ts';

export type ConnectionRequestStatus = 'submitted' | 'approved' | 'rejected';

/** What an organization fills in to apply: the system, then the four items of the Appendix's form. */
export interface ConnectionRequestInput {
  organizationId: string;
  systemName: string;
  systemDescription?: string | null;
  isProvider: boolean;
  isConsumer: boolean;
  /** 1. Mục đích sử dụng */
  purpose: string;
  /** 2. Phạm vi sử dụng tại cơ quan chủ quản */
  scopeOfUse: string;
  /** 3. Đầu mối phối hợp (R-09 fields) */
  contact: ContactPoint;
  /** 4. Các đề xuất, kiến nghị khác */
  otherProposals?: string | null;
  /** Số công văn of the agency's own letter, if it has one. */
  letterNumber?: string | null;
}

export interface ConnectionRequest {
  id: string;
  organizationId: string;
  organizationCode: string;
  organizationName: string;
  systemName: string;
  systemDescription: string | null;
  isProvider: boolean;
  isConsumer: boolean;
  purpose: string;
  scopeOfUse: string;
  contact: ContactPoint;
  otherProposals: string | null;
  letterNumber: string | null;
  status: ConnectionRequestStatus;
  decisionReason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The system created on approval; null until then. */
  systemId: string | null;
  submittedBy: string;
  submittedAt: string;
}

type RequestRow = Selectable<Database['connection_requests']> & {
  organization_code: string;
  organization_name: string;
};

function toRequest(r: RequestRow): ConnectionRequest {
  const c = r.contact;
  return {
    id: r.id,
    organizationId: r.organization_id,
    organizationCode: r.organization_code,
    organizationName: r.organization_name,
    systemName: r.system_name,
    systemDescription: r.system_description,
    isProvider: r.is_provider,
    isConsumer: r.is_consumer,
    purpose: r.purpose,
    scopeOfUse: r.scope_of_use,
    contact: {
      name: c.name,
      title: c.title ?? null,
      unit: c.unit ?? null,
      phone: c.phone ?? null,
      email: c.email ?? null,
    },
    otherProposals: r.other_proposals,
    letterNumber: r.letter_number,
    status: r.status,
    decisionReason: r.decision_reason,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? isoOf(r.decided_at) : null,
    systemId: r.system_id,
    submittedBy: r.submitted_by,
    submittedAt: isoOf(r.submitted_at),
  };
}

/** Text a person typed: trimmed; empty means not given. */
function text(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? t : null;
}

function requiredText(value: string, field: string): string {
  const t = text(value);
  if (!t)
    throw new LgspError('API_VALIDATION_FAILED', `${field}: bắt buộc, không để trống / required, not blank`);
  return t;
}

/**
 * The connection request workflow of R-08 (Art. 8–10, the Appendix): an organization applies to connect one of
 * its information systems; the operator approves — which grants the connection by creating the system — or
 * rejects with a reason. Every step is one transaction through `Registry.change`, with its audit event and the
 * config revision bump, so a refused step (wrong state, unknown id) changes nothing.
 */
export class ConnectionRequests {
  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
  ) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  async submit(input: ConnectionRequestInput, actor: string): Promise<ConnectionRequest> {
    if (!input.isProvider && !input.isConsumer) throw new LgspError('CP_SYSTEM_ROLE_REQUIRED');
    const systemName = requiredText(input.systemName, 'systemName');
    const purpose = requiredText(input.purpose, 'purpose');
    const scopeOfUse = requiredText(input.scopeOfUse, 'scopeOfUse');
    const contact: ContactPoint = {
      name: requiredText(input.contact.name, 'contact/name'),
      title: text(input.contact.title),
      unit: text(input.contact.unit),
      phone: text(input.contact.phone),
      email: text(input.contact.email),
    };
    return this.registry.change(async (trx, now) => {
      const org = await trx
        .selectFrom('organizations')
        .select(['id', 'code'])
        .where('id', '=', input.organizationId)
        .executeTakeFirst();
      if (!org) throw new LgspError('CP_ORGANIZATION_NOT_FOUND', input.organizationId);
      const id = newId('req', now.getTime());
      await trx
        .insertInto('connection_requests')
        .values({
          id,
          organization_id: org.id,
          system_name: systemName,
          system_description: text(input.systemDescription),
          is_provider: input.isProvider,
          is_consumer: input.isConsumer,
          purpose,
          scope_of_use: scopeOfUse,
          contact: JSON.stringify(contact),
          other_proposals: text(input.otherProposals),
          letter_number: text(input.letterNumber),
          status: 'submitted',
          decision_reason: null,
          decided_by: null,
          decided_at: null,
          system_id: null,
          submitted_by: actor,
          submitted_at: now,
        })
        .execute();
      return {
        result: toRequest(await this.require(trx, id)),
        event: {
          actor,
          action: 'connection_request.submit',
          objectType: 'connection_request',
          objectId: id,
          details: { organizationCode: org.code, systemName },
        },
      };
    });
  }

  /**
   * Approval grants the connection: the information system is created active, exactly as
   * `Registry.createSystem` would, in the same transaction as the decision — a request is never approved without
   * its system, nor a system created by a decision that did not commit.
   */
  async approve(
    id: string,
    actor: string,
    note?: string | null,
  ): Promise<{ request: ConnectionRequest; system: InformationSystem }> {
    const reason = text(note);
    return this.registry.change(async (trx, now) => {
      const current = await this.requireSubmitted(trx, id);
      const systemId = newId('sys', now.getTime());
      const system = await trx
        .insertInto('systems')
        .values({
          id: systemId,
          organization_id: current.organization_id,
          name: current.system_name,
          description: current.system_description,
          is_provider: current.is_provider,
          is_consumer: current.is_consumer,
          status: 'active',
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      // The system's own history starts here too (R-07: history and times of connections).
      await recordChange(
        trx,
        {
          actor,
          action: 'system.create',
          objectType: 'system',
          objectId: systemId,
          details: {
            organizationCode: current.organization_code,
            name: current.system_name,
            connectionRequestId: id,
          },
        },
        now.getTime(),
      );
      await trx
        .updateTable('connection_requests')
        .set({
          status: 'approved',
          decision_reason: reason,
          decided_by: actor,
          decided_at: now,
          system_id: systemId,
        })
        .where('id', '=', id)
        .execute();
      const request = toRequest(await this.require(trx, id));
      await this.notifyDecision(trx, request, now.getTime());
      return {
        result: {
          request,
          system: {
            id: system.id,
            organizationId: system.organization_id,
            organizationCode: current.organization_code,
            name: system.name,
            description: system.description,
            isProvider: system.is_provider,
            isConsumer: system.is_consumer,
            status: system.status,
            createdAt: isoOf(system.created_at),
            updatedAt: isoOf(system.updated_at),
          },
        },
        event: {
          actor,
          action: 'connection_request.approve',
          objectType: 'connection_request',
          objectId: id,
          details: { systemId, ...(reason ? { note: reason } : {}) },
        },
      };
    });
  }

  async reject(id: string, reason: string, actor: string): Promise<ConnectionRequest> {
    const why = text(reason);
    if (!why) {
      throw new LgspError(
        'API_VALIDATION_FAILED',
        'reason: phải nêu lý do từ chối / a rejection needs a reason',
      );
    }
    return this.registry.change(async (trx, now) => {
      await this.requireSubmitted(trx, id);
      await trx
        .updateTable('connection_requests')
        .set({ status: 'rejected', decision_reason: why, decided_by: actor, decided_at: now })
        .where('id', '=', id)
        .execute();
      const request = toRequest(await this.require(trx, id));
      await this.notifyDecision(trx, request, now.getTime());
      return {
        result: request,
        event: {
          actor,
          action: 'connection_request.reject',
          objectType: 'connection_request',
          objectId: id,
          details: { reason: why },
        },
      };
    });
  }

  async list(
    filter: { organizationId?: string; status?: ConnectionRequestStatus } = {},
  ): Promise<ConnectionRequest[]> {
    let q = this.query(this.db);
    if (filter.organizationId) q = q.where('connection_requests.organization_id', '=', filter.organizationId);
    if (filter.status) q = q.where('connection_requests.status', '=', filter.status);
    const rows = await q
      .orderBy('connection_requests.submitted_at', 'desc')
      .orderBy('connection_requests.id', 'desc')
      .execute();
    return rows.map(toRequest);
  }

  async get(id: string): Promise<ConnectionRequest> {
    return toRequest(await this.require(this.db, id));
  }

  private query(db: Kysely<Database>) {
    return db
      .selectFrom('connection_requests')
      .innerJoin('organizations', 'organizations.id', 'connection_requests.organization_id')
      .selectAll('connection_requests')
      .select(['organizations.code as organization_code', 'organizations.name as organization_name']);
  }

  private async require(db: Kysely<Database>, id: string): Promise<RequestRow> {
    const row = await this.query(db).where('connection_requests.id', '=', id).executeTakeFirst();
    if (!row) throw new LgspError('CP_REQUEST_NOT_FOUND', id);
    return row;
  }

  /**
   * Only a submitted request may be decided. The row is locked until the decision commits, so two reviewers
   * deciding at once cannot both succeed: the second sees the first's decision and gets CP_REQUEST_STATE.
   */
  private async requireSubmitted(trx: Transaction<Database>, id: string): Promise<RequestRow> {
    const locked = await trx
      .selectFrom('connection_requests')
      .select('id')
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!locked) throw new LgspError('CP_REQUEST_NOT_FOUND', id);
    const row = await this.require(trx, id);
    if (row.status !== 'submitted') {
      throw new LgspError('CP_REQUEST_STATE', `${id}: ${row.status}`);
    }
    return row;
  }

  /** Tells the applicant (contact point and the organization's webhooks) of the decision, through the outbox. */
  private async notifyDecision(
    trx: Transaction<Database>,
    request: ConnectionRequest,
    nowMs: number,
  ): Promise<void> {
    const approved = request.status === 'approved';
    const org = await trx
      .selectFrom('organizations')
      .select('contact_email')
      .where('id', '=', request.organizationId)
      .executeTakeFirst();
    const emails = [request.contact.email, org?.contact_email].filter((e): e is string => Boolean(e));
    const verdictVi = approved ? 'được chấp thuận' : 'không được chấp thuận';
    const verdict = approved ? 'approved' : 'rejected';
    await enqueueNotification(
      trx,
      {
        eventType: `connection_request.${verdict}`,
        recipients: { emails, organizationIds: [request.organizationId] },
        subject: `Đề nghị kết nối hệ thống "${request.systemName}" ${verdictVi} / Connection request ${verdict}`,
        text: [
          `Đề nghị kết nối hệ thống "${request.systemName}" của ${request.organizationName} (${request.id}) ${verdictVi}.`,
          ...(request.decisionReason ? [`Lý do / Reason: ${request.decisionReason}`] : []),
          ...(request.systemId ? [`Mã hệ thống / System id: ${request.systemId}`] : []),
          '',
          `The connection request ${request.id} for the system "${request.systemName}" was ${verdict}.`,
        ].join('\n'),
        payload: {
          requestId: request.id,
          organizationId: request.organizationId,
          systemName: request.systemName,
          status: request.status,
          reason: request.decisionReason,
          systemId: request.systemId,
        },
      },
      nowMs,
    );
  }
}

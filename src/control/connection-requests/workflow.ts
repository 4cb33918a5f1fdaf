import type { Transaction, Updateable } from 'kysely';
import type {
  ConnectionRequest,
  ConnectionRequestStatus,
  ContactPoint,
  InformationSystem,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Database } from '../../store/schema.ts';
import type { ChangeEvent } from '../audit.ts';
import { auditOf, type Changed, type Command, type CommandOn, lockRequestRow } from '../change.ts';
import { requireOrganization } from '../registry/organizations.ts';
import { createSystem } from '../registry/systems.ts';
import { notifyDecision } from './decision-notice.ts';
import { type RequestRow, requireRequest, toRequest } from './queries.ts';

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

export type ConnectionRequestAction = 'approve' | 'reject';

const audit = auditOf('connection_request');

/**
 * The legal moves of a request after it is submitted (R-08, Art. 8–10): a reviewer decides it once, either way.
 * A decided request is final; the organization applies again if it wants another decision.
 */
export const CONNECTION_REQUEST_MOVES: readonly {
  action: ConnectionRequestAction;
  from: readonly ConnectionRequestStatus[];
  to: ConnectionRequestStatus;
}[] = [
  { action: 'approve', from: ['submitted'], to: 'approved' },
  { action: 'reject', from: ['submitted'], to: 'rejected' },
];

/** Text a person typed: trimmed; empty means not given. */
function optionalText(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? t : null;
}

function requiredText(value: string, field: string): string {
  const t = optionalText(value);
  if (!t)
    throw new LgspError('API_VALIDATION_FAILED', `${field}: bắt buộc, không để trống / required, not blank`);
  return t;
}

export const submitRequest: Command<ConnectionRequestInput, ConnectionRequest> = async (
  trx,
  input,
  actor,
  now,
) => {
  if (!input.isProvider && !input.isConsumer) throw new LgspError('CP_SYSTEM_ROLE_REQUIRED');
  const systemName = requiredText(input.systemName, 'systemName');
  const purpose = requiredText(input.purpose, 'purpose');
  const scopeOfUse = requiredText(input.scopeOfUse, 'scopeOfUse');
  const contact: ContactPoint = {
    name: requiredText(input.contact.name, 'contact/name'),
    title: optionalText(input.contact.title),
    unit: optionalText(input.contact.unit),
    phone: optionalText(input.contact.phone),
    email: optionalText(input.contact.email),
  };
  const org = await requireOrganization(trx, input.organizationId);
  const id = newId('req', now.getTime());
  await trx
    .insertInto('connection_requests')
    .values({
      id,
      organization_id: org.id,
      system_name: systemName,
      system_description: optionalText(input.systemDescription),
      is_provider: input.isProvider,
      is_consumer: input.isConsumer,
      purpose,
      scope_of_use: scopeOfUse,
      contact: JSON.stringify(contact),
      other_proposals: optionalText(input.otherProposals),
      letter_number: optionalText(input.letterNumber),
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
    result: toRequest(await requireRequest(trx, id)),
    events: [audit(actor, 'submit', id, { organizationCode: org.code, systemName })],
  };
};

/**
 * Approval grants the connection: the information system is created active by the registry's own
 * command, in the same transaction as the decision — a request is never approved without its system, nor a
 * system created by a decision that did not commit.
 */
export const approveRequest: CommandOn<
  string | null | undefined,
  { request: ConnectionRequest; system: InformationSystem }
> = async (trx, id, note, actor, now) => {
  const reason = optionalText(note);
  let system: InformationSystem | undefined;
  const changed = await transition(trx, id, 'approve', actor, now, async (current) => {
    const created = await createSystem(
      trx,
      {
        organizationId: current.organization_id,
        name: current.system_name,
        description: current.system_description,
        isProvider: current.is_provider,
        isConsumer: current.is_consumer,
      },
      actor,
      now,
    );
    system = created.result;
    return {
      columns: { decision_reason: reason, system_id: system.id },
      // The system's own history starts here too (R-07: history and times of connections).
      events: created.events.map((e) => ({ ...e, details: { ...e.details, connectionRequestId: id } })),
      details: { systemId: system.id, ...(reason ? { note: reason } : {}) },
    };
  });
  return { result: { request: changed.result, system: system! }, events: changed.events };
};

export const rejectRequest: CommandOn<string, ConnectionRequest> = async (trx, id, reason, actor, now) => {
  const why = optionalText(reason);
  if (!why) {
    throw new LgspError(
      'API_VALIDATION_FAILED',
      'reason: phải nêu lý do từ chối / a rejection needs a reason',
    );
  }
  return transition(trx, id, 'reject', actor, now, async () => ({
    columns: { decision_reason: why },
    events: [],
    details: { reason: why },
  }));
};

/** What a decision adds to the move: its columns, the registry's events before its own, its event's details. */
interface Decision {
  columns: Pick<Updateable<Database['connection_requests']>, 'decision_reason' | 'system_id'>;
  events: ChangeEvent[];
  details: Record<string, unknown>;
}

/**
 * Makes one move of CONNECTION_REQUEST_MOVES: locks the request in a state the move starts from, lets `decide`
 * do its part, writes the new state, then the decision's notice to the applicant and its audit event.
 */
async function transition(
  trx: Transaction<Database>,
  id: string,
  action: ConnectionRequestAction,
  actor: string,
  now: Date,
  decide: (current: RequestRow) => Promise<Decision>,
): Promise<Changed<ConnectionRequest>> {
  const move = CONNECTION_REQUEST_MOVES.find((m) => m.action === action)!;
  const current = await lockInState(trx, id, move.from);
  const decision = await decide(current);
  await trx
    .updateTable('connection_requests')
    .set({ ...decision.columns, status: move.to, decided_by: actor, decided_at: now })
    .where('id', '=', id)
    .execute();
  const request = toRequest(await requireRequest(trx, id));
  await notifyDecision(trx, request, now.getTime());
  return {
    result: request,
    events: [...decision.events, audit(actor, action, id, decision.details)],
  };
}

/**
 * The request, locked until the decision commits, if it is in one of `from`: two reviewers deciding at once
 * cannot both succeed — the second sees the first's decision and gets CP_REQUEST_STATE.
 */
async function lockInState(
  trx: Transaction<Database>,
  id: string,
  from: readonly ConnectionRequestStatus[],
): Promise<RequestRow> {
  await lockRequestRow(trx, 'connection_requests', id);
  const row = await requireRequest(trx, id);
  if (!from.includes(row.status)) throw new LgspError('CP_REQUEST_STATE', `${id}: ${row.status}`);
  return row;
}

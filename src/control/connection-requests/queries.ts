import type { Static } from '@sinclair/typebox';
import type { Kysely, Selectable } from 'kysely';
import type { ConnectionRequest, ConnectionRequestQuery, PageOf } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { isoOf } from '../../core/time.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import type { Database } from '../../store/schema.ts';

export type RequestRow = Selectable<Database['connection_requests']> & {
  organization_code: string;
  organization_name: string;
  decided_by_username: string | null;
};

export function toRequest(r: RequestRow): ConnectionRequest {
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
    decidedByUsername: r.decided_by_username ?? null,
    decidedAt: r.decided_at ? isoOf(r.decided_at) : null,
    systemId: r.system_id,
    submittedBy: r.submitted_by,
    submittedAt: isoOf(r.submitted_at),
  };
}

/**
 * Requests with their organization's code and name (the letter and the notices name it) and the username of who
 * decided (the console showed the bare usr_… id).
 */
function requestQuery(db: Kysely<Database>) {
  return db
    .selectFrom('connection_requests')
    .innerJoin('organizations', 'organizations.id', 'connection_requests.organization_id')
    .leftJoin('users', 'users.id', 'connection_requests.decided_by')
    .selectAll('connection_requests')
    .select([
      'organizations.code as organization_code',
      'organizations.name as organization_name',
      'users.username as decided_by_username',
    ]);
}

export async function requireRequest(db: Kysely<Database>, id: string): Promise<RequestRow> {
  const row = await requestQuery(db).where('connection_requests.id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError('CP_REQUEST_NOT_FOUND', id);
  return row;
}

/** One page of requests (issue 11), newest first by default. */
export async function listRequests(
  db: Kysely<Database>,
  query: Static<typeof ConnectionRequestQuery>,
): Promise<PageOf<ConnectionRequest>> {
  let q = requestQuery(db);
  if (query.organizationId) q = q.where('connection_requests.organization_id', '=', query.organizationId);
  if (query.status) q = q.where('connection_requests.status', '=', query.status);
  const search = query.q;
  if (search) {
    const columns = [
      'organizations.code',
      'organizations.name',
      'connection_requests.system_name',
      'connection_requests.id',
    ];
    q = q.where((eb) => matchesAny(eb, columns, search));
  }
  const order = ordering(
    query.sort,
    '-submittedAt',
    { submittedAt: byColumn('connection_requests.submitted_at') },
    'connection_requests.id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toRequest), total };
}

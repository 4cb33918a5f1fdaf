import { type Selectable, sql } from 'kysely';
import type { TransactionView } from '../api/contract/index.ts';
import { LgspError } from '../core/errors.ts';
import { isoOrNull } from '../core/time.ts';
import type { Store } from '../store/port.ts';
import type { TransactionKind, TransactionLeg, TransactionRow } from '../store/schema.ts';

/**
 * A record of the provider's own failure — a 5xx answer, no answer, or no answer in time — as opposed to a
 * refusal caused by the consumer (401, 403, 429). Alerts and the connected-systems state both judge by it.
 */
export const PROVIDER_FAILED = sql<boolean>`(provider_status >= 500 OR error_code IN ('GW_UPSTREAM_UNREACHABLE', 'GW_UPSTREAM_TIMEOUT'))`;

export interface TransactionFilter {
  /** ISO times, inclusive from, exclusive to, on the time the request came in. */
  from?: string;
  to?: string;
  consumerSystemId?: string;
  providerSystemId?: string;
  serviceId?: string;
  /**
   * An organization's official code, matched on either side: the records where it is the consumer OR the
   * provider — what that organization may see and reconcile against its own records.
   */
  organizationCode?: string;
  /** An exact status (`404`), a class (`4xx`), `success` (< 400) or `error` (≥ 400), on what the consumer got. */
  status?: string;
  errorCode?: string;
  /** Every leg of one async message (issue 4). */
  messageId?: string;
  leg?: TransactionLeg;
  /** Service calls or `/token` requests; default both. */
  kind?: TransactionKind;
  /** One record by its id (the id a caller finds in a problem answer or a log line). */
  transactionId?: string;
  /** The backend calls of one composite call. */
  parentTransactionId?: string;
  limit?: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string;
}

/** A record with the registry's names of its two systems (null: none, or no longer registered). */
type NamedRow = Selectable<TransactionRow> & {
  consumer_system_name: string | null;
  provider_system_name: string | null;
};

/**
 * The records with their systems' names joined in, in the same statement — a person reads `Cổng dịch vụ công`, not
 * `sys_…` (as the audit list joins its actors' usernames). The joins are on the systems' primary key, per record of
 * the page the ORDER BY … LIMIT reads: the list costs what it did. Columns are qualified `t.`.
 */
function withSystemNames(store: Store) {
  return store.db
    .selectFrom('transactions as t')
    .leftJoin('systems as cs', 'cs.id', 't.consumer_system_id')
    .leftJoin('systems as ps', 'ps.id', 't.provider_system_id')
    .selectAll('t')
    .select(['cs.name as consumer_system_name', 'ps.name as provider_system_name']);
}

function toView(r: NamedRow): TransactionView {
  return {
    id: r.id,
    consumer: {
      systemId: r.consumer_system_id,
      systemName: r.consumer_system_name,
      organizationCode: r.consumer_org_code,
      credentialId: r.credential_id,
    },
    provider: {
      systemId: r.provider_system_id,
      systemName: r.provider_system_name,
      organizationCode: r.provider_org_code,
    },
    service: { id: r.service_id, context: r.service_context, versionId: r.version_id, version: r.version },
    environment: r.environment,
    method: r.method,
    resourceTemplate: r.resource_template,
    providerStatus: r.provider_status,
    consumerStatus: r.consumer_status,
    errorCode: r.error_code,
    requestBytes: r.request_bytes,
    responseBytes: r.response_bytes,
    requestSha256: r.request_sha256,
    responseSha256: r.response_sha256,
    requestInAt: isoOrNull(r.request_in_at)!,
    requestOutAt: isoOrNull(r.request_out_at),
    responseInAt: isoOrNull(r.response_in_at),
    responseOutAt: isoOrNull(r.response_out_at)!,
    durationMs: r.duration_ms,
    leg: r.leg,
    kind: r.kind,
    messageId: r.message_id,
    clientAddress: r.client_address,
    authMethod: r.auth_method,
    clientCodes:
      r.client_sender_code === null && r.client_receiver_code === null && r.client_tran_code === null
        ? null
        : { sender: r.client_sender_code, receiver: r.client_receiver_code, transaction: r.client_tran_code },
    parentTransactionId: r.parent_transaction_id,
    federation:
      r.end_to_end_id === null && r.federation === null
        ? null
        : {
            representedOrganizationCode: r.represented_org_code,
            representedSystem: r.represented_system,
            endToEndId: r.end_to_end_id,
            peerId: r.peer_id,
            evidence: r.federation,
          },
  };
}

function encodeCursor(r: Selectable<TransactionRow>): string {
  return Buffer.from(JSON.stringify([isoOrNull(r.request_in_at), r.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] | null {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string' ? [v[0], v[1]] : null;
  } catch {
    return null;
  }
}

/** Newest first, keyset-paged on (request_in_at, id) so deep pages stay fast over millions of rows. */
export async function queryTransactions(
  store: Store,
  filter: TransactionFilter,
): Promise<{ items: TransactionView[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 1000);
  let q = withSystemNames(store);
  if (filter.from) q = q.where('t.request_in_at', '>=', new Date(filter.from));
  if (filter.to) q = q.where('t.request_in_at', '<', new Date(filter.to));
  if (filter.consumerSystemId) q = q.where('t.consumer_system_id', '=', filter.consumerSystemId);
  if (filter.providerSystemId) q = q.where('t.provider_system_id', '=', filter.providerSystemId);
  if (filter.serviceId) q = q.where('t.service_id', '=', filter.serviceId);
  const organizationCode = filter.organizationCode;
  if (organizationCode !== undefined) {
    q = q.where((eb) =>
      eb.or([
        eb('t.consumer_org_code', '=', organizationCode),
        eb('t.provider_org_code', '=', organizationCode),
      ]),
    );
  }
  if (filter.errorCode) q = q.where('t.error_code', '=', filter.errorCode);
  if (filter.messageId) q = q.where('t.message_id', '=', filter.messageId);
  if (filter.leg) q = q.where('t.leg', '=', filter.leg);
  if (filter.kind) q = q.where('t.kind', '=', filter.kind);
  if (filter.transactionId) q = q.where('t.id', '=', filter.transactionId);
  if (filter.parentTransactionId) q = q.where('t.parent_transaction_id', '=', filter.parentTransactionId);
  if (filter.status === 'success') q = q.where('t.consumer_status', '<', 400);
  else if (filter.status === 'error') q = q.where('t.consumer_status', '>=', 400);
  else if (filter.status) {
    const cls = /^([1-5])xx$/i.exec(filter.status);
    if (cls) {
      const base = Number(cls[1]) * 100;
      q = q.where('t.consumer_status', '>=', base).where('t.consumer_status', '<', base + 100);
    } else q = q.where('t.consumer_status', '=', Number(filter.status));
  }
  const after = filter.cursor ? decodeCursor(filter.cursor) : null;
  if (filter.cursor && !after)
    throw new LgspError('API_VALIDATION_FAILED', 'cursor: không hợp lệ / not a cursor from this API');
  if (after) {
    const [at, id] = after;
    q = q.where((eb) =>
      eb.or([
        eb('t.request_in_at', '<', new Date(at)),
        eb.and([eb('t.request_in_at', '=', new Date(at)), eb('t.id', '<', id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('t.request_in_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  return {
    items: page.map(toView),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null,
  };
}

/** One record by its id (any month: the id is the first key of every partition's primary key), or null. */
export async function findTransaction(store: Store, id: string): Promise<TransactionView | null> {
  const row = await withSystemNames(store).where('t.id', '=', id).executeTakeFirst();
  return row ? toView(row) : null;
}

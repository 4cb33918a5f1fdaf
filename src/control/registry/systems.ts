import type { Static } from '@sinclair/typebox';
import type { Kysely, Selectable } from 'kysely';
import type {
  ClientCertificateBinding,
  InformationSystem,
  PageOf,
  SystemQuery,
  SystemStatus,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { isoOf } from '../../core/time.ts';
import { certificateInfo, normalizeFingerprint, normalizeSubject, TlsConfigError } from '../../net/tls.ts';
import { byColumn, byName, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import type { Database } from '../../store/schema.ts';
import { auditOf, type Command, type CommandOn } from '../change.ts';
import { requireOrganization } from './organizations.ts';

export type SystemRow = Selectable<Database['systems']> & { organization_code: string };

const audit = auditOf('system');
/** The audit verb of a move to each status (`system.suspend`, `system.activate`). */
const STATUS_VERBS: Record<SystemStatus, string> = { active: 'activate', suspended: 'suspend' };

export interface SystemInput {
  organizationId: string;
  name: string;
  description?: string | null;
  isProvider: boolean;
  isConsumer: boolean;
}

export interface SystemPatch {
  name?: string;
  description?: string | null;
  isProvider?: boolean;
  isConsumer?: boolean;
  status?: SystemStatus;
  /** mTLS binding; null unbinds. */
  clientCertificate?: ClientCertificateBinding | null;
}

type CertColumns = Pick<SystemRow, 'client_cert_sha256' | 'client_cert_subject' | 'client_cert_not_after'>;

/**
 * The columns of a binding: a PEM is read here (its fingerprint pinned, its subject and expiry kept for people and
 * the expiry alert); a fingerprint or a subject is stored normalized, as the gateway compares it.
 */
function certColumns(binding: ClientCertificateBinding | null): CertColumns {
  if (binding === null)
    return { client_cert_sha256: null, client_cert_subject: null, client_cert_not_after: null };
  if (binding.pem !== undefined) {
    try {
      const info = certificateInfo(binding.pem);
      return {
        client_cert_sha256: info.sha256,
        client_cert_subject: info.subject,
        client_cert_not_after: new Date(info.notAfterMs),
      };
    } catch (err) {
      if (err instanceof TlsConfigError) throw new LgspError('CP_CLIENT_CERT_INVALID', err.message);
      throw err;
    }
  }
  if (binding.sha256 !== undefined) {
    const sha256 = normalizeFingerprint(binding.sha256);
    if (sha256 === null) throw new LgspError('CP_CLIENT_CERT_INVALID', 'sha256');
    return { client_cert_sha256: sha256, client_cert_subject: null, client_cert_not_after: null };
  }
  const subject = normalizeSubject(binding.subject ?? '');
  if (!subject.includes('=')) throw new LgspError('CP_CLIENT_CERT_INVALID', 'subject');
  return { client_cert_sha256: null, client_cert_subject: subject, client_cert_not_after: null };
}

export function toSystem(r: SystemRow): InformationSystem {
  return {
    id: r.id,
    organizationId: r.organization_id,
    organizationCode: r.organization_code,
    name: r.name,
    description: r.description,
    isProvider: r.is_provider,
    isConsumer: r.is_consumer,
    status: r.status,
    clientCertificate:
      r.client_cert_sha256 === null && r.client_cert_subject === null
        ? null
        : {
            sha256: r.client_cert_sha256,
            subject: r.client_cert_subject,
            notAfter: r.client_cert_not_after === null ? null : isoOf(r.client_cert_not_after),
          },
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

// ── Commands (R-07: the list of connected systems) ─────────────────────────────────────────────────────────────

/** A system is created active: by the operator directly, or by the approval of a connection request. */
export const createSystem: Command<SystemInput, InformationSystem> = async (trx, input, actor, now) => {
  if (!input.isProvider && !input.isConsumer) throw new LgspError('CP_SYSTEM_ROLE_REQUIRED');
  const org = await requireOrganization(trx, input.organizationId);
  const id = newId('sys', now.getTime());
  const row = await trx
    .insertInto('systems')
    .values({
      id,
      organization_id: org.id,
      name: input.name,
      description: input.description ?? null,
      is_provider: input.isProvider,
      is_consumer: input.isConsumer,
      status: 'active',
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    result: toSystem({ ...row, organization_code: org.code }),
    events: [audit(actor, 'create', id, { organizationCode: org.code, name: input.name })],
  };
};

export const updateSystem: CommandOn<SystemPatch, InformationSystem> = async (trx, id, patch, actor, now) => {
  const current = await requireSystem(trx, id);
  const isProvider = patch.isProvider ?? current.is_provider;
  const isConsumer = patch.isConsumer ?? current.is_consumer;
  if (!isProvider && !isConsumer) throw new LgspError('CP_SYSTEM_ROLE_REQUIRED');
  await trx
    .updateTable('systems')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.status !== undefined ? { status: patch.status } : {}),
      ...(patch.clientCertificate !== undefined ? certColumns(patch.clientCertificate) : {}),
      is_provider: isProvider,
      is_consumer: isConsumer,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
  const verb = patch.status && patch.status !== current.status ? STATUS_VERBS[patch.status] : 'update';
  const updated = await requireSystem(trx, id);
  // The binding is audited by what identifies it (never the PEM itself): who bound which certificate, when.
  const certificate =
    patch.clientCertificate !== undefined
      ? {
          clientCertificate: {
            sha256: updated.client_cert_sha256,
            subject: updated.client_cert_subject,
          },
        }
      : {};
  return {
    result: toSystem(updated),
    events: [audit(actor, verb, id, { fields: Object.keys(patch), ...certificate })],
  };
};

// ── Queries ─────────────────────────────────────────────────────────────────────────────────────────────────────

/** Systems with their organization's code. */
export function systemQuery(db: Kysely<Database>) {
  return db
    .selectFrom('systems')
    .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
    .selectAll('systems')
    .select('organizations.code as organization_code');
}

type SystemFilter = Omit<Static<typeof SystemQuery>, 'sort' | 'limit' | 'offset'>;

/** Systems matching the filters of a system list, in no order yet. */
function filteredSystems(db: Kysely<Database>, filter: SystemFilter) {
  let q = systemQuery(db);
  if (filter.organizationId) q = q.where('systems.organization_id', '=', filter.organizationId);
  if (filter.status) q = q.where('systems.status', '=', filter.status);
  const search = filter.q;
  if (search)
    q = q.where((eb) => matchesAny(eb, ['systems.name', 'organizations.code', 'systems.id'], search));
  return q;
}

/** Every system matching `filter`, oldest first (for the platform's own use; people get `pageSystems`). */
export async function listSystems(
  db: Kysely<Database>,
  filter: SystemFilter = {},
): Promise<InformationSystem[]> {
  return (await filteredSystems(db, filter).orderBy('systems.created_at').execute()).map(toSystem);
}

/** One page of systems (issue 11), searched by name, organization code and id; oldest first by default. */
export async function pageSystems(
  db: Kysely<Database>,
  query: Static<typeof SystemQuery>,
): Promise<PageOf<InformationSystem>> {
  const order = ordering(
    query.sort,
    'createdAt',
    {
      name: byName('systems.name'),
      organizationCode: byColumn('organizations.code'),
      createdAt: byColumn('systems.created_at'),
    },
    'systems.id',
  );
  const { rows, total } = await pageOf(filteredSystems(db, query), query, order);
  return { items: rows.map(toSystem), total };
}

/** The ids of an organization's systems, as a subquery. */
export function systemsOf(db: Kysely<Database>, organizationId: string) {
  return db.selectFrom('systems').select('systems.id').where('systems.organization_id', '=', organizationId);
}

export async function requireSystem(db: Kysely<Database>, id: string): Promise<SystemRow> {
  const row = await systemQuery(db).where('systems.id', '=', id).executeTakeFirst();
  if (!row) throw new LgspError('CP_SYSTEM_NOT_FOUND', id);
  return row;
}

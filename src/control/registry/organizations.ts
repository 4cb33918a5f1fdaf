import type { Static } from '@sinclair/typebox';
import type { Kysely, Selectable } from 'kysely';
import type { ContactPoint, Organization, OrganizationQuery, PageOf } from '../../api/contract/index.ts';
import { PLATFORM_PARTIES } from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { isoOf } from '../../core/time.ts';
import { byColumn, byName, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import { isUniqueViolation } from '../../store/port.ts';
import type { Database } from '../../store/schema.ts';
import { auditOf, type Command, type CommandOn } from '../change.ts';
import { listRows, requireRow } from './rows.ts';

/** Official electronic codes of agencies (Circular 10/2023/TT-BTTTT), e.g. 000.00.31.H01. */
const ORGANIZATION_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;

export type OrganizationRow = Selectable<Database['organizations']>;

const audit = auditOf('organization');

export interface OrganizationInput {
  code: string;
  name: string;
  parentId?: string | null;
  contact?: ContactPoint | null;
}

export function toOrganization(r: OrganizationRow): Organization {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    parentId: r.parent_id,
    contact: r.contact_name
      ? {
          name: r.contact_name,
          title: r.contact_title,
          unit: r.contact_unit,
          phone: r.contact_phone,
          email: r.contact_email,
        }
      : null,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function contactColumns(contact: ContactPoint | null | undefined) {
  return {
    contact_name: contact?.name ?? null,
    contact_title: contact?.title ?? null,
    contact_unit: contact?.unit ?? null,
    contact_phone: contact?.phone ?? null,
    contact_email: contact?.email ?? null,
  };
}

// ── Commands (R-09: each organization names its contact point) ────────────────────────────────────────────────

export const createOrganization: Command<OrganizationInput, Organization> = async (
  trx,
  input,
  actor,
  now,
) => {
  if (!ORGANIZATION_CODE.test(input.code)) throw new LgspError('CP_ORGANIZATION_CODE_INVALID', input.code);
  if (input.parentId) await requireOrganization(trx, input.parentId);
  const id = newId('org', now.getTime());
  const row = await trx
    .insertInto('organizations')
    .values({
      id,
      code: input.code,
      name: input.name,
      parent_id: input.parentId ?? null,
      ...contactColumns(input.contact),
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err) => {
      throw isUniqueViolation(err) ? new LgspError('CP_ORGANIZATION_CODE_TAKEN', input.code) : err;
    });
  return {
    result: toOrganization(row),
    events: [audit(actor, 'create', id, { code: input.code, name: input.name })],
  };
};

export const updateOrganization: CommandOn<Partial<Omit<OrganizationInput, 'code'>>, Organization> = async (
  trx,
  id,
  patch,
  actor,
  now,
) => {
  await requireOrganization(trx, id);
  if (patch.parentId) await requireOrganization(trx, patch.parentId);
  const row = await trx
    .updateTable('organizations')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.parentId !== undefined ? { parent_id: patch.parentId } : {}),
      ...(patch.contact !== undefined ? contactColumns(patch.contact) : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    result: toOrganization(row),
    events: [audit(actor, 'update', id, { fields: Object.keys(patch) })],
  };
};

// ── Queries ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const listOrganizations = async (db: Kysely<Database>) =>
  (await listRows(db, 'organizations', {}, 'code')).map(toOrganization);

/** One page of organizations, searched by official code and name (issue 11); code order by default. */
export async function pageOrganizations(
  db: Kysely<Database>,
  query: Static<typeof OrganizationQuery>,
): Promise<PageOf<Organization>> {
  let q = db.selectFrom('organizations').selectAll();
  // Who notices and alerts cannot reach: no contact e-mail (contactReachable). The platform's own
  // parties and peer platforms are no agency.
  if (query.contact === 'missing') {
    q = q
      .where((eb) => eb.or([eb('contact_email', 'is', null), eb('contact_email', '=', '')]))
      .where('kind', '=', 'agency')
      .where('code', 'not in', Object.keys(PLATFORM_PARTIES));
  }
  const search = query.q;
  if (search) q = q.where((eb) => matchesAny(eb, ['code', 'name'], search));
  const order = ordering(
    query.sort,
    'code',
    { code: byColumn('code'), name: byName('name'), createdAt: byColumn('created_at') },
    'id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toOrganization), total };
}

export const requireOrganization = (db: Kysely<Database>, id: string) => requireRow(db, 'organizations', id);

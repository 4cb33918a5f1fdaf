import type { Static } from '@sinclair/typebox';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  Credential,
  CredentialQuery,
  Environment,
  IssuedCredential,
  PageOf,
} from '../../api/contract/index.ts';
import { LgspError } from '../../core/errors.ts';
import { sha256Hex } from '../../core/hashing.ts';
import { newId, newSecret } from '../../core/ids.ts';
import { isoOf } from '../../core/time.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../../store/paging.ts';
import type { Database } from '../../store/schema.ts';
import { auditOf, type Changed, type Command } from '../change.ts';
import { assertNotPlatformTestClient } from './platform-owned.ts';
import { listRows, requireRow } from './rows.ts';
import { systemsOf } from './systems.ts';

export type CredentialRow = Selectable<Database['credentials']>;

const audit = auditOf('credential');

export function toCredential(r: CredentialRow): Credential {
  return {
    id: r.id,
    systemId: r.system_id,
    environment: r.environment,
    consumerKey: r.consumer_key,
    status: r.status,
    createdAt: isoOf(r.created_at),
    revokedAt: r.revoked_at ? isoOf(r.revoked_at) : null,
    expiresAt: r.expires_at ? isoOf(r.expires_at) : null,
    replacedBy: r.replaced_by,
  };
}

async function providesAsync(trx: Transaction<Database>, systemId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('service_versions')
    .innerJoin('services', 'services.id', 'service_versions.service_id')
    .select('service_versions.id')
    .where('services.provider_system_id', '=', systemId)
    .where('service_versions.mode', '=', 'async')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Issues a consumer key and secret inside the caller's transaction: the secret is returned this once
 * and only its SHA-256 is stored. Writes no audit event: `issueCredential` is the command with its event; a
 * rotation (lifecycle) writes its own.
 */
export async function insertCredential(
  trx: Transaction<Database>,
  systemId: string,
  environment: Environment,
  now: Date,
): Promise<IssuedCredential> {
  const system = await trx
    .selectFrom('systems')
    .select(['id', 'is_consumer'])
    .where('id', '=', systemId)
    .executeTakeFirst();
  if (!system) throw new LgspError('CP_SYSTEM_NOT_FOUND', systemId);
  await assertNotPlatformTestClient(trx, system.id, environment);
  // A provider of an async service needs a credential too: to pull its inbox and acknowledge (issue 4).
  if (!system.is_consumer && !(await providesAsync(trx, system.id))) {
    throw new LgspError('CP_SYSTEM_NOT_CONSUMER', system.id);
  }
  const consumerSecret = newSecret();
  // The consumer key is public (it names the credential in logs and tokens); 20 random characters.
  const consumerKey = newSecret().replace(/[-_]/g, '').slice(0, 20);
  const row = await trx
    .insertInto('credentials')
    .values({
      id: newId('cred', now.getTime()),
      system_id: system.id,
      environment,
      consumer_key: consumerKey,
      secret_sha256: sha256Hex(consumerSecret),
      status: 'active',
      created_at: now,
      revoked_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...toCredential(row), consumerSecret };
}

// ── Commands (R-14 consumer key + secret; R-25 secret shown once, stored hashed; revoke at once) ───────────────

export const issueCredential: Command<
  { systemId: string; environment: Environment },
  IssuedCredential
> = async (trx, input, actor, now) => {
  const { systemId, environment } = input;
  const issued = await insertCredential(trx, systemId, environment, now);
  return {
    result: issued,
    events: [audit(actor, 'issue', issued.id, { systemId, environment, consumerKey: issued.consumerKey })],
  };
};

export async function revokeCredential(
  trx: Transaction<Database>,
  id: string,
  actor: string,
  now: Date,
  reason?: string,
): Promise<Changed<Credential>> {
  const current = await requireCredential(trx, id);
  if (current.status === 'revoked') throw new LgspError('CP_CREDENTIAL_REVOKED', id);
  const row = await trx
    .updateTable('credentials')
    .set({ status: 'revoked', revoked_at: now })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return {
    result: toCredential(row),
    events: [audit(actor, 'revoke', id, { systemId: row.system_id, ...(reason ? { reason } : {}) })],
  };
}

// ── Queries ─────────────────────────────────────────────────────────────────────────────────────────────────────

export const listCredentials = async (db: Kysely<Database>, filter: { systemId?: string } = {}) =>
  (await listRows(db, 'credentials', { system_id: filter.systemId }, 'created_at')).map(toCredential);

/**
 * One page of credentials (issue 11), newest first by default, searched by consumer key (an operator pastes the
 * start of one from a caller's report) and by the system's name. `visibleTo` limits it, in SQL, to an
 * organization's own systems. Never any secret: the columns mapped are those of `toCredential`.
 */
export async function pageCredentials(
  db: Kysely<Database>,
  query: Static<typeof CredentialQuery>,
  visibleTo?: string,
): Promise<PageOf<Credential>> {
  let q = db.selectFrom('credentials').selectAll('credentials');
  if (query.systemId) q = q.where('credentials.system_id', '=', query.systemId);
  if (query.status) q = q.where('credentials.status', '=', query.status);
  if (query.environment) q = q.where('credentials.environment', '=', query.environment);
  if (visibleTo !== undefined) q = q.where('credentials.system_id', 'in', systemsOf(db, visibleTo));
  const search = query.q;
  if (search) {
    q = q.where((eb) =>
      eb.or([
        matchesAny(eb, ['credentials.consumer_key'], search),
        eb(
          'credentials.system_id',
          'in',
          eb
            .selectFrom('systems')
            .select('systems.id')
            .where((s) => matchesAny(s, ['systems.name'], search)),
        ),
      ]),
    );
  }
  const order = ordering(
    query.sort,
    '-createdAt',
    { createdAt: byColumn('credentials.created_at'), status: byColumn('credentials.status') },
    'credentials.id',
  );
  const { rows, total } = await pageOf(q, query, order);
  return { items: rows.map(toCredential), total };
}

export const requireCredential = (db: Kysely<Database>, id: string) => requireRow(db, 'credentials', id);

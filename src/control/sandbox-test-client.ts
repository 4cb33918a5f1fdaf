import { sql, type Transaction } from 'kysely';
import { PLATFORM_TEST_CLIENT } from '../api/contract/sandbox-try.ts';
import { type KeyEncryptionKey, openText, sealText } from '../keys/index.ts';
import type { Database } from '../store/schema.ts';
import type { ChangeEvent } from './audit.ts';
import { auditOf, type Changes } from './change.ts';
import { insertCredential } from './registry/credentials.ts';
import { createOrganization } from './registry/organizations.ts';
import { createSubscription, updateSubscription } from './registry/subscriptions.ts';
import { createSystem } from './registry/systems.ts';

/**
 * The platform's own sandbox test client (issue 11, the console's "try it"). Testing a submitted version used to
 * need a hand-made test organization, system, subscription and credential — four calls nobody documented. Now the
 * platform makes them once, on the first try, and keeps them: one consumer system of a platform organization with
 * one **sandbox** credential, subscribed in the sandbox to each version it tries. Its row in `platform_test_client`
 * (migration 0023) is what marks it platform-owned: it is never given production access, and its records are the
 * platform's tests, not a customer's calls. The consumer secret is needed again on every try, so it is kept sealed
 * with the key-encryption key (issue 10 item 4) — never in plaintext, never in an answer.
 */

/** The organization the test client belongs to: a code of the reserved `000.00.00` range, no agency's. */
export const PLATFORM_TEST_ORGANIZATION = {
  code: PLATFORM_TEST_CLIENT.organizationCode,
  name: PLATFORM_TEST_CLIENT.organizationName.vi,
} as const;

/** What a try call needs: who calls, and with which sandbox key and secret. */
export interface SandboxTestClient {
  systemId: string;
  consumerKey: string;
  consumerSecret: string;
}

const sealLabel = (credentialId: string) => `platform_test_client.secret:${credentialId}`;
const audit = auditOf('credential');
/** Nodes sharing a PostgreSQL make the client once between them: the first holds this lock while it does. */
const CLIENT_LOCK = 5207300023;

/**
 * The test client, subscribed in the sandbox to `versionId` — made, repaired or re-subscribed as needed, in one
 * change (audit events, a config revision) that does nothing at all when everything is already in place.
 * `changed` says whether the gateway must load a new configuration before the client can call.
 */
export async function ensureSandboxTestClient(
  changes: Changes,
  kek: KeyEncryptionKey,
  versionId: string,
  actor: string,
): Promise<{ client: SandboxTestClient; changed: boolean }> {
  return changes.run(async (trx, now) => {
    await sql`SELECT pg_advisory_xact_lock(${CLIENT_LOCK})`.execute(trx);
    const events: ChangeEvent[] = [];
    const client = await clientOf(trx, kek, actor, now, events);
    await subscribeInSandbox(trx, client.systemId, versionId, actor, now, events);
    return { result: { client, changed: events.length > 0 }, events };
  });
}

/** The client as stored, or a new one; a credential revoked or a secret that no longer opens gets a new one. */
async function clientOf(
  trx: Transaction<Database>,
  kek: KeyEncryptionKey,
  actor: string,
  now: Date,
  events: ChangeEvent[],
): Promise<SandboxTestClient> {
  const row = await trx.selectFrom('platform_test_client').selectAll().where('id', '=', 1).executeTakeFirst();
  if (row) {
    const credential = await trx
      .selectFrom('credentials')
      .select('status')
      .where('id', '=', row.credential_id)
      .executeTakeFirst();
    const secret =
      credential?.status === 'active' ? openSecret(kek, row.credential_id, row.secret_sealed) : null;
    if (secret !== null)
      return { systemId: row.system_id, consumerKey: row.consumer_key, consumerSecret: secret };
  }
  const systemId = row?.system_id ?? (await createClientSystem(trx, actor, now, events));
  const issued = await insertCredential(trx, systemId, 'sandbox', now);
  events.push(
    audit(actor, 'issue', issued.id, {
      systemId,
      environment: 'sandbox',
      consumerKey: issued.consumerKey,
      platformTestClient: true,
    }),
  );
  const columns = {
    credential_id: issued.id,
    consumer_key: issued.consumerKey,
    secret_sealed: sealText(kek, issued.consumerSecret, sealLabel(issued.id)),
    updated_at: now,
  };
  if (row) {
    await trx.updateTable('platform_test_client').set(columns).where('id', '=', 1).execute();
  } else {
    const system = await trx
      .selectFrom('systems')
      .select('organization_id')
      .where('id', '=', systemId)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('platform_test_client')
      .values({
        id: 1,
        organization_id: system.organization_id,
        system_id: systemId,
        created_at: now,
        ...columns,
      })
      .execute();
  }
  return { systemId, consumerKey: issued.consumerKey, consumerSecret: issued.consumerSecret };
}

function openSecret(kek: KeyEncryptionKey, credentialId: string, sealed: Uint8Array): string | null {
  try {
    return openText(kek, sealed, sealLabel(credentialId));
  } catch {
    // Sealed under another key (a store restored elsewhere): a new credential replaces it, nothing is lost.
    return null;
  }
}

/** The platform organization (reused when its reserved code already exists) and the client system in it. */
async function createClientSystem(
  trx: Transaction<Database>,
  actor: string,
  now: Date,
  events: ChangeEvent[],
): Promise<string> {
  let organizationId = (
    await trx
      .selectFrom('organizations')
      .select('id')
      .where('code', '=', PLATFORM_TEST_ORGANIZATION.code)
      .executeTakeFirst()
  )?.id;
  if (organizationId === undefined) {
    const created = await createOrganization(trx, { ...PLATFORM_TEST_ORGANIZATION }, actor, now);
    events.push(...created.events);
    organizationId = created.result.id;
  }
  const system = await createSystem(
    trx,
    {
      organizationId,
      name: PLATFORM_TEST_CLIENT.systemName.vi,
      description: PLATFORM_TEST_CLIENT.systemDescription.vi,
      isProvider: false,
      isConsumer: true,
    },
    actor,
    now,
  );
  events.push(...system.events);
  return system.result.id;
}

/** An active sandbox subscription of the client to the version: created, or made active again. */
async function subscribeInSandbox(
  trx: Transaction<Database>,
  systemId: string,
  versionId: string,
  actor: string,
  now: Date,
  events: ChangeEvent[],
): Promise<void> {
  const existing = await trx
    .selectFrom('subscriptions')
    .select(['id', 'status'])
    .where('system_id', '=', systemId)
    .where('version_id', '=', versionId)
    .where('environment', '=', 'sandbox')
    .executeTakeFirst();
  if (existing?.status === 'active') return;
  const done = existing
    ? await updateSubscription(trx, existing.id, { status: 'active' }, actor, now)
    : await createSubscription(trx, { systemId, versionId, environment: 'sandbox' }, actor, now);
  events.push(...done.events);
}

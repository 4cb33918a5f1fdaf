import type { Kysely, Transaction } from 'kysely';
import { LgspError } from '../../core/errors.ts';
import type { Database } from '../../store/schema.ts';

/**
 * Refuses (409 CP_PLATFORM_TEST_CLIENT_SANDBOX_ONLY) production access for the platform's own sandbox test client
 * (`platform_test_client`, src/control/sandbox-test-client.ts): whoever asks, it stays a sandbox-only tool, so a
 * production credential or subscription can never be had through it. Every command that grants access calls this.
 */
export async function assertNotPlatformTestClient(
  trx: Transaction<Database>,
  systemId: string,
  environment: string,
): Promise<void> {
  if (environment !== 'production') return;
  const row = await trx
    .selectFrom('platform_test_client')
    .select('system_id')
    .where('system_id', '=', systemId)
    .executeTakeFirst();
  if (row) throw new LgspError('CP_PLATFORM_TEST_CLIENT_SANDBOX_ONLY', systemId);
}

/**
 * Whether a system is the platform's sandbox test client. Its existence is no agency's secret: it calls every
 * version the operator or its provider tries, and each provider reads those calls in its own records — so every
 * signed-in user may read it by its id (GET /systems/:id), to see it named rather than as a bare id.
 */
export async function isPlatformTestClient(db: Kysely<Database>, systemId: string): Promise<boolean> {
  const row = await db
    .selectFrom('platform_test_client')
    .select('system_id')
    .where('system_id', '=', systemId)
    .executeTakeFirst();
  return row !== undefined;
}

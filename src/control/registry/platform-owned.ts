import type { Transaction } from 'kysely';
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

import { sql } from 'kysely';
import {
  type KeysConfig,
  type LoadedKek,
  loadKeyEncryptionKey,
  SEALED_LABELS,
  sealKeyCheck,
  sealText,
  verifyKeyCheck,
} from '../keys/index.ts';
import type { Store } from '../store/port.ts';

/**
 * Opens the store's secrets at start-up (issue 10 item 4): loads the key-encryption key, proves it is the store's
 * by opening the sealed key check (a wrong or missing key is a clear start-up error, not a failure in the first
 * request that needs a secret), and seals any secret an older store still holds in plaintext.
 *
 * A store without a key check holds no sealed secret yet (a new store, or one from before migration 0016): only
 * then may a missing key file be generated.
 */
export async function unlockSecrets(
  store: Store,
  config: KeysConfig,
): Promise<LoadedKek & { sealed: number }> {
  const check = await store.db.selectFrom('key_check').select('sealed').executeTakeFirst();
  const loaded = loadKeyEncryptionKey(config, { mayGenerate: !check });
  const where = { vi: 'kho dữ liệu này', en: 'this store' };
  if (check) verifyKeyCheck(loaded.kek, check.sealed, where);
  else {
    await store.db
      .insertInto('key_check')
      .values({ id: 1, kek_id: loaded.kek.id, sealed: sealKeyCheck(loaded.kek), created_at: new Date() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    // Another node may have written its key check first: ours must be the same key.
    const written = await store.db.selectFrom('key_check').select('sealed').executeTakeFirstOrThrow();
    verifyKeyCheck(loaded.kek, written.sealed, where);
  }
  const sealed = await sealPlaintextSecrets(store, loaded);
  return { ...loaded, sealed };
}

/**
 * Seals the plaintext secrets of a store older than migration 0016, once (a row is converted only while its
 * plaintext column is set), then rewrites the two tables (VACUUM FULL) so the old row versions leave the live
 * table files. Copies in older WAL segments and backups are beyond reach: docs/security.md tells the operator to
 * rotate the signing key and the webhook secrets after upgrading. Returns how many secrets it sealed.
 */
export async function sealPlaintextSecrets(store: Store, { kek }: Pick<LoadedKek, 'kek'>): Promise<number> {
  let count = 0;
  const keys = await store.db
    .selectFrom('signing_keys')
    .select(['kid', 'private_jwk'])
    .where('private_jwk', 'is not', null)
    .execute();
  for (const k of keys) {
    await store.db
      .updateTable('signing_keys')
      .set({
        private_jwk_sealed: sealText(kek, JSON.stringify(k.private_jwk), SEALED_LABELS.signingKey(k.kid)),
        private_jwk: null,
      })
      .where('kid', '=', k.kid)
      .execute();
    count++;
  }
  const hooks = await store.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'secret'])
    .where('secret', 'is not', null)
    .execute();
  for (const h of hooks) {
    await store.db
      .updateTable('webhook_endpoints')
      .set({ secret_sealed: sealText(kek, h.secret!, SEALED_LABELS.webhookSecret(h.id)), secret: null })
      .where('id', '=', h.id)
      .execute();
    count++;
  }
  if (count > 0) {
    // An UPDATE leaves the old row version (the plaintext) in the table file until it is rewritten.
    await sql`VACUUM FULL signing_keys`.execute(store.db);
    await sql`VACUUM FULL webhook_endpoints`.execute(store.db);
  }
  return count;
}

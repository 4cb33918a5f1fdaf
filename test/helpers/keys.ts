import { randomBytes } from 'node:crypto';
import type { Registry } from '../../src/control/registry/index.ts';
import { SigningKeys } from '../../src/control/signing-keys.ts';
import { keyEncryptionKey } from '../../src/keys/index.ts';

/**
 * The key-encryption key of this test process (issue 10 item 4): random, never written anywhere, so secrets
 * sealed in a test store open only in this process.
 */
export const TEST_KEK = keyEncryptionKey(randomBytes(32));

/** The secret-keeping part of AdminDeps, for tests that build the admin API by hand. */
export function testKeys(registry: Registry, tokenTtlSeconds = 3600) {
  return { kek: TEST_KEK, signingKeys: new SigningKeys(registry.changes, TEST_KEK, tokenTtlSeconds) };
}

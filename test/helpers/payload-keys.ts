import { randomBytes } from 'node:crypto';
import { type KeyEncryptionKey, keyEncryptionKey } from '../../src/keys/index.ts';
import { PayloadCipher } from '../../src/messaging/payload-cipher.ts';
import { DATA_KEY_BYTES, PayloadKeys } from '../../src/messaging/payload-keys.ts';

/**
 * The payload keys a queue under test seals with: in memory, wrapped by a random key (the platform's KEK is not
 * part of these tests), unless a key directory is given — then on disk as the platform keeps them.
 */
export function testCipher(
  options: {
    dir?: string;
    wrapper?: KeyEncryptionKey;
    nowMs?: number;
    epochMs?: number;
    ttlMs?: number;
  } = {},
): PayloadCipher {
  const keys = PayloadKeys.open(
    {
      dir: options.dir ?? null,
      wrapper: options.wrapper ?? testKeyWrapper(),
      epochMs: options.epochMs ?? 3_600_000,
      ttlMs: options.ttlMs ?? 72 * 3_600_000,
      role: 'owner',
    },
    options.nowMs ?? Date.now(),
  );
  return new PayloadCipher(keys);
}

/** A key-encryption key for tests, from the given bytes (random by default) — the platform's KEK type. */
export function testKeyWrapper(key = randomBytes(DATA_KEY_BYTES)): KeyEncryptionKey {
  return keyEncryptionKey(key);
}

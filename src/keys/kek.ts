import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The key-encryption key (KEK, issue 10 item 4): every secret the platform must use again (token signing keys,
 * webhook HMAC keys, message data keys) is sealed with it before it reaches the store, so the store, its WAL and its
 * backups hold only ciphertext. The KEK itself never enters the store (src/keys/source.ts says where it lives).
 *
 * `label` names where a sealed value belongs (`signing_keys.private_jwk:<kid>`): it is authenticated as AAD, so a
 * sealed value copied into another row or column does not open there.
 */
export interface KeyEncryptionKey {
  /** Short public id of this KEK (8 hex digits of a hash of it): names the key that sealed a value. */
  readonly id: string;
  seal(plaintext: Buffer, label: string): Buffer;
  open(sealed: Buffer, label: string): Buffer;
  /**
   * A keyed digest of `text` for `label` (HMAC-SHA-256 under a key derived from the KEK for that label, base64url):
   * the same text gives the same digest, so a value that must be looked up but never kept in clear — a name typed
   * at sign-in — is stored as its digest, and the store, its WAL and its backups cannot be searched for guesses
   * without the KEK. Another KEK gives other digests.
   */
  digest(text: string, label: string): string;
}

/** Sealed layout: version (1 byte) | KEK id (4 bytes) | IV (12) | ciphertext | GCM tag (16). */
const VERSION = 1;
const HEADER_BYTES = 1 + 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEK_BYTES = 32;

/** Why a sealed value could not be opened, or a KEK could not be had: said to the operator as it is. */
export class KeyError extends Error {
  constructor(
    readonly code: 'KEK_WRONG' | 'KEK_MISSING' | 'KEK_INVALID' | 'SEALED_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'KeyError';
  }
}

function keyId(key: Buffer): Buffer {
  // A hash of the key under a fixed context: identifies it without helping anyone guess it.
  return createHash('sha256').update('openlgsp kek id\0').update(key).digest().subarray(0, 4);
}

/** An AES-256-GCM KEK from its 32 bytes. */
export function keyEncryptionKey(key: Buffer): KeyEncryptionKey {
  if (key.length !== KEK_BYTES) {
    throw new KeyError(
      'KEK_INVALID',
      `khoá mã hoá khoá phải dài ${KEK_BYTES} byte, có ${key.length} / the key-encryption key must be ${KEK_BYTES} bytes, got ${key.length}`,
    );
  }
  const secret = Buffer.from(key);
  const header = Buffer.concat([Buffer.from([VERSION]), keyId(secret)]);
  const aad = (h: Buffer, label: string) => Buffer.concat([h, Buffer.from(label, 'utf8')]);
  return {
    id: header.subarray(1).toString('hex'),
    seal(plaintext, label) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secret, iv);
      cipher.setAAD(aad(header, label));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
    },
    open(sealed, label) {
      if (sealed.length < HEADER_BYTES + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
        throw new KeyError('SEALED_INVALID', `giá trị niêm phong hỏng / not a sealed value (${label})`);
      }
      const h = sealed.subarray(0, HEADER_BYTES);
      if (!h.subarray(1).equals(header.subarray(1))) {
        throw new KeyError(
          'KEK_WRONG',
          `giá trị ${label} được niêm phong bằng khoá ${h.subarray(1).toString('hex')}, không phải khoá đang dùng ${header.subarray(1).toString('hex')} / ` +
            `${label} was sealed with key-encryption key ${h.subarray(1).toString('hex')}, not the configured ${header.subarray(1).toString('hex')}`,
        );
      }
      const iv = sealed.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', secret, iv);
      decipher.setAAD(aad(h, label));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([
          decipher.update(sealed.subarray(HEADER_BYTES + IV_BYTES, sealed.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        throw new KeyError(
          'SEALED_INVALID',
          `không mở được ${label}: sai nhãn hoặc dữ liệu bị sửa / cannot open ${label}: wrong label or altered data`,
        );
      }
    },
    digest(text, label) {
      const key = createHmac('sha256', secret).update(`openlgsp kek digest\0${label}`).digest();
      return createHmac('sha256', key).update(text, 'utf8').digest('base64url');
    },
  };
}

/** Seals a UTF-8 string (a JWK's JSON, an HMAC key). */
export function sealText(kek: KeyEncryptionKey, text: string, label: string): Buffer {
  return kek.seal(Buffer.from(text, 'utf8'), label);
}

export function openText(kek: KeyEncryptionKey, sealed: Buffer | Uint8Array, label: string): string {
  return kek.open(Buffer.from(sealed), label).toString('utf8');
}

/**
 * The store holds one sealed "key check" value (table key_check): opening it at start-up tells a wrong KEK apart
 * before anything else is read, with a clear message instead of a failure deep inside a request.
 */
export const KEY_CHECK_LABEL = 'key_check';
const KEY_CHECK_TEXT = 'openlgsp key check v1';

export function sealKeyCheck(kek: KeyEncryptionKey): Buffer {
  return sealText(kek, KEY_CHECK_TEXT, KEY_CHECK_LABEL);
}

/** Throws KEK_WRONG unless `kek` is the key that sealed `sealed`. */
export function verifyKeyCheck(
  kek: KeyEncryptionKey,
  sealed: Buffer | Uint8Array,
  where: { vi: string; en: string },
): void {
  let text = '';
  try {
    text = openText(kek, sealed, KEY_CHECK_LABEL);
  } catch {
    // handled below, with one message for both causes
  }
  if (text !== KEY_CHECK_TEXT) {
    throw new KeyError(
      'KEK_WRONG',
      `khoá mã hoá khoá (KEK) không khớp với ${where.vi}: các bí mật trong đó được niêm phong bằng khoá khác — dùng đúng tệp khoá / LGSP_KEY_ENCRYPTION_KEY đã dùng khi tạo / ` +
        `the key-encryption key (KEK) does not match ${where.en}: its secrets were sealed with another key — configure the key file / LGSP_KEY_ENCRYPTION_KEY it was made with ` +
        `(khoá đang dùng / configured key id ${kek.id})`,
    );
  }
}

/** The label of each sealed secret: its column and row, so a sealed value opens only where it was put. */
export const SEALED_LABELS = {
  signingKey: (kid: string) => `signing_keys.private_jwk:${kid}`,
  webhookSecret: (endpointId: string) => `webhook_endpoints.secret:${endpointId}`,
};

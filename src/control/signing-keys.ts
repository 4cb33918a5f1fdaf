import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { Kysely, Transaction } from 'kysely';
import type { SigningKeyRotation } from '../api/contract/index.ts';
import { type KeyEncryptionKey, openText, SEALED_LABELS, sealText } from '../keys/index.ts';
import type { Store } from '../store/port.ts';
import type { Database } from '../store/schema.ts';
import { auditOf, type Changes } from './change.ts';

/**
 * The gateway's token signing keys (issue 10 item 4). The private JWK is stored only sealed with the
 * key-encryption key. `lgsp keys rotate` makes a new key the signing key; the old one stops signing but stays in
 * JWKS, verifying the tokens it signed, until the last of them has expired (rotation time + token lifetime), and
 * is then deleted — from the snapshot, JWKS and the store.
 */

const TOKEN_ALGORITHM = 'ES256';
const audit = auditOf('signing_key');

/** A key as the snapshot carries it. */
export interface SigningKeyData {
  kid: string;
  algorithm: string;
  publicJwk: Record<string, unknown>;
  /** When it stopped signing; null for the signing key. */
  retiredAtMs: number | null;
  /** Tokens it signed are accepted until then; null for the signing key. */
  verifyUntilMs: number | null;
}

function newKid(nowMs: number): string {
  // Time first, so kids sort by age; random after, so two rotations in one millisecond never collide.
  return `k${nowMs.toString(36)}${randomBytes(3).toString('hex')}`;
}

async function insertNewKey(trx: Kysely<Database>, kek: KeyEncryptionKey, now: Date): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(TOKEN_ALGORITHM, { extractable: true });
  const kid = newKid(now.getTime());
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: TOKEN_ALGORITHM };
  await trx
    .insertInto('signing_keys')
    .values({
      kid,
      algorithm: TOKEN_ALGORITHM,
      private_jwk: null,
      private_jwk_sealed: sealText(kek, JSON.stringify(privateJwk), SEALED_LABELS.signingKey(kid)),
      public_jwk: JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: TOKEN_ALGORITHM, use: 'sig' }),
      created_at: now,
    })
    .execute();
  return kid;
}

/** Creates the token signing key on first start; every gateway node signs and verifies with the stored key. */
export async function ensureSigningKey(store: Store, kek: KeyEncryptionKey, nowMs: number): Promise<void> {
  const existing = await store.db
    .selectFrom('signing_keys')
    .select('kid')
    .where('retired_at', 'is', null)
    .executeTakeFirst();
  if (existing) return;
  await store.db.transaction().execute(async (trx) => {
    // Two nodes starting at once on one PostgreSQL: the second sees the first's key and adds none.
    await trx.selectFrom('config_state').select('revision').forUpdate().execute();
    const again = await trx
      .selectFrom('signing_keys')
      .select('kid')
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    if (!again) await insertNewKey(trx, kek, new Date(nowMs));
  });
}

/** Rotation and expiry of the signing keys, as changes: audited, and every gateway reloads its snapshot. */
export class SigningKeys {
  constructor(
    private readonly changes: Changes,
    private readonly kek: KeyEncryptionKey,
    private readonly tokenTtlSeconds: number,
  ) {}

  /**
   * A new signing key; the current one retires and keeps verifying until `tokenTtlSeconds` from now, when the
   * last token it signed expires. Expired keys are deleted on the way.
   */
  async rotate(actor: string): Promise<SigningKeyRotation> {
    await this.purgeExpired();
    return this.changes.run(async (trx, now) => {
      const verifyUntil = new Date(now.getTime() + this.tokenTtlSeconds * 1000);
      const retired = await trx
        .updateTable('signing_keys')
        .set({ retired_at: now, verify_until: verifyUntil })
        .where('retired_at', 'is', null)
        .returning('kid')
        .execute();
      const kid = await insertNewKey(trx, this.kek, now);
      const keys = await trx
        .selectFrom('signing_keys')
        .select(['kid', 'retired_at', 'verify_until'])
        .orderBy('created_at')
        .execute();
      return {
        result: {
          kid,
          keys: keys.map((k) => ({
            kid: k.kid,
            retiredAt: isoOrNull(k.retired_at),
            verifyUntil: isoOrNull(k.verify_until),
          })),
        },
        events: [
          audit(actor, 'rotate', kid, {
            retired: retired.map((r) => r.kid),
            verifyUntil: verifyUntil.toISOString(),
          }),
        ],
      };
    });
  }

  /**
   * Deletes retired keys whose last token has expired; a change only when it deletes one (so gateways drop them
   * from JWKS). The platform runs it every minute.
   */
  purgeExpired(): Promise<string[]> {
    return this.changes.run(async (trx, now) => {
      const deleted = await trx
        .deleteFrom('signing_keys')
        .where('retired_at', 'is not', null)
        .where('verify_until', '<=', now)
        .returning('kid')
        .execute();
      return {
        result: deleted.map((d) => d.kid),
        events: deleted.map((d) => audit('system', 'delete', d.kid, { reason: 'last token expired' })),
      };
    });
  }
}

function isoOrNull(d: Date | string | null): string | null {
  return d === null ? null : new Date(d).toISOString();
}

/**
 * The keys a snapshot carries: the signing key with its private JWK opened, and every key still verifying. Read
 * on the snapshot's transaction, opened with the KEK after.
 */
export async function readSigningKeys(
  trx: Transaction<Database>,
  kek: KeyEncryptionKey,
): Promise<{
  signing: SigningKeyData & { privateJwk: Record<string, unknown> };
  verifying: SigningKeyData[];
}> {
  const rows = await trx.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  const current = rows.find((r) => r.retired_at === null);
  if (!current?.private_jwk_sealed) throw new Error('no signing key: the platform creates one at start');
  const data = (r: (typeof rows)[number]): SigningKeyData => ({
    kid: r.kid,
    algorithm: r.algorithm,
    publicJwk: r.public_jwk,
    retiredAtMs: r.retired_at ? new Date(r.retired_at).getTime() : null,
    verifyUntilMs: r.verify_until ? new Date(r.verify_until).getTime() : null,
  });
  return {
    signing: {
      ...data(current),
      privateJwk: JSON.parse(
        openText(kek, current.private_jwk_sealed, SEALED_LABELS.signingKey(current.kid)),
      ) as Record<string, unknown>,
    },
    verifying: rows.map(data),
  };
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { Registry } from '../src/control/registry/index.ts';
import { unlockSecrets } from '../src/control/secrets.ts';
import { ManualClock } from '../src/core/clock.ts';
import { type Config, loadConfig } from '../src/core/config.ts';
import {
  type KeyError,
  keyEncryptionKey,
  keyFilePath,
  loadKeyEncryptionKey,
  openText,
  SEALED_LABELS,
} from '../src/keys/index.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { writeBackup } from '../src/store/backup.ts';
import { BackupError } from '../src/store/backup-format.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import { restoreBackup } from '../src/store/restore.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { getToken, within } from './helpers/gateway-harness.ts';
import { openTestStore, storeKinds, withMigratedStore } from './helpers/stores.ts';

/**
 * Issue 10 item 4: secrets at rest are sealed with a key-encryption key kept outside the store and its backups;
 * the token signing keys rotate by `kid`; the gateway checks a token's claims against its credential and its
 * lifetime against the configured TTL.
 */

const b64 = (bytes: Buffer) => bytes.toString('base64');

describe('key-encryption key: AES-256-GCM, label-bound, names its key', () => {
  const kek = keyEncryptionKey(randomBytes(32));

  test('opens what it sealed, under the same label only; another key or an altered byte is refused', () => {
    const sealed = kek.seal(Buffer.from('bí mật'), 'webhook_endpoints.secret:whk_1');
    assert.equal(kek.open(sealed, 'webhook_endpoints.secret:whk_1').toString(), 'bí mật');
    assert.equal(sealed.includes(Buffer.from('bí mật')), false);
    assert.notDeepEqual(
      kek.seal(Buffer.from('bí mật'), 'x'),
      kek.seal(Buffer.from('bí mật'), 'x'),
      'random IV',
    );
    // Moved to another row: the label is authenticated.
    assert.throws(() => kek.open(sealed, 'webhook_endpoints.secret:whk_2'), { code: 'SEALED_INVALID' });
    const altered = Buffer.from(sealed);
    altered[altered.length - 20]! ^= 1;
    assert.throws(() => kek.open(altered, 'webhook_endpoints.secret:whk_1'), { code: 'SEALED_INVALID' });
    // Another key: said as such, naming both key ids (the prefix that lets the KEK itself rotate later).
    const other = keyEncryptionKey(randomBytes(32));
    assert.throws(
      () => other.open(sealed, 'webhook_endpoints.secret:whk_1'),
      (err: KeyError) => {
        assert.equal(err.code, 'KEK_WRONG');
        assert.ok(
          err.message.includes(kek.id) && err.message.includes(other.id),
          'err.message.includes(kek.id) && err.message.includes(other.id)',
        );
        return true;
      },
    );
    assert.throws(() => keyEncryptionKey(randomBytes(16)), { code: 'KEK_INVALID' });
  });
});

describe('where the key-encryption key comes from', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lgsp-kek-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));
  const config = (keys: Partial<Config['keys']> = {}, dataDir = join(work, 'data')) =>
    loadConfig({ env: {}, overrides: { dataDir, keys } });

  test('default: <dataDir>.kek beside the data directory, generated 0600 only when allowed', () => {
    const c = config();
    assert.equal(keyFilePath(c), join(work, 'data.kek'));
    assert.throws(() => loadKeyEncryptionKey(c, { mayGenerate: false }), { code: 'KEK_MISSING' });
    const made = loadKeyEncryptionKey(c, { mayGenerate: true });
    assert.equal(made.generatedFile, join(work, 'data.kek'));
    assert.equal(statSync(made.generatedFile).mode & 0o777, 0o600);
    assert.equal(Buffer.from(readFileSync(made.generatedFile, 'utf8').trim(), 'base64').length, 32);
    const again = loadKeyEncryptionKey(c, { mayGenerate: true });
    assert.equal(again.generatedFile, null, 'generated once');
    assert.equal(again.kek.id, made.kek.id);
  });

  test('the environment wins over the file; a KMS command is run; wrong sizes and loose modes are refused', () => {
    const key = randomBytes(32);
    const fromEnv = loadKeyEncryptionKey(config({ encryptionKey: b64(key) }), { mayGenerate: false });
    assert.equal(fromEnv.source, 'LGSP_KEY_ENCRYPTION_KEY');
    assert.equal(fromEnv.kek.id, keyEncryptionKey(key).id);
    const fromKms = loadKeyEncryptionKey(config({ kmsCommand: `printf '%s\\n' '${b64(key)}'` }), {
      mayGenerate: false,
    });
    assert.equal(fromKms.kek.id, keyEncryptionKey(key).id);
    assert.throws(
      () => loadKeyEncryptionKey(config({ kmsCommand: 'echo boom >&2; exit 3' }), { mayGenerate: true }),
      (err: KeyError) => err.code === 'KEK_MISSING' && /boom/.test(err.message),
    );
    assert.throws(
      () => loadKeyEncryptionKey(config({ encryptionKey: b64(randomBytes(31)) }), { mayGenerate: true }),
      {
        code: 'KEK_INVALID',
      },
    );

    const file = join(work, 'custom.kek');
    writeFileSync(file, b64(key), { mode: 0o600 });
    assert.equal(
      loadKeyEncryptionKey(config({ encryptionKeyFile: file }), { mayGenerate: false }).kek.id,
      fromEnv.kek.id,
    );
    chmodSync(file, 0o644);
    assert.throws(
      () => loadKeyEncryptionKey(config({ encryptionKeyFile: file }), { mayGenerate: true }),
      (err: KeyError) => {
        assert.equal(err.code, 'KEK_INVALID');
        assert.match(err.message, /chmod 600/);
        return true;
      },
    );
  });
});

for (const kind of storeKinds) {
  describe(`upgrade (${kind}): plaintext secrets of an older store are sealed once, at start`, () => {
    test('signing key and webhook secret: sealed, plaintext columns emptied, idempotent', async () => {
      const t = await openTestStore(kind);
      const work = mkdtempSync(join(tmpdir(), 'lgsp-upgrade-'));
      try {
        const db = t.store.db;
        // The rows as a store before migration 0016 held them.
        const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', d: 'cleartext-private-d', kid: 'kold' };
        await db
          .insertInto('signing_keys')
          .values({
            kid: 'kold',
            algorithm: 'ES256',
            private_jwk: JSON.stringify(jwk),
            public_jwk: JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'kold' }),
            created_at: new Date(),
          })
          .execute();
        const org = await new Registry(t.store, new ManualClock()).createOrganization(
          { code: '000.00.01.H01', name: 'Sở', contact: { name: 'A', email: 'a@example.vn' } },
          'test',
        );
        await db
          .insertInto('webhook_endpoints')
          .values({
            id: 'whk_old',
            organization_id: org.id,
            url: 'https://hooks.example/x',
            secret: 'cleartext-webhook-secret',
            events: [],
            active: true,
            created_at: new Date(),
          })
          .execute();
        const config = loadConfig({ env: {}, overrides: { dataDir: join(work, 'data') } });
        const first = await unlockSecrets(t.store, config);
        assert.equal(first.sealed, 2);
        const key = await db.selectFrom('signing_keys').selectAll().executeTakeFirstOrThrow();
        assert.equal(key.private_jwk, null);
        assert.deepEqual(
          JSON.parse(openText(first.kek, key.private_jwk_sealed!, SEALED_LABELS.signingKey('kold'))),
          jwk,
        );
        const hook = await db.selectFrom('webhook_endpoints').selectAll().executeTakeFirstOrThrow();
        assert.equal(hook.secret, null);
        assert.equal(
          openText(first.kek, hook.secret_sealed!, SEALED_LABELS.webhookSecret('whk_old')),
          'cleartext-webhook-secret',
        );
        const second = await unlockSecrets(t.store, config);
        assert.equal(second.sealed, 0, 'nothing left to seal');
        assert.equal(second.generatedFile, null);
        // The store now holds sealed secrets: the key is never generated again, a missing one is an error.
        rmSync(keyFilePath(config));
        await assert.rejects(unlockSecrets(t.store, config), { code: 'KEK_MISSING' });
      } finally {
        rmSync(work, { recursive: true, force: true });
        await t.dispose();
      }
    });
  });
}

describe('a platform on the embedded store: sealed at rest, rotation by kid, token checks', () => {
  const TTL = 600;
  let work: string;
  let dataDir: string;
  let platform: Platform | null = null;
  const clock = new ManualClock(Date.now());
  const config = (over: Record<string, unknown> = {}) =>
    loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1', tokenTtlSeconds: TTL },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        recorder: { flushIntervalMs: 20 },
        logLevel: 'silent',
        ...over,
      },
    });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'lgsp-keys-'));
    // A migrated, empty store (no sealed secret yet, so the first start may generate the key): the key is what this
    // suite is about, not initdb; a start on an empty directory is covered by the `lgsp start` suites.
    dataDir = await withMigratedStore(join(work, 'data'));
  });
  after(async () => {
    await platform?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const call = async (path: string, token: string) => {
    const res = await fetch(`${platform!.gatewayUrl}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = (await res.json()) as { code?: string };
    return res.status === 404 ? 'accepted' : `${res.status} ${body.code}`;
  };
  const jwksKids = async (url: string) =>
    ((await (await fetch(url)).json()) as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid).sort();

  /** Every file under `dir` that contains `needle`. */
  const filesHolding = (dir: string, needle: Buffer): string[] => {
    const found: string[] = [];
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      if (readFileSync(path).includes(needle)) found.push(path);
    }
    return found;
  };

  test('first start generates the key beside the data directory; secrets never reach disk or backups in plaintext; rotation keeps old tokens until expiry', {
    timeout: 600_000,
  }, async () => {
    let generated: string | null = null;
    platform = await startPlatform(config(), {
      clock,
      logger: silentLogger(),
      onGeneratedKeyFile: (path) => {
        generated = path;
      },
    });
    assert.equal(generated, `${dataDir}.kek`, 'told once, outside the data directory');
    assert.equal(statSync(`${dataDir}.kek`).mode & 0o777, 0o600);

    // A consumer with a production credential; a webhook with its secret.
    const { registry } = platform;
    const org = await registry.createOrganization(
      {
        code: '000.00.12.H01',
        name: 'Sở Tư pháp',
        contact: { name: 'Lê Văn Cường', email: 'stp@example.vn' },
      },
      'test',
    );
    const system = await registry.createSystem(
      { organizationId: org.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
      'test',
    );
    const other = await registry.createSystem(
      { organizationId: org.id, name: 'Khác', isProvider: false, isConsumer: true },
      'test',
    );
    const credential = await registry.issueCredential(system.id, 'production', 'test');
    const { createWebhookEndpoint } = await import('../src/control/webhooks.ts');
    const hook = await createWebhookEndpoint(
      platform.store,
      clock,
      platform.kek,
      { organizationId: org.id, url: 'https://hooks.example.vn/lgsp-canary-url' },
      'test',
    );
    await platform.snapshots.refresh();

    const tokenA = await getToken(platform.gatewayUrl, credential.consumerKey, credential.consumerSecret);
    const kidA = decodeProtectedHeader(tokenA).kid!;
    assert.equal(await call('/khongco/1.0/x', tokenA), 'accepted', 'a valid token reaches routing (404)');

    // Tokens minted by hand with the real key: claims must be the credential's, lifetime at most the TTL.
    const keyA = platform.snapshots.current!.signing.privateKey;
    const nowS = Math.floor(clock.nowMs() / 1000);
    const mint = (
      claims: { sys?: string; env?: string; iat?: number; exp?: number },
      kid: string | null = kidA,
      key = keyA,
    ) => {
      const jwt = new SignJWT({
        sys: claims.sys ?? system.id,
        env: claims.env ?? 'production',
        client_id: credential.consumerKey,
      })
        .setProtectedHeader(kid ? { alg: 'ES256', kid, typ: 'JWT' } : { alg: 'ES256', typ: 'JWT' })
        .setIssuer('openlgsp')
        .setAudience('lgsp-gateway')
        .setSubject(credential.id)
        .setIssuedAt(claims.iat ?? nowS)
        .setExpirationTime(claims.exp ?? (claims.iat ?? nowS) + TTL);
      return jwt.sign(key);
    };
    assert.equal(await call('/khongco/1.0/x', await mint({})), 'accepted', 'the control token is fine');
    assert.equal(
      await call('/khongco/1.0/x', await mint({ sys: other.id })),
      '401 GW_TOKEN_INVALID',
      'other system',
    );
    assert.equal(
      await call('/khongco/1.0/x', await mint({ env: 'sandbox' })),
      '401 GW_TOKEN_INVALID',
      'other environment',
    );
    assert.equal(
      await call('/khongco/1.0/x', await mint({ exp: nowS + 10 * 365 * 86400 })),
      '401 GW_TOKEN_INVALID',
      'a 10-year token',
    );
    assert.equal(
      await call('/khongco/1.0/x', await mint({ iat: nowS + 365 * 86400 })),
      '401 GW_TOKEN_INVALID',
      'issued in the future, to live within the TTL from there',
    );
    assert.equal(await call('/khongco/1.0/x', await mint({}, null)), '401 GW_TOKEN_INVALID', 'no kid');
    await platform.recorder.flush();
    const refused = await platform.store.db
      .selectFrom('transactions')
      .select('error_code')
      .where('error_code', '=', 'GW_TOKEN_INVALID')
      .execute();
    assert.ok(refused.length >= 4, 'refusals are recorded');

    // Rotation: a new kid signs; both keys in JWKS; the old token keeps working.
    const rotation = await platform.signingKeys.rotate('test');
    assert.notEqual(rotation.kid, kidA);
    await within(5_000, async () => platform!.snapshots.current!.signing.kid === rotation.kid);
    assert.deepEqual(
      await jwksKids(`${platform.gatewayUrl}/.well-known/jwks.json`),
      [kidA, rotation.kid].sort(),
    );
    assert.deepEqual(await jwksKids(`${platform.adminUrl}/api/v1/jwks.json`), [kidA, rotation.kid].sort());
    assert.equal(await call('/khongco/1.0/x', tokenA), 'accepted', 'issued before rotation: still valid');

    clock.advance(6 * 60_000);
    const tokenB = await getToken(platform.gatewayUrl, credential.consumerKey, credential.consumerSecret);
    assert.equal(decodeProtectedHeader(tokenB).kid, rotation.kid, 'new tokens carry the new kid');
    // A copy of the retired key cannot mint new tokens: issued after its retirement, refused.
    const late = await mint({ iat: Math.floor(clock.nowMs() / 1000) });
    assert.equal(await call('/khongco/1.0/x', late), '401 GW_TOKEN_INVALID', 'minted with the retired key');

    // Past the old token's expiry: it is refused, and its key leaves JWKS and the store.
    clock.set((nowS + TTL + 1) * 1000);
    assert.equal(await call('/khongco/1.0/x', tokenA), '401 GW_TOKEN_EXPIRED');
    assert.deepEqual(await platform.signingKeys.purgeExpired(), [kidA]);
    await within(5_000, async () => !platform!.snapshots.current!.verificationKeys.has(kidA));
    assert.deepEqual(await jwksKids(`${platform.gatewayUrl}/.well-known/jwks.json`), [rotation.kid]);
    const kids = await platform.store.db.selectFrom('signing_keys').select('kid').execute();
    assert.deepEqual(
      kids.map((k) => k.kid),
      [rotation.kid],
    );
    assert.equal(await call('/khongco/1.0/x', tokenB), 'accepted', 'the new key’s token still valid');

    // The secrets as the platform uses them, to look for them on disk.
    const sealed = await platform.store.db.selectFrom('signing_keys').selectAll().execute();
    const privateDs = sealed.map(
      (k) =>
        (
          JSON.parse(openText(platform!.kek, k.private_jwk_sealed!, SEALED_LABELS.signingKey(k.kid))) as {
            d: string;
          }
        ).d,
    );
    const needles = [hook.secret, ...privateDs];
    await platform.stop();
    platform = null;

    // Nothing under the data directory (table files, WAL) holds a secret; the canary URL proves the search sees rows.
    assert.ok(
      filesHolding(dataDir, Buffer.from('lgsp-canary-url')).length > 0,
      'the search finds plaintext columns',
    );
    for (const needle of needles)
      assert.deepEqual(filesHolding(dataDir, Buffer.from(needle)), [], 'no secret on disk');
    assert.equal(filesHolding(dataDir, Buffer.from(readFileSync(`${dataDir}.kek`, 'utf8').trim())).length, 0);

    // A backup carries only ciphertext.
    const backupFile = join(work, 'backup.jsonl.gz');
    const stopped = await PgliteStore.open(dataDir);
    const out = createWriteStream(backupFile);
    await writeBackup(stopped, out);
    await finished(out);
    await stopped.close();
    const backupText = gunzipSync(readFileSync(backupFile));
    assert.ok(backupText.includes('lgsp-canary-url'), "backupText.includes('lgsp-canary-url')");
    for (const needle of needles) assert.equal(backupText.includes(needle), false, 'no secret in the backup');
    assert.equal(backupText.includes('"d":'), false);

    // Restore needs the same key: refused without it or with another, and the target stays empty.
    const target = await openTestStore('pglite');
    try {
      const rightKek = loadKeyEncryptionKey(config(), { mayGenerate: false }).kek;
      for (const kek of [undefined, keyEncryptionKey(randomBytes(32))]) {
        await assert.rejects(
          restoreBackup(target.store, createReadStream(backupFile), kek ? { kek } : {}),
          (err: BackupError) => err instanceof BackupError && err.code === 'LGSP_RESTORE_KEY_MISMATCH',
        );
      }
      const restored = await restoreBackup(target.store, createReadStream(backupFile), { kek: rightKek });
      assert.ok(restored.rows > 0, 'restored.rows > 0');
    } finally {
      await target.dispose();
    }

    // Start-up refuses a wrong key, a loose file mode and a missing key, each with a message, not a stack.
    const start = (over: Record<string, unknown> = {}) =>
      startPlatform(config(over), { clock, logger: silentLogger() });
    await assert.rejects(start({ keys: { encryptionKey: b64(randomBytes(32)) } }), (err: KeyError) => {
      assert.equal(err.code, 'KEK_WRONG');
      assert.match(err.message, /khoá mã hoá khoá \(KEK\) không khớp/);
      assert.match(err.message, /the key-encryption key \(KEK\) does not match/);
      return true;
    });
    chmodSync(`${dataDir}.kek`, 0o644);
    await assert.rejects(start(), { code: 'KEK_INVALID' });
    chmodSync(`${dataDir}.kek`, 0o600);
    renameSync(`${dataDir}.kek`, join(work, 'moved.kek'));
    await assert.rejects(
      start(),
      (err: KeyError) => err.code === 'KEK_MISSING' && err.message.includes(`${dataDir}.kek`),
    );
    assert.equal(existsSync(`${dataDir}.kek`), false, 'never generated for a store with sealed secrets');
    // With the key where the configuration says, it starts again.
    platform = await start({ keys: { encryptionKeyFile: join(work, 'moved.kek') } });
    assert.equal(platform.snapshots.current!.signing.kid, rotation.kid);

    // `lgsp keys rotate`: the operator's command, through the admin API; an agency's token is refused.
    const session = await platform.accounts.login('admin', 'mat-khau-kiem-thu');
    const rotated = await runCli(['keys', 'rotate'], adminEnv(platform.adminUrl, session.token, work));
    assert.equal(rotated.code, 0, rotated.err);
    const newKid = /New signing key: (k\w+)/.exec(rotated.out)?.[1];
    assert.ok(newKid && newKid !== rotation.kid, rotated.out);
    assert.match(rotated.out, new RegExp(`${rotation.kid}\\s`), 'the retired key is listed with its end');
    await within(5_000, async () => platform!.snapshots.current!.signing.kid === newKid);
    assert.deepEqual(
      await jwksKids(`${platform.gatewayUrl}/.well-known/jwks.json`),
      [rotation.kid, newKid].sort(),
    );
  });
});

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { newId } from '../src/core/ids.ts';
import type { KeyEncryptionKey } from '../src/keys/index.ts';
import { EmbeddedQueue } from '../src/messaging/embedded-queue.ts';
import { Messaging } from '../src/messaging/messaging.ts';
import { NatsQueue } from '../src/messaging/nats-queue.ts';
import { PayloadCipher, RECORD_BYTES } from '../src/messaging/payload-cipher.ts';
import { DESTROY_DEADLINE_EXTRA_MS, PayloadKeys, UPLOAD_GRACE_MS } from '../src/messaging/payload-keys.ts';
import type { MessageQueue, NewMessage } from '../src/messaging/port.ts';
import { startPlatform } from '../src/platform.ts';
import { writeBackup } from '../src/store/backup.ts';
import { migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import type { Store } from '../src/store/port.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { startDestination } from './helpers/destination.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { testKeyWrapper } from './helpers/payload-keys.ts';
import { freePort } from './helpers/platform-process.ts';
import { createTestDatabase, migratedDataDir, testDatabaseUrl } from './helpers/stores.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

/**
 * Issue 10 item 3 (R-02 on disk): a delivered payload is unrecoverable. On every engine — PGlite (its data dir),
 * PostgreSQL (its data files: `SHOW data_directory`), NATS JetStream (a server of our own, so its store dir is ours
 * to scan) — messages carrying an incompressible canary are sent, their ciphertext captured as the engine stores
 * it, then delivered (or dead); the clock moves past their epoch so their key is destroyed. Then (a) the canary is
 * in no file under the data dir, the NATS store dir or a backup, and (b) the captured ciphertext opens with no key
 * material still present — every key in the key file (unwrapped with the KEK, as an attacker holding both would),
 * the KEK itself, anything key-like in the store, on disk or in a backup — while the same check opens it with the
 * destroyed key (kept by the test alone), which shows the check can succeed. Also: an undelivered message survives
 * a restart of its engine and is delivered after it; sync bodies and queries are never written anywhere.
 */

const HOUR = 3_600_000;
const EPOCH_MS = HOUR;
const TTL_MS = 24 * HOUR;
const natsServer = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : '';

/** A canary: a marker and 64 KiB of random bytes (incompressible), as the text an agency system would send. */
function canary(label: string, randomKiB = 64): { body: Buffer; needles: Buffer[] } {
  const marker = `LGSP-CANARY-${label}-${randomBytes(8).toString('hex')}`;
  const data = randomBytes(randomKiB * 1024).toString('base64');
  const body = Buffer.from(JSON.stringify({ marker, hoTen: 'Nguyễn Văn A', data }));
  // The marker and three slices of the random text: any one of them anywhere means a plaintext copy.
  const slices = [0.1, 0.5, 0.9].map((at) => {
    const from = Math.floor(data.length * at);
    return Buffer.from(data.slice(from, from + 48));
  });
  return { body, needles: [Buffer.from(marker), ...slices] };
}

function newMessage(nowMs: number, overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newId('msg', nowMs),
    sourceSystemId: 'sys_source',
    destinationVersionId: newId('ver', nowMs),
    environment: 'production',
    idempotencyKey: null,
    contentType: 'application/json',
    acceptedAtMs: nowMs,
    expiresAtMs: nowMs + TTL_MS,
    ...overrides,
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Every regular file under `dirs` (recursively), read whole. */
function* filesUnder(dirs: string[]): Generator<{ path: string; bytes: Buffer }> {
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      const path = join(entry.parentPath, entry.name);
      if (!entry.isFile()) continue;
      let bytes: Buffer;
      try {
        bytes = readFileSync(path);
      } catch (err) {
        // A file the engine removed between the listing and the read.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      yield { path, bytes };
    }
  }
}

/** Where any of `needles` occurs in `sources`: "path: needle". */
function hits(sources: Iterable<{ path: string; bytes: Buffer }>, needles: Buffer[]): string[] {
  const found: string[] = [];
  for (const { path, bytes } of sources) {
    for (const needle of needles)
      if (bytes.includes(needle)) found.push(`${path}: ${needle.toString('latin1')}`);
  }
  return found;
}

/**
 * Key-like material in some bytes: every base64/base64url run and every hex run that decodes to exactly 32 bytes
 * (an AES-256 key written as text, as JSON or a config file would hold it).
 */
function keyLikeIn(bytes: Buffer): Buffer[] {
  const text = bytes.toString('latin1');
  const keys: Buffer[] = [];
  for (const m of text.matchAll(/[A-Za-z0-9+/_-]{43,44}={0,2}/g)) {
    const before = text[m.index - 1] ?? '';
    const afterEnd = text[m.index + m[0].length] ?? '';
    if (/[A-Za-z0-9+/_=-]/.test(before) || /[A-Za-z0-9+/_-]/.test(afterEnd)) continue;
    const decoded = Buffer.from(m[0].replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (decoded.length === 32) keys.push(decoded);
  }
  for (const m of text.matchAll(/(?<![0-9a-fA-F])[0-9a-fA-F]{64}(?![0-9a-fA-F])/g)) {
    keys.push(Buffer.from(m[0], 'hex'));
  }
  return keys;
}

/** The raw, hex and base64 spellings of a key, for looking for it in files. */
function spellings(key: Buffer): Buffer[] {
  return [
    key,
    Buffer.from(key.toString('hex')),
    Buffer.from(key.toString('base64').replace(/=+$/, '')),
    Buffer.from(key.toString('base64url')),
  ];
}

/**
 * Whether `candidate` opens the first sealed record of message `id` — as the epoch key (the message key derived
 * from it) or as the message key itself. Written from the documented format (payload-cipher.ts), not with it.
 */
function opensWith(candidate: Buffer, id: string, keyId: string, sealed: Buffer): boolean {
  // The shortest record (the last one, usually): one is enough, and the many candidates make size matter.
  let shortest = { at: 0, index: 0, length: Number.POSITIVE_INFINITY };
  for (let at = 0, index = 0; at < sealed.length; index++) {
    const length = sealed.readUInt32BE(at + 1);
    if (length < shortest.length) shortest = { at, index, length };
    at += 17 + length + 16;
  }
  const record = sealed.subarray(shortest.at, shortest.at + 17 + shortest.length + 16);
  const last = (record[0]! & 1) === 1;
  const iv = record.subarray(5, 17);
  const body = record.subarray(17, 17 + shortest.length);
  const tag = record.subarray(17 + shortest.length);
  const aad = Buffer.from(`openlgsp/message-payload/v1\n${id}\n${keyId}\n${shortest.index}\n${last ? 1 : 0}`);
  const derived = Buffer.from(
    hkdfSync('sha256', candidate, Buffer.from(id), 'openlgsp/message-payload/v1', 32),
  );
  for (const key of [derived, candidate]) {
    try {
      const d = createDecipheriv('aes-256-gcm', key, iv);
      d.setAAD(aad);
      d.setAuthTag(tag);
      d.update(body);
      d.final();
      return true;
    } catch {
      // Not this key.
    }
  }
  return false;
}

/** Every key in the key files of `dir`, unwrapped with the KEK (what an attacker holding both could use). */
function keysInKeyFiles(dir: string, wrapper: KeyEncryptionKey): { ids: string[]; keys: Buffer[] } {
  const ids: string[] = [];
  const keys: Buffer[] = [];
  for (const { bytes } of filesUnder([dir])) {
    const file = JSON.parse(bytes.toString('utf8')) as { keys: Array<{ id: string; sealed: string }> };
    for (const k of file.keys) {
      ids.push(k.id);
      keys.push(wrapper.open(Buffer.from(k.sealed, 'base64'), `openlgsp/message-key/v1/${k.id}`));
    }
  }
  return { ids, keys };
}

/** Every 32-byte bytea value and every key-like text in the store. */
async function keyLikeInStore(store: Store): Promise<Buffer[]> {
  const found: Buffer[] = [];
  const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(store.db);
  for (const { table_name } of tables.rows) {
    const rows = await sql<{ t: string }>`SELECT r::text AS t FROM ${sql.id(table_name)} r`.execute(store.db);
    for (const { t } of rows.rows) found.push(...keyLikeIn(Buffer.from(t)));
    const bytea = await sql<{ column_name: string }>`SELECT column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = ${table_name} AND data_type = 'bytea'`.execute(store.db);
    for (const { column_name } of bytea.rows) {
      const values = await sql<{
        v: Uint8Array;
      }>`SELECT ${sql.id(column_name)} AS v FROM ${sql.id(table_name)}
        WHERE length(${sql.id(column_name)}) = 32`.execute(store.db);
      for (const { v } of values.rows) found.push(Buffer.from(v));
    }
  }
  return found;
}

/** One engine under test: how to open it on the same files again, and where its bytes lie on disk. */
interface EngineUnderTest {
  queue: MessageQueue;
  store: Store | null;
  /** The engine's stored (sealed) payload bytes of message `id`. */
  storedCiphertext(id: string): Promise<Buffer>;
  /** Closes and opens the engine on the same files, with `cipher`. */
  reopen(cipher: PayloadCipher): Promise<void>;
  /** Makes everything durable, then answers the directories to scan (the engine may be stopped by it). */
  settleToDisk(): Promise<string[]>;
  dispose(): Promise<void>;
}

interface EngineSetup {
  name: string;
  skip: string | false;
  open(cipher: PayloadCipher): Promise<EngineUnderTest>;
}

const engines: EngineSetup[] = [
  {
    name: 'embedded on PGlite (its data dir)',
    skip: false,
    async open(cipher) {
      const dataDir = await migratedDataDir('lgsp-erase-pglite-');
      let store: Store = await PgliteStore.open(dataDir);
      await migrate(store);
      const t: EngineUnderTest = {
        queue: new EmbeddedQueue(store, cipher),
        store,
        storedCiphertext: (id) => sealedRows(t.store!, id),
        async reopen(next) {
          await store.close();
          store = await PgliteStore.open(dataDir);
          t.store = store;
          t.queue = new EmbeddedQueue(store, next);
        },
        async settleToDisk() {
          await sql`CHECKPOINT`.execute(store.db);
          return [dataDir];
        },
        async dispose() {
          await store.close().catch(() => undefined);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
      return t;
    },
  },
  {
    name: 'embedded on PostgreSQL (its data files)',
    skip: testDatabaseUrl ? false : 'LGSP_TEST_DATABASE_URL is not set',
    async open(cipher) {
      const db = await createTestDatabase();
      let store: Store = await PostgresStore.open(db.url);
      await migrate(store);
      const t: EngineUnderTest = {
        queue: new EmbeddedQueue(store, cipher),
        store,
        storedCiphertext: (id) => sealedRows(t.store!, id),
        async reopen(next) {
          await store.close();
          store = await PostgresStore.open(db.url);
          t.store = store;
          t.queue = new EmbeddedQueue(store, next);
        },
        async settleToDisk() {
          // Everything from the shared buffers into the table files; the WAL has it already.
          await sql`CHECKPOINT`.execute(store.db);
          const dir = (
            await sql<{ d: string }>`SELECT current_setting('data_directory') AS d`.execute(store.db)
          ).rows[0]!.d;
          const oid = (
            await sql<{
              oid: number;
            }>`SELECT oid FROM pg_database WHERE datname = current_database()`.execute(store.db)
          ).rows[0]!.oid;
          return [join(dir, 'base', String(oid)), join(dir, 'pg_wal')];
        },
        async dispose() {
          await store.close().catch(() => undefined);
          await db.drop();
        },
      };
      return t;
    },
  },
  {
    name: 'NATS JetStream (its own server and store dir)',
    skip: natsServer ? false : 'no nats-server binary',
    async open(cipher) {
      const storeDir = mkdtempSync(join(tmpdir(), 'lgsp-erase-nats-'));
      const port = await freePort();
      const url = `nats://127.0.0.1:${port}`;
      let server: ChildProcess = await startNats(port, storeDir);
      const prefix = `erase${randomBytes(4).toString('hex')}`;
      let queue = await NatsQueue.open(url, cipher, { prefix });
      const t: EngineUnderTest = {
        queue,
        store: null,
        async storedCiphertext(id) {
          // Inside the stream message (a small payload) or in the object store (a large one).
          const sealed = await queue.storedSealed(id);
          assert.ok(sealed, `the payload of ${id} is stored`);
          return sealed;
        },
        async reopen(next) {
          await queue.close();
          // The whole server goes down and comes back on its store dir, as after a crash of the machine.
          await stopProcess(server);
          server = await startNats(port, storeDir);
          queue = await NatsQueue.open(url, next, { prefix });
          t.queue = queue;
        },
        async settleToDisk() {
          // A stopped server has written out whatever it held in memory.
          await queue.close();
          await stopProcess(server);
          return [storeDir];
        },
        async dispose() {
          await queue.close().catch(() => undefined);
          await stopProcess(server);
          rmSync(storeDir, { recursive: true, force: true });
        },
      };
      return t;
    },
  },
];

async function sealedRows(store: Store, id: string): Promise<Buffer> {
  const rows = await store.db
    .selectFrom('message_payloads')
    .select('chunk')
    .where('message_id', '=', id)
    .orderBy('seq')
    .execute();
  return Buffer.concat(rows.map((r) => Buffer.from(r.chunk)));
}

async function startNats(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn(natsServer, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      const nc = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false });
      await nc.close();
      return child;
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw new Error('nats-server did not start');
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

for (const setup of engines) {
  describe(`delivered payloads are unrecoverable: ${setup.name}`, { skip: setup.skip }, () => {
    // Mid-epoch, so the test moves the clock past the epoch's end on purpose.
    const clock = new ManualClock(Date.parse('2026-12-01T08:20:00Z'));
    const keyDir = mkdtempSync(join(tmpdir(), 'lgsp-erase-keys-'));
    const kek = randomBytes(32);
    const wrapper = testKeyWrapper(kek);
    const openKeys = () =>
      PayloadKeys.open(
        { dir: keyDir, wrapper, epochMs: EPOCH_MS, ttlMs: TTL_MS, role: 'owner' },
        clock.nowMs(),
      );
    let keys: PayloadKeys;
    let engine: EngineUnderTest;
    let messaging: () => Messaging;

    before(async () => {
      keys = openKeys();
      engine = await setup.open(new PayloadCipher(keys));
      const config = loadConfig({ env: {}, overrides: { messaging: { ttlHours: TTL_MS / HOUR } } }).messaging;
      // Only the key upkeep is exercised here: it needs the queue, the keys and a logger.
      messaging = () =>
        new Messaging({
          queue: engine.queue,
          keys,
          config,
          clock,
          logger: silentLogger(),
          store: engine.store as Store,
          alerts: null as never,
        });
    });
    after(async () => {
      keys.close();
      await engine.dispose();
      rmSync(keyDir, { recursive: true, force: true });
    });

    test('an undelivered message survives a restart and is delivered after it', async () => {
      const { body } = canary('restart');
      const m = newMessage(clock.nowMs());
      await engine.queue.enqueue(m, Readable.from([body]));
      // The process goes away: its keys leave memory; the key file and the engine's files stay.
      keys.close();
      keys = openKeys();
      await engine.reopen(new PayloadCipher(keys));
      const [claim] = await engine.queue.claim({
        nowMs: clock.nowMs(),
        limit: 1,
        leaseMs: 60_000,
        destinationVersionId: m.destinationVersionId,
      });
      assert.ok(claim, 'the message is still there after the restart');
      const read = claim.payload ?? (await readAll(await engine.queue.openPayload(m.id, claim.message)));
      assert.ok(read.equals(body), 'and its payload opens intact');
      assert.equal((await engine.queue.ack(claim, clock.nowMs())).state, 'delivered');
    });

    test('once their key is destroyed, delivered and dead payloads open with no key left anywhere', async () => {
      const start = clock.nowMs();
      const sent = [
        { label: 'small', ...canary('small'), m: newMessage(start), settle: 'ack' as const },
        // Several 256 KiB chunks and many sealed records.
        { label: 'large', ...canary('large', 900), m: newMessage(start + 1), settle: 'ack' as const },
        { label: 'dead', ...canary('dead'), m: newMessage(start + 2), settle: 'dead' as const },
        { label: 'late', ...canary('late'), m: newMessage(start + 3), settle: 'later' as const },
      ];
      for (const s of sent) await engine.queue.enqueue(s.m, Readable.from([s.body]));
      const needles = sent.flatMap((s) => s.needles);
      const keyId = (await engine.queue.get(sent[0]!.m.id))!.payloadKeyId!;
      assert.ok(keyId, 'the payload names its data key');
      for (const s of sent) assert.equal((await engine.queue.get(s.m.id))!.payloadKeyId, keyId, 'one epoch');
      // Kept by the test alone, to show that the check below can open what it is given.
      const destroyedKey = Buffer.from(keys.openingKey(keyId)!);
      const captured = new Map<string, Buffer>();
      for (const s of sent) {
        const sealed = await engine.storedCiphertext(s.m.id);
        assert.equal(hits([{ path: 'stored', bytes: sealed }], s.needles).length, 0, 'stored sealed');
        assert.ok(sealed.length > s.body.length, 'record framing and tags around every record');
        assert.ok(opensWith(destroyedKey, s.m.id, keyId, sealed), 'the check opens it with its key');
        captured.set(s.m.id, sealed);
      }
      assert.ok(sent[1]!.body.length > 4 * RECORD_BYTES, 'sent[1]!.body.length > 4 * RECORD_BYTES');

      clock.advance(1_000);
      for (const s of sent.filter((x) => x.settle !== 'later')) {
        const [claim] = await engine.queue.claim({
          nowMs: clock.nowMs(),
          limit: 1,
          leaseMs: 60_000,
          destinationVersionId: s.m.destinationVersionId,
        });
        assert.ok(claim, 'claim');
        const read = claim.payload ?? (await readAll(await engine.queue.openPayload(s.m.id, claim.message)));
        assert.ok(read.equals(s.body), 'read.equals(s.body)');
        if (s.settle === 'ack') await engine.queue.ack(claim, clock.nowMs());
        else await engine.queue.fail(claim, 'refused', null, clock.nowMs());
      }

      // Within its epoch, the key stays (messages may still come); after it, it waits for the last message.
      assert.deepEqual(await messaging().destroySpentKeys(clock.nowMs()), []);
      const epochEnd = Math.ceil(start / EPOCH_MS) * EPOCH_MS;
      clock.set(epochEnd + UPLOAD_GRACE_MS);
      assert.deepEqual(await messaging().destroySpentKeys(clock.nowMs()), [], 'one message still waits');
      assert.ok(keys.ids().includes(keyId), 'keys.ids().includes(keyId)');
      const late = sent[3]!;
      const [claim] = await engine.queue.claim({
        nowMs: clock.nowMs(),
        limit: 1,
        leaseMs: 60_000,
        destinationVersionId: late.m.destinationVersionId,
      });
      assert.ok(claim, 'claim');
      await engine.queue.ack(claim, clock.nowMs());
      // NATS: the claim view lists other nodes' changes once a second; ours are known at once.
      assert.deepEqual(await messaging().destroySpentKeys(clock.nowMs()), [keyId], 'settled: destroyed');
      assert.ok(!keys.ids().includes(keyId), '!keys.ids().includes(keyId)');
      assert.ok(keys.ids().length >= 2, 'the current and the next epoch keys are kept ready');
      for (const s of sent) {
        assert.equal(keys.openingKey(keyId), null);
        await assert.rejects(engine.queue.openPayload(s.m.id), 'no payload to open any more');
      }

      // A backup as `lgsp backup` writes it (embedded engines: the store holds the queue).
      const backupDir = mkdtempSync(join(tmpdir(), 'lgsp-erase-backup-'));
      try {
        const storeKeys = engine.store ? await keyLikeInStore(engine.store) : [];
        if (engine.store) {
          const out = createWriteStream(join(backupDir, 'backup.jsonl.gz'));
          await writeBackup(engine.store, out);
        }
        const backups = [...filesUnder([backupDir])].map(({ path, bytes }) => ({
          path,
          bytes: gunzipSync(bytes),
        }));
        const dirs = await engine.settleToDisk();
        const disk = [...filesUnder([...dirs, keyDir])];
        assert.ok(disk.length > 0, 'there are files to scan');

        // (a) No plaintext byte of any canary anywhere: engine files, key files, backup.
        assert.deepEqual(hits([...disk, ...backups], needles), [], 'no canary in any file or backup');
        // Copies of the ciphertext may well remain (WAL, table files, block files): that is the point.
        // (b) … and no key still present opens any of them.
        const { ids, keys: fileKeys } = keysInKeyFiles(keyDir, wrapper);
        assert.ok(!ids.includes(keyId), 'the destroyed key is not in the key file');
        const candidates = [
          kek,
          ...fileKeys,
          ...storeKeys,
          ...disk.flatMap((f) => keyLikeIn(f.bytes)),
          ...backups.flatMap((f) => keyLikeIn(f.bytes)),
        ];
        // Distinct values only: the WAL repeats what it logs.
        const distinct = [...new Map(candidates.map((c) => [c.toString('hex'), c])).values()];
        assert.ok(distinct.length >= 3, 'the KEK and the kept keys are among the candidates');
        for (const [id, sealed] of captured) {
          const opening = distinct.filter((c) => opensWith(c, id, keyId, sealed));
          assert.equal(opening.length, 0, `no key material left opens ${id}`);
        }
        // Nor is the destroyed key itself written anywhere, in any spelling.
        assert.deepEqual(hits([...disk, ...backups], spellings(destroyedKey)), [], 'the key is gone');
        destroyedKey.fill(0);
      } finally {
        rmSync(backupDir, { recursive: true, force: true });
      }
    });
  });
}

describe('epoch key lifetime', () => {
  test('a key whose messages are never settled is destroyed at the latest TTL + 1 h after its epoch', () => {
    const clock = new ManualClock(Date.parse('2026-12-01T08:20:00Z'));
    const keyDir = mkdtempSync(join(tmpdir(), 'lgsp-erase-deadline-'));
    try {
      const keys = PayloadKeys.open(
        { dir: keyDir, wrapper: testKeyWrapper(), epochMs: EPOCH_MS, ttlMs: TTL_MS, role: 'owner' },
        clock.nowMs(),
      );
      const { id } = keys.sealingKey(clock.nowMs());
      const epochEnd = Date.parse('2026-12-01T09:00:00Z');
      const inUse = new Set([id]);
      clock.set(epochEnd + TTL_MS + DESTROY_DEADLINE_EXTRA_MS - 1);
      // The next epoch's key, created ahead and never used, goes as soon as its epoch is over.
      assert.ok(!keys.destroy(clock.nowMs(), inUse).includes(id), 'still needed before the deadline');
      assert.ok(keys.ids().includes(id), 'keys.ids().includes(id)');
      clock.set(epochEnd + TTL_MS + DESTROY_DEADLINE_EXTRA_MS);
      assert.deepEqual(keys.destroy(clock.nowMs(), inUse), [id], 'gone at the deadline, needed or not');
      // The key file holds only the newest generation, mode 0600; the older ones were wiped and removed.
      const files = readdirSync(keyDir);
      assert.equal(files.length, 1, files.join(', '));
      assert.equal(statSync(join(keyDir, files[0]!)).mode & 0o777, 0o600);
      assert.ok(
        !readFileSync(join(keyDir, files[0]!), 'utf8').includes(id),
        "!readFileSync(join(keyDir, files[0]!), 'utf8').includes(id)",
      );
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  test('a gateway worker reads the keys the primary wrote, and refuses a wrong KEK clearly', () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'lgsp-erase-reader-'));
    try {
      const nowMs = Date.parse('2026-12-01T08:20:00Z');
      const wrapper = testKeyWrapper();
      const options = { dir: keyDir, wrapper, epochMs: EPOCH_MS, ttlMs: TTL_MS };
      const owner = PayloadKeys.open({ ...options, role: 'owner' }, nowMs);
      const reader = PayloadKeys.open({ ...options, role: 'reader' }, nowMs);
      const sealed = new PayloadCipher(reader).sealWhole('msg_x', nowMs, Buffer.from('chào'));
      assert.equal(sealed.keyId, owner.sealingKey(nowMs).id);
      // The next epoch's key was written ahead: the worker seals with it when the hour turns.
      assert.ok(reader.sealingKey(nowMs + EPOCH_MS).id, 'reader.sealingKey(nowMs + EPOCH_MS).id');
      const opened = new PayloadCipher(owner).openWhole('msg_x', sealed.keyId, sealed.sealed, 5);
      assert.equal(opened.toString(), 'chào');
      assert.throws(
        () => PayloadKeys.open({ ...options, wrapper: testKeyWrapper(), role: 'owner' }, nowMs),
        /khoá mã hoá khoá.*key-encryption key/s,
      );
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });

  test('sealed records cannot be swapped between messages, reordered or cut short', () => {
    const cipher = new PayloadCipher(PayloadKeys.ephemeral(Date.now()));
    const body = randomBytes(3 * RECORD_BYTES + 100);
    const a = cipher.sealWhole('msg_a', Date.now(), body);
    assert.ok(
      cipher.openWhole('msg_a', a.keyId, a.sealed, body.length).equals(body),
      "cipher.openWhole('msg_a', a.keyId, a.sealed, body.length).equals(body)",
    );
    assert.throws(() => cipher.openWhole('msg_b', a.keyId, a.sealed, body.length), /cannot be read/);
    const record = 17 + RECORD_BYTES + 16;
    const swapped = Buffer.concat([
      a.sealed.subarray(record, 2 * record),
      a.sealed.subarray(0, record),
      a.sealed.subarray(2 * record),
    ]);
    assert.throws(() => cipher.openWhole('msg_a', a.keyId, swapped, body.length), /does not authenticate/);
    assert.throws(
      () => cipher.openWhole('msg_a', a.keyId, a.sealed.subarray(0, 3 * record), body.length),
      /ends before its last record/,
    );
  });

  test("a message's payload key is HKDF-SHA256 of its epoch key, as hkdfSync derives it (stored payloads stay readable)", () => {
    const keys = PayloadKeys.ephemeral(Date.now());
    const sealed = new PayloadCipher(keys).sealWhole('msg_hkdf', Date.now(), Buffer.from('chào'));
    const epochKey = keys.sealingKey(Date.now()).key;
    assert.ok(
      opensWith(epochKey, 'msg_hkdf', sealed.keyId, sealed.sealed),
      'opens with the hkdfSync-derived key',
    );
    assert.ok(!opensWith(randomBytes(32), 'msg_hkdf', sealed.keyId, sealed.sealed), 'not with another key');
  });
});

describe('sync bodies are never written anywhere (PGlite data dir)', () => {
  test('a canary in the body and the query of a sync call, and in an async message, is in no file', {
    timeout: 300_000,
  }, async () => {
    const clock = new ManualClock(Date.parse('2026-12-01T08:20:00Z'));
    const dataDir = await migratedDataDir('lgsp-erase-platform-');
    const upstream = await startUpstream();
    const destination = await startDestination();
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, password: 'mat-khau-kiem-thu-xoa' },
        recorder: { flushIntervalMs: 20 },
        messaging: { pollIntervalMs: 50, ttlHours: 24 },
        logLevel: 'silent',
      },
    });
    let platform = await startPlatform(config, { clock, logger: silentLogger() });
    try {
      allowEgressTo(platform.egress, upstream.url, destination.url); // issue 10: exactly this test's servers
      const { registry } = platform;
      const provider = await registry.createOrganization(
        { code: '000.00.31.H01', name: 'Sở Tư pháp', contact: { name: 'A', email: 'a@x.vn' } },
        'test',
      );
      const consumer = await registry.createOrganization(
        { code: '000.00.12.H01', name: 'Trung tâm PVHCC', contact: { name: 'B', email: 'b@x.vn' } },
        'test',
      );
      const dest = await registry.createSystem(
        { organizationId: provider.id, name: 'Hệ thống hộ tịch', isProvider: true, isConsumer: false },
        'test',
      );
      const src = await registry.createSystem(
        { organizationId: consumer.id, name: 'Cổng dịch vụ công', isProvider: false, isConsumer: true },
        'test',
      );
      const syncService = await registry.createService(
        { context: 'tracuu', name: 'Tra cứu', providerSystemId: dest.id, description: FULL_DESCRIPTION },
        'test',
      );
      const syncVersion = await registry.createVersion(
        syncService.id,
        {
          version: '1.0',
          upstreams: { sandbox: upstream.url, production: upstream.url },
          resources: [{ method: 'POST', path: '/hoso' }],
        },
        'test',
      );
      const asyncService = await registry.createService(
        { context: 'hotich', name: 'Hộ tịch', providerSystemId: dest.id, description: FULL_DESCRIPTION },
        'test',
      );
      const asyncVersion = await registry.createVersion(
        asyncService.id,
        {
          version: '1.0',
          mode: 'async',
          upstreams: { sandbox: `${destination.url}/sandbox`, production: `${destination.url}/inbound` },
          resources: [{ method: 'POST', path: '/dangky' }],
        },
        'test',
      );
      for (const v of [syncVersion, asyncVersion]) {
        await publishThroughSandbox(platform, v.id);
        await registry.createSubscription(
          { systemId: src.id, versionId: v.id, environment: 'production' },
          'test',
        );
      }
      const credential = await registry.issueCredential(src.id, 'production', 'test');
      await platform.snapshots.refresh();
      const token = await getToken(platform.gatewayUrl, credential.consumerKey, credential.consumerSecret);

      const body = canary('sync-body');
      const query = `LGSP-QUERY-${randomBytes(12).toString('hex')}`;
      const syncAnswer = await fetch(`${platform.gatewayUrl}/tracuu/1.0/hoso?cccd=${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body.body,
      });
      assert.equal(syncAnswer.status, 200);
      await syncAnswer.arrayBuffer();
      assert.ok(
        upstream.seen.some((r) => r.url.includes(query)),
        'the provider got the call',
      );

      const message = canary('async-body');
      const sent = await fetch(`${platform.gatewayUrl}/hotich/1.0/dangky`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: message.body,
      });
      assert.equal(sent.status, 202);
      const { messageId } = (await sent.json()) as { messageId: string };
      for (
        let i = 0;
        i < 200 && (await platform.messaging.queue.get(messageId))?.state !== 'delivered';
        i++
      ) {
        platform.deliverer.wake();
        await platform.deliverer.settled();
        await sleep(50);
      }
      const delivered = await platform.messaging.queue.get(messageId);
      assert.equal(delivered?.state, 'delivered');
      const keyId = delivered.payloadKeyId!;

      // The primary's deliverer destroys the spent key on its sweep once the epoch (and its grace) is over.
      clock.set(Math.ceil(clock.nowMs() / EPOCH_MS) * EPOCH_MS + UPLOAD_GRACE_MS + 10_000);
      for (let i = 0; i < 100 && platform.messaging.keys.ids().includes(keyId); i++) {
        platform.deliverer.wake();
        await platform.deliverer.settled();
        await sleep(50);
      }
      assert.ok(!platform.messaging.keys.ids().includes(keyId), 'the delivered message’s key is destroyed');
      await platform.recorder.flush();
      await platform.stop();
      // Started again on the same data dir: nothing of either canary came back from anywhere.
      platform = await startPlatform(config, { clock, logger: silentLogger() });
      await platform.stop();

      const needles = [...body.needles, Buffer.from(query), ...message.needles];
      const files = [...filesUnder([dataDir])];
      assert.ok(
        files.some((f) => f.path.includes('pglite')),
        'the store is among the files scanned',
      );
      assert.deepEqual(hits(files, needles), [], 'no canary of the call or of the message in any file');
    } finally {
      await platform.stop().catch(() => undefined);
      await upstream.close();
      await destination.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

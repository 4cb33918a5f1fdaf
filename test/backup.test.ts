import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { Accounts } from '../src/control/accounts.ts';
import { verifyAuditChain } from '../src/control/audit-verify.ts';
import { ConnectionRequests } from '../src/control/connection-requests/index.ts';
import { Lifecycle } from '../src/control/lifecycle/index.ts';
import { Registry } from '../src/control/registry/index.ts';
import { ensureSigningKey } from '../src/control/signing-keys.ts';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { newId } from '../src/core/ids.ts';
import { EmbeddedQueue } from '../src/messaging/embedded-queue.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { writeBackup } from '../src/store/backup.ts';
import { BackupError, type BackupSummary, RESTORED_WITHOUT_PAYLOAD } from '../src/store/backup-format.ts';
import { migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import type { Store } from '../src/store/port.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { restoreBackup } from '../src/store/restore.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { runCli } from './helpers/cli.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { testCipher } from './helpers/payload-keys.ts';
import { sampleRecord } from './helpers/records.ts';
import {
  createTestDatabase,
  migratedTemplate,
  openTestStore,
  storeKinds,
  type TestStore,
  testDatabaseUrl,
  withMigratedStore,
} from './helpers/stores.ts';

/**
 * R-24 backup: "Backup then restore into an empty store gives the same registry and records." Each store kind is
 * backed up and restored into a fresh, empty store of the same kind, and the embedded store into PostgreSQL (the
 * way an operator moves to it) when LGSP_TEST_DATABASE_URL is set; the `lgsp backup`/`lgsp restore` commands run
 * as child processes on PGlite data dirs.
 */

const START_MS = Date.parse('2025-03-01T02:00:00Z');
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TRANSACTIONS = 2_345;
/** In the payload of the message left undelivered: must never be found in a backup file (R-02). */
const PAYLOAD_MARKER = `R02-BACKUP-MARKER-${Date.now().toString(36)}`;

// biome-ignore lint/suspicious/noExplicitAny: rows read back from to_jsonb for comparison
type Json = Record<string, any>;

function record(i: number, atMs: number): TransactionRecord {
  return sampleRecord(i, atMs, {
    errorCode: i % 10 === 0 ? 'GW_UPSTREAM_ERROR' : null,
    requestBytes: i,
    // Sub-millisecond times: restored to the microsecond, not rounded to a JavaScript Date.
    requestInAt: atMs + 0.123,
    requestOutAt: atMs + 1.5,
    responseInAt: atMs + 5,
    responseOutAt: atMs + 6.25,
  });
}

/**
 * A province with something in every kind of table: organizations (one the parent of an older one, so its foreign
 * key points forward), systems, a service with its technical description and a submitted version, subscriptions,
 * a rotated credential, users and a session, the signing key, a webhook and the notifications of a maintenance
 * notice, an approved connection request, transaction records, and two messages — one delivered, one still
 * holding its payload. Every change writes its audit event.
 */
async function seedProvince(store: Store): Promise<void> {
  const clock = new ManualClock(START_MS);
  // The version's upstreams are the discard port, where nothing answers: allowed exactly (issue 10).
  const registry = new Registry(store, clock, new EgressPolicy({ allow: ['127.0.0.1:9'] }));
  const lifecycle = new Lifecycle(store, registry, clock);
  const accounts = new Accounts(store, clock, 12, loadConfig({ env: {} }).limits, TEST_KEK);
  await accounts.ensureOperator('mat-khau-thu-nghiem');
  await accounts.login('admin', 'mat-khau-thu-nghiem');
  await ensureSigningKey(store, TEST_KEK, clock.nowMs());
  const provider = await registry.createOrganization(
    {
      code: '000.00.31.H01',
      name: 'Công an tỉnh An Giang',
      contact: {
        name: 'Trần Thị Bình',
        title: 'Phó phòng',
        phone: '0296 3852 000',
        email: 'pc06@angiang.gov.vn',
      },
    },
    'usr_a',
  );
  clock.advance(1000);
  const consumer = await registry.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 'usr_a');
  clock.advance(1000);
  const ubnd = await registry.createOrganization(
    { code: '000.00.01.H01', name: 'UBND tỉnh An Giang' },
    'usr_a',
  );
  await registry.updateOrganization(provider.id, { parentId: ubnd.id }, 'usr_a');
  await registry.updateOrganization(consumer.id, { parentId: ubnd.id }, 'usr_a');
  const providerSystem = await registry.createSystem(
    { organizationId: provider.id, name: 'CSDL Dân cư tỉnh', isProvider: true, isConsumer: false },
    'usr_a',
  );
  const consumerSystem = await registry.createSystem(
    { organizationId: consumer.id, name: 'Hệ thống Hộ tịch', isProvider: false, isConsumer: true },
    'usr_a',
  );
  const service = await registry.createService(
    {
      context: 'dancu',
      name: 'Tra cứu công dân',
      providerSystemId: providerSystem.id,
      description: FULL_DESCRIPTION,
    },
    'usr_a',
  );
  const version = await registry.createVersion(
    service.id,
    {
      version: '1.0',
      upstreams: { sandbox: 'http://127.0.0.1:9/sandbox', production: 'http://127.0.0.1:9/api' },
      resources: [
        { method: 'GET', path: '/congdan/{soDinhDanh}' },
        { method: 'POST', path: '/hoso' },
      ],
    },
    'usr_a',
  );
  await lifecycle.submitVersion(
    version.id,
    { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
    'usr_a',
  );
  await registry.createSubscription(
    {
      systemId: consumerSystem.id,
      versionId: version.id,
      environment: 'sandbox',
      quotaPerMinute: 60,
      quotaPerDay: 5000,
    },
    'usr_a',
  );
  const credential = await registry.issueCredential(consumerSystem.id, 'sandbox', 'usr_a');
  clock.advance(60_000);
  await lifecycle.rotateCredential(credential.id, 72, 'usr_a');
  await createWebhookEndpoint(
    store,
    clock,
    TEST_KEK,
    {
      organizationId: consumer.id,
      url: 'https://hotich.angiang.gov.vn/lgsp-webhook',
      events: ['notice.maintenance'],
    },
    'usr_a',
  );
  await lifecycle.announceMaintenance(
    {
      serviceId: service.id,
      startsAt: new Date(START_MS + 7 * 86_400_000).toISOString(),
      endsAt: new Date(START_MS + 7 * 86_400_000 + 7_200_000).toISOString(),
      title: 'Bảo trì CSDL Dân cư',
      body: 'Tạm dừng dịch vụ tra cứu công dân trong 2 giờ.',
    },
    'usr_a',
  );
  const requests = new ConnectionRequests(store, registry);
  const request = await requests.submit(
    {
      organizationId: consumer.id,
      systemName: 'Phần mềm một cửa',
      isProvider: false,
      isConsumer: true,
      purpose: 'Tra cứu thông tin công dân khi giải quyết thủ tục',
      scopeOfUse: 'Bộ phận một cửa của Sở',
      contact: {
        name: 'Lê Văn Cường',
        title: 'Chuyên viên',
        phone: '0296 3000 111',
        email: 'stp@angiang.gov.vn',
      },
      letterNumber: '123/STP-VP',
    },
    'usr_a',
  );
  await requests.approve(request.id, 'usr_a', 'Đồng ý');
  for (let i = 0; i < TRANSACTIONS; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(TRANSACTIONS, i + 1000); j++) batch.push(record(j, START_MS + j * 1000));
    await insertTransactions(store, batch);
  }
  const queue = new EmbeddedQueue(store, testCipher());
  const message = (n: number) => ({
    id: newId('msg', START_MS + n),
    sourceSystemId: consumerSystem.id,
    destinationVersionId: version.id,
    environment: 'production' as const,
    idempotencyKey: `key-${n}`,
    contentType: 'application/json',
    acceptedAtMs: START_MS + n,
    expiresAtMs: START_MS + 86_400_000,
  });
  await queue.enqueue(message(1), Readable.from([Buffer.from('{"daGiao":true}')]));
  const [claim] = await queue.claim({ nowMs: START_MS + 10, limit: 1, leaseMs: 60_000 });
  assert.ok(claim, 'the first message is claimed');
  await queue.ack(claim, START_MS + 20);
  await queue.enqueue(
    message(2),
    Readable.from([Buffer.from(`{"hoTen":"Nguyễn Văn A","ghiChu":"${PAYLOAD_MARKER}"}`)]),
  );
}

/** Every table's rows as to_jsonb text, ordered by primary key — found from the catalogue, not from a list. */
async function dump(store: Store): Promise<Map<string, string[]>> {
  return store.db.transaction().execute(async (trx) => {
    await sql`SET LOCAL TIME ZONE 'UTC'`.execute(trx);
    const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
      ORDER BY table_name`.execute(trx);
    const out = new Map<string, string[]>();
    for (const { name } of tables.rows) {
      const keys = await sql<{ column: string }>`SELECT k.column_name AS column
        FROM information_schema.table_constraints t
        JOIN information_schema.key_column_usage k ON k.constraint_schema = t.constraint_schema
          AND k.constraint_name = t.constraint_name AND k.table_name = t.table_name
        WHERE t.table_schema = 'public' AND t.table_name = ${name} AND t.constraint_type = 'PRIMARY KEY'
        ORDER BY k.ordinal_position`.execute(trx);
      const order =
        keys.rows.length > 0
          ? sql`ORDER BY ${sql.join(keys.rows.map((k) => sql.ref(`r.${k.column}`)))}`
          : sql`ORDER BY 1`;
      const rows = await sql<{
        r: string;
      }>`SELECT to_jsonb(r)::text AS r FROM ${sql.table(name)} AS r ${order}`.execute(trx);
      out.set(
        name,
        rows.rows.map((x) => x.r),
      );
    }
    return out;
  });
}

async function migrations(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('schema_migrations').select('version').orderBy('version').execute()).map(
    (r) => r.version,
  );
}

/**
 * The source as the target must look after restore: message payloads are never restored, and a message that still
 * had one comes back dead, without it, saying why (R-02).
 */
function expectedAfterRestore(source: Map<string, string[]>): Map<string, Json[]> {
  const out = new Map<string, Json[]>();
  for (const [table, rows] of source) {
    const parsed = rows.map((r) => JSON.parse(r) as Json);
    if (table === 'message_payloads') out.set(table, []);
    else if (table === 'messages') {
      out.set(
        table,
        parsed.map((m) =>
          m['has_payload']
            ? {
                ...m,
                state: 'dead',
                has_payload: false,
                claim_token: null,
                lease_until: null,
                last_error: RESTORED_WITHOUT_PAYLOAD,
              }
            : m,
        ),
      );
    } else out.set(table, parsed);
  }
  return out;
}

function parsed(dumped: Map<string, string[]>): Map<string, Json[]> {
  return new Map([...dumped].map(([table, rows]) => [table, rows.map((r) => JSON.parse(r) as Json)]));
}

async function backupToBuffer(store: Store): Promise<{ file: Buffer; summary: BackupSummary }> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  const summary = await writeBackup(store, sink, { now: new Date(START_MS + 86_400_000) });
  return { file: Buffer.concat(chunks), summary };
}

/** The target holds only what the migrations put there. */
async function assertEmpty(store: Store): Promise<void> {
  for (const [table, rows] of await dump(store)) {
    if (table === 'config_state')
      assert.deepEqual(
        rows.map((r) => JSON.parse(r)),
        [{ id: 1, revision: 1 }],
      );
    else assert.deepEqual(rows, [], `${table} is empty`);
  }
}

function refusedWith(code: string, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof BackupError, String(err));
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

for (const kind of storeKinds) {
  describe(`backup and restore (${kind})`, () => {
    let source: TestStore;
    let sourceDump: Map<string, string[]>;
    let backup: { file: Buffer; summary: BackupSummary };

    before(async () => {
      source = await openTestStore(kind);
      await seedProvince(source.store);
      sourceDump = await dump(source.store);
      backup = await backupToBuffer(source.store);
    });
    after(() => source.dispose());

    test('backup then restore into an empty store gives the same registry and records', async () => {
      const target = await openTestStore(kind);
      try {
        const restored = await restoreBackup(target.store, Readable.from([backup.file]));
        const after = await dump(target.store);
        assert.deepEqual([...after.keys()], [...sourceDump.keys()], 'the same tables');
        assert.deepEqual(parsed(after), expectedAfterRestore(sourceDump));
        // Exact, not merely equal after parsing: the same text, microseconds and all, for every other table.
        for (const [table, rows] of sourceDump) {
          if (table !== 'messages' && table !== 'message_payloads')
            assert.deepEqual(after.get(table), rows, table);
        }
        assert.equal(after.get('transactions')!.length, TRANSACTIONS);
        assert.ok(
          sourceDump.get('organizations')!.length >= 3 && sourceDump.get('notifications')!.length >= 1,
          "sourceDump.get('organizations')!.length >= 3 && sourceDump.get('notifications')!.length...",
        );
        assert.deepEqual(await migrations(target.store), await migrations(source.store));
        assert.equal(restored.rows, backup.summary.rows);
        assert.equal(restored.sha256, backup.summary.sha256);
        assert.deepEqual(
          restored.fixUps.map((f) => [f.table, f.rows]),
          [['messages', 1]],
        );
        // The config revision is kept (gateways see it move and reload) and the audit trail still verifies.
        const [sourceChain, targetChain] = [
          await verifyAuditChain(source.store),
          await verifyAuditChain(target.store),
        ];
        assert.equal(targetChain.ok, true, JSON.stringify(targetChain));
        assert.deepEqual(targetChain, sourceChain);
        assert.ok(targetChain.count > 10, 'targetChain.count > 10');
        // The restored store is the platform's store: the next change continues the chain.
        await new Registry(target.store, new ManualClock(START_MS + 2 * 86_400_000)).createOrganization(
          { code: '000.00.44.H01', name: 'Sở Y tế' },
          'usr_b',
        );
        const next = await verifyAuditChain(target.store);
        assert.equal(next.ok, true, JSON.stringify(next));
        assert.equal(next.count, targetChain.count + 1);
      } finally {
        await target.dispose();
      }
    });

    test('the file: a header, sections, a trailer; no payload of an undelivered message in it (R-02)', async () => {
      const text = gunzipSync(backup.file).toString('utf8');
      assert.equal(text.includes(PAYLOAD_MARKER), false, 'the payload is not in the backup');
      assert.equal(text.includes(Buffer.from(PAYLOAD_MARKER).toString('base64').slice(0, 16)), false);
      const lines = text.split('\n');
      assert.equal(lines.pop(), '', 'ends with a newline');
      const header = JSON.parse(lines[0]!);
      assert.equal(header.format, 'openlgsp-backup');
      assert.equal(header.formatVersion, 1);
      assert.equal(header.store, kind);
      assert.equal(header.createdAt, new Date(START_MS + 86_400_000).toISOString());
      assert.deepEqual(header.migrations, await migrations(source.store));
      assert.equal(
        header.tables.some(
          (t: { name: string }) => t.name === 'message_payloads' || t.name === 'schema_migrations',
        ),
        false,
      );
      assert.deepEqual(
        header.excluded.map((e: { name: string; rows: number }) => [e.name, e.rows]),
        [['message_payloads', 1]],
      );
      for (const t of header.tables) assert.equal(t.rows, sourceDump.get(t.name)!.length, t.name);
      // Parents before children: every table's foreign keys point to tables restored before it.
      const order = header.tables.map((t: { name: string }) => t.name);
      assert.ok(
        order.indexOf('organizations') < order.indexOf('systems'),
        "order.indexOf('organizations') < order.indexOf('systems')",
      );
      assert.ok(
        order.indexOf('service_versions') < order.indexOf('subscriptions'),
        "order.indexOf('service_versions') < order.indexOf('subscriptions')",
      );
      const trailer = JSON.parse(lines.at(-1)!);
      assert.equal(trailer.end, 'openlgsp-backup');
      assert.equal(trailer.rows, backup.summary.rows);
      const covered = text.slice(0, text.length - lines.at(-1)!.length - 1);
      const { createHash } = await import('node:crypto');
      assert.equal(trailer.sha256, createHash('sha256').update(covered, 'utf8').digest('hex'));
      assert.equal(backup.summary.bytes, backup.file.length);
      const row = JSON.parse(lines.find((l) => l.includes('"revision"') && l.startsWith('{"at"'))!);
      assert.match(row.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/, 'timestamps in ISO 8601, UTC');
    });

    test('restore into a store that is not empty is refused and changes nothing', async () => {
      const target = await openTestStore(kind);
      try {
        await new Registry(target.store, new ManualClock(START_MS)).createOrganization(
          { code: '000.00.99.H01', name: 'Đã có dữ liệu' },
          'usr_x',
        );
        const before = await dump(target.store);
        await assert.rejects(
          restoreBackup(target.store, Readable.from([backup.file])),
          refusedWith(
            'LGSP_RESTORE_NOT_EMPTY',
            /dùng kho dữ liệu trống.*use an empty data dir or database.*organizations/s,
          ),
        );
        assert.deepEqual(await dump(target.store), before);
      } finally {
        await target.dispose();
      }
    });

    test('a truncated, altered or foreign file is refused and the target stays empty', async () => {
      const target = await openTestStore(kind);
      try {
        const text = gunzipSync(backup.file).toString('utf8');
        const lines = text.split('\n').slice(0, -1);
        const damaged: Array<[string, Buffer, RegExp]> = [
          [
            'cut in half',
            backup.file.subarray(0, Math.floor(backup.file.length / 2)),
            /cannot decompress|ends early|incomplete/,
          ],
          ['cut before its trailer', gzipSync(`${lines.slice(0, -1).join('\n')}\n`), /ends early/],
          // Every row goes in before the trailer is read: the rollback is what keeps the target empty.
          [
            'one row altered',
            gzipSync(text.replace('"name": "Sở Tư pháp"', '"name": "Sở Tư pháp (sửa)"')),
            /SHA-256 mismatch/,
          ],
          [
            'a row line dropped',
            gzipSync(text.replace(/\n\{"at"[^\n]*/, '')),
            /cannot restore table audit_events/,
          ],
          ['not gzip', Buffer.from(text), /cannot decompress/],
          ['not a backup', gzipSync('{"hello":"world"}\n'), /not an OpenLGSP backup/],
          ['something after the trailer', gzipSync(`${text}{"x":1}\n`), /data after the trailer/],
        ];
        assert.ok(text.includes('"name": "Sở Tư pháp"'), 'the altered test finds its row');
        for (const [what, file, reason] of damaged) {
          await assert.rejects(
            restoreBackup(target.store, Readable.from([file])),
            refusedWith('LGSP_BACKUP_INVALID', reason),
            what,
          );
          await assertEmpty(target.store);
        }
        // Still usable: the intact file restores into the same store afterwards.
        await restoreBackup(target.store, Readable.from([backup.file]));
        assert.deepEqual(parsed(await dump(target.store)), expectedAfterRestore(sourceDump));
      } finally {
        await target.dispose();
      }
    });

    test('restore needs the same migrations as the backup', async () => {
      const target = await openTestStore(kind);
      try {
        const text = gunzipSync(backup.file).toString('utf8');
        const lines = text.split('\n');
        const header = JSON.parse(lines[0]!);
        header.migrations = header.migrations.slice(0, -1);
        lines[0] = JSON.stringify(header);
        await assert.rejects(
          restoreBackup(target.store, Readable.from([gzipSync(lines.join('\n'))])),
          refusedWith('LGSP_RESTORE_SCHEMA_MISMATCH', /different schema version/),
        );
        await assertEmpty(target.store);
      } finally {
        await target.dispose();
      }
    });

    test('tables found from the catalogue: bytea, numeric, identity and serial columns, generated columns, a self-reference across batches', async () => {
      // Two tables no migration has: backed up and restored because they are in the schema, not in a list.
      const ddl = `CREATE TABLE backup_test_tree (
          id serial PRIMARY KEY, parent_id integer REFERENCES backup_test_tree (id), data bytea, tags text[],
          amount numeric, big bigint, doubled integer GENERATED ALWAYS AS (id * 2) STORED);
        CREATE TABLE backup_test_leaf (
          id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tree_id integer NOT NULL REFERENCES backup_test_tree (id));`;
      const from = await openTestStore(kind);
      const into = await openTestStore(kind);
      try {
        await from.store.execScript(ddl);
        await into.store.execScript(ddl);
        // Each row's parent is inserted after it, so any batch boundary splits children from parents.
        await from.store.execScript(`
          INSERT INTO backup_test_tree (data, tags, amount, big)
            SELECT decode(repeat('00ff0a0d5c22', g), 'hex'), ARRAY['a,b', NULL, 'x"y', 'Việt'], 1234567890.123456789,
              9007199254740993 + g FROM generate_series(1, 10) AS g;
          UPDATE backup_test_tree SET parent_id = id + 1 WHERE id < 10;
          INSERT INTO backup_test_leaf (tree_id) SELECT id FROM backup_test_tree;
          DELETE FROM backup_test_leaf WHERE id = 3;`);
        const file = (await backupToBuffer(from.store)).file;
        await restoreBackup(into.store, Readable.from([file]), { batchRows: 2 });
        const [a, b] = [await dump(from.store), await dump(into.store)];
        assert.deepEqual(b.get('backup_test_tree'), a.get('backup_test_tree'));
        assert.deepEqual(b.get('backup_test_leaf'), a.get('backup_test_leaf'));
        assert.equal(a.get('backup_test_tree')!.length, 10);
        assert.match(a.get('backup_test_tree')![1]!, /9007199254740995/, 'bigint beyond 2^53, exact');
        // The sequences continue after the restored rows.
        await into.store.execScript(`INSERT INTO backup_test_tree (tags) VALUES ('{x}')`);
        await into.store.execScript('INSERT INTO backup_test_leaf (tree_id) VALUES (1)');
        const ids = await sql<{
          tree: number;
          leaf: number;
        }>`SELECT (SELECT max(id) FROM backup_test_tree) AS tree,
          (SELECT max(id) FROM backup_test_leaf) AS leaf`.execute(into.store.db);
        assert.deepEqual(ids.rows[0], { tree: 11, leaf: 11 });
      } finally {
        await from.dispose();
        await into.dispose();
      }
    });
  });
}

if (testDatabaseUrl) {
  describe('on PostgreSQL (LGSP_TEST_DATABASE_URL)', () => {
    test('on PostgreSQL a backup is one consistent snapshot while the platform keeps writing', async () => {
      const live = await openTestStore('postgres');
      const into = await openTestStore('postgres');
      try {
        await seedProvince(live.store);
        // Enough rows that the backup is still reading when its output first reaches the (slow) file.
        for (let i = 0; i < 30_000; i += 1000) {
          await insertTransactions(
            live.store,
            Array.from({ length: 1000 }, (_, j) => record(TRANSACTIONS + i + j, START_MS - 1e9 + i + j)),
          );
        }
        const before = await dump(live.store);
        const registry = new Registry(live.store, new ManualClock(START_MS + 3 * 86_400_000));
        const org = JSON.parse(before.get('organizations')![0]!).id as string;
        let writes: Promise<void> | undefined;
        const chunks: Buffer[] = [];
        const sink = new Writable({
          write(chunk: Buffer, _encoding, done) {
            chunks.push(chunk);
            // Changes committed meanwhile: audit_events and config_state were read already, systems not yet.
            writes ??= (async () => {
              for (let i = 0; i < 3; i++) {
                await registry.createSystem(
                  { organizationId: org, name: `Hệ thống mới ${i}`, isProvider: false, isConsumer: true },
                  'usr_c',
                );
              }
              await insertTransactions(live.store, [record(99_999, START_MS + 1e9)]);
            })();
            writes.then(() => done(), done);
          },
        });
        await writeBackup(live.store, sink);
        assert.ok(writes, 'the writes ran during the backup');
        assert.notDeepEqual(await dump(live.store), before, 'the platform did write');
        await restoreBackup(into.store, Readable.from([Buffer.concat(chunks)]));
        assert.deepEqual(parsed(await dump(into.store)), expectedAfterRestore(before));
        assert.equal((await verifyAuditChain(into.store)).ok, true);
      } finally {
        await live.dispose();
        await into.dispose();
      }
    });

    test('a PGlite backup restores into an empty PostgreSQL database, the same registry and records', async () => {
      const source = await openTestStore('pglite');
      const target = await openTestStore('postgres');
      try {
        await seedProvince(source.store);
        const { file } = await backupToBuffer(source.store);
        const restored = await restoreBackup(target.store, Readable.from([file]));
        assert.equal(restored.sourceStore, 'pglite');
        assert.deepEqual(parsed(await dump(target.store)), expectedAfterRestore(await dump(source.store)));
        assert.deepEqual(await verifyAuditChain(target.store), await verifyAuditChain(source.store));
      } finally {
        await source.dispose();
        await target.dispose();
      }
    });
  });
}

describe('lgsp backup / lgsp restore (from the platform configuration; the first as a child process)', () => {
  let work: string;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('LGSP_')),
  ) as Record<string, string>;

  /** `lgsp` as a user runs it, in its own process and working directory. */
  function lgspProcess(
    args: string[],
    settings: Record<string, string>,
  ): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'lgsp.mjs'), ...args], {
        cwd: work,
        env: { ...env, ...settings },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, out, err }));
    });
  }

  /**
   * The other commands run in this process (issue 9: one node start per command made this suite slow);
   * `settings` is all the command sees of the environment, as the child is given no other LGSP_* setting.
   */
  const lgsp = (args: string[], settings: Record<string, string>) => runCli(args, settings);

  async function dumpDir(dir: string): Promise<Map<string, string[]>> {
    const store = await PgliteStore.open(dir);
    try {
      return await dump(store);
    } finally {
      await store.close();
    }
  }

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lgsp-backup-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  // A child process that never ends is how this could hang: a limit, generous for a busy machine.
  test('backup a stopped embedded store, restore it into a new data dir; refusals name the fix', {
    timeout: 300_000,
  }, async () => {
    const dirA = join(work, 'data-a');
    const dirB = join(work, 'data-b');
    const seeded = await PgliteStore.open(dirA, { loadDataDir: await migratedTemplate() });
    await migrate(seeded);
    await seedProvince(seeded);
    await seeded.close();

    // Default name in the current directory, owner-only, nothing partial left beside it.
    const made = await lgspProcess(['backup'], { LGSP_DATA_DIR: dirA });
    assert.equal(made.code, 0, made.err);
    const names = readdirSync(work).filter((f) => f.startsWith('lgsp-backup-'));
    assert.equal(names.length, 1, names.join(', '));
    assert.match(names[0]!, /^lgsp-backup-\d{8}T\d{6}Z\.jsonl\.gz$/);
    const file = join(work, names[0]!);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(made.out, /^Đã sao lưu \/ Backup written: /);
    assert.match(made.out, /SHA-256\s+[0-9a-f]{64}/);
    // The size Vietnamese first (1.280 byte (1,3 KiB) / 1,280 bytes (1.3 KiB)), as the console writes it.
    assert.match(made.out, /Kích thước \/ Size\s+[\d.]+ byte \([\d,]+ [KM]iB\) \/ [\d,]+ bytes \(/);
    assert.match(made.out, /message_payloads: 1 bản ghi\/rows — R-02/);
    assert.equal(gunzipSync(readFileSync(file)).includes(PAYLOAD_MARKER), false);

    // A mistyped data dir is not a store to back up: refused, and not created.
    const nowhere = await lgsp(['backup', '--out', join(work, 'y.jsonl.gz')], {
      LGSP_DATA_DIR: join(work, 'typo'),
    });
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.err, /^Không có kho dữ liệu LGSP ở \/ No LGSP store at: PGlite /);
    assert.equal(readdirSync(work).includes('typo'), false);

    const again = await lgsp(['backup', '--out', file], { LGSP_DATA_DIR: dirA });
    assert.equal(again.code, 1);
    assert.match(again.err, /The file exists and is not overwritten/);

    const restored = await lgsp(['restore', '--from', file, '--json'], { LGSP_DATA_DIR: dirB });
    assert.equal(restored.code, 0, restored.err);
    const summary = JSON.parse(restored.out);
    assert.equal(summary.auditChain.ok, true);
    assert.deepEqual(
      summary.fixUps.map((f: { table: string; rows: number }) => [f.table, f.rows]),
      [['messages', 1]],
    );
    // What the backed-up store holds, read once: it is not written again (the open store below only holds its lock).
    const dumpA = await dumpDir(dirA);
    assert.deepEqual(parsed(await dumpDir(dirB)), expectedAfterRestore(dumpA));

    const twice = await lgsp(['restore', '--from', file], { LGSP_DATA_DIR: dirB });
    assert.equal(twice.code, 1);
    assert.match(twice.err, /^Không khôi phục được; kho đích không bị thay đổi \/ Restore refused/);
    assert.match(twice.err, /dùng kho dữ liệu trống/);
    assert.match(twice.err, /use an empty data dir or database/);
    assert.match(twice.err, /LGSP_RESTORE_NOT_EMPTY/);

    const truncated = join(work, 'cut.jsonl.gz');
    writeFileSync(truncated, readFileSync(file).subarray(0, 200));
    // Into a migrated, empty store (no initdb, ≈ 2.7 CPU-s): the restore into a new data dir is data-b's above.
    const cut = await lgsp(['restore', '--from', truncated], {
      LGSP_DATA_DIR: await withMigratedStore(join(work, 'data-c')),
    });
    assert.equal(cut.code, 1);
    assert.match(cut.err, /LGSP_BACKUP_INVALID/);

    // The embedded store has one owner: while a process holds it, both commands say to stop the platform first.
    const running = await PgliteStore.open(dirA);
    try {
      const locked = await lgsp(['backup', '--out', join(work, 'x.jsonl.gz')], { LGSP_DATA_DIR: dirA });
      assert.equal(locked.code, 1);
      assert.match(locked.err, /^Sao lưu và khôi phục kho nhúng \(PGlite\) chỉ chạy khi nền tảng đã dừng/);
      assert.match(locked.err, /run only while the platform is stopped/);
      assert.match(locked.err, new RegExp(`in use by another process \\(pid ${process.pid}\\)`));
      assert.deepEqual(
        readdirSync(work).filter((f) => f.startsWith('x.jsonl.gz')),
        [],
        'no file, not even a partial one',
      );
    } finally {
      await running.close();
    }

    if (testDatabaseUrl) {
      // The move from the embedded store to PostgreSQL, as an operator makes it.
      const db = await createTestDatabase();
      try {
        const empty = await lgsp(['backup', '--out', join(work, 'z.jsonl.gz')], {
          LGSP_DATABASE_URL: db.url,
        });
        assert.equal(empty.code, 1, 'a database without an LGSP store is not backed up (nor migrated)');
        assert.match(empty.err, /No LGSP store at: PostgreSQL /);
        const moved = await lgsp(['restore', '--from', file], { LGSP_DATABASE_URL: db.url });
        assert.equal(moved.code, 0, moved.err);
        assert.match(moved.out, /Vào kho \/ Into\s+PostgreSQL /);
        const pg = await PostgresStore.open(db.url);
        try {
          assert.deepEqual(parsed(await dump(pg)), expectedAfterRestore(dumpA));
        } finally {
          await pg.close();
        }
      } finally {
        await db.drop();
      }
    }
  });
});

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import {
  type AuditDatabase,
  auditEventHash,
  auditRowContent,
  recordChange,
  sealUnchainedAuditEvents,
} from '../src/control/audit.ts';
import { type AuditChainResult, verifyAuditChain } from '../src/control/audit-verify.ts';
import { Registry } from '../src/control/registry/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { GENESIS_HASH } from '../src/core/hashing.ts';
import { listMigrations, migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import type { Store } from '../src/store/port.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';
import { runCli } from './helpers/cli.ts';
import { startDemo } from './helpers/demo-process.ts';
import {
  createTestDatabase,
  openTestStore,
  pgliteTemplate,
  storeKinds,
  type TestStore,
  withMigratedStore,
} from './helpers/stores.ts';

const START_MS = Date.parse('2025-03-01T02:00:00Z');

const chain = (store: Store) => store.db as unknown as Kysely<AuditDatabase>;

/** Seven changes through the registry, as the platform makes them (R-20: each writes its audit event). */
async function makeChanges(store: Store, clock = new ManualClock(START_MS)): Promise<number> {
  const registry = new Registry(store, clock);
  const org = await registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'usr_a');
  clock.advance(1000);
  await registry.updateOrganization(
    org.id,
    { contact: { name: 'Nguyễn Văn A', email: 'a@x.gov.vn' } },
    'usr_a',
  );
  clock.advance(1000);
  const provider = await registry.createSystem(
    { organizationId: org.id, name: 'CSDL Hộ tịch', isProvider: true, isConsumer: false },
    'usr_a',
  );
  const consumer = await registry.createSystem(
    { organizationId: org.id, name: 'Cổng DVC', isProvider: false, isConsumer: true },
    'usr_b',
  );
  clock.advance(1000);
  await registry.updateSystem(consumer.id, { status: 'suspended' }, 'usr_b');
  await registry.updateSystem(consumer.id, { status: 'active' }, 'usr_b');
  await registry.createService(
    { context: 'hotich', name: 'Hộ tịch', providerSystemId: provider.id },
    'usr_a',
  );
  return 7;
}

async function rows(store: Store) {
  return chain(store)
    .selectFrom('audit_events')
    .select(['id', 'seq', 'prev_hash', 'hash'])
    .orderBy('seq')
    .execute();
}

function assertBroken(
  result: AuditChainResult,
  seq: number,
  id: string,
  reason: RegExp,
  intact = seq - 1,
): void {
  assert.equal(result.ok, false, JSON.stringify(result));
  if (result.ok) return;
  assert.equal(result.brokenAt.seq, seq, JSON.stringify(result));
  assert.equal(result.brokenAt.id, id);
  assert.match(result.brokenAt.reason, reason);
  assert.equal(result.count, intact, 'the events before the break are intact');
}

for (const kind of storeKinds) {
  describe(`audit hash chain (${kind})`, () => {
    let t: TestStore;
    beforeEach(async () => {
      t = await openTestStore(kind);
    });
    afterEach(() => t.dispose());

    test('changes through the registry form one chain from the genesis value; verify passes', async () => {
      const n = await makeChanges(t.store);
      const chained = await rows(t.store);
      assert.deepEqual(
        chained.map((r) => r.seq),
        Array.from({ length: n }, (_, i) => i + 1),
      );
      assert.equal(chained[0]!.prev_hash, GENESIS_HASH);
      for (let i = 1; i < chained.length; i++) assert.equal(chained[i]!.prev_hash, chained[i - 1]!.hash);
      for (const r of chained) assert.match(r.hash ?? '', /^[0-9a-f]{64}$/);
      assert.deepEqual(await verifyAuditChain(t.store), {
        ok: true,
        count: n,
        lastHash: chained.at(-1)!.hash,
      });
    });

    test('an empty trail verifies, with no last hash', async () => {
      assert.deepEqual(await verifyAuditChain(t.store), { ok: true, count: 0, lastHash: null });
    });

    test('details in any key order, with nested values, undefined members and dates verify', async () => {
      await t.store.db.transaction().execute((trx) =>
        recordChange(
          trx,
          {
            actor: 'usr_a',
            action: 'test.shape',
            objectType: 'test',
            objectId: 'x',
            details: {
              zeta: 1,
              alpha: { delta: [3, { y: 'ý', x: null }], charlie: 1.5 },
              gone: undefined,
              when: new Date(START_MS),
              big: 12345678901234,
              text: 'Sở "Tư pháp"\n\u00e0',
            },
          },
          START_MS,
        ),
      );
      assert.equal((await verifyAuditChain(t.store)).ok, true);
    });

    test('a row whose details were changed breaks the chain at exactly that row', async () => {
      await makeChanges(t.store);
      const target = (await rows(t.store))[2]!;
      await sql`UPDATE audit_events SET details = '{"code":"000.00.99.H01"}'::jsonb WHERE seq = 3`.execute(
        t.store.db,
      );
      assertBroken(await verifyAuditChain(t.store), 3, target.id, /content does not match its hash/);
    });

    test('a deleted middle row breaks the chain at the row after the gap', async () => {
      await makeChanges(t.store);
      const after = (await rows(t.store))[4]!;
      await sql`DELETE FROM audit_events WHERE seq = 4`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), 5, after.id, /#4 just before it is missing/, 3);
    });

    test("the last row's actor changed breaks the chain there", async () => {
      const n = await makeChanges(t.store);
      const last = (await rows(t.store)).at(-1)!;
      await sql`UPDATE audit_events SET actor = 'usr_mallory' WHERE seq = ${n}`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), n, last.id, /content does not match/);
    });

    test('a rewritten hash or link breaks the chain at that row; a consistently rewritten row at the next', async () => {
      await makeChanges(t.store);
      const [, second, third] = await rows(t.store);
      const restore = sql`UPDATE audit_events SET hash = ${second!.hash}, prev_hash = ${second!.prev_hash} WHERE seq = 2`;

      await sql`UPDATE audit_events SET hash = ${'f'.repeat(64)} WHERE seq = 2`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), 2, second!.id, /content does not match/);
      await restore.execute(t.store.db);

      await sql`UPDATE audit_events SET prev_hash = ${'e'.repeat(64)} WHERE seq = 2`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), 2, second!.id, /prev_hash does not match the hash of #1/);
      await restore.execute(t.store.db);

      // Changing a row and recomputing its own hash still leaves the next row linked to the old hash.
      await sql`UPDATE audit_events SET actor = 'usr_mallory' WHERE seq = 2`.execute(t.store.db);
      const changed = await chain(t.store)
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '=', 2)
        .executeTakeFirstOrThrow();
      const rehashed = auditEventHash(changed.prev_hash!, auditRowContent(changed));
      await sql`UPDATE audit_events SET hash = ${rehashed} WHERE seq = 2`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), 3, third!.id, /prev_hash does not match the hash of #2/);
    });

    test('deleting the newest events shows: the config revision is ahead of the trail', async () => {
      const n = await makeChanges(t.store);
      await sql`DELETE FROM audit_events WHERE seq >= ${n - 1}`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), n - 1, '', /has no audit event/);
    });

    test('no event enters outside the chain: seq is required, a forged link is caught', async () => {
      const n = await makeChanges(t.store);
      await assert.rejects(
        sql`INSERT INTO audit_events (id, at, actor, action, object_type, object_id, details, revision)
            VALUES ('evt_forged', now(), 'usr_a', 'x', 'x', 'x', '{}', 99)`.execute(t.store.db),
      );
      await sql`INSERT INTO audit_events (id, at, actor, action, object_type, object_id, details, revision, seq,
            prev_hash, hash) VALUES ('evt_forged', now(), 'usr_a', 'x', 'x', 'x', '{}', 99, ${n + 1},
            ${'0'.repeat(64)}, ${'1'.repeat(64)})`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), n + 1, 'evt_forged', /prev_hash does not match/);
    });

    test('verify reads in pages: a trail longer than one page verifies, and a break beyond it is found', async () => {
      const registry = new Registry(t.store, new ManualClock(START_MS));
      const org = await registry.createOrganization({ code: '000.00.32.H01', name: 'Sở Y tế' }, 'usr_a');
      // 1,204 events written in bulk (fast), chained as recordChange would, then one real change on top.
      const first = (await rows(t.store))[0]!;
      let prev = first.hash!;
      const values = [];
      for (let seq = 2; seq <= 1205; seq++) {
        const content = {
          seq,
          id: `evt_bulk${String(seq).padStart(5, '0')}`,
          at: new Date(START_MS + seq).toISOString(),
          actor: 'usr_a',
          action: 'organization.update',
          objectType: 'organization',
          objectId: org.id,
          details: { n: seq },
          revision: seq + 1,
        };
        const hash = auditEventHash(prev, content);
        values.push({
          id: content.id,
          at: content.at,
          actor: content.actor,
          action: content.action,
          object_type: content.objectType,
          object_id: content.objectId,
          details: JSON.stringify(content.details),
          revision: content.revision,
          seq,
          prev_hash: prev,
          hash,
        });
        prev = hash;
      }
      for (let i = 0; i < values.length; i += 400) {
        await chain(t.store)
          .insertInto('audit_events')
          .values(values.slice(i, i + 400))
          .execute();
      }
      await sql`UPDATE config_state SET revision = 1206`.execute(t.store.db);
      await registry.updateOrganization(org.id, { name: 'Sở Y tế tỉnh' }, 'usr_a');
      const result = await verifyAuditChain(t.store);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.count, 1206);
      await sql`UPDATE audit_events SET details = '{"n":0}' WHERE seq = 1100`.execute(t.store.db);
      assertBroken(await verifyAuditChain(t.store), 1100, 'evt_bulk01100', /content does not match/);
    });
  });

  describe(`sealing the events written before the chain existed (${kind})`, () => {
    let store: Store;
    let drop: () => Promise<void> = async () => {};

    /** Migration 0001 only, as an installation before this change, with audit events in it. */
    async function beforeTheChain(at: Store): Promise<void> {
      const foundation = listMigrations().find((m) => m.version === '0001_foundation')!;
      await at.execScript(
        'CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)',
      );
      await at.execScript(
        `${foundation.script}\n;INSERT INTO schema_migrations (version, applied_at) VALUES ('0001_foundation', now());`,
      );
      // Inserted out of order: the migration numbers them by (revision, at, id).
      for (const [id, revision] of [
        ['evt_old_c', 4],
        ['evt_old_a', 2],
        ['evt_old_d', 5],
        ['evt_old_b', 3],
      ] as const) {
        await sql`INSERT INTO audit_events (id, at, actor, action, object_type, object_id, details, revision)
          VALUES (${id}, ${new Date(START_MS + revision * 1000)}, 'usr_old', 'organization.create', 'organization',
          ${`org_${id}`}, ${JSON.stringify({ b: 2, a: [1, { d: 'đ' }] })}::jsonb, ${revision})`.execute(
          at.db,
        );
      }
      await sql`UPDATE config_state SET revision = 5`.execute(at.db);
    }

    /** A store in that state, then migrated to today's schema. */
    beforeEach(async () => {
      if (kind === 'pglite') {
        // Copied from a template made once: a fresh PGlite costs seconds of initdb (issue 9).
        store = await PgliteStore.open('memory://', {
          loadDataDir: await pgliteTemplate('audit-before-chain', beforeTheChain),
        });
      } else {
        const db = await createTestDatabase();
        store = await PostgresStore.open(db.url);
        drop = db.drop;
        await beforeTheChain(store);
      }
      await migrate(store);
    });
    afterEach(async () => {
      await store.close();
      await drop();
    });

    test('the migration numbers old events; sealing hashes them; new changes extend the chain', async () => {
      const numbered = await rows(store);
      assert.deepEqual(
        numbered.map((r) => [r.seq, r.id, r.hash]),
        [
          [1, 'evt_old_a', null],
          [2, 'evt_old_b', null],
          [3, 'evt_old_c', null],
          [4, 'evt_old_d', null],
        ],
      );
      assertBroken(await verifyAuditChain(store), 1, 'evt_old_a', /no hash/);

      assert.equal(await sealUnchainedAuditEvents(store), 4);
      assert.equal(await sealUnchainedAuditEvents(store), 0, 'sealing twice does nothing');
      const sealed = await verifyAuditChain(store);
      assert.equal(sealed.ok, true, JSON.stringify(sealed));
      assert.equal(sealed.count, 4);

      await makeChanges(store);
      const extended = await verifyAuditChain(store);
      assert.equal(extended.ok, true, JSON.stringify(extended));
      assert.equal(extended.count, 11);
      assert.equal((await rows(store))[4]!.prev_hash, (sealed as { lastHash: string }).lastHash);

      // Sealed rows are evidence like the others.
      await sql`UPDATE audit_events SET actor = 'usr_mallory' WHERE seq = 2`.execute(store.db);
      assertBroken(await verifyAuditChain(store), 2, 'evt_old_b', /content does not match/);
    });

    test('a change made before sealing seals the old events first, under its own lock', async () => {
      await makeChanges(store);
      const result = await verifyAuditChain(store);
      assert.equal(result.ok, true, JSON.stringify(result));
      assert.equal(result.count, 11);
      assert.equal(await sealUnchainedAuditEvents(store), 0);
    });

    test('a hash removed later in the chain is reported, never re-sealed', async () => {
      await sealUnchainedAuditEvents(store);
      await makeChanges(store);
      const third = (await rows(store))[2]!;
      await sql`UPDATE audit_events SET hash = NULL, actor = 'usr_mallory' WHERE seq = 3`.execute(store.db);
      assert.equal(await sealUnchainedAuditEvents(store), 0);
      assertBroken(await verifyAuditChain(store), 3, third.id, /no hash/);
    });
  });

  describe(`GET /api/v1/audit-events/verify (${kind})`, () => {
    let h: AdminHarness;
    beforeEach(async () => {
      h = await openAdminHarness(kind);
    });
    afterEach(() => h.dispose());

    test('answers the verify result to the operator; a tampered row is named', async () => {
      await seedProvince(h);
      const intact = await h.call('GET', '/api/v1/audit-events/verify');
      assert.equal(intact.statusCode, 200, intact.body);
      const body = intact.json();
      assert.equal(body.ok, true);
      assert.ok(body.count >= 5, 'body.count >= 5');
      assert.match(body.lastHash, /^[0-9a-f]{64}$/);

      await sql`UPDATE audit_events SET details = '{}' WHERE seq = 2`.execute(h.store.db);
      const broken = (await h.call('GET', '/api/v1/audit-events/verify')).json();
      assert.equal(broken.ok, false);
      assert.equal(broken.brokenAt.seq, 2);
      assert.equal(broken.count, 1);

      assert.equal(
        (await h.call('GET', '/api/v1/audit-events/verify', undefined, { token: null })).statusCode,
        401,
      );
    });
  });
}

describe('lgsp audit verify (offline, from the platform configuration)', () => {
  let dir: string;
  let children: ChildProcess[] = [];

  const lgsp = runCli;
  /** A new embedded store in the test's data dir, copied migrated (no initdb). */
  const openMigrated = async () => PgliteStore.open(await withMigratedStore(dir));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lgsp-audit-'));
  });
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
    children = [];
    rmSync(dir, { recursive: true, force: true });
  });

  test('on a stopped embedded store: intact → exit 0; tampered → exit 1 naming the seq', async () => {
    const store = await openMigrated();
    await migrate(store);
    const n = await makeChanges(store);
    await store.close();
    assert.equal(existsSync(join(dir, 'pglite', 'lgsp.lock')), false, 'close removes the lock');

    const intact = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir });
    assert.equal(intact.code, 0, intact.err);
    assert.match(
      intact.out,
      new RegExp(`^Chuỗi nhật ký nguyên vẹn / Audit chain intact: ${n} sự kiện/events\\n`),
    );
    assert.match(intact.out, /Last hash: [0-9a-f]{64}/);
    const json = await lgsp(['audit', 'verify', '--json'], { LGSP_DATA_DIR: dir });
    assert.equal(json.code, 0);
    assert.deepEqual(Object.keys(JSON.parse(json.out)).sort(), ['count', 'lastHash', 'ok']);

    const tamper = await PgliteStore.open(dir);
    const target = (await rows(tamper))[3]!;
    await sql`UPDATE audit_events SET details = '{"name":"Sở Giả"}' WHERE seq = 4`.execute(tamper.db);
    await tamper.close();
    const broken = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir });
    assert.equal(broken.code, 1);
    assert.equal(
      broken.out,
      `Chuỗi nhật ký bị phá vỡ / Audit chain broken at #4 ${target.id}: ` +
        'nội dung không khớp mã băm (đã bị sửa sau khi ghi) / content does not match its hash (changed after it was written)\n',
    );
    const brokenJson = await lgsp(['audit', 'verify', '--json'], { LGSP_DATA_DIR: dir });
    assert.equal(brokenJson.code, 1);
    assert.equal(JSON.parse(brokenJson.out).brokenAt.seq, 4);
  });

  test('while a store is open on the data dir it refuses with the fix, exit 1, and leaves the lock alone', async () => {
    const store = await openMigrated();
    try {
      await migrate(store);
      const run = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir });
      assert.equal(run.code, 1);
      assert.equal(run.out, '');
      assert.match(run.err, /^Không mở được kho dữ liệu \/ Could not open the store: /);
      assert.match(run.err, /Stop it first, or use PostgreSQL \(LGSP_DATABASE_URL\)/);
      assert.match(run.err, /Hãy dừng nó trước/);
      assert.equal(readFileSync(join(dir, 'pglite', 'lgsp.lock'), 'utf8').trim(), String(process.pid));
      // The store still works: nothing was opened twice.
      await makeChanges(store);
    } finally {
      await store.close();
    }
    assert.equal((await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir })).code, 0);
  });

  test("another live process's lock refuses; a dead process's lock is taken over", {
    timeout: 120_000,
  }, async () => {
    const store = await openMigrated();
    await migrate(store);
    await store.close();
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
    children.push(sleeper);
    const lock = join(dir, 'pglite', 'lgsp.lock');
    writeFileSync(lock, `${sleeper.pid}\n`);
    const refused = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir });
    assert.equal(refused.code, 1);
    assert.match(refused.err, new RegExp(`in use by another process \\(pid ${sleeper.pid}\\)`));

    await new Promise((resolve) => {
      sleeper.once('exit', resolve);
      sleeper.kill('SIGKILL');
    });
    const taken = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir });
    assert.equal(taken.code, 0, taken.err);
    assert.equal(existsSync(lock), false);
  });

  test('a configuration problem is reported as such', async () => {
    const run = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir, LGSP_NO_SUCH_SETTING: '1' });
    assert.equal(run.code, 1);
    assert.match(run.err, /LGSP_NO_SUCH_SETTING/);
  });

  for (const kind of storeKinds.filter((k) => k === 'postgres')) {
    test('on PostgreSQL (LGSP_DATABASE_URL)', async () => {
      const t = await openTestStore(kind);
      try {
        const n = await makeChanges(t.store);
        const run = await lgsp(['audit', 'verify'], { LGSP_DATABASE_URL: t.databaseUrl });
        assert.equal(run.code, 0, run.err);
        assert.match(run.out, new RegExp(`Audit chain intact: ${n} sự kiện/events`));
      } finally {
        await t.dispose();
      }
    });
  }

  // A child process that never starts or never stops is the way this fails: a limit, generous for a busy machine.
  test('on the store `lgsp demo` leaves in LGSP_DATA_DIR: refused while it runs, intact once stopped', {
    timeout: 180_000,
  }, async () => {
    // The store is the demo platform's own: its two simulated peers have stores of their own, not in `dir`. Copied
    // migrated (no initdb, ≈ 2.7 CPU-s): what is verified is the chain the demo writes; demo.existing-store.test.ts
    // runs the demo on an empty LGSP_DATA_DIR.
    const demo = await startDemo({ LGSP_DATA_DIR: await withMigratedStore(dir) }, ['--no-federation']);
    let stopped = false;
    try {
      const running = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir });
      assert.equal(running.code, 1, running.err);
      assert.match(running.err, /the platform is running on this data dir/);
      assert.equal(await demo.stop(), 0, demo.output());
      stopped = true;
      const run = await lgsp(['audit', 'verify'], { LGSP_DATA_DIR: dir });
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /Audit chain intact: [1-9]\d* sự kiện\/events/);
    } finally {
      if (!stopped) await demo.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Registry } from '../src/control/registry/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { LgspError } from '../src/core/errors.ts';
import { migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import { isUniqueViolation } from '../src/store/port.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { sampleRecord } from './helpers/records.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

for (const kind of storeKinds) {
  describe(`store contract on ${kind}`, () => {
    let t: TestStore;
    before(async () => {
      t = await openTestStore(kind);
    });
    after(() => t.dispose());

    test('migrations are recorded and applying them again changes nothing', async () => {
      const applied = await t.store.db.selectFrom('schema_migrations').select('version').execute();
      assert.ok(
        applied.some((m) => m.version === '0001_foundation'),
        "applied.some((m) => m.version === '0001_foundation')",
      );
      assert.deepEqual(await migrate(t.store), []);
    });

    test('types come back the same on both stores: int8 as number, timestamptz as Date, jsonb as object', async () => {
      const row = await sql<{
        n: number;
        at: Date;
        j: { a: number };
      }>`SELECT 5::bigint AS n, now() AS at, '{"a":1}'::jsonb AS j`.execute(t.store.db);
      const r = row.rows[0]!;
      assert.equal(r.n, 5);
      assert.ok(r.at instanceof Date, 'r.at instanceof Date');
      assert.deepEqual(r.j, { a: 1 });
    });

    test('a failed transaction leaves nothing; a unique violation is reported as SQLSTATE 23505', async () => {
      const registry = new Registry(t.store, new ManualClock());
      await registry.createOrganization({ code: '000.00.01.H01', name: 'Văn phòng UBND tỉnh' }, 'test');
      const revision = (
        await t.store.db.selectFrom('config_state').select('revision').executeTakeFirstOrThrow()
      ).revision;
      const events = (
        await t.store.db
          .selectFrom('audit_events')
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n;
      await assert.rejects(
        registry.createOrganization({ code: '000.00.01.H01', name: 'Trùng mã' }, 'test'),
        (err: unknown) => err instanceof LgspError && err.code === 'CP_ORGANIZATION_CODE_TAKEN',
      );
      await assert.rejects(
        t.store.db
          .insertInto('organizations')
          .values({
            id: 'org_x',
            code: '000.00.01.H01',
            name: 'x',
            created_at: new Date(),
            updated_at: new Date(),
          })
          .execute(),
        (err: unknown) => isUniqueViolation(err),
      );
      assert.equal(
        (await t.store.db.selectFrom('config_state').select('revision').executeTakeFirstOrThrow()).revision,
        revision,
        'no revision bump',
      );
      assert.equal(
        (
          await t.store.db
            .selectFrom('audit_events')
            .select(sql<number>`count(*)`.as('n'))
            .executeTakeFirstOrThrow()
        ).n,
        events,
        'no audit event',
      );
    });

    test('every registry change writes its audit event with the revision it produced', async () => {
      const registry = new Registry(t.store, new ManualClock());
      const seen: number[] = [];
      registry.onChange((r) => seen.push(r));
      const org = await registry.createOrganization({ code: '000.00.02.H01', name: 'Sở Nội vụ' }, 'usr_test');
      await registry.updateOrganization(
        org.id,
        { contact: { name: 'Ngô Văn Em', email: 'snv@angiang.gov.vn' } },
        'usr_test',
      );
      const events = await registry.listAuditEvents({ objectId: org.id });
      assert.deepEqual(events.map((e) => e.action).sort(), ['organization.create', 'organization.update']);
      assert.deepEqual(events.map((e) => e.revision).sort(), [...seen].sort());
      assert.ok(
        events.every((e) => e.actor === 'usr_test'),
        "events.every((e) => e.actor === 'usr_test')",
      );
    });

    test('queries wait for an open transaction instead of running inside it', async () => {
      let inside = false;
      // The transaction stays open until the outside query has been issued: no fixed pause (issue 9).
      let issued: () => void = () => {};
      const outsideIssued = new Promise<void>((ok) => {
        issued = ok;
      });
      const txn = t.store.db.transaction().execute(async (trx) => {
        inside = true;
        await trx
          .insertInto('organizations')
          .values({
            id: 'org_tx',
            code: '000.00.03.H01',
            name: 'Tạm',
            created_at: new Date(),
            updated_at: new Date(),
          })
          .execute();
        await outsideIssued;
        throw new Error('rollback');
      });
      while (!inside) await new Promise((r) => setTimeout(r, 5));
      const outside = t.store.db
        .selectFrom('organizations')
        .select('id')
        .where('id', '=', 'org_tx')
        .execute();
      issued();
      await assert.rejects(txn);
      assert.deepEqual(await outside, [], 'the rolled-back row was never visible outside');
    });

    test('transaction records: 5,000 in batches, a retried batch does not duplicate, keyset paging', async () => {
      const base = Date.parse('2026-11-01T00:00:00Z');
      const rows = Array.from({ length: 5000 }, (_, i) => sampleRecord(i, base + i * 1000));
      for (let i = 0; i < rows.length; i += 1000) await insertTransactions(t.store, rows.slice(i, i + 1000));
      await insertTransactions(t.store, rows.slice(0, 1000));
      const n = (
        await t.store.db
          .selectFrom('transactions')
          .select(sql<number>`count(*)`.as('n'))
          .executeTakeFirstOrThrow()
      ).n;
      assert.equal(n, 5000);
      const errors = await queryTransactions(t.store, { status: '5xx', limit: 1000 });
      assert.equal(errors.items.length, 500);
      let seen = 0;
      let cursor: string | undefined;
      const ids = new Set<string>();
      do {
        const page = await queryTransactions(t.store, {
          from: '2026-11-01T00:00:00Z',
          to: '2026-11-01T00:30:00Z',
          limit: 400,
          ...(cursor ? { cursor } : {}),
        });
        for (const item of page.items) ids.add(item.id);
        seen += page.items.length;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      assert.equal(seen, 1800);
      assert.equal(ids.size, 1800, 'no row twice across pages');
      await assert.rejects(
        queryTransactions(t.store, { cursor: 'khong-phai-con-tro' }),
        (err: unknown) => err instanceof LgspError && err.code === 'API_VALIDATION_FAILED',
      );
    });
  });
}

describe('embedded store on disk', () => {
  test('PGlite keeps its data in LGSP_DATA_DIR across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-store-'));
    try {
      const first = await PgliteStore.open(dir);
      await migrate(first);
      await new Registry(first, new ManualClock()).createOrganization(
        { code: '000.00.04.H01', name: 'Sở Y tế' },
        'test',
      );
      await first.close();
      const second = await PgliteStore.open(dir);
      assert.deepEqual(await migrate(second), []);
      const orgs = await second.db.selectFrom('organizations').select('code').execute();
      assert.deepEqual(orgs, [{ code: '000.00.04.H01' }]);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { exportFederationLedger, reconcileFederation } from '../src/federation/peers.ts';
import { listMigrations } from '../src/store/migrate.ts';
import type { FederationEvidence } from '../src/store/schema.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { callRecord } from './helpers/records.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

/**
 * R-23 across platforms: the ledger two provinces compare holds one entry per end-to-end id, and only ids that are
 * known. A peer whose call is refused before its signatures verify only claimed its end-to-end id — a guessed one, or
 * a real call's captured from a trace, sent before the real call lands. The claim is recorded apart from the
 * end-to-end id (in the evidence, `claimedEndToEndId`; migration 0046), so it never stands for the real call: it
 * made the real call reconcile as a status mismatch when it came first, or alone in a period.
 */

const T0 = Date.parse('2026-11-02T01:00:00Z');
const FROM = new Date(T0 - 60_000).toISOString();
const TO = new Date(T0 + 3_600_000).toISOString();

function inbound(
  atMs: number,
  endToEndId: string,
  status: number,
  signatures: FederationEvidence['signatures'],
) {
  return callRecord(atMs, {
    endToEndId,
    consumerStatus: status,
    representedOrgCode: '000.00.12.H01',
    federation: { direction: 'inbound', traceId: null, hops: [], signatures, requestHash: null },
  });
}

for (const kind of storeKinds) {
  describe(`federation ledger: one entry per call (${kind})`, () => {
    let t: TestStore;

    before(async () => {
      t = await openTestStore(kind);
      await insertTransactions(t.store, [
        // A forged call claiming e2e-real-1 before the real one lands: refused 401, signatures 'refused'.
        inbound(T0, 'e2e-real-1', 401, 'refused'),
        inbound(T0 + 1_000, 'e2e-real-1', 200, 'verified'),
        // Refused before the signatures were even read (no represented party): 'signed', not verified.
        inbound(T0 + 2_000, 'e2e-real-2', 400, 'signed'),
        inbound(T0 + 3_000, 'e2e-real-2', 201, 'verified'),
        // A forgery of an id whose real call lands after the period (or never reaches us): alone in the period.
        inbound(T0 + 4_000, 'e2e-real-later', 401, 'refused'),
        // A call with an id it signed, refused after its signatures verified: the id is known, and reconciled.
        inbound(T0 + 5_000, 'e2e-signed-refused', 403, 'verified'),
      ]);
    });
    after(() => t?.dispose());

    test('a claimed id is recorded apart, never as the end-to-end id', async () => {
      const rows = await t.store.db
        .selectFrom('transactions')
        .select(['end_to_end_id', 'federation', 'consumer_status'])
        .orderBy('request_in_at')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.end_to_end_id, r.federation?.claimedEndToEndId ?? null, r.consumer_status]),
        [
          [null, 'e2e-real-1', 401],
          ['e2e-real-1', null, 200],
          [null, 'e2e-real-2', 400],
          ['e2e-real-2', null, 201],
          [null, 'e2e-real-later', 401],
          ['e2e-signed-refused', null, 403],
        ],
      );
    });

    test('reconciling: the real call stands for its id; a forgery of it, before it or alone, is never one', async () => {
      const result = await reconcileFederation(t.store, {
        from: FROM,
        to: TO,
        entries: [
          { endToEndId: 'e2e-real-1', status: 200, representedOrganizationCode: '000.00.12.H01' },
          { endToEndId: 'e2e-real-2', status: 201 },
          // The other platform's call, which reached us only after the period.
          { endToEndId: 'e2e-real-later', status: 200 },
          { endToEndId: 'e2e-signed-refused', status: 403 },
        ],
      });
      assert.deepEqual(result.mismatched, [], 'no status mismatch made by a claim of the id');
      assert.equal(result.matched, 3);
      assert.deepEqual(result.missingHere, ['e2e-real-later'], 'here in the next period, not in this one');
      assert.deepEqual(result.missingThere, []);
    });

    test('the exported ledger lists each known id once; a claimed one is not in it', async () => {
      const file = await exportFederationLedger(t.store, 'lgsp-b', FROM, TO);
      assert.deepEqual(
        file.items.map((e) => [e.endToEndId, e.status, e.signatures]),
        [
          ['e2e-real-1', 200, 'verified'],
          ['e2e-real-2', 201, 'verified'],
          ['e2e-signed-refused', 403, 'verified'],
        ],
      );
    });

    test('migration 0046 moves a claim recorded before it out of the end-to-end id, and leaves a known id', async () => {
      const at = T0 + 7_200_000;
      // As the records were written before: the claim in end_to_end_id.
      const evidence = (signatures: FederationEvidence['signatures']) =>
        JSON.stringify({ direction: 'inbound', traceId: null, hops: [], signatures, requestHash: null });
      for (const [id, e2e, signatures] of [
        ['txn_cu_gia_mao', 'e2e-cu-1', 'refused'],
        ['txn_cu_that', 'e2e-cu-1', 'verified'],
      ] as const) {
        await sql`INSERT INTO transactions (id, method, resource_template, consumer_status, request_bytes,
            response_bytes, request_in_at, response_out_at, duration_ms, leg, kind, end_to_end_id, federation)
          VALUES (${id}, 'GET', '/x', 200, 0, 0, ${new Date(at)}, ${new Date(at)}, 0, 'sync', 'service_call',
            ${e2e}, ${evidence(signatures)}::jsonb)`.execute(t.store.db);
      }
      const migration = listMigrations().find((m) => m.version === '0046_claimed_end_to_end_ids');
      assert.ok(migration, 'the migration is listed');
      await t.store.execScript(migration.script);
      const rows = await t.store.db
        .selectFrom('transactions')
        .select(['id', 'end_to_end_id', 'federation'])
        .where('id', 'in', ['txn_cu_gia_mao', 'txn_cu_that'])
        .orderBy('id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [
          r.id,
          r.end_to_end_id,
          r.federation?.claimedEndToEndId ?? null,
          r.federation?.signatures,
        ]),
        [
          ['txn_cu_gia_mao', null, 'e2e-cu-1', 'refused'],
          ['txn_cu_that', 'e2e-cu-1', null, 'verified'],
        ],
      );
    });
  });
}

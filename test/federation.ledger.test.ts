import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { exportFederationLedger, reconcileFederation } from '../src/federation/peers.ts';
import type { FederationEvidence } from '../src/store/schema.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { callRecord } from './helpers/records.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

/**
 * R-23 across platforms: the ledger two provinces compare holds one entry per end-to-end id. A peer whose call is
 * refused before its signatures verify is recorded with whatever end-to-end id it claimed; when that id is a real
 * call's (guessed, or captured from a trace), the refused record came first and stood for the real call, so the
 * real call reconciled as a status mismatch. The trusted record — an outbound call, or an inbound one whose
 * signatures verified — now stands for its id wherever it is in the period.
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
        // A refused call whose id no real call has: it is still a call the peer may have on its side.
        inbound(T0 + 4_000, 'e2e-only-refused', 401, 'refused'),
      ]);
    });
    after(() => t?.dispose());

    test('reconciling: the verified call stands for its id, not the refused attempt before it', async () => {
      const result = await reconcileFederation(t.store, {
        from: FROM,
        to: TO,
        entries: [
          { endToEndId: 'e2e-real-1', status: 200, representedOrganizationCode: '000.00.12.H01' },
          { endToEndId: 'e2e-real-2', status: 201 },
          { endToEndId: 'e2e-only-refused', status: 401 },
        ],
      });
      assert.deepEqual(result.mismatched, [], 'no status mismatch made by a refused claim of the id');
      assert.equal(result.matched, 3);
      assert.deepEqual(result.missingHere, []);
      assert.deepEqual(result.missingThere, []);
    });

    test('the exported ledger lists each id once, as the call that carried it trustworthily', async () => {
      const file = await exportFederationLedger(t.store, 'lgsp-b', FROM, TO);
      assert.deepEqual(
        file.items.map((e) => [e.endToEndId, e.status, e.signatures]),
        [
          ['e2e-real-1', 200, 'verified'],
          ['e2e-real-2', 201, 'verified'],
          ['e2e-only-refused', 401, 'refused'],
        ],
      );
    });
  });
}

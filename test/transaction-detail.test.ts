import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

/** Issue 11: one transaction record in full for the console's detail view — both legs, names, never a payload. */

const PASSWORD = 'mat-khau-can-bo-01';
const A_CODE = '000.00.12.H01';
const B_CODE = '000.00.31.H01';
const T0 = Date.parse('2025-03-01T00:00:00Z');

for (const kind of storeKinds) {
  describe(`GET /api/v1/transactions/:id (${kind})`, () => {
    let h: AdminHarness;
    let agencyToken: string;
    let ab: TransactionRecord;
    let bb: TransactionRecord;

    before(async () => {
      h = await openAdminHarness(kind);
      const r = h.registry;
      const orgA = await r.createOrganization({ code: A_CODE, name: 'Sở Tư pháp' }, 'test');
      const orgB = await r.createOrganization({ code: B_CODE, name: 'Công an tỉnh' }, 'test');
      const sysA = await r.createSystem(
        { organizationId: orgA.id, name: 'Hệ thống Hộ tịch', isProvider: false, isConsumer: true },
        'test',
      );
      const sysB = await r.createSystem(
        { organizationId: orgB.id, name: 'CSDL Dân cư', isProvider: true, isConsumer: true },
        'test',
      );
      const svc = await r.createService(
        { context: 'dancu', name: 'Tra cứu công dân', providerSystemId: sysB.id },
        'test',
      );
      const party = (system: { id: string }, code: string) => ({ systemId: system.id, code });
      const call = (i: number, consumer: ReturnType<typeof party>, provider: ReturnType<typeof party>) =>
        callRecord(T0 + i * 60_000, {
          consumerSystemId: consumer.systemId,
          consumerOrgCode: consumer.code,
          credentialId: 'cred_x',
          providerSystemId: provider.systemId,
          providerOrgCode: provider.code,
          serviceId: svc.id,
          serviceContext: 'dancu',
          versionId: 'ver_x',
          version: '1.0',
          resourceTemplate: '/congdan/{soDinhDanh}',
          requestBytes: 42,
          responseBytes: 120,
          requestSha256: 'cd'.repeat(32),
          responseSha256: 'ab'.repeat(32),
        });
      ab = call(0, party(sysA, A_CODE), party(sysB, B_CODE));
      bb = call(1, party(sysB, B_CODE), party(sysB, B_CODE));
      await insertTransactions(h.store, [ab, bb]);
      await h.accounts.createUser(
        {
          username: 'canbo-a',
          displayName: 'Cán bộ A',
          password: PASSWORD,
          role: 'agency',
          organizationId: orgA.id,
        },
        'test',
      );
      agencyToken = (await h.accounts.login('canbo-a', PASSWORD)).token;
    });
    after(() => h?.dispose());

    test('answers both legs’ four times, sizes, hashes, statuses and the names beside the ids', async () => {
      const res = await h.call('GET', `/api/v1/transactions/${ab.id}`);
      assert.equal(res.statusCode, 200, res.body);
      const t = res.json();
      assert.equal(t.id, ab.id);
      assert.equal(t.requestInAt, new Date(ab.requestInAt).toISOString());
      assert.equal(t.requestOutAt, new Date(ab.requestOutAt!).toISOString());
      assert.equal(t.responseInAt, new Date(ab.responseInAt!).toISOString());
      assert.equal(t.responseOutAt, new Date(ab.responseOutAt).toISOString());
      assert.equal(t.durationMs, 21);
      assert.equal(t.requestBytes, 42);
      assert.equal(t.responseBytes, 120);
      assert.equal(t.requestSha256, 'cd'.repeat(32));
      assert.equal(t.providerStatus, 200);
      assert.equal(t.consumerStatus, 200);
      assert.deepEqual(t.names, {
        consumerSystem: 'Hệ thống Hộ tịch',
        consumerOrganization: 'Sở Tư pháp',
        providerSystem: 'CSDL Dân cư',
        providerOrganization: 'Công an tỉnh',
        service: 'Tra cứu công dân',
      });
      // The platform keeps no payload: nothing in the answer is one.
      for (const key of Object.keys(t)) assert.doesNotMatch(key, /body|payload/i);
    });

    test('an agency user reads its own organization’s record; another’s is not found, as an unknown id', async () => {
      const own = await h.call('GET', `/api/v1/transactions/${ab.id}`, undefined, { token: agencyToken });
      assert.equal(own.statusCode, 200, own.body);
      const other = await h.call('GET', `/api/v1/transactions/${bb.id}`, undefined, { token: agencyToken });
      assert.equal(other.statusCode, 404);
      assert.equal(other.json().code, 'TM_TRANSACTION_NOT_FOUND');
      const unknown = await h.call('GET', '/api/v1/transactions/txn_khongco');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'TM_TRANSACTION_NOT_FOUND');
      assert.equal(unknown.headers['content-type'], 'application/problem+json; charset=utf-8');
    });
  });
}

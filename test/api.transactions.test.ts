import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;
const T0 = Date.parse('2025-03-01T00:00:00Z');

function record(i: number, over: Partial<TransactionRecord> = {}): TransactionRecord {
  const at = T0 + i * 60_000;
  return callRecord(at, {
    consumerSystemId: i % 2 ? 'sys_a' : 'sys_b',
    consumerOrgCode: '000.00.31.H01',
    credentialId: 'cred_1',
    providerSystemId: 'sys_p',
    providerOrgCode: '000.00.32.H01',
    serviceId: 'svc_1',
    serviceContext: 'hotich',
    versionId: 'ver_1',
    version: '1.0',
    resourceTemplate: '/khaisinh/{soDinhDanh}',
    responseBytes: 120,
    responseSha256: 'ab'.repeat(32),
    ...over,
  });
}

for (const kind of storeKinds) {
  describe(`admin API transaction log (${kind})`, () => {
    let h: AdminHarness;
    before(async () => {
      h = await openAdminHarness(kind);
      const rows = Array.from({ length: 30 }, (_, i) =>
        i % 10 === 9
          ? record(i, { consumerStatus: 504, providerStatus: null, errorCode: 'GW_UPSTREAM_TIMEOUT' })
          : record(i),
      );
      await insertTransactions(h.store, rows);
    });
    after(() => h.dispose());

    test('pages newest first with nextCursor until the end', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/api/v1/transactions?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await h.call('GET', q);
        assert.equal(res.statusCode, 200, res.body);
        const page = res.json();
        seen.push(...page.items.map((t: { requestInAt: string }) => t.requestInAt));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 5);
      assert.equal(seen.length, 30);
      assert.deepEqual(seen, [...seen].sort().reverse());
    });

    test('filters: time range, consumer, status class and exact, error code; default limit 50', async () => {
      const get = async (query: string) => {
        const res = await h.call('GET', `/api/v1/transactions?${query}`);
        assert.equal(res.statusCode, 200, res.body);
        return res.json().items as Json[];
      };
      assert.equal((await get('')).length, 30);
      const from = new Date(T0 + 10 * 60_000).toISOString();
      const to = new Date(T0 + 20 * 60_000).toISOString();
      assert.equal((await get(`from=${from}&to=${to}`)).length, 10);
      assert.equal((await get('consumerSystemId=sys_a')).length, 15);
      assert.equal((await get('status=5xx')).length, 3);
      assert.equal((await get('status=504&consumerSystemId=sys_a')).length, 3);
      assert.equal((await get('status=2xx')).length, 27);
      const errors = await get('errorCode=GW_UPSTREAM_TIMEOUT&limit=1');
      assert.equal(errors.length, 1);
      const t = errors[0]!;
      assert.equal(t.consumerStatus, 504);
      assert.equal(t.resourceTemplate, '/khaisinh/{soDinhDanh}');
      assert.equal(t.consumer.systemId, 'sys_a');
      assert.equal(t.service.context, 'hotich');
      assert.equal(t.durationMs, 21);
    });
  });
}

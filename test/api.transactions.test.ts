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

    test('each side names its system as the registry has it, joined into the same page; the ids stay', async () => {
      const org = await h.registry.createOrganization({ code: '000.00.33.H01', name: 'Sở Nội vụ' }, 'test');
      const mk = (name: string) =>
        h.registry.createSystem({ organizationId: org.id, name, isProvider: true, isConsumer: true }, 'test');
      const consumer = await mk('Một cửa điện tử');
      const provider = await mk('CSDL Cán bộ');
      await insertTransactions(h.store, [
        record(40, { consumerSystemId: consumer.id, providerSystemId: provider.id }),
        record(41, { consumerSystemId: consumer.id, providerSystemId: null, resourceTemplate: '/token' }),
      ]);
      const res = await h.call('GET', `/api/v1/transactions?consumerSystemId=${consumer.id}`);
      assert.equal(res.statusCode, 200, res.body);
      const [token, call] = res.json().items as Json[];
      assert.deepEqual(call!.consumer, {
        systemId: consumer.id,
        systemName: 'Một cửa điện tử',
        organizationCode: '000.00.31.H01',
        credentialId: 'cred_1',
      });
      assert.deepEqual(call!.provider, {
        systemId: provider.id,
        systemName: 'CSDL Cán bộ',
        organizationCode: '000.00.32.H01',
      });
      assert.equal(token!.provider.systemName, null, 'no provider, no name');
      // A system the registry does not know (a peer's, one removed): its id, no name.
      const unknown = (await h.call('GET', '/api/v1/transactions?consumerSystemId=sys_a&limit=1')).json();
      assert.equal(unknown.items[0].consumer.systemId, 'sys_a');
      assert.equal(unknown.items[0].consumer.systemName, null);
      // The join keeps the keyset paging and the one-record read working (columns qualified).
      const page = (await h.call('GET', '/api/v1/transactions?limit=1')).json();
      const next = (
        await h.call('GET', `/api/v1/transactions?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`)
      ).json();
      assert.equal(page.items[0].id, token!.id);
      assert.equal(next.items[0].id, call!.id);
      const detail = await h.call('GET', `/api/v1/transactions/${call!.id}`);
      assert.equal(detail.statusCode, 200, detail.body);
      assert.equal(detail.json().consumer.systemName, 'Một cửa điện tử');
    });
  });
}

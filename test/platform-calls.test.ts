import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { newId } from '../src/core/ids.ts';
import { statistics } from '../src/reports/statistics.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

/**
 * Requests to the platform's own endpoints `/_lgsp/…` (status and receipt polls, inbox polls) name no service:
 * migration 0040 makes them kind `platform_call`, and the statistics name them — not "(không xác định / unknown)".
 * The gateway's side (messaging-endpoints.ts sets the kind) is tested in test/messaging.limits.test.ts.
 */

const T0 = Date.parse('2026-11-20T03:00:00Z');
const MIGRATION = readFileSync(
  new URL('../src/store/migrations/0040_platform_call_records.sql', import.meta.url),
  'utf8',
);
const PLATFORM = 'Trạng thái và hộp thư của nền tảng (/_lgsp/…) / Platform message endpoints';

for (const kind of storeKinds) {
  describe(`platform endpoint records (${kind})`, () => {
    let h: AdminHarness;
    before(async () => {
      h = await openAdminHarness(kind, { startMs: T0 });
    });
    after(() => h.dispose());

    test('0040 turns the /_lgsp/ records of no service into platform_call; statistics label every kind', async () => {
      const at = (i: number) => T0 + i * 1000;
      const base = { consumerSystemId: 'sys_src', consumerOrgCode: '000.00.12.H01' };
      // As recorded before 0040: service calls with a /_lgsp/ template and no service.
      await insertTransactions(h.store, [
        callRecord(at(1), {
          ...base,
          id: newId('txn', at(1)),
          resourceTemplate: '/_lgsp/messages/{messageId}',
        }),
        callRecord(at(2), {
          ...base,
          id: newId('txn', at(2)),
          resourceTemplate: '/_lgsp/inbox',
          consumerStatus: 204,
        }),
        // A pulled message is its service's delivery leg: it stays a service call.
        callRecord(at(3), {
          ...base,
          id: newId('txn', at(3)),
          resourceTemplate: '/_lgsp/inbox',
          leg: 'delivery',
          serviceId: 'svc_vanthu',
          versionId: 'ver_vanthu',
        }),
        // A call to a path no service has: unknown, and stays so.
        callRecord(at(4), {
          ...base,
          id: newId('txn', at(4)),
          resourceTemplate: '(không khớp/unmatched)',
          consumerStatus: 404,
          errorCode: 'GW_ROUTE_NOT_FOUND',
          requestOutAt: null,
        }),
        callRecord(at(5), {
          ...base,
          id: newId('txn', at(5)),
          resourceTemplate: '/token',
          kind: 'token_request',
        }),
      ]);
      await h.store.execScript(MIGRATION);
      const { rows } = await sql<{ resource_template: string; leg: string; kind: string }>`
        SELECT resource_template, leg, kind FROM transactions ORDER BY request_in_at`.execute(h.store.db);
      assert.deepEqual(
        rows.map((r) => r.kind),
        ['platform_call', 'platform_call', 'service_call', 'service_call', 'token_request'],
      );

      const period = { from: new Date(T0).toISOString(), to: new Date(T0 + 3_600_000).toISOString() };
      const byService = async (over: { includeTokenRequests?: boolean; includePlatformCalls?: boolean }) =>
        Object.fromEntries(
          (await statistics(h.store, { ...period, groupBy: ['service'], ...over })).rows.map((r) => [
            r.label.service,
            r.calls,
          ]),
        );
      // Service calls only by default: the polls are no call to a service.
      assert.deepEqual(await byService({}), { svc_vanthu: 1, '(không xác định / unknown)': 1 });
      assert.deepEqual(await byService({ includePlatformCalls: true, includeTokenRequests: true }), {
        svc_vanthu: 1,
        '(không xác định / unknown)': 1,
        [PLATFORM]: 2,
        'Cấp token (/token) / Token requests': 1,
      });
      const byVersion = await statistics(h.store, {
        ...period,
        groupBy: ['version'],
        includePlatformCalls: true,
      });
      assert.ok(
        byVersion.rows.some((r) => r.label.version === PLATFORM),
        'by version too, the platform endpoints are named',
      );
    });

    test('CLI: lgsp report statistics counts /token and /_lgsp/… requests only with their switches', async () => {
      // The records of the test above: two service calls, two platform endpoint polls, one token request.
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-platform-calls-'));
      try {
        const period = ['--from', new Date(T0).toISOString(), '--to', new Date(T0 + 3_600_000).toISOString()];
        const lgsp = async (...flags: string[]) => {
          const run = await runCli(
            ['report', 'statistics', ...period, '--group-by', 'service', ...flags],
            adminEnv(url, h.token, dir),
          );
          assert.equal(run.code, 0, run.err);
          return run.out;
        };
        const json = async (...flags: string[]) => JSON.parse(await lgsp('--json', ...flags));
        const plain = await json();
        assert.equal(plain.totals.calls, 2);
        assert.equal(plain.includeTokenRequests, false);
        assert.equal(plain.includePlatformCalls, false);
        const tokens = await json('--include-token-requests');
        assert.equal(tokens.totals.calls, 3);
        assert.equal(tokens.includeTokenRequests, true);
        assert.equal(tokens.includePlatformCalls, false);
        const polls = await json('--include-platform-calls');
        assert.equal(polls.totals.calls, 4);
        assert.equal(polls.includePlatformCalls, true);
        // Printed: the rows of each, and a line that says what was counted besides service calls.
        const both = await lgsp('--include-token-requests', '--include-platform-calls');
        assert.match(both, /Cấp token \(\/token\)/);
        assert.match(both, /Trạng thái và hộp thư của nền tảng/);
        assert.match(both, /Tính cả \/ Also counted: yêu cầu cấp token/);
        assert.doesNotMatch(await lgsp(), /Tính cả|Cấp token/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

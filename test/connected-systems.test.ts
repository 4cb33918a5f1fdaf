import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import type { InformationSystem } from '../src/api/contract/index.ts';
import { newId } from '../src/core/ids.ts';
import {
  connectionHistory,
  listConnectedSystems,
  systemConnection,
} from '../src/reports/connected-systems.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { recomputeRollups, runRollups } from '../src/telemetry/rollups.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { callRecord } from './helpers/records.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

/** Issue 5 item 2: connected systems — first/last connection, last successful send/receive, state, history. */

const NOW = Date.parse('2025-03-10T12:00:00Z');
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const PASSWORD = 'connected-systems-password';
const iso = (ms: number) => new Date(ms).toISOString();

let seq = 0;
function rec(
  at: number,
  consumer: string | null,
  provider: string | null,
  over: Partial<TransactionRecord> = {},
): TransactionRecord {
  seq++;
  return callRecord(at, {
    id: newId('txn', at + seq),
    consumerSystemId: consumer,
    providerSystemId: provider,
    serviceId: provider ? 'svc_1' : null,
    serviceContext: provider ? 'hotich' : null,
    versionId: provider ? 'ver_1' : null,
    version: provider ? '1.0' : null,
    resourceTemplate: '/khaisinh/{soDinhDanh}',
    ...over,
  });
}

const providerDown = (over: Partial<TransactionRecord> = {}) => ({
  providerStatus: 503,
  consumerStatus: 503,
  ...over,
});

for (const kind of storeKinds) {
  describe(`connected systems (${kind})`, () => {
    let h: AdminHarness;
    let agencyToken: string;
    let orgA: string;
    let orgB: string;
    const sys: Record<
      'active' | 'idle' | 'failing' | 'cred' | 'never' | 'p' | 'unreached',
      InformationSystem
    > = {} as never;

    before(async () => {
      h = await openAdminHarness(kind, { startMs: NOW });
      const r = h.registry;
      orgA = (await r.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test')).id;
      orgB = (await r.createOrganization({ code: '000.00.12.H01', name: 'Công an tỉnh' }, 'test')).id;
      const mk = (organizationId: string, name: string) =>
        r.createSystem({ organizationId, name, isProvider: true, isConsumer: true }, 'test');
      sys.active = await mk(orgA, 'Cổng dịch vụ công');
      sys.idle = await mk(orgA, 'Một cửa điện tử');
      sys.failing = await mk(orgB, 'CSDL Dân cư');
      sys.cred = await mk(orgB, 'Hệ thống khoá thu hồi');
      sys.never = await mk(orgB, 'Hệ thống mới');
      sys.p = await mk(orgB, 'CSDL Hộ tịch');
      sys.unreached = await mk(orgB, 'Hệ thống chưa được gọi tới');
      await h.accounts.createUser(
        {
          username: 'stp',
          displayName: 'Cán bộ STP',
          password: PASSWORD,
          role: 'agency',
          organizationId: orgA,
        },
        'test',
      );
      agencyToken = (await h.accounts.login('stp', PASSWORD)).token;

      const a = sys.active.id;
      const p = sys.p.id;
      const f = sys.failing.id;
      const c = sys.cred.id;
      const i = sys.idle.id;
      const rows: TransactionRecord[] = [
        // Active: first call 5 days ago, last successful send an hour ago; a token request 10 minutes ago is a
        // connection but not a send; an async message 3 hours ago (intake by it, pushed to p).
        rec(NOW - 5 * DAY, a, p),
        rec(NOW - 2 * DAY, a, p),
        rec(NOW - 2 * DAY + MIN, a, p, { consumerStatus: 404, providerStatus: 404 }),
        rec(NOW - 3 * HOUR, a, p, {
          leg: 'intake',
          consumerStatus: 202,
          providerStatus: null,
          messageId: 'm1',
        }),
        rec(NOW - 3 * HOUR + 1000, a, p, { leg: 'delivery', consumerStatus: 200, messageId: 'm1' }),
        rec(NOW - HOUR, a, p),
        rec(NOW - 30 * MIN, a, p, {
          consumerStatus: 504,
          providerStatus: null,
          errorCode: 'GW_UPSTREAM_TIMEOUT',
        }),
        rec(NOW - 10 * MIN, a, null, {
          resourceTemplate: '/token',
          providerStatus: null,
          requestOutAt: null,
          responseInAt: null,
        }),
        // Idle: traffic 10 and 3 days ago, nothing since.
        rec(NOW - 10 * DAY, i, p),
        rec(NOW - 3 * DAY, i, p),
        // Failing as provider: answered well 2 hours ago, then 5 of 6 calls in the last 10 minutes failed.
        rec(NOW - 2 * HOUR, p, f),
        ...[1, 2, 3, 4].map((k) => rec(NOW - k * MIN, p, f, providerDown())),
        rec(NOW - 5 * MIN, p, f, {
          providerStatus: null,
          consumerStatus: 502,
          errorCode: 'GW_UPSTREAM_UNREACHABLE',
          responseInAt: null,
        }),
        rec(NOW - 6 * MIN, p, f),
        // Failing as consumer: its credential was revoked; every call of the last minutes refused.
        rec(NOW - DAY + HOUR, c, p),
        ...[1, 2, 3, 4, 5].map((k) =>
          rec(NOW - k * MIN, c, p, {
            providerStatus: null,
            consumerStatus: 401,
            errorCode: 'GW_CREDENTIAL_REVOKED',
            requestOutAt: null,
            responseInAt: null,
          }),
        ),
      ];
      // Called only by refused requests (no subscription, 2 hours and 20 minutes ago): none was forwarded to it.
      for (const k of [2 * HOUR, 20 * MIN]) {
        rows.push(
          rec(NOW - k, a, sys.unreached.id, {
            providerStatus: null,
            consumerStatus: 403,
            errorCode: 'GW_SUBSCRIPTION_REQUIRED',
            requestOutAt: null,
            responseInAt: null,
          }),
        );
      }
      await insertTransactions(h.store, rows);
      await runRollups(h.store, NOW);
    });
    after(() => h.dispose());

    test('first and last connection, last successful send and receive, state of each system', async () => {
      const active = await systemConnection(h.store, sys.active, NOW);
      assert.equal(active.state, 'active');
      assert.equal(active.firstConnectionAt, iso(NOW - 5 * DAY));
      assert.equal(active.lastConnectionAt, iso(NOW - 10 * MIN), 'a token request is a connection');
      assert.equal(active.lastSuccessfulSendAt, iso(NOW - HOUR), 'but not a send');
      assert.equal(active.lastSuccessfulReceiveAt, null);

      const p = await systemConnection(h.store, sys.p, NOW);
      assert.equal(p.state, 'active');
      assert.equal(p.firstConnectionAt, iso(NOW - 10 * DAY));
      assert.equal(p.lastSuccessfulReceiveAt, iso(NOW - HOUR));
      assert.equal(p.lastSuccessfulSendAt, iso(NOW - 6 * MIN));
      // The failures were the provider's, not p's: p is not failing as consumer.
      assert.equal(p.recent.asConsumer.credentialRefusals, 0);

      const idle = await systemConnection(h.store, sys.idle, NOW);
      assert.equal(idle.state, 'idle');
      assert.equal(idle.firstConnectionAt, iso(NOW - 10 * DAY));
      assert.equal(idle.lastConnectionAt, iso(NOW - 3 * DAY));
      assert.equal(idle.lastSuccessfulSendAt, iso(NOW - 3 * DAY));

      const failing = await systemConnection(h.store, sys.failing, NOW);
      assert.equal(failing.state, 'failing');
      assert.deepEqual(failing.recent.asProvider, { calls: 6, failures: 5 });
      assert.equal(failing.lastSuccessfulReceiveAt, iso(NOW - 6 * MIN));
      assert.equal(failing.firstConnectionAt, iso(NOW - 2 * HOUR));
      assert.equal(failing.lastConnectionAt, iso(NOW - MIN));
      // An hour later the window holds nothing: it answered within 24 h, so it is active again.
      assert.equal((await systemConnection(h.store, sys.failing, NOW + HOUR)).state, 'active');

      const cred = await systemConnection(h.store, sys.cred, NOW);
      assert.equal(cred.state, 'failing');
      assert.deepEqual(cred.recent.asConsumer, { calls: 5, credentialRefusals: 5 });
      assert.equal(cred.lastSuccessfulSendAt, iso(NOW - DAY + HOUR));
      assert.equal(cred.lastConnectionAt, iso(NOW - MIN), "a refused call is its caller's contact");

      const never = await systemConnection(h.store, sys.never, NOW);
      assert.equal(never.state, 'never');
      assert.equal(never.firstConnectionAt, null);
      assert.equal(never.lastConnectionAt, null);
      assert.equal(never.lastSuccessfulSendAt, null);
      assert.equal(never.lastSuccessfulReceiveAt, null);

      // A call refused before it was forwarded never reached its provider: no contact, so no contact times beside
      // its state (they showed the refused calls' times next to "no transaction"). Its caller did contact us.
      const unreached = await systemConnection(h.store, sys.unreached, NOW);
      assert.equal(unreached.state, 'never');
      assert.equal(unreached.firstConnectionAt, null);
      assert.equal(unreached.lastConnectionAt, null);
      assert.deepEqual(unreached.recent.asProvider, { calls: 0, failures: 0 });

      // Two days later the active system is idle (its last success is more than 24 h old).
      assert.equal((await systemConnection(h.store, sys.active, NOW + 2 * DAY)).state, 'idle');
    });

    test('the list: every system, filtered by organization and by state', async () => {
      const all = await listConnectedSystems(h.store, h.registry, { nowMs: NOW });
      assert.deepEqual(Object.fromEntries(all.map((c) => [c.name, c.state])), {
        'Cổng dịch vụ công': 'active',
        'Một cửa điện tử': 'idle',
        'CSDL Dân cư': 'failing',
        'Hệ thống khoá thu hồi': 'failing',
        'Hệ thống mới': 'never',
        'CSDL Hộ tịch': 'active',
        'Hệ thống chưa được gọi tới': 'never',
      });
      const failing = await listConnectedSystems(h.store, h.registry, { nowMs: NOW, state: 'failing' });
      assert.deepEqual(failing.map((c) => c.systemId).sort(), [sys.failing.id, sys.cred.id].sort());
      const ofA = await listConnectedSystems(h.store, h.registry, { nowMs: NOW, organizationId: orgA });
      assert.deepEqual(ofA.map((c) => c.systemId).sort(), [sys.active.id, sys.idle.id].sort());
    });

    test('daily history by Vietnam day equals the raw counts, rolled-up hours and later ones alike', async () => {
      const db = h.store.db as unknown as Kysely<unknown>;
      for (const s of Object.values(sys)) {
        const history = await connectionHistory(h.store, s.id, { nowMs: NOW });
        assert.equal(history.items.length, 30);
        assert.equal(history.items.at(-1)!.day, '2025-03-10');
        assert.equal(history.items[0]!.day, '2025-02-09');
        assert.equal(history.from, '2025-02-08T17:00:00.000Z', 'the first Vietnam day begins at 00:00 UTC+7');
        assert.equal(history.to, '2025-03-10T17:00:00.000Z');
        assert.ok(history.rolledUpUntil, 'history.rolledUpUntil');
        const { rows } = await sql<{
          day: string;
          side: string;
          calls: string | number;
          errors: string | number;
        }>`SELECT to_char((request_in_at + interval '7 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, side,
            count(*) AS calls, count(*) FILTER (WHERE error_code IS NOT NULL OR consumer_status >= 500) AS errors
          FROM (SELECT 'consumer' AS side, * FROM transactions WHERE consumer_system_id = ${s.id}
                UNION ALL SELECT 'provider' AS side, * FROM transactions WHERE provider_system_id = ${s.id}) x
          GROUP BY 1, 2`.execute(db);
        const expected = new Map<string, Json>();
        for (const r of rows) {
          const d = expected.get(r.day) ?? {
            day: r.day,
            asConsumer: { calls: 0, errors: 0 },
            asProvider: { calls: 0, errors: 0 },
          };
          d[r.side === 'consumer' ? 'asConsumer' : 'asProvider'] = {
            calls: Number(r.calls),
            errors: Number(r.errors),
          };
          expected.set(r.day, d);
        }
        const got = history.items.filter((d) => d.asConsumer.calls + d.asProvider.calls > 0);
        assert.deepEqual(
          got,
          [...expected.values()].sort((x, y) => (x['day'] < y['day'] ? -1 : 1)),
          s.name,
        );
      }
      // The hour not rolled up yet (the last one) is read from the raw records: all 7 of p's calls today are in
      // today's row — the one of 2 hours ago (rolled up) and the 6 of the last minutes (not yet).
      const p = await connectionHistory(h.store, sys.p.id, { nowMs: NOW, days: 1 });
      assert.equal(p.rolledUpUntil, iso(NOW - HOUR));
      assert.equal(p.items.length, 1);
      assert.deepEqual(p.items[0]!.asConsumer, { calls: 7, errors: 5 });
      assert.equal(
        (await connectionHistory(h.store, sys.p.id, { nowMs: NOW, days: 9999 })).items.length,
        730,
      );
    });

    test('months archived and dropped: the first connection comes from the rollups, to the hour', async () => {
      const db = h.store.db as unknown as Kysely<unknown>;
      const oldHour = '2024-12-15T10:00:00.000Z';
      await sql`INSERT INTO transaction_rollups (hour, consumer_system_id, provider_system_id, service_id,
          version_id, environment, leg, status_class, count, errors, request_bytes, response_bytes,
          duration_ms_sum, duration_ms_max, latency_buckets, computed_at)
        VALUES (${oldHour}::timestamptz, ${sys.idle.id}, ${sys.p.id}, 'svc_1', 'ver_1', 'production', 'sync',
          '2xx', 3, 0, 0, 30, 60, 20, '{3}'::bigint[], now())`.execute(db);
      // Not archived yet: the raw records are complete, the rollups are not read for first connections.
      assert.equal((await systemConnection(h.store, sys.idle, NOW)).firstConnectionAt, iso(NOW - 10 * DAY));
      await sql`INSERT INTO transaction_archives (seq, partition_name, month, range_from, range_to, row_count,
          file_name, file_bytes, file_sha256, archived_at, dropped_at, prev_hash, hash)
        VALUES (1, 'transactions_2024_12', '2024-12', '2024-12-01T00:00:00Z', '2025-01-01T00:00:00Z', 3,
          'x.jsonl.gz', 1, 'aa', now(), now(), '', 'bb')`.execute(db);
      assert.equal((await systemConnection(h.store, sys.idle, NOW)).firstConnectionAt, oldHour);
      const listed = await listConnectedSystems(h.store, h.registry, { nowMs: NOW });
      assert.equal(listed.find((c) => c.systemId === sys.p.id)!.firstConnectionAt, oldHour);
      assert.equal(listed.find((c) => c.systemId === sys.active.id)!.firstConnectionAt, iso(NOW - 5 * DAY));
      await sql`DELETE FROM transaction_archives`.execute(db);
      await sql`DELETE FROM transaction_rollups WHERE hour = ${oldHour}::timestamptz`.execute(db);
    });

    test('API: operator sees all; an agency user only its own organization’s systems', async () => {
      const list = await h.call('GET', '/api/v1/connected-systems');
      assert.equal(list.statusCode, 200, list.body);
      assert.equal(list.json().items.length, 7);
      const failing = await h.call('GET', '/api/v1/connected-systems?state=failing');
      assert.equal(failing.json().items.length, 2);

      const own = await h.call('GET', '/api/v1/connected-systems', undefined, { token: agencyToken });
      assert.deepEqual(
        (own.json().items as Json[]).map((c) => c['systemId']).sort(),
        [sys.active.id, sys.idle.id].sort(),
      );
      const other = await h.call('GET', `/api/v1/connected-systems?organizationId=${orgB}`, undefined, {
        token: agencyToken,
      });
      assert.deepEqual(other.json().items, []);

      const mine = await h.call('GET', `/api/v1/systems/${sys.active.id}/connection?days=7`, undefined, {
        token: agencyToken,
      });
      assert.equal(mine.statusCode, 200, mine.body);
      const body = mine.json();
      assert.equal(body.state, 'active');
      assert.equal(body.lastSuccessfulSendAt, iso(NOW - HOUR));
      assert.equal(body.history.items.length, 7);
      const refused = await h.call('GET', `/api/v1/systems/${sys.failing.id}/connection`, undefined, {
        token: agencyToken,
      });
      // Another organization's system is answered as an unknown id (docs/security.md §2.10).
      assert.equal(refused.statusCode, 404);
      assert.equal(refused.json().code, 'CP_SYSTEM_NOT_FOUND');
      const tooLong = await h.call('GET', `/api/v1/systems/${sys.active.id}/connection?days=731`);
      assert.equal(tooLong.statusCode, 400);
      const byOperator = await h.call('GET', `/api/v1/systems/${sys.failing.id}/connection`);
      assert.equal(byOperator.json().state, 'failing');
      assert.equal(byOperator.json().history.items.length, 30);
    });

    test('CLI: lgsp system connection <id>', async () => {
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-conn-'));
      try {
        const { code, out, err } = await runCli(
          ['system', 'connection', sys.idle.id, '--days', '14'],
          adminEnv(url, h.token, dir),
        );
        assert.equal(code, 0, err);
        assert.match(out, /không có giao dịch thành công trong 24 giờ \/ idle/);
        assert.match(out, /Kết nối lần đầu \/ First connection\s+28\/02\/2025 19:00/);
        assert.match(out, /07\/03\/2025\s+1\s+0\s+0\s+0/);
        // The daily rows are Vietnam days, and the day column says so.
        assert.match(out, /Ngày \(giờ Việt Nam\) \/ Day \(Vietnam time\)/);
        assert.doesNotMatch(out, /UTC/);
        assert.equal(out.split('\n').filter((l) => /^\d\d\/\d\d\/2025 /.test(l)).length, 14);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    // Last: it registers one more system, which the list tests above would count.
    test('a call at 23:30 UTC is in the next Vietnam day’s row, rolled up or not', async () => {
      const night = await h.registry.createSystem(
        { organizationId: orgB, name: 'Hệ thống gọi ban đêm', isProvider: false, isConsumer: true },
        'test',
      );
      const rolled = Date.parse('2025-03-07T23:30:00Z'); // 06:30 on 08/03 in Vietnam, long rolled up
      const justNow = Date.parse('2025-03-10T23:30:00Z'); // 06:30 on 11/03 in Vietnam, not rolled up yet
      await insertTransactions(h.store, [rec(rolled, night.id, sys.p.id), rec(justNow, night.id, sys.p.id)]);
      await recomputeRollups(h.store, rolled, rolled + HOUR, NOW);
      const late = NOW + 12 * HOUR; // 07:00 on 11/03 in Vietnam; the rollups still stop at NOW − 1 h
      const history = await connectionHistory(h.store, night.id, { nowMs: late, days: 5 });
      assert.deepEqual(
        history.items.map((d) => [d.day, d.asConsumer.calls]),
        [
          ['2025-03-07', 0],
          ['2025-03-08', 1],
          ['2025-03-09', 0],
          ['2025-03-10', 0],
          ['2025-03-11', 1],
        ],
      );
    });
  });
}

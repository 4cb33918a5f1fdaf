import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { reconcile } from '../src/reports/reconciliation.ts';
import { statistics } from '../src/reports/statistics.ts';
import { listMigrations, migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { runRollups } from '../src/telemetry/rollups.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { callRecord } from './helpers/records.ts';
import { seedProvince } from './helpers/seed.ts';
import { storeKinds } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field in assertions
type Json = Record<string, any>;

const HOUR_MS = 3_600_000;

/**
 * Issue 11 item 6: a `/token` call is recorded (who asked, when, with what result) as its own kind of record,
 * `token_request`, and statistics and reconciliation leave it out unless asked — before, it was counted as a call
 * to a service "(không xác định / unknown)" and listed to the party in reconciliation.
 */
for (const kind of storeKinds) {
  describe(`/token requests as their own kind of record, through the gateway (${kind})`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let serviceCallId: string;
    let from: string;
    let to: string;

    before(async () => {
      upstream = await startUpstream();
      h = await startGatewayHarness(kind);
      seed = await seedProvince(h, upstream.url);
      await h.snapshots.refresh();
      // Publishing through the sandbox made calls of its own (sandbox environment): this test's start after them.
      await h.recorder.flush();
      from = new Date(Date.now() + 1).toISOString();
      await new Promise((r) => setTimeout(r, 5));
      // One token refused (wrong secret), one issued, one call to the service with it.
      const refused = await fetch(`${h.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${seed.credential.consumerKey}:sai`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      assert.equal(refused.status, 401);
      const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      const res = await fetch(`${h.url}/dancu/1.0/congdan/089201001234`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      await h.recorder.flush();
      serviceCallId = (await queryTransactions(h.store, { kind: 'service_call' })).items[0]!.id;
      to = new Date(Date.now() + HOUR_MS).toISOString();
    });
    after(async () => {
      await h.close();
      await upstream.close();
    });

    test('the token endpoint records token_request; the call records service_call; the list filters by kind', async () => {
      const all = await queryTransactions(h.store, { from, to });
      assert.deepEqual(all.items.map((t) => [t.kind, t.resourceTemplate, t.consumerStatus]).sort(), [
        ['service_call', '/congdan/{soDinhDanh}', 200],
        ['token_request', '/token', 200],
        ['token_request', '/token', 401],
      ]);
      const tokens = await queryTransactions(h.store, { from, to, kind: 'token_request' });
      assert.equal(tokens.items.length, 2);
      // Still evidence of who asked (R-20): the credential's system, organization and environment.
      const issued = tokens.items.find((t) => t.consumerStatus === 200)!;
      assert.equal(issued.consumer.systemId, seed.consumerSystem.id);
      assert.equal(issued.consumer.organizationCode, seed.consumer.code);
      assert.equal(issued.service.id, null);
      // A refused one is recorded too, with the address it came from but no system (the secret did not match).
      const refused = tokens.items.find((t) => t.consumerStatus === 401)!;
      assert.equal(refused.errorCode, 'GW_TOKEN_CLIENT_INVALID');
      assert.equal(refused.consumer.systemId, null);
      assert.ok(refused.clientAddress, 'refused.clientAddress');
      const calls = await queryTransactions(h.store, { from, to, kind: 'service_call' });
      assert.deepEqual(
        calls.items.map((t) => t.service.id),
        [seed.dancu.id],
      );
    });

    test('statistics count the service call only, unless asked; the same from the rollups as from the raw records', async () => {
      const check = async (source: string) => {
        // Statistics are whole hours: the production environment leaves out the seed's sandbox calls.
        const filters = { environment: 'production' };
        const byService = await statistics(h.store, { from, to, groupBy: ['service'], filters });
        assert.equal(byService.includeTokenRequests, false);
        assert.deepEqual(
          byService.rows.map((r) => [r.key.service, r.calls]),
          [[seed.dancu.id, 1]],
          `${source}: no "(không xác định / unknown)" service`,
        );
        assert.equal(byService.totals.calls, 1);
        const withTokens = await statistics(h.store, {
          from,
          to,
          groupBy: ['kind'],
          filters,
          includeTokenRequests: true,
        });
        assert.deepEqual(
          withTokens.rows.map((r) => [r.key.kind, r.calls, r.errors]),
          // The refused request names no credential, so no environment: the issued one is the production one.
          [
            ['service_call', 1, 0],
            ['token_request', 1, 0],
          ],
          source,
        );
        return withTokens.rawFrom;
      };
      assert.ok(await check('raw records'), 'read from the raw records before the rollup job');
      // The rollup job closes the hours (an hour closes 5 minutes after it ends): then from the rollups only. Run
      // two hours after `to`, so the hour `to` falls in is closed too whatever its minute (one hour after failed in
      // CI when `to` was in an hour's first 5 minutes).
      await runRollups(h.store, Date.parse(to) + 2 * HOUR_MS);
      assert.equal(await check('rollups'), null, 'read from the rollups after the job');
    });

    test('reconciliation lists the service call to the consumer, its token requests only when asked', async () => {
      const party = { systemId: seed.consumerSystem.id };
      const csv = `ma_giao_dich,trang_thai\n${serviceCallId},200\n`;
      const plain = await reconcile(h.store, { party, from, to, csv });
      assert.equal(plain.includeTokenRequests, false);
      assert.deepEqual(plain.counts, {
        platform: 1,
        party: 1,
        matched: 1,
        missingOnParty: 0,
        missingOnPlatform: 0,
        statusMismatch: 0,
      });
      const asked = await reconcile(h.store, { party, from, to, csv, includeTokenRequests: true });
      assert.equal(asked.counts.platform, 2);
      assert.equal(asked.counts.matched, 1);
      assert.deepEqual(
        asked.missingOnParty.map((e) => [e.kind, e.side, e.service, e.status]),
        [['token_request', 'consumer', null, 200]],
      );
      // The provider never took part in a token request.
      const provider = await reconcile(h.store, {
        party: { systemId: seed.providerSystem.id },
        from,
        to,
        csv,
        includeTokenRequests: true,
      });
      assert.equal(provider.counts.platform, 1);
    });
  });

  describe(`/token requests in the admin API: includeTokenRequests and kind (${kind})`, () => {
    let h: AdminHarness;
    /** The reconciled party's system, made by the reconciliation test and read again by the CLI's. */
    let partySystemId: string;
    const at = Date.parse('2025-02-28T03:10:00Z');
    const from = '2025-02-28T00:00:00Z';
    const to = '2025-02-28T06:00:00Z';
    const service = {
      consumerSystemId: 'sys_c',
      consumerOrgCode: '000.00.12.H01',
      providerSystemId: 'sys_p',
      providerOrgCode: '000.00.31.H01',
      serviceId: 'svc_x',
      serviceContext: 'dancu',
      versionId: 'ver_x',
      version: '1.0',
    };

    before(async () => {
      h = await openAdminHarness(kind);
      await insertTransactions(h.store, [
        callRecord(at, { ...service, id: 'txn_call' }),
        callRecord(at + 1000, {
          id: 'txn_token',
          kind: 'token_request',
          resourceTemplate: '/token',
          method: 'POST',
          consumerSystemId: 'sys_c',
          consumerOrgCode: '000.00.12.H01',
          providerStatus: null,
          requestOutAt: null,
          responseInAt: null,
        }),
      ]);
    });
    after(() => h.dispose());

    test('GET /api/v1/transactions: every item shows its kind; ?kind= filters; an unknown kind is 400', async () => {
      const all = (await h.call('GET', `/api/v1/transactions?from=${from}&to=${to}`)).json() as Json;
      assert.deepEqual(
        all.items.map((t: Json) => [t.id, t.kind]),
        [
          ['txn_token', 'token_request'],
          ['txn_call', 'service_call'],
        ],
      );
      const tokens = (await h.call('GET', `/api/v1/transactions?kind=token_request`)).json() as Json;
      assert.deepEqual(
        tokens.items.map((t: Json) => t.id),
        ['txn_token'],
      );
      const bad = await h.call('GET', '/api/v1/transactions?kind=token');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().code, 'API_VALIDATION_FAILED');
    });

    test('GET /api/v1/reports/statistics: service calls by default, token requests with includeTokenRequests=true', async () => {
      const plain = (
        await h.call('GET', `/api/v1/reports/statistics?from=${from}&to=${to}&groupBy=service`)
      ).json() as Json;
      assert.equal(plain.includeTokenRequests, false);
      assert.deepEqual(
        plain.rows.map((r: Json) => [r.key.service, r.calls]),
        [['svc_x', 1]],
      );
      const asked = (
        await h.call(
          'GET',
          `/api/v1/reports/statistics?from=${from}&to=${to}&groupBy=kind&includeTokenRequests=true`,
        )
      ).json() as Json;
      assert.equal(asked.includeTokenRequests, true);
      assert.deepEqual(
        asked.rows.map((r: Json) => [r.key.kind, r.label.kind, r.calls]),
        [
          ['service_call', 'service_call', 1],
          ['token_request', 'token_request', 1],
        ],
      );
    });

    test('POST /api/v1/reconciliations: the token request is listed only with ?includeTokenRequests=true', async () => {
      const body = { systemId: 'sys_c', from, to, csv: 'ma_giao_dich\ntxn_call\n' };
      // The harness has no system sys_c in its registry: make one for the party check.
      const org = await h.registry.createOrganization({ code: '000.00.12.H01', name: 'Sở Tư pháp' }, 'test');
      const system = await h.registry.createSystem(
        { organizationId: org.id, name: 'Hộ tịch', isProvider: false, isConsumer: true },
        'test',
      );
      await insertTransactions(h.store, [
        callRecord(at, { ...service, consumerSystemId: system.id, id: 'txn_call2' }),
        callRecord(at + 1000, {
          id: 'txn_token2',
          kind: 'token_request',
          resourceTemplate: '/token',
          consumerSystemId: system.id,
          providerStatus: null,
          requestOutAt: null,
        }),
      ]);
      partySystemId = system.id;
      const party = { ...body, systemId: system.id, csv: 'ma_giao_dich\ntxn_call2\n' };
      const plain = (await h.call('POST', '/api/v1/reconciliations', party)).json() as Json;
      assert.equal(plain.includeTokenRequests, false);
      assert.equal(plain.counts.platform, 1);
      assert.equal(plain.counts.matched, 1);
      const asked = (
        await h.call('POST', '/api/v1/reconciliations?includeTokenRequests=true', party)
      ).json() as Json;
      assert.equal(asked.counts.platform, 2);
      assert.deepEqual(
        asked.missingOnParty.map((e: Json) => [e.id, e.kind]),
        [['txn_token2', 'token_request']],
      );
    });

    test('CLI: lgsp reconcile reconciles the token request only with --include-token-requests', async () => {
      // The records of the test above: the system's service call (in the file) and its token request (not).
      await h.app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-token-records-'));
      try {
        const file = join(dir, 'ben-doi-soat.csv');
        writeFileSync(file, 'ma_giao_dich\ntxn_call2\n');
        const lgsp = async (...flags: string[]) => {
          const run = await runCli(
            ['reconcile', '--system', partySystemId, '--from', from, '--to', to, '--file', file, ...flags],
            adminEnv(url, h.token, dir),
          );
          assert.equal(run.code, 0, run.err);
          return run.out;
        };
        const plain = JSON.parse(await lgsp('--json'));
        assert.equal(plain.includeTokenRequests, false);
        assert.equal(plain.counts.platform, 1);
        assert.equal(plain.counts.missingOnParty, 0);
        const asked = JSON.parse(await lgsp('--json', '--include-token-requests'));
        assert.equal(asked.includeTokenRequests, true);
        assert.equal(asked.counts.platform, 2);
        assert.deepEqual(
          asked.missingOnParty.map((e: Json) => [e.id, e.kind]),
          [['txn_token2', 'token_request']],
        );
        // Printed: what was reconciled, and the token request named as such in the service column; --out the same.
        const out = join(dir, 'chenh-lech.csv');
        const printed = await lgsp('--include-token-requests', '--out', out);
        assert.match(printed, /Đối soát \/ Reconciled\s+lời gọi dịch vụ và yêu cầu cấp token/);
        assert.match(printed, /txn_token2.*Cấp token \(\/token\) \/ Token requests/);
        assert.match(readFileSync(out, 'utf8'), /txn_token2/);
        const without = await lgsp();
        assert.match(without, /Đối soát \/ Reconciled\s+lời gọi dịch vụ \/ service calls\n/);
        assert.doesNotMatch(without, /txn_token2|Cấp token/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('migration 0021 on a store with /token records of before', () => {
  test("old /token records become token_request, a service's own /token stays a call, the rollups are redone", async () => {
    const store = await PgliteStore.open('memory://');
    try {
      // The store as the version before this one left it: every migration up to 0020.
      await store.execScript(
        'CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)',
      );
      const [mine, ...later] = listMigrations().filter((m) => m.version >= '0021');
      assert.ok(mine?.version.startsWith('0021_'), "mine?.version.startsWith('0021_')");
      for (const m of listMigrations().filter((x) => x.version < '0021')) {
        await store.execScript(`${m.script}\n;INSERT INTO schema_migrations VALUES ('${m.version}', now());`);
      }
      const at = Date.parse('2026-11-24T03:10:00Z');
      const old = (id: string, template: string, serviceId: string | null) => sql`INSERT INTO transactions
        (id, service_id, method, resource_template, consumer_status, request_bytes, response_bytes,
         request_in_at, response_out_at, duration_ms, leg)
        VALUES (${id}, ${serviceId}, 'POST', ${template}, 200, 0, 0, ${new Date(at).toISOString()}::timestamptz,
         ${new Date(at).toISOString()}::timestamptz, 1, 'sync')`;
      await old('txn_token', '/token', null).execute(store.db);
      await old('txn_own_token', '/token', 'svc_auth').execute(store.db);
      await old('txn_call', '/congdan/{soDinhDanh}', 'svc_dancu').execute(store.db);
      // The rollup job had gone past that hour.
      await sql`INSERT INTO job_watermarks VALUES ('transaction_rollups', '2026-11-30T00:00:00Z', now())`.execute(
        store.db,
      );

      // 0021 and every migration after it run on the old store, in order.
      assert.deepEqual(await migrate(store), [mine!.version, ...later.map((m) => m.version)]);
      const { rows } = await sql<{
        id: string;
        kind: string;
      }>`SELECT id, kind FROM transactions ORDER BY id`.execute(store.db);
      assert.deepEqual(
        rows.map((r) => [r.id, r.kind]),
        [
          ['txn_call', 'service_call'],
          ['txn_own_token', 'service_call'],
          ['txn_token', 'token_request'],
        ],
      );
      const { rows: mark } = await sql<{
        value: Date | string;
      }>`SELECT value FROM job_watermarks WHERE name = 'transaction_rollups'`.execute(store.db);
      assert.equal(new Date(mark[0]!.value).toISOString(), '2026-11-24T03:00:00.000Z', 'back to that hour');
    } finally {
      await store.close();
    }
  });
});

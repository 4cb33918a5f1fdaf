import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createAdminApi } from '../src/api/server.ts';
import { Accounts } from '../src/control/accounts.ts';
import { loadConfig } from '../src/core/config.ts';
import { requestWorkflows } from '../src/platform.ts';
import { Alerts } from '../src/telemetry/alerts.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { TEST_KEK, testKeys } from './helpers/keys.ts';
import { seedProvince } from './helpers/seed.ts';
import { storeKinds } from './helpers/stores.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

const PASSWORD = 'version-change-test-password';
/** The snapshot poll interval: sandbox calls sooner than this after a test opened are not evidence. */
const POLL_MS = 100;
const pastPoll = () => new Promise((r) => setTimeout(r, POLL_MS + 50));

/**
 * Issue 10, item 1: changes to a published version go through review. An agency can no longer point
 * its published version somewhere else by PATCH; it proposes, the operator approves a sandbox test through the
 * real gateway (the sandbox serves the proposal, production the reviewed configuration), then applies it, and the
 * subscribed consumers are told.
 */
for (const kind of storeKinds) {
  describe(`version changes go through review (${kind})`, () => {
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let oldUpstream: Awaited<ReturnType<typeof startUpstream>>;
    let newUpstream: Awaited<ReturnType<typeof startUpstream>>;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let app: FastifyInstance;
    /** The provider agency (Công an tỉnh), another agency (Sở Tư pháp), a reviewer, the operator admin. */
    const token = { provider: '', other: '', reviewer: '', admin: '' };
    /** The operator's sandbox test client, subscribed to the version in the sandbox. */
    let tester: { consumerKey: string; consumerSecret: string };

    const call = (method: string, url: string, as: string, body?: unknown) =>
      app.inject({
        method: method as 'GET',
        url,
        headers: {
          authorization: `Bearer ${as}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
    const post = (path: string, as: string, body: unknown = {}) =>
      call('POST', `/api/v1/version-changes${path}`, as, body);
    const get = (path: string, as: string) => call('GET', `/api/v1/version-changes${path}`, as);

    const expectStatus = (res: LightMyRequestResponse, status: number): Json => {
      assert.equal(res.statusCode, status, res.body);
      return res.body ? (res.json() as Json) : {};
    };

    async function counts(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const table of ['version_change_requests', 'notices', 'notifications', 'audit_events'] as const) {
        const row = await h.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        out[table] = Number(row.n);
      }
      const state = await h.store.db.selectFrom('config_state').select('revision').executeTakeFirstOrThrow();
      out['revision'] = Number(state.revision);
      return out;
    }

    /** Refused with `code`, and nothing written: no row, no notice, no audit event, no revision bump. */
    async function expectRefused(res: Promise<LightMyRequestResponse>, status: number, code: string) {
      const before = await counts();
      const version = await h.registry.getVersion(seed.v1.id);
      const problem = expectStatus(await res, status);
      assert.equal(problem['code'], code, JSON.stringify(problem));
      assert.deepEqual(await counts(), before, `${code}: nothing written`);
      assert.deepEqual(await h.registry.getVersion(seed.v1.id), version, `${code}: the version is unchanged`);
      return problem;
    }

    /** One call through the gateway; which upstream answered it, by the requests each one saw. */
    async function through(
      credential: { consumerKey: string; consumerSecret: string },
      path: string,
    ): Promise<{ status: number; reached: 'old' | 'new' | null }> {
      await h.snapshots.refresh();
      const seenBefore = { old: oldUpstream.seen.length, new: newUpstream.seen.length };
      const bearer = await getToken(h.url, credential.consumerKey, credential.consumerSecret);
      const res = await fetch(`${h.url}/dancu/1.0${path}`, {
        headers: { authorization: `Bearer ${bearer}` },
      });
      await res.arrayBuffer();
      const reached =
        newUpstream.seen.length > seenBefore.new
          ? 'new'
          : oldUpstream.seen.length > seenBefore.old
            ? 'old'
            : null;
      return { status: res.status, reached };
    }
    const production = () => ({
      consumerKey: seed.credential.consumerKey,
      consumerSecret: seed.credential.consumerSecret,
    });

    before(async () => {
      oldUpstream = await startUpstream();
      newUpstream = await startUpstream();
      h = await startGatewayHarness(kind);
      seed = await seedProvince(h, oldUpstream.url);
      allowEgressTo(h.egress, newUpstream.url);
      const clock = { nowMs: () => Date.now() };
      const config = loadConfig({ env: {}, overrides: { snapshot: { pollIntervalMs: POLL_MS } } });
      const accounts = new Accounts(h.store, clock, 12, config.limits, TEST_KEK);
      app = await createAdminApi({
        config,
        store: h.store,
        registry: h.registry,
        lifecycle: h.lifecycle,
        accounts,
        ...requestWorkflows(h.store, h.registry, clock, config),
        alerts: new Alerts(h.store, clock, config.alerts, silentLogger()),
        logger: silentLogger(),
        clock,
        health: () => ({ status: 'ok' }),
        jwks: async () => ({ keys: [] }),
        ...testKeys(h.registry),
      });
      await accounts.ensureOperator(PASSWORD);
      token.admin = (await accounts.login('admin', PASSWORD)).token;
      const users = [
        ['ca-canbo', 'agency', seed.provider.id, 'provider'],
        ['stp-canbo', 'agency', seed.consumer.id, 'other'],
        ['thamdinh', 'operator_reviewer', null, 'reviewer'],
      ] as const;
      for (const [username, role, organizationId, who] of users) {
        await accounts.createUser(
          { username, displayName: username, password: PASSWORD, role, organizationId },
          'test',
        );
        token[who] = (await accounts.login(username, PASSWORD)).token;
      }
      // The operator's organization, which the onboarding helper created for its own sandbox test client.
      const testOrg = (await h.registry.listOrganizations()).find((o) => o.code === '000.00.17.H01');
      assert.ok(testOrg, 'testOrg');
      const testSystem = await h.registry.createSystem(
        {
          organizationId: testOrg.id,
          name: 'Công cụ kiểm thử thay đổi',
          isProvider: false,
          isConsumer: true,
        },
        'test',
      );
      tester = await h.registry.issueCredential(testSystem.id, 'sandbox', 'test');
      await h.registry.createSubscription(
        { systemId: testSystem.id, versionId: seed.v1.id, environment: 'sandbox' },
        'test',
      );
    });
    after(async () => {
      await app?.close();
      await h?.close();
      await oldUpstream?.close();
      await newUpstream?.close();
    });

    test("an agency's PATCH of a published version's upstreams or resources is refused; the gateway still forwards to the reviewed upstream", async () => {
      const patch = (body: unknown, as = token.provider) =>
        call('PATCH', `/api/v1/versions/${seed.v1.id}`, as, body);
      const problem = await expectRefused(
        patch({ upstreams: { production: `${newUpstream.url}/api/dancu` } }),
        409,
        'CP_VERSION_CHANGE_REVIEW_REQUIRED',
      );
      assert.match(problem['detail'], /upstreams\.production/);
      await expectRefused(
        patch({ resources: [{ method: '*', path: '/*' }] }),
        409,
        'CP_VERSION_CHANGE_REVIEW_REQUIRED',
      );
      // Loopback is refused by the egress policy before the review rule is asked (issue 10, no SSRF).
      await expectRefused(patch({ upstreams: { sandbox: 'http://127.0.0.1:1/' } }), 400, 'API_EGRESS_DENIED');
      // The same values as today, and descriptive fields, stay direct: only a change of where it forwards is reviewed.
      const current = await h.registry.getVersion(seed.v1.id);
      expectStatus(
        await patch({ upstreams: current.upstreams, resources: current.resources, protocol: 'REST' }),
        200,
      );
      assert.deepEqual((await through(production(), '/congdan/001099000001')).reached, 'old');
      // What consumers build against, and what the platform accepts, are not the agency's to change on a version in
      // use: the protocol (a new version changes it) and a larger body limit (the operator's). A lower limit stays
      // direct; an operator administrator may still raise it.
      await expectRefused(patch({ protocol: 'SOAP' }), 409, 'CP_VERSION_STATE');
      await expectRefused(patch({ requestBodyLimitBytes: 64 * 1024 * 1024 }), 403, 'API_FORBIDDEN');
      expectStatus(await patch({ requestBodyLimitBytes: 1024 * 1024 }), 200);
      await expectRefused(patch({ requestBodyLimitBytes: 2 * 1024 * 1024 }), 403, 'API_FORBIDDEN');
      await expectRefused(patch({ requestBodyLimitBytes: null }), 403, 'API_FORBIDDEN');
      expectStatus(await patch({ requestBodyLimitBytes: null }, token.admin), 200);
      const after = await h.registry.getVersion(seed.v1.id);
      assert.equal(after.protocol, 'REST');
      assert.equal(after.requestBodyLimitBytes, null);
    });

    test('propose → approve → sandbox serves the proposal, production the reviewed config → apply → production serves it, consumers told', async () => {
      const newProduction = `${newUpstream.url}/api/dancu`;
      const resources = [
        { method: 'GET', path: '/congdan/{soDinhDanh}' },
        { method: 'GET', path: '/moi/{ma}' },
      ];
      const proposal = {
        versionId: seed.v1.id,
        upstreams: { production: newProduction },
        resources,
        reason: 'Chuyển CSDL dân cư sang máy chủ mới / new server',
      };
      // Not the provider's version, not a reviewer's to propose; nothing changes, nor does an empty or bad one.
      await expectRefused(post('', token.other, proposal), 403, 'API_FORBIDDEN');
      await expectRefused(post('', token.reviewer, proposal), 403, 'API_FORBIDDEN');
      await expectRefused(
        post('', token.provider, {
          versionId: seed.v1.id,
          upstreams: { production: 'ftp://x' },
          reason: 'x',
        }),
        400,
        'CP_UPSTREAM_URL_INVALID',
      );
      // A proposal passes the egress policy too (issue 10, no SSRF): metadata and loopback are never proposed.
      for (const production of ['http://169.254.169.254/latest', 'http://localhost:9080/api/v1']) {
        await expectRefused(
          post('', token.provider, { versionId: seed.v1.id, upstreams: { production }, reason: 'x' }),
          400,
          'API_EGRESS_DENIED',
        );
      }
      await expectRefused(
        post('', token.provider, {
          versionId: seed.v1.id,
          upstreams: { production: (await h.registry.getVersion(seed.v1.id)).upstreams.production },
          reason: 'không đổi',
        }),
        400,
        'API_VALIDATION_FAILED',
      );

      const created = expectStatus(await post('', token.provider, proposal), 201);
      const id = created['id'] as string;
      assert.equal(created['status'], 'submitted');
      assert.equal(created['organizationId'], seed.provider.id);
      assert.deepEqual(created['proposed'], { upstreams: { production: newProduction }, resources });
      assert.equal(created['current']['upstreams']['production'], `${oldUpstream.url}/api/dancu`);
      assert.equal(created['sandboxTarget'], null);

      // IDOR: another agency neither sees nor acts on it.
      // Another organization's change is answered as an unknown id (docs/security.md §2.10).
      await expectRefused(get(`/${id}`, token.other), 404, 'CP_REQUEST_NOT_FOUND');
      await expectRefused(post(`/${id}/withdraw`, token.other), 404, 'CP_REQUEST_NOT_FOUND');
      assert.deepEqual(expectStatus(await get('', token.other), 200)['items'], []);
      assert.deepEqual(
        expectStatus(await get(`?organizationId=${seed.provider.id}`, token.other), 200)['items'],
        [],
      );
      assert.equal(expectStatus(await get(`/${id}`, token.provider), 200)['id'], id);
      assert.equal(expectStatus(await get('', token.provider), 200)['items'].length, 1);
      // Only reviewers decide; moves out of order are refused.
      await expectRefused(post(`/${id}/approve`, token.provider), 403, 'API_FORBIDDEN');
      await expectRefused(post(`/${id}/apply`, token.provider), 403, 'API_FORBIDDEN');
      await expectRefused(post(`/${id}/apply`, token.reviewer), 409, 'CP_REQUEST_STATE');
      // One open change per version: what is tested is what is applied.
      await expectRefused(post('', token.provider, proposal), 409, 'CP_VERSION_CHANGE_OPEN');

      // Submitted: nothing is served differently yet.
      assert.equal((await through(tester, '/congdan/001099000001')).reached, 'old');
      assert.equal((await through(tester, '/moi/1')).status, 404);

      const approved = expectStatus(await post(`/${id}/approve`, token.reviewer), 200);
      assert.equal(approved['status'], 'sandbox_test');
      assert.equal(approved['sandboxTarget'], newProduction);
      assert.equal(approved['decidedBy'] !== null, true);
      // The version's publishing evidence is older than the test: applying now is refused.
      await expectRefused(post(`/${id}/apply`, token.reviewer), 409, 'CP_VERSION_CHANGE_TEST_REQUIRED');

      // Production keeps the reviewed configuration: old upstream, old resources.
      assert.deepEqual(await through(production(), '/congdan/001099000001'), { status: 200, reached: 'old' });
      assert.equal((await through(production(), '/moi/1')).status, 404);
      // The sandbox serves the proposal: its target and its resources (from one poll interval on, evidence).
      await pastPoll();
      assert.deepEqual(await through(tester, '/moi/1'), { status: 200, reached: 'new' });
      assert.equal(newUpstream.seen.at(-1)?.url, '/api/dancu/moi/1');
      assert.equal((await through(tester, '/hoso')).status, 404, 'a resource the proposal drops');
      assert.deepEqual(
        (await h.registry.getVersion(seed.v1.id)).upstreams.production,
        `${oldUpstream.url}/api/dancu`,
      );

      // Apply, once the recorder has the sandbox call.
      await h.recorder.flush();
      const before = await counts();
      const applied = expectStatus(await post(`/${id}/apply`, token.reviewer), 200);
      assert.equal(applied['status'], 'applied');
      assert.match(applied['sandboxEvidenceTransactionId'], /^txn_/);
      assert.equal(applied['previous']['upstreams']['production'], `${oldUpstream.url}/api/dancu`);
      assert.equal(applied['current']['upstreams']['production'], newProduction);
      assert.deepEqual(applied['current']['resources'], resources);
      const after = await counts();
      assert.equal(after['notices']! - before['notices']!, 1, 'one public notice (R-19)');

      // Production now forwards to the new upstream, with the new resources.
      assert.deepEqual(await through(production(), '/congdan/001099000001'), { status: 200, reached: 'new' });
      assert.deepEqual(await through(production(), '/moi/2'), { status: 200, reached: 'new' });
      // The sandbox is back to its own upstream.
      assert.equal((await through(tester, '/congdan/001099000001')).reached, 'old');

      // The subscribed consumer organization was told (notice + e-mail to its contact point), the provider too.
      const notices = await h.store.db
        .selectFrom('notices')
        .selectAll()
        .where('version_id', '=', seed.v1.id)
        .orderBy('published_at', 'desc')
        .execute();
      assert.equal(notices[0]?.kind, 'endpoint_change');
      const told = await h.store.db
        .selectFrom('notifications')
        .selectAll()
        .where('event_type', '=', 'notice.endpoint_change')
        .execute();
      assert.ok(
        told.some((n) => n.channel === 'email' && n.recipient === 'stp@angiang.gov.vn'),
        JSON.stringify(told.map((n) => [n.channel, n.recipient])),
      );
      const decided = await h.store.db
        .selectFrom('notifications')
        .selectAll()
        .where('event_type', '=', 'version_change.applied')
        .execute();
      assert.ok(
        decided.some((n) => n.recipient === 'pc06@angiang.gov.vn'),
        "decided.some((n) => n.recipient === 'pc06@angiang.gov.vn')",
      );

      // Audited: the proposal, the decisions, the version's own update naming the change.
      const trail = (await h.registry.listAuditEvents({ objectId: id })).map((e) => e.action);
      assert.deepEqual(trail.sort(), [
        'version_change.apply',
        'version_change.approve',
        'version_change.propose',
      ]);
      const [versionEvent] = await h.registry.listAuditEvents({ objectId: seed.v1.id, limit: 1 });
      assert.equal(versionEvent?.action, 'version.update');
      assert.equal((versionEvent?.details as Json | undefined)?.['versionChangeId'], id);

      // An applied change moves no more.
      await expectRefused(
        post(`/${id}/reject`, token.reviewer, { reasons: ['muộn'] }),
        409,
        'CP_REQUEST_STATE',
      );
      await expectRefused(post(`/${id}/withdraw`, token.provider), 409, 'CP_REQUEST_STATE');
    });

    test('reject with reasons stops the sandbox test; the agency may withdraw; a draft is edited directly', async () => {
      const proposal = {
        versionId: seed.v1.id,
        upstreams: { production: `${newUpstream.url}/api/dancu-v2` },
        reason: 'Đổi đường dẫn / a new base path',
      };
      const first = expectStatus(await post('', token.provider, proposal), 201);
      expectStatus(await post(`/${first['id']}/approve`, token.reviewer), 200);
      assert.equal((await through(tester, '/congdan/1')).reached, 'new', 'the sandbox serves the proposal');
      assert.equal(newUpstream.seen.at(-1)?.url, '/api/dancu-v2/congdan/1');
      await expectRefused(
        post(`/${first['id']}/reject`, token.reviewer, { reasons: [] }),
        400,
        'API_VALIDATION_FAILED',
      );
      const rejected = expectStatus(
        await post(`/${first['id']}/reject`, token.reviewer, {
          reasons: ['Chưa có văn bản đề nghị / no letter'],
        }),
        200,
      );
      assert.equal(rejected['status'], 'rejected');
      assert.deepEqual(rejected['reasons'], ['Chưa có văn bản đề nghị / no letter']);
      assert.equal(
        (await through(tester, '/congdan/1')).reached,
        'old',
        'the sandbox is back to its own upstream',
      );
      assert.equal((await through(production(), '/congdan/1')).reached, 'new');
      const told = await h.store.db
        .selectFrom('notifications')
        .selectAll()
        .where('event_type', '=', 'version_change.rejected')
        .execute();
      assert.equal(told.filter((n) => n.channel === 'email').length, 1);

      const second = expectStatus(await post('', token.provider, proposal), 201);
      const withdrawn = expectStatus(await post(`/${second['id']}/withdraw`, token.provider), 200);
      assert.equal(withdrawn['status'], 'withdrawn');
      assert.equal(withdrawn['decidedBy'], null, 'not a decision');
      assert.equal(
        (await h.registry.getVersion(seed.v1.id)).upstreams.production,
        `${newUpstream.url}/api/dancu`,
      );
      // The withdrawn one no longer blocks a new proposal.
      const third = expectStatus(await post('', token.provider, proposal), 201);
      expectStatus(await post(`/${third['id']}/withdraw`, token.provider), 200);

      // A version that is not published is edited directly, not through a change.
      const draft = await h.registry.createVersion(seed.dancu.id, { version: '2.0' }, 'test');
      await expectRefused(
        post('', token.provider, { ...proposal, versionId: draft.id }),
        409,
        'CP_VERSION_STATE',
      );
      expectStatus(
        await call('PATCH', `/api/v1/versions/${draft.id}`, token.provider, {
          upstreams: { production: `${newUpstream.url}/v2` },
        }),
        200,
      );
    });

    test("an operator administrator's direct PATCH still works, and the audit keeps before and after", async () => {
      const res = await call('PATCH', `/api/v1/versions/${seed.v1.id}`, token.admin, {
        upstreams: { production: `${oldUpstream.url}/api/dancu` },
      });
      expectStatus(res, 200);
      const [event] = await h.registry.listAuditEvents({ objectId: seed.v1.id, limit: 1 });
      assert.equal(event?.action, 'version.update');
      assert.equal(event?.actor !== 'test', true);
      assert.deepEqual((event?.details as Json | undefined)?.['upstreams'], {
        before: { sandbox: `${oldUpstream.url}/sandbox/dancu`, production: `${newUpstream.url}/api/dancu` },
        after: { sandbox: `${oldUpstream.url}/sandbox/dancu`, production: `${oldUpstream.url}/api/dancu` },
      });
      assert.equal((await through(production(), '/congdan/1')).reached, 'old');
    });

    test('lgsp version-change: propose, approve, test through the gateway, apply, show', async () => {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      const dir = mkdtempSync(join(tmpdir(), 'lgsp-vchange-'));
      const lgsp = (as: string, args: string[], stdin?: string) =>
        runCli(args, adminEnv(url, as, dir), stdin === undefined ? {} : { stdin });
      try {
        const newProduction = `${newUpstream.url}/api/dancu`;
        const proposed = await lgsp(token.provider, [
          'version-change',
          'propose',
          '--version-id',
          seed.v1.id,
          '--production-url',
          newProduction,
          '--reason',
          'Máy chủ mới',
          '--json',
        ]);
        assert.equal(proposed.code, 0, proposed.err);
        const id = JSON.parse(proposed.out)['id'] as string;
        const early = await lgsp(token.reviewer, ['version-change', 'apply', id]);
        assert.equal(early.code, 1);
        assert.match(early.err, /CP_REQUEST_STATE \(HTTP 409\)/);
        // What to quote to the operator: the request's id, as the console shows it under a refusal.
        assert.match(early.err, /Mã giao dịch \/ Transaction id: api_[0-9a-z]+\n/);
        const approved = await lgsp(token.reviewer, ['version-change', 'approve', id]);
        assert.equal(approved.code, 0, approved.err);
        assert.match(approved.out, /đang thử nghiệm sandbox\/sandbox test/);
        await pastPoll();
        await h.snapshots.refresh();
        // A gateway that cannot be reached: the command says the test call got no result, and why (not an
        // "unexpected error").
        const unreachable = await lgsp(
          token.reviewer,
          [
            'version-change',
            'test',
            id,
            '--gateway',
            'http://127.0.0.1:1',
            '--key',
            tester.consumerKey,
            '--secret-stdin',
          ],
          tester.consumerSecret,
        );
        assert.equal(unreachable.code, 1, unreachable.out);
        assert.match(unreachable.err, /không có kết quả \/ The test call got no result: /);
        assert.doesNotMatch(unreachable.err, /Unexpected error/);
        const tested = await lgsp(
          token.reviewer,
          ['version-change', 'test', id, '--gateway', h.url, '--key', tester.consumerKey, '--secret-stdin'],
          tester.consumerSecret,
        );
        assert.equal(tested.code, 0, tested.err + tested.out);
        assert.equal(newUpstream.seen.at(-1)?.url, '/api/dancu/congdan/thu-nghiem');
        await h.recorder.flush();
        const applied = await lgsp(token.reviewer, ['version-change', 'apply', id]);
        assert.equal(applied.code, 0, applied.err);
        assert.match(applied.out, /đã áp dụng\/applied/);
        const shown = await lgsp(token.provider, ['version-change', 'show', id]);
        assert.match(shown.out, new RegExp(`${oldUpstream.url}/api/dancu → ${newProduction}`));
        assert.equal((await through(production(), '/congdan/1')).reached, 'new');
        const listed = await lgsp(token.other, ['version-change', 'list', '--json']);
        assert.deepEqual(JSON.parse(listed.out)['items'], [], 'another agency lists none of them');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

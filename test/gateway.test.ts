import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_LIFECYCLE_SETTINGS, Lifecycle } from '../src/control/lifecycle/index.ts';
import { ManualClock } from '../src/core/clock.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { getToken, rawRequest, startGatewayHarness, within } from './helpers/gateway-harness.ts';
import { seedProvince } from './helpers/seed.ts';
import { storeKinds } from './helpers/stores.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';

const CITIZEN_ID = '089201001234';

for (const kind of storeKinds) {
  describe(`gateway sync path on ${kind}`, () => {
    const clock = new ManualClock(Date.parse('2026-11-24T03:00:00Z')); // 10:00 in Vietnam
    let h: Awaited<ReturnType<typeof startGatewayHarness>>;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    let token: string;
    const call = (path: string, init: RequestInit = {}, bearer: string | null = token) =>
      fetch(`${h.url}${path}`, {
        ...init,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(init.headers as Record<string, string>),
        },
      });

    before(async () => {
      // `/cham` answers after 35 s: long after the gateway's 500 ms limit, whatever the machine's speed.
      upstream = await startUpstream({ slowMs: 35_000 });
      h = await startGatewayHarness(kind, { clock, upstreamTimeoutMs: 500 });
      seed = await seedProvince(h, upstream.url);
      await h.snapshots.refresh();
      token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
    });
    after(async () => {
      await h.close();
      await upstream.close();
    });

    test('POST /token answers the WSO2/NGSP shape, by Basic auth or by form fields', async () => {
      const basic = await fetch(`${h.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${seed.credential.consumerKey}:${seed.credential.consumerSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      assert.equal(basic.status, 200);
      assert.equal(basic.headers.get('cache-control'), 'no-store');
      const body = (await basic.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(body['token_type'], 'Bearer');
      assert.equal(body['expires_in'], 3600);
      assert.equal(body['scope'], 'am_application_scope default');

      const form = await fetch(`${h.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: seed.credential.consumerKey,
          client_secret: seed.credential.consumerSecret,
        }).toString(),
      });
      assert.equal(form.status, 200);
    });

    test('POST /token refuses with RFC 6749 errors', async () => {
      const post = (headers: Record<string, string>, body: string) =>
        fetch(`${h.url}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body,
        });
      const basic = (k: string, s: string) => ({
        authorization: `Basic ${Buffer.from(`${k}:${s}`).toString('base64')}`,
      });

      const wrongSecret = await post(
        basic(seed.credential.consumerKey, 'sai-mat-khau'),
        'grant_type=client_credentials',
      );
      assert.equal(wrongSecret.status, 401);
      assert.equal(wrongSecret.headers.get('www-authenticate'), 'Basic realm="lgsp"');
      assert.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client');

      const unknownKey = await post({}, 'grant_type=client_credentials&client_id=khongco&client_secret=x');
      assert.equal(((await unknownKey.json()) as { error: string }).error, 'invalid_client');

      const grant = await post(
        basic(seed.credential.consumerKey, seed.credential.consumerSecret),
        'grant_type=password',
      );
      assert.equal(grant.status, 400);
      assert.equal(((await grant.json()) as { error: string }).error, 'unsupported_grant_type');

      const missing = await post(basic(seed.credential.consumerKey, seed.credential.consumerSecret), '');
      assert.equal(missing.status, 400);
      assert.equal(((await missing.json()) as { error: string }).error, 'invalid_request');

      // RFC 6749 §3.1: a parameter sent twice is refused, whichever copy a proxy in front would have read.
      const { consumerKey, consumerSecret } = seed.credential;
      for (const body of [
        `grant_type=client_credentials&client_id=${consumerKey}&client_id=khac&client_secret=${consumerSecret}`,
        `grant_type=password&grant_type=client_credentials&client_id=${consumerKey}&client_secret=${consumerSecret}`,
        `grant_type=client_credentials&client_id=${consumerKey}&client_secret=${consumerSecret}&client_secret=x`,
      ]) {
        const twice = await post({}, body);
        assert.equal(twice.status, 400, body);
        const answer = (await twice.json()) as { error: string; error_description: string };
        assert.equal(answer.error, 'invalid_request');
        assert.match(
          answer.error_description,
          /lặp lại \/ a parameter is repeated: (client_id|grant_type|client_secret)$/,
        );
      }
      const basicTwice = await post(
        basic(seed.credential.consumerKey, seed.credential.consumerSecret),
        'grant_type=client_credentials&grant_type=client_credentials',
      );
      assert.equal(basicTwice.status, 400);
    });

    test('a subscribed call is forwarded with identity headers; the answer comes back untouched', async () => {
      // No Connection header here: Node's own fetch refuses one with tokens (`keep-alive, x-hop`) — it went through
      // only when undici's npm package, loaded first, had made itself the global dispatcher. The raw request below
      // sends it.
      const res = await call(`/dancu/1.0/congdan/${CITIZEN_ID}?hoTen=An`, {
        headers: { 'x-lgsp-consumer-system': 'gia-mao' },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-provider'), 'echo');
      const txnId = res.headers.get('x-lgsp-transaction-id');
      assert.match(txnId ?? '', /^txn_/);
      const body = (await res.json()) as { hoTen: string; seen: { url: string } };
      assert.equal(body.hoTen, 'Nguyễn Văn An');
      assert.equal(body.seen.url, `/api/dancu/congdan/${CITIZEN_ID}?hoTen=An`);
      const seen = upstream.seen.at(-1)!;
      assert.equal(seen.headers['x-lgsp-transaction-id'], txnId);
      assert.equal(
        seen.headers['x-lgsp-consumer-system'],
        seed.consumerSystem.id,
        'a consumer cannot spoof its identity',
      );
      assert.equal(seen.headers['x-lgsp-consumer-organization'], '000.00.12.H01');
      assert.equal(seen.headers['x-lgsp-environment'], 'production');
      assert.equal(seen.headers.authorization, undefined, 'the LGSP token never reaches the provider');
      assert.match(String(seen.headers['x-forwarded-for']), /127\.0\.0\.1/);
      assert.equal(seen.headers['x-forwarded-proto'], 'http');

      // fetch will not send Connection: a raw request shows that the fields it names are not forwarded.
      const raw = await rawRequest(h.url, `/dancu/1.0/congdan/${CITIZEN_ID}`, {
        authorization: `Bearer ${token}`,
        connection: 'keep-alive, x-hop',
        'x-hop': '1',
        te: 'trailers',
      });
      assert.equal(raw.status, 200);
      assert.equal(
        upstream.seen.at(-1)!.headers['x-hop'],
        undefined,
        'headers named in Connection are hop-by-hop',
      );
      assert.equal(upstream.seen.at(-1)!.headers.te, undefined);
    });

    test('a call to the version root reaches the provider at its base path', async () => {
      await h.registry.updateVersion(
        seed.v1.id,
        {
          resources: [
            { method: 'GET', path: '/congdan/{soDinhDanh}' },
            { method: 'POST', path: '/hoso' },
            { method: 'POST', path: '/xml' },
            { method: 'GET', path: '/cham' },
            { method: 'GET', path: '/dong' },
            { method: 'GET', path: '/*' },
          ],
        },
        'test',
      );
      await h.snapshots.refresh();
      for (const [path, seenUrl] of [
        ['/dancu/1.0', '/api/dancu/'],
        ['/dancu/1.0?x=1', '/api/dancu/?x=1'],
        ['/dancu/1.0/', '/api/dancu/'],
      ]) {
        const res = await call(path!);
        assert.equal(res.status, 200, path);
        assert.equal(((await res.json()) as { seen: { url: string } }).seen.url, seenUrl);
      }
      await h.registry.updateVersion(seed.v1.id, { resources: seed.v1.resources }, 'test');
      await h.snapshots.refresh();
    });

    test('request and response bodies stream through; JSON and SOAP/XML untouched; hashes recorded', async () => {
      const payload = JSON.stringify({
        hoSo: 'Đăng ký khai sinh',
        soDinhDanh: CITIZEN_ID,
        padding: 'x'.repeat(200_000),
      });
      const res = await call('/dancu/1.0/hoso', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
      });
      assert.equal(res.status, 200);
      const text = await res.text();
      const seen = upstream.seen.at(-1)!;
      assert.equal(seen.bodySha256, createHash('sha256').update(payload).digest('hex'));
      const xml = await call('/dancu/1.0/xml', {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'KiemTra' },
        body: '<soap:Envelope/>',
      });
      assert.equal(xml.headers.get('content-type'), 'text/xml; charset=utf-8');
      assert.match(await xml.text(), /<KetQua>Hợp lệ<\/KetQua>/);

      const txnId = res.headers.get('x-lgsp-transaction-id')!;
      await h.recorder.flush();
      const { items } = await queryTransactions(h.store, {
        consumerSystemId: seed.consumerSystem.id,
        limit: 1000,
      });
      const rec = items.find((t) => t.id === txnId)!;
      assert.equal(rec.requestSha256, createHash('sha256').update(payload).digest('hex'));
      assert.equal(rec.requestBytes, Buffer.byteLength(payload));
      assert.equal(rec.responseSha256, createHash('sha256').update(text).digest('hex'));
      assert.equal(rec.resourceTemplate, '/hoso');
    });

    test('each call is recorded once with both legs, the template and no payload or raw path', async () => {
      const res = await call(`/dancu/1.0/congdan/${CITIZEN_ID}`);
      const txnId = res.headers.get('x-lgsp-transaction-id')!;
      const text = await res.text();
      await h.recorder.flush();
      const { items } = await queryTransactions(h.store, { limit: 1000 });
      const rec = items.find((t) => t.id === txnId)!;
      // An answer of one chunk is hashed in one shot (forward-handler.ts): the same SHA-256 as any other.
      assert.equal(rec.responseSha256, createHash('sha256').update(text).digest('hex'));
      assert.equal(rec.responseBytes, Buffer.byteLength(text));
      assert.equal(rec.resourceTemplate, '/congdan/{soDinhDanh}');
      assert.equal(rec.providerStatus, 200);
      assert.equal(rec.consumerStatus, 200);
      assert.equal(rec.consumer.systemId, seed.consumerSystem.id);
      assert.equal(rec.consumer.organizationCode, '000.00.12.H01');
      assert.equal(rec.provider.systemId, seed.providerSystem.id);
      assert.equal(rec.provider.organizationCode, '000.00.31.H01');
      assert.equal(rec.service.context, 'dancu');
      assert.equal(rec.environment, 'production');
      for (const t of [rec.requestInAt, rec.requestOutAt, rec.responseInAt, rec.responseOutAt])
        assert.ok(t, 'all four timestamps');
      assert.ok(
        rec.requestInAt <= rec.requestOutAt! && rec.responseInAt! <= rec.responseOutAt,
        'rec.requestInAt <= rec.requestOutAt! && rec.responseInAt! <= rec.responseOutAt',
      );
      // R-02: neither the citizen id in the path nor the body appears anywhere in the records.
      const dump = JSON.stringify(items);
      assert.ok(!dump.includes(CITIZEN_ID), 'no raw path or body in records');
      assert.ok(!dump.includes('Nguyễn Văn An'), "!dump.includes('Nguyễn Văn An')");
      assert.equal(items.filter((t) => t.id === txnId).length, 1);
    });

    test('a service the system did not subscribe to → 403 problem+json', async () => {
      const res = await call('/thue/1.0/masothue/123');
      assert.equal(res.status, 403);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = (await res.json()) as { code: string; transactionId: string; status: number };
      assert.equal(problem.code, 'GW_SUBSCRIPTION_REQUIRED');
      assert.equal(problem.status, 403);
      assert.equal(problem.transactionId, res.headers.get('x-lgsp-transaction-id'));
      // This caller's refusal only: kept by no cache, read as nothing but JSON.
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    });

    test('no token, a bad token, an expired token → 401 with stable codes', async () => {
      const none = await call('/dancu/1.0/congdan/1', {}, null);
      assert.equal(none.status, 401);
      assert.equal(((await none.json()) as { code: string }).code, 'GW_TOKEN_MISSING');
      const bad = await call('/dancu/1.0/congdan/1', {}, 'abc.def.ghi');
      assert.equal(((await bad.json()) as { code: string }).code, 'GW_TOKEN_INVALID');
      const tampered = await call('/dancu/1.0/congdan/1', {}, `${token.slice(0, -4)}AAAA`);
      assert.equal(tampered.status, 401);

      const fresh = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      assert.equal((await call('/dancu/1.0/congdan/1', {}, fresh)).status, 200);
      clock.advance(3601_000);
      try {
        const expired = await call('/dancu/1.0/congdan/1', {}, fresh);
        assert.equal(expired.status, 401);
        assert.equal(((await expired.json()) as { code: string }).code, 'GW_TOKEN_EXPIRED');
      } finally {
        clock.advance(-3601_000);
      }
    });

    test('unknown route, undeclared resource, path traversal → 404/404/400', async () => {
      assert.equal(
        ((await (await call('/khongco/1.0/x')).json()) as { code: string }).code,
        'GW_ROUTE_NOT_FOUND',
      );
      assert.equal(
        ((await (await call('/dancu/9.9/congdan/1')).json()) as { code: string }).code,
        'GW_ROUTE_NOT_FOUND',
      );
      assert.equal(
        ((await (await call('/dancu/1.0/khac/1')).json()) as { code: string }).code,
        'GW_RESOURCE_NOT_FOUND',
      );
      assert.equal(
        ((await (await call('/dancu/1.0/congdan/1', { method: 'DELETE' })).json()) as { code: string }).code,
        'GW_RESOURCE_NOT_FOUND',
      );
      for (const path of [
        '/dancu/1.0/congdan/..',
        '/dancu/1.0/congdan/%2e%2e',
        '/dancu/1.0/congdan/a%2F..%2F..',
      ]) {
        const traversal = await rawRequest(h.url, path, { authorization: `Bearer ${token}` });
        assert.equal(traversal.status, 400, path);
        assert.equal((JSON.parse(traversal.body) as { code: string }).code, 'GW_PATH_INVALID');
      }
    });

    test('quota per minute → 429 with Retry-After; time of use → 403', async () => {
      const other = await h.registry.createSystem(
        { organizationId: seed.consumer.id, name: 'Cổng dịch vụ công', isProvider: false, isConsumer: true },
        'test',
      );
      const sub = await h.registry.createSubscription(
        { systemId: other.id, versionId: seed.v1.id, environment: 'production', quotaPerMinute: 2 },
        'test',
      );
      const cred = await h.registry.issueCredential(other.id, 'production', 'test');
      await h.snapshots.refresh();
      const t = await getToken(h.url, cred.consumerKey, cred.consumerSecret);
      assert.equal((await call('/dancu/1.0/congdan/1', {}, t)).status, 200);
      assert.equal((await call('/dancu/1.0/congdan/1', {}, t)).status, 200);
      const third = await call('/dancu/1.0/congdan/1', {}, t);
      assert.equal(third.status, 429);
      const retryAfter = Number(third.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      const quotaProblem = (await third.json()) as { code: string; detail: string };
      assert.equal(quotaProblem.code, 'GW_QUOTA_EXCEEDED');
      assert.equal(
        quotaProblem.detail,
        'Đã hết hạn mức số lần gọi trong phút này / the per-minute quota is used up',
        'the detail says which quota, Vietnamese first (it said "minute")',
      );

      // 10:00 local now; a 13:00–17:00 window refuses, a window passing midnight that covers 10:00 allows.
      await h.registry.updateSubscription(sub.id, { quotaPerMinute: null, timeOfUse: '13:00-17:00' }, 'test');
      await h.snapshots.refresh();
      const outside = await call('/dancu/1.0/congdan/1', {}, t);
      assert.equal(outside.status, 403);
      assert.equal(((await outside.json()) as { code: string }).code, 'GW_OUTSIDE_TIME_WINDOW');
      await h.registry.updateSubscription(sub.id, { timeOfUse: '22:00-11:00' }, 'test');
      await h.snapshots.refresh();
      assert.equal((await call('/dancu/1.0/congdan/1', {}, t)).status, 200);
    });

    test('a provider slower than the limit → 504; an unreachable one → 502', async () => {
      const started = Date.now();
      const slow = await call('/dancu/1.0/cham');
      const elapsed = Date.now() - started;
      assert.equal(slow.status, 504);
      assert.equal(((await slow.json()) as { code: string }).code, 'GW_UPSTREAM_TIMEOUT');
      assert.ok(elapsed >= 450 && elapsed < 35_000, `504 after ${elapsed} ms with a 500 ms limit`);

      allowEgressTo(h.egress, 'http://127.0.0.1:9'); // the discard port: nothing answers there
      await h.registry.updateVersion(
        seed.v1.id,
        { upstreams: { production: 'http://127.0.0.1:9/api/dancu' } },
        'test',
      );
      await h.snapshots.refresh();
      try {
        const down = await call('/dancu/1.0/congdan/1');
        assert.equal(down.status, 502);
        assert.equal(((await down.json()) as { code: string }).code, 'GW_UPSTREAM_UNREACHABLE');
      } finally {
        await h.registry.updateVersion(
          seed.v1.id,
          { upstreams: { production: `${upstream.url}/api/dancu` } },
          'test',
        );
        await h.snapshots.refresh();
      }
    });

    test('suspending the subscription and revoking the credential take effect within 1 s, no restart', async () => {
      const own = await h.registry.createSystem(
        { organizationId: seed.consumer.id, name: 'Một cửa điện tử', isProvider: false, isConsumer: true },
        'test',
      );
      const sub = await h.registry.createSubscription(
        { systemId: own.id, versionId: seed.v1.id, environment: 'production' },
        'test',
      );
      const cred = await h.registry.issueCredential(own.id, 'production', 'test');
      await h.snapshots.refresh();
      const t = await getToken(h.url, cred.consumerKey, cred.consumerSecret);
      assert.equal((await call('/dancu/1.0/congdan/1', {}, t)).status, 200);

      await h.registry.updateSubscription(sub.id, { status: 'suspended' }, 'test');
      await within(1_000, async () => (await call('/dancu/1.0/congdan/1', {}, t)).status === 403);
      await h.registry.updateSubscription(sub.id, { status: 'active' }, 'test');
      await within(1_000, async () => (await call('/dancu/1.0/congdan/1', {}, t)).status === 200);

      await h.registry.revokeCredential(cred.id, 'test', 'kiểm thử');
      await within(1_000, async () => (await call('/dancu/1.0/congdan/1', {}, t)).status === 401);
      const after = await call('/dancu/1.0/congdan/1', {}, t);
      assert.equal(((await after.json()) as { code: string }).code, 'GW_CREDENTIAL_REVOKED');
      const tokenAgain = await fetch(`${h.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${cred.consumerKey}&client_secret=${cred.consumerSecret}`,
      });
      assert.equal(tokenAgain.status, 401);
    });

    test('a consumer that hangs up, mid-answer or before it, is recorded as 499 and the gateway carries on', async () => {
      const { hostname, port } = new URL(h.url);
      const hangUp = (path: string, afterFirstChunk: boolean) =>
        new Promise<string>((resolve, reject) => {
          const req = request(
            { hostname, port, path, agent: false, headers: { authorization: `Bearer ${token}` } },
            (res) => {
              const id = String(res.headers['x-lgsp-transaction-id']);
              res.once('data', () => {
                req.destroy();
                resolve(id);
              });
            },
          );
          req.on('error', () => {});
          // Hang up before the answer once the provider has the call (an event, not a guess at a delay).
          if (!afterFirstChunk) {
            const seen = upstream.seen.length;
            within(10_000, async () => upstream.seen.slice(seen).some((r) => r.url.endsWith('/cham')))
              .then(() => {
                req.destroy();
                resolve('');
              })
              .catch(reject);
          }
          req.on('close', () => undefined);
          req.end();
          req.on('error', reject);
        });
      const midAnswer = await hangUp('/dancu/1.0/dong', true);
      await hangUp('/dancu/1.0/cham', false);
      assert.equal((await call('/dancu/1.0/congdan/1')).status, 200, 'the gateway is still up');
      // Both hang-ups are recorded when the gateway sees the connections close: wait for that, not for a time.
      let items: Awaited<ReturnType<typeof queryTransactions>>['items'] = [];
      await within(10_000, async () => {
        await h.recorder.flush();
        items = (await queryTransactions(h.store, { errorCode: 'GW_CLIENT_CLOSED', limit: 100 })).items;
        return items.some((t) => t.id === midAnswer) && items.some((t) => t.resourceTemplate === '/cham');
      });
      const mid = items.find((t) => t.id === midAnswer)!;
      assert.equal(mid.consumerStatus, 499);
      assert.ok(
        mid.responseBytes > 0 && mid.responseBytes < 100 * 16_384,
        `${mid.responseBytes} bytes relayed before the hang-up`,
      );
      assert.ok(
        items.some((t) => t.resourceTemplate === '/cham'),
        'the hang-up before the answer is recorded too',
      );
    });

    test('refused calls are recorded too, with their error code and no provider leg', async () => {
      const res = await call('/thue/1.0/masothue/0312345678');
      const txnId = res.headers.get('x-lgsp-transaction-id')!;
      await res.text();
      await h.recorder.flush();
      const { items } = await queryTransactions(h.store, { status: '4xx', limit: 1000 });
      const rec = items.find((t) => t.id === txnId)!;
      assert.equal(rec.errorCode, 'GW_SUBSCRIPTION_REQUIRED');
      assert.equal(rec.consumerStatus, 403);
      assert.equal(rec.requestOutAt, null);
      assert.equal(rec.providerStatus, null);
      assert.ok(!JSON.stringify(rec).includes('0312345678'), "!JSON.stringify(rec).includes('0312345678')");
    });

    test('maintenance windows are judged on the platform’s clock, not the database server’s (R-24)', async () => {
      // This suite's clock is days behind the database server's (as a drifted server's would be): a window current
      // by the platform's clock ended days ago by the database's, and must still close the service; one current by
      // the database's clock alone closes nothing.
      const saved = clock.nowMs();
      const databaseNow = Date.now();
      assert.ok(saved < databaseNow - 2 * 86_400_000, 'the platform’s clock is days behind the database’s');
      const hourNotice = new Lifecycle(h.store, h.registry, clock, {
        ...DEFAULT_LIFECYCLE_SETTINGS,
        maintenanceMinNoticeHours: 1,
      });
      const announce = (startsAtMs: number, endsAtMs: number, title: string) =>
        hourNotice.announceMaintenance(
          {
            serviceId: seed.dancu.id,
            startsAt: new Date(startsAtMs).toISOString(),
            endsAt: new Date(endsAtMs).toISOString(),
            title,
            body: 'Nâng cấp máy chủ',
          },
          'test',
        );
      const callNow = async () =>
        call(
          '/dancu/1.0/congdan/1',
          {},
          await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret),
        );
      try {
        await announce(saved + 3_600_000, saved + 7_200_000, 'Bảo trì theo giờ nền tảng');
        await announce(databaseNow - 600_000, databaseNow + 600_000, 'Bảo trì theo giờ máy chủ CSDL');
        await h.snapshots.refresh();
        assert.equal((await callNow()).status, 200, 'current by the database’s clock only: served');
        clock.advance(3_600_000 + 60_000);
        const during = await callNow();
        assert.equal(during.status, 503, 'inside the window by the platform’s clock');
        assert.equal(((await during.json()) as { code: string }).code, 'GW_MAINTENANCE');
        clock.advance(3_600_000);
        assert.equal((await callNow()).status, 200, 'after the window');
      } finally {
        clock.set(saved);
      }
    });

    test('a token revoked at /revoke stays refused while it would still be valid by the platform’s clock (RFC 7009)', async () => {
      // Its expiry, an hour after this suite's clock, is long past by the database server's: the snapshot must
      // still list it, as the gateway would otherwise accept it again.
      const revoked = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
      const answer = await fetch(`${h.url}/revoke`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${seed.credential.consumerKey}:${seed.credential.consumerSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token: revoked }).toString(),
      });
      assert.equal(answer.status, 200, await answer.text());
      const after = await call('/dancu/1.0/congdan/1', {}, revoked);
      assert.equal(after.status, 401);
      assert.equal(((await after.json()) as { code: string }).code, 'GW_TOKEN_REVOKED');
    });
  });
}

import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { DemoInfo } from '../src/cli/demo.ts';
import { freeLoopbackPort } from '../src/cli/demo-federation.ts';
import { holdPort, startDemo } from './helpers/demo-process.ts';
import { getToken, within } from './helpers/gateway-harness.ts';

const portOf = (url: string) => Number(new URL(url).port);

/** The issue's "Must show", through `lgsp demo --json` run as a separate process, as an agency would see it. */
test("the demo's chain ports are chosen below the ephemeral ports, so no outgoing connection takes one before it binds", async () => {
  const ports = await Promise.all(Array.from({ length: 20 }, () => freeLoopbackPort()));
  // Nor where the suite's own processes claim theirs (helpers/platform-process.ts: 20000–32000).
  for (const port of ports) assert.ok(port >= 10_000 && port < 20_000, `port ${port}`);
});

describe('lgsp demo', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let info: DemoInfo;
  let adminToken: string;
  const ADMIN_PASSWORD = 'mat-khau-demo-kiem-thu';
  /** The demo's preferred ports, held as `npm start` would hold them (issue 11: the demo beside a platform). */
  let busyGateway: { server: Server; port: number };
  let busyAdmin: { server: Server; port: number };

  before(async () => {
    busyGateway = await holdPort('0.0.0.0');
    busyAdmin = await holdPort('127.0.0.1');
    // Started as a user starts it beside `npm start`: no port set, its preferred ones busy.
    demo = await startDemo({
      LGSP_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LGSP_GATEWAY_PORT: undefined,
      LGSP_ADMIN_PORT: undefined,
      LGSP_DEMO_DEFAULT_GATEWAY_PORT: String(busyGateway.port),
      LGSP_DEMO_DEFAULT_ADMIN_PORT: String(busyAdmin.port),
    });
    info = demo.info;
    const login = await fetch(`${info.adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    assert.equal(login.status, 200);
    adminToken = ((await login.json()) as { token: string }).token;
  });
  after(async () => {
    busyGateway?.server.close();
    busyAdmin?.server.close();
    assert.equal(await demo.stop(), 0, 'the demo stops cleanly on Ctrl+C');
  });

  test('default ports busy: the demo starts on free ones, says so, and prints the console and portal', async () => {
    assert.notEqual(portOf(info.gatewayUrl), busyGateway.port);
    assert.notEqual(portOf(info.adminUrl), busyAdmin.port);
    // The human lines follow the JSON line; wait until the last of them is there.
    for (let i = 0; i < 100 && !demo.output().includes('Ctrl+C'); i++)
      await new Promise((r) => setTimeout(r, 100));
    const out = demo.output();
    assert.match(
      out,
      new RegExp(
        `Cổng kết nối / gateway ${busyGateway.port} đang bận .*dùng cổng ${portOf(info.gatewayUrl)}`,
      ),
    );
    assert.match(
      out,
      new RegExp(`Cổng quản trị / admin ${busyAdmin.port} đang bận .*dùng cổng ${portOf(info.adminUrl)}`),
    );
    assert.ok(out.includes(`Bảng điều khiển / Console: ${info.adminUrl}/`), out);
    assert.ok(out.includes(`Cổng thông tin / Portal:   ${info.adminUrl}/portal`), out);
    const branding = await fetch(`${info.adminUrl}/api/v1/public/branding`);
    assert.equal(branding.status, 200, 'the demo’s own admin port answers');
  });

  test('--json: the first stdout line is exactly one JSON object with the agreed keys', () => {
    assert.deepEqual(Object.keys(JSON.parse(demo.firstLine)).sort(), [
      'adminUrl',
      'aggregatePath',
      'allowedPath',
      'categoriesPath',
      'consumerKey',
      'consumerSecret',
      'directUrl',
      'federatedPath',
      'federationChain',
      'forbiddenPath',
      'gatewayUrl',
      'lgspAccessToken',
    ]);
    for (const key of ['gatewayUrl', 'adminUrl', 'directUrl'] as const)
      assert.match(info[key], /^http:\/\/127\.0\.0\.1:\d+/);
  });

  test('the "e-mail notifications disabled" and "scheduled backups are off" warnings are written once, by the demo’s platform, not once per simulated peer', () => {
    for (const warning of ['e-mail notifications disabled', 'scheduled backups are off']) {
      const lines = demo
        .output()
        .split('\n')
        .filter((line) => line.includes(warning));
      assert.equal(lines.length, 1, `${warning}: ${demo.output()}`);
    }
  });

  test('categoriesPath → 200 JSON listing at least 3 shared category lists (issue 12 item 7)', async () => {
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    const res = await fetch(`${info.gatewayUrl}${info.categoriesPath}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { Data: Array<{ CategoryCode: string }> };
    assert.ok(body.Data.length >= 3, 'body.Data.length >= 3');
    assert.ok(
      body.Data.some((c) => c.CategoryCode === 'DANTOC'),
      "body.Data.some((c) => c.CategoryCode === 'DANTOC')",
    );
  });

  test('token + allowedPath → the provider answer, the same as calling it directly', async () => {
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    const viaGateway = await fetch(`${info.gatewayUrl}${info.allowedPath}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(viaGateway.status, 200);
    const direct = await fetch(info.directUrl);
    assert.deepEqual(await viaGateway.json(), await direct.json());
  });

  test('allowedPath with only `lgspaccesstoken: <lgspAccessToken>` → 200, the same answer (issue 12 item 8)', async () => {
    const res = await fetch(`${info.gatewayUrl}${info.allowedPath}`, {
      headers: { lgspaccesstoken: info.lgspAccessToken },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), await (await fetch(info.directUrl)).json());
  });

  test('aggregatePath → 200 JSON from two providers, X-LGSP-Completed: true (R-17)', async () => {
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    const res = await fetch(`${info.gatewayUrl}${info.aggregatePath}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-lgsp-completed'), 'true');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as {
      congDan: { duLieu: { hoTen: string } };
      doanhNghiep: { maSoThue: string };
    };
    assert.ok(body.congDan.duLieu.hoTen, 'body.congDan.duLieu.hoTen');
    assert.equal(body.doanhNghiep.maSoThue, info.aggregatePath.split('/').pop());
  });

  test('federatedPath → 200 through two hops, demo → NDXP → Đồng Tháp; every platform records the verified chain (issue 12, R-15)', async () => {
    assert.deepEqual(
      info.federationChain.map((p) => p.code),
      ['ndxp-demo', 'lgsp-dongthap'],
      'the intermediate playing NDXP, then the province that answers',
    );
    const ports = new Set([info.gatewayUrl, ...info.federationChain.map((p) => p.gatewayUrl)]);
    assert.equal(ports.size, 3, 'three platforms, each with its own gateway');
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    const res = await fetch(`${info.gatewayUrl}${info.federatedPath}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text) as {
      duLieu: { soGiayKhaiSinh: string; noiDangKy: string };
      coQuanKhaiThacGoc: string;
      nenTangChuyenTiep: string;
    };
    assert.equal(body.duLieu.soGiayKhaiSinh, info.federatedPath?.split('/').pop());
    assert.match(body.duLieu.noiDangKy, /Đồng Tháp/);
    // Đồng Tháp's provider learnt the original consumer (Sở Tư pháp An Giang) and the platform that called it last.
    assert.equal(body.coQuanKhaiThacGoc, '000.00.12.H01');
    assert.equal(body.nenTangChuyenTiep, 'ndxp-demo');
    assert.match(res.headers.get('x-lgsp-request-hash') ?? '', /^sha-256=:/);
    const txnId = res.headers.get('x-lgsp-transaction-id')!;

    // Every platform's admin API takes the demo's operator login (federationChain's documented promise).
    const login = async (adminUrl: string) => {
      if (adminUrl === info.adminUrl) return adminToken;
      const r = await fetch(`${adminUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      assert.equal(r.status, 200, adminUrl);
      return ((await r.json()) as { token: string }).token;
    };
    const adminOf = async (adminUrl: string) => {
      const bearer = await login(adminUrl);
      return async <T>(path: string) =>
        (await (
          await fetch(`${adminUrl}${path}`, { headers: { authorization: `Bearer ${bearer}` } })
        ).json()) as T;
    };
    type Rec = {
      id: string;
      consumerStatus: number;
      consumer: { organizationCode: string };
      federation: {
        peerId: string;
        representedOrganizationCode: string;
        endToEndId: string;
        evidence: {
          direction: string;
          signatures?: string;
          answerBound?: boolean;
          requestHash: string;
          hops: Array<{ label: string; verified: boolean | null }>;
        };
      } | null;
    };
    const recordOf = async (adminUrl: string) => {
      const admin = await adminOf(adminUrl);
      let rec: Rec | undefined;
      await within(5_000, async () => {
        rec = (await admin<{ items: Rec[] }>('/api/v1/transactions?limit=100')).items.find(
          (t) => t.federation?.endToEndId === txnId,
        );
        return rec !== undefined;
      });
      assert.ok(rec, `${adminUrl} recorded the call ${txnId}`);
      const peers = (await admin<{ items: Array<{ id: string; code: string }> }>('/api/v1/peers')).items;
      return { rec, peerCode: peers.find((p) => p.id === rec!.federation?.peerId)?.code };
    };
    const [ndxp, dongThap] = info.federationChain;
    const [atDemo, atNdxp, atDongThap] = await Promise.all([
      recordOf(info.adminUrl),
      recordOf(ndxp!.adminUrl),
      recordOf(dongThap!.adminUrl),
    ]);
    const hops = (r: Rec) => r.federation!.evidence.hops.map((h) => [h.label, h.verified]);

    assert.equal(atDemo.rec.id, txnId, 'the end-to-end id is the demo’s record id');
    assert.equal(atDemo.peerCode, 'ndxp-demo', 'the demo forwarded to the intermediate');
    assert.equal(atDemo.rec.federation!.evidence.direction, 'outbound');
    assert.deepEqual(hops(atDemo.rec), [['lgsp', null]], 'the demo signed the first hop');
    assert.equal(atDemo.rec.federation!.evidence.answerBound, true, 'the answer carried our request hash');

    assert.equal(
      atNdxp.peerCode,
      'lgsp',
      'NDXP was called by the demo (and forwarded on: its hop is signed)',
    );
    assert.equal(atNdxp.rec.consumer.organizationCode, 'lgsp');
    assert.equal(atNdxp.rec.federation!.evidence.signatures, 'verified');
    assert.deepEqual(hops(atNdxp.rec), [
      ['lgsp', true],
      ['ndxp-demo', null],
    ]);

    assert.equal(atDongThap.peerCode, 'ndxp-demo', 'Đồng Tháp was called by the intermediate');
    assert.equal(atDongThap.rec.consumer.organizationCode, 'ndxp-demo');
    assert.equal(atDongThap.rec.federation!.evidence.signatures, 'verified');
    assert.deepEqual(
      hops(atDongThap.rec),
      [
        ['lgsp', true],
        ['ndxp-demo', true],
      ],
      'two verified hops in the final platform’s record',
    );
    for (const { rec } of [atDemo, atNdxp, atDongThap]) {
      assert.equal(rec.consumerStatus, 200);
      assert.equal(rec.federation!.representedOrganizationCode, '000.00.12.H01');
    }
    assert.equal(
      new Set([atDemo, atNdxp, atDongThap].map(({ rec }) => rec.federation!.evidence.requestHash)).size,
      1,
      'one request hash on every platform',
    );
  });

  test('forbiddenPath → 403; no token, bad token → 401', async () => {
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    const forbidden = await fetch(`${info.gatewayUrl}${info.forbiddenPath}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(forbidden.status, 403);
    const problem = (await forbidden.json()) as { code: string; type: string };
    assert.equal(problem.code, 'GW_SUBSCRIPTION_REQUIRED');
    // The two simulated peers start in the same process; the problem must still name the demo's own portal, not
    // a peer's (module state, last start wins), so the page it links is the one the printed admin URL serves.
    assert.equal(
      problem.type,
      `${info.adminUrl}/portal/errors/GW_SUBSCRIPTION_REQUIRED`,
      'the problem type is the demo platform’s own error page',
    );
    assert.equal((await fetch(`${info.gatewayUrl}${info.allowedPath}`)).status, 401);
    assert.equal(
      (
        await fetch(`${info.gatewayUrl}${info.allowedPath}`, {
          headers: { authorization: 'Bearer khong.hop.le' },
        })
      ).status,
      401,
    );
  });

  test('each call is in the records with both legs and none of the body', async () => {
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    const res = await fetch(`${info.gatewayUrl}${info.allowedPath}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await res.text();
    const txnId = res.headers.get('x-lgsp-transaction-id');
    const found = await within(5_000, async () => {
      const page = (await (
        await fetch(`${info.adminUrl}/api/v1/transactions?limit=100`, {
          headers: { authorization: `Bearer ${adminToken}` },
        })
      ).json()) as { items: Array<Record<string, unknown>> };
      return page.items.some((t) => t['id'] === txnId);
    });
    assert.ok(found >= 0, 'found >= 0');
    const page = (await (
      await fetch(`${info.adminUrl}/api/v1/transactions?limit=100`, {
        headers: { authorization: `Bearer ${adminToken}` },
      })
    ).json()) as { items: Array<Record<string, unknown>> };
    const rec = page.items.find((t) => t['id'] === txnId)!;
    for (const k of ['requestInAt', 'requestOutAt', 'responseInAt', 'responseOutAt']) assert.ok(rec[k], k);
    assert.equal(rec['resourceTemplate'], '/congdan/{soDinhDanh}');
    const dump = JSON.stringify(page);
    const citizenId = info.allowedPath.split('/').pop()!;
    assert.ok(!dump.includes(citizenId), 'no raw path');
    assert.ok(!dump.includes(JSON.parse(body).duLieu.hoTen), 'no body');
  });

  test('the public endpoints list its published services and the contact points, without login (R-09, R-10)', async () => {
    const services = (await (await fetch(`${info.adminUrl}/api/v1/public/services`)).json()) as {
      items: Array<{
        context: string;
        provider: { organizationCode: string };
        versions: Array<{ status: string }>;
      }>;
    };
    const dancu = services.items.find((s) => s.context === 'dancu');
    assert.ok(dancu, 'the citizen lookup is published');
    assert.equal(dancu.provider.organizationCode, '000.00.31.H01');
    assert.equal(dancu.versions[0]?.status, 'published');
    const contacts = (await (await fetch(`${info.adminUrl}/api/v1/public/contacts`)).json()) as {
      items: Array<{ code: string; contact: { name: string; email: string } | null }>;
    };
    for (const code of ['000.00.17.H01', '000.00.31.H01', '000.00.12.H01', '000.00.40.H01']) {
      assert.ok(
        contacts.items.find((o) => o.code === code)?.contact?.email,
        `${code} names its contact point`,
      );
    }
    const notices = await fetch(`${info.adminUrl}/api/v1/public/notices`);
    assert.equal(notices.status, 200);
  });

  test('an agency cannot repoint the published service; its proposal takes effect only after approval and a sandbox test (issue 10)', async () => {
    const admin = (method: string, path: string, body?: unknown, token = adminToken) =>
      fetch(`${info.adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    const orgs = (await (await admin('GET', '/api/v1/organizations')).json()) as {
      items: Array<{ id: string; code: string }>;
    };
    const provider = orgs.items.find((o) => o.code === '000.00.31.H01')!;
    const password = 'mat-khau-can-bo-cong-an';
    const created = await admin('POST', '/api/v1/users', {
      username: 'canbo-congan',
      displayName: 'Cán bộ Công an tỉnh',
      password,
      role: 'agency',
      organizationId: provider.id,
      mustChangePassword: false,
    });
    assert.equal(created.status, 201);
    const login = await fetch(`${info.adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'canbo-congan', password }),
    });
    const agencyToken = ((await login.json()) as { token: string }).token;
    const versions = (await (await admin('GET', '/api/v1/versions')).json()) as {
      items: Array<{ id: string; context: string; version: string; upstreams: { production: string } }>;
    };
    const dancu = versions.items.find((v) => v.context === 'dancu' && v.version === '1.0')!;
    // A documentation address (RFC 5737), so the refusal is the review rule's, not the egress policy's.
    const elsewhere = 'http://203.0.113.10/api/dancu';
    const patched = await admin(
      'PATCH',
      `/api/v1/versions/${dancu.id}`,
      { upstreams: { production: elsewhere } },
      agencyToken,
    );
    assert.equal(patched.status, 409);
    assert.equal(((await patched.json()) as { code: string }).code, 'CP_VERSION_CHANGE_REVIEW_REQUIRED');
    const proposed = await admin(
      'POST',
      '/api/v1/version-changes',
      { versionId: dancu.id, upstreams: { production: elsewhere }, reason: 'Máy chủ mới' },
      agencyToken,
    );
    assert.equal(proposed.status, 201);
    const change = (await proposed.json()) as { id: string };
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    const call = () =>
      fetch(`${info.gatewayUrl}${info.allowedPath}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await call()).status, 200, 'production keeps the reviewed upstream');
    assert.equal((await admin('POST', `/api/v1/version-changes/${change.id}/approve`, {})).status, 200);
    const early = await admin('POST', `/api/v1/version-changes/${change.id}/apply`, {});
    assert.equal(early.status, 409);
    assert.equal(((await early.json()) as { code: string }).code, 'CP_VERSION_CHANGE_TEST_REQUIRED');
    assert.equal((await call()).status, 200, 'still the reviewed upstream');
    const rejected = await admin('POST', `/api/v1/version-changes/${change.id}/reject`, {
      reasons: ['Kiểm thử'],
    });
    assert.equal(rejected.status, 200);
    const after = (await (await admin('GET', `/api/v1/versions/${dancu.id}`)).json()) as typeof dancu;
    assert.equal(after.upstreams.production, dancu.upstreams.production);
  });

  test('its services were tried in the sandbox the way an operator tries them: the platform’s test client, no tester made by hand (issue 11)', async () => {
    const get = async (path: string) => {
      const res = await fetch(`${info.adminUrl}${path}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(res.status, 200, path);
      // biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
      return (await res.json()) as { items: any[] };
    };
    const systems = (await get('/api/v1/systems?limit=500')).items.map((s) => s.name as string);
    assert.equal(
      systems.includes('Công cụ kiểm thử LGSP'),
      false,
      `no hand-made tester: ${systems.join(', ')}`,
    );
    const platform = (await get('/api/v1/organizations?q=000.00.00.Z00')).items;
    assert.equal(platform.length, 1, 'the platform-owned test organization, made by the first try');
    const versions = (await get('/api/v1/versions')).items;
    // The two providers' services, the composite over them (R-17), the built-in shared categories and the service
    // imported from the peer platform (issue 12; reviewed and tried at the peer, published here on import).
    assert.deepEqual(versions.map((v) => `${v.context} ${v.status}`).sort(), [
      'dancu published',
      'dmdc published',
      'hotich-dongthap published',
      'thue published',
      'tonghop published',
    ]);
  });

  test('after the credential is revoked through the admin API, its existing token → 401 within 1 s', async () => {
    const token = await getToken(info.gatewayUrl, info.consumerKey, info.consumerSecret);
    assert.equal(
      (
        await fetch(`${info.gatewayUrl}${info.allowedPath}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).status,
      200,
    );
    const creds = (await (
      await fetch(`${info.adminUrl}/api/v1/credentials`, {
        headers: { authorization: `Bearer ${adminToken}` },
      })
    ).json()) as
      | Array<{ id: string; consumerKey: string }>
      | { items: Array<{ id: string; consumerKey: string }> };
    const list = Array.isArray(creds) ? creds : creds.items;
    const cred = list.find((c) => c.consumerKey === info.consumerKey)!;
    const revoked = await fetch(`${info.adminUrl}/api/v1/credentials/${cred.id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'Kiểm thử thu hồi' }),
    });
    assert.equal(revoked.status, 200);
    // R-21 "revoked at once", as an auditor checks it: the very next call and the very next token request after
    // the admin API's answer are refused (the answer waits for this node's gateway to hold the change).
    const next = await fetch(`${info.gatewayUrl}${info.allowedPath}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(next.status, 401, 'the first call after the revocation is answered is refused');
    const nextToken = await fetch(`${info.gatewayUrl}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${info.consumerKey}:${info.consumerSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(nextToken.status, 401, 'the revoked key gets no new token right after the answer');
    const tookMs = await within(
      1_000,
      async () =>
        (
          await fetch(`${info.gatewayUrl}${info.allowedPath}`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status === 401,
    );
    assert.ok(tookMs < 1_000, 'tookMs < 1_000');
  });
});

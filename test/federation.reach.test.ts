import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  eventually,
  type FederatedPlatform,
  federationPorts,
  gatewayToken,
  type IssuedCredential,
  startFederatedPlatform,
  startTogether,
} from './helpers/federation.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { startUpstream } from './helpers/upstream.ts';

/**
 * Issue 12: federation reaches what a platform answers itself, and composites reach imported versions — two real
 * platform processes, LGSP A and LGSP B, each on its own embedded store.
 *
 * - A peer subscribed to a composite or to the built-in shared categories (dmdc) is served like a local
 *   consumer, after the same inbound checks (signatures, represented party), the represented party recorded.
 * - A composite's backend may be an imported version: that call goes through federation — our token at the peer,
 *   the original consumer as the represented party, our signature — recorded as a child of the consumer's call.
 */

interface TransactionView {
  id: string;
  errorCode: string | null;
  consumerStatus: number;
  parentTransactionId?: string | null;
  consumer: { systemId: string | null; organizationCode: string | null };
  service: { context: string | null } | null;
  federation: {
    representedOrganizationCode: string | null;
    representedSystem: string | null;
    endToEndId: string | null;
    peerId: string | null;
    evidence: {
      direction: string;
      hops: Array<{ label: string; verified: boolean | null }>;
      signatures: string;
      requestHash: string | null;
      answerBound?: boolean | null;
    } | null;
  } | null;
}

const CONSUMER_ORG = '000.00.21.H01';

/** A service published the regulated way: submitted, tried in the sandbox, then published. */
async function publish(p: FederatedPlatform, versionId: string, tryPath: string): Promise<void> {
  await p.api('POST', `/api/v1/versions/${versionId}/submit`, {
    technicalDocument: OPENAPI_DOC,
    documentType: 'openapi',
  });
  await p.api('POST', `/api/v1/versions/${versionId}/start-sandbox-test`, {});
  await p.api('POST', `/api/v1/versions/${versionId}/try`, { method: 'GET', path: tryPath });
  await eventually(async () => {
    const res = await p.raw('POST', `/api/v1/versions/${versionId}/publish`, {});
    return res.status === 200 ? true : undefined;
  });
}

/** A REST service of a new provider system on `upstreamUrl`, published; its version id. */
async function providerService(
  p: FederatedPlatform,
  orgId: string,
  context: string,
  upstreamUrl: string,
): Promise<string> {
  const system = await p.api<{ id: string }>('POST', '/api/v1/systems', {
    organizationId: orgId,
    name: `Hệ thống ${context}`,
    isProvider: true,
  });
  const service = await p.api<{ id: string }>('POST', '/api/v1/services', {
    context,
    name: `Dịch vụ ${context}`,
    providerSystemId: system.id,
    description: FULL_DESCRIPTION,
  });
  const version = await p.api<{ id: string }>('POST', `/api/v1/services/${service.id}/versions`, {
    version: '1.0',
    upstreams: { sandbox: upstreamUrl, production: upstreamUrl },
    resources: [{ method: 'GET', path: '/*' }],
  });
  await publish(p, version.id, '/giaykhaisinh/1');
  return version.id;
}

/** A composite service of a new aggregator system, published; its version id. */
async function compositeService(
  p: FederatedPlatform,
  orgId: string,
  context: string,
  backends: unknown[],
): Promise<string> {
  const system = await p.api<{ id: string }>('POST', '/api/v1/systems', {
    organizationId: orgId,
    name: `Dịch vụ tổng hợp ${context}`,
    isProvider: true,
  });
  const service = await p.api<{ id: string }>('POST', '/api/v1/services', {
    context,
    name: `Tổng hợp ${context}`,
    providerSystemId: system.id,
    description: FULL_DESCRIPTION,
  });
  const version = await p.api<{ id: string }>('POST', `/api/v1/services/${service.id}/versions`, {
    version: '1.0',
    resources: [{ method: 'GET', path: '/hoso/{so}' }],
    composite: { backends },
  });
  await publish(p, version.id, '/hoso/1');
  return version.id;
}

describe('federation reaches composites, built-ins and imported composite backends (two real platforms)', {
  timeout: 1_200_000,
}, () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let a: FederatedPlatform;
  let b: FederatedPlatform;
  let consumer: IssuedCredential;
  let consumerSystemId: string;
  let bPeerAtA: { id: string };
  let aPeerAtB: { id: string; systemId: string };
  let aPeerCredentialAtB: IssuedCredential;
  const startedAt = new Date(Date.now() - 60_000).toISOString();

  before(async () => {
    upstream = await startUpstream();
    const [pa, pb] = await federationPorts(2);
    const host = (p: number) => `127.0.0.1:${p}`;
    const upstreamHost = new URL(upstream.url).host;
    [a, b] = await startTogether([
      startFederatedPlatform('lgsp-a', pa!, [host(pb!.gateway), upstreamHost]),
      startFederatedPlatform('lgsp-b', pb!, [host(pa!.gateway), upstreamHost]),
    ]);

    // ── B: a provider's service, a composite over it, one shared category list.
    const bOrg = await b.api<{ id: string }>('POST', '/api/v1/organizations', {
      code: '000.00.31.H02',
      name: 'Sở Tư pháp tỉnh B',
      contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
    });
    const hotich = await providerService(b, bOrg.id, 'hotich', upstream.url);
    const tonghop = await compositeService(b, bOrg.id, 'tonghop', [
      { target: '/hotich/1.0', path: '/giaykhaisinh/{so}', required: true, group: 'khaiSinh' },
    ]);
    await b.api('POST', '/api/v1/categories', {
      code: 'GIOITINH',
      nameVi: 'Giới tính',
      nameEn: 'Gender',
      fields: [
        { name: 'Ma', type: 'string', description: 'Mã' },
        { name: 'Ten', type: 'string', description: 'Tên' },
      ],
    });
    await b.api('POST', '/api/v1/categories/GIOITINH/versions', {
      format: 'csv',
      content: 'Ma,Ten\r\n1,Nam\r\n2,Nữ\r\n3,Chưa có thông tin\r\n',
    });
    const dmdc = await b.api<{ versionId: string }>('GET', '/api/v1/category-service');

    // ── B knows A as a peer (its caller and a signer): A's platform system is subscribed to all three.
    aPeerAtB = await b.api('POST', '/api/v1/peers', {
      code: 'lgsp-a',
      name: 'LGSP tỉnh A',
      kind: 'openlgsp',
      gatewayUrl: a.gatewayUrl,
    });
    aPeerCredentialAtB = await b.api('POST', `/api/v1/systems/${aPeerAtB.systemId}/credentials`, {
      environment: 'production',
    });
    for (const versionId of [hotich, tonghop, dmdc.versionId])
      await b.api('POST', '/api/v1/subscriptions', {
        systemId: aPeerAtB.systemId,
        versionId,
        environment: 'production',
      });

    // ── A: B as its peer, B's three services imported; a local service; a composite over local + imported.
    bPeerAtA = await a.api('POST', '/api/v1/peers', {
      code: 'lgsp-b',
      name: 'LGSP tỉnh B',
      kind: 'openlgsp',
      gatewayUrl: b.gatewayUrl,
      clientId: aPeerCredentialAtB.consumerKey,
      clientSecret: aPeerCredentialAtB.consumerSecret,
    });
    const imported: Record<string, string> = {};
    for (const [remote, local] of [
      ['tonghop', 'tonghop-b'],
      ['dmdc', 'dmdc-b'],
      ['hotich', 'hotich-b'],
    ] as const) {
      imported[local] = (
        await a.api<{ versionId: string }>('POST', `/api/v1/peers/${bPeerAtA.id}/imports`, {
          remoteContext: remote,
          remoteVersion: '1.0',
          context: local,
        })
      ).versionId;
    }
    const aOrg = await a.api<{ id: string }>('POST', '/api/v1/organizations', {
      code: '000.00.31.H01',
      name: 'Công an tỉnh A',
      contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
    });
    await providerService(a, aOrg.id, 'dancu', upstream.url);
    // An imported version has no sandbox (our token at the peer is a production one): it is optional here, so the
    // composite's sandbox try answers from the local backend alone (docs/aggregation.md).
    const ghep = await compositeService(a, aOrg.id, 'ghep', [
      { target: '/dancu/1.0', path: '/congdan/{so}', required: true, group: 'congDan' },
      { target: '/hotich-b/1.0', path: '/giaykhaisinh/{so}', group: 'khaiSinh' },
    ]);

    const cOrg = await a.api<{ id: string }>('POST', '/api/v1/organizations', {
      code: CONSUMER_ORG,
      name: 'UBND huyện X tỉnh A',
      contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
    });
    const cSystem = await a.api<{ id: string }>('POST', '/api/v1/systems', {
      organizationId: cOrg.id,
      name: 'Một cửa huyện X',
      isConsumer: true,
    });
    consumerSystemId = cSystem.id;
    for (const versionId of [imported['tonghop-b']!, imported['dmdc-b']!, ghep])
      await a.api('POST', '/api/v1/subscriptions', {
        systemId: cSystem.id,
        versionId,
        environment: 'production',
      });
    consumer = await a.api('POST', `/api/v1/systems/${cSystem.id}/credentials`, {
      environment: 'production',
    });
    await new Promise((r) => setTimeout(r, 500));
  });

  after(async () => {
    await Promise.all([a, b].map((p) => p?.dispose()));
    await upstream?.close();
  });

  const transactions = async (p: FederatedPlatform) =>
    (await p.api<{ items: TransactionView[] }>('GET', `/api/v1/transactions?limit=200&from=${startedAt}`))
      .items;
  const consumerGet = async (path: string) => {
    const token = await gatewayToken(a.gatewayUrl, consumer.consumerKey, consumer.consumerSecret);
    return fetch(`${a.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  };

  test('a peer’s call to a composite is served like a local consumer’s, the represented party recorded', async () => {
    const res = await consumerGet('/tonghop-b/1.0/hoso/087-2024-1');
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get('x-lgsp-completed'), 'true');
    assert.equal(JSON.parse(text).khaiSinh.hoTen, 'Nguyễn Văn An');
    assert.equal(upstream.seen.at(-1)!.url, '/giaykhaisinh/087-2024-1', 'B’s composite called its backend');

    const atA = res.headers.get('x-lgsp-transaction-id')!;
    const atB = await eventually(async () =>
      (await transactions(b)).find((t) => t.federation?.endToEndId === atA && t.consumerStatus === 200),
    );
    assert.equal(atB.consumer.organizationCode, 'lgsp-a', 'B’s caller is the peer');
    assert.equal(atB.federation!.representedOrganizationCode, CONSUMER_ORG);
    assert.equal(atB.federation!.representedSystem, consumerSystemId);
    assert.equal(atB.federation!.peerId, aPeerAtB.id);
    assert.equal(atB.federation!.evidence!.signatures, 'verified');
    assert.deepEqual(
      atB.federation!.evidence!.hops.map((h) => [h.label, h.verified]),
      [['lgsp-a', true]],
    );
    const child = await eventually(async () =>
      (await transactions(b)).find((t) => t.parentTransactionId === atB.id),
    );
    assert.equal(child.consumerStatus, 200, 'the backend call is a child of the peer’s call');
  });

  test('a peer’s call to the built-in shared categories (dmdc) is served, the represented party recorded', async () => {
    const res = await consumerGet('/dmdc-b/1.0/AllCategory');
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const body = JSON.parse(text) as { Data: Array<{ CategoryCode: string }> };
    assert.deepEqual(
      body.Data.map((c) => c.CategoryCode),
      ['GIOITINH'],
    );
    const page = await consumerGet('/dmdc-b/1.0/Category/GIOITINH?page=2&pageSize=2');
    assert.equal(page.status, 200);
    assert.deepEqual(((await page.json()) as { Data: Array<{ Ma: string }> }).Data, [
      { Ma: '3', Ten: 'Chưa có thông tin' },
    ]);
    const atA = res.headers.get('x-lgsp-transaction-id')!;
    const atB = await eventually(async () =>
      (await transactions(b)).find((t) => t.federation?.endToEndId === atA),
    );
    assert.equal(atB.consumerStatus, 200);
    assert.equal(atB.federation!.representedOrganizationCode, CONSUMER_ORG);
    assert.equal(atB.federation!.evidence!.signatures, 'verified');
  });

  test('a peer’s unsigned call to a composite or to dmdc is refused and recorded, as any inbound call', async () => {
    const token = await gatewayToken(
      b.gatewayUrl,
      aPeerCredentialAtB.consumerKey,
      aPeerCredentialAtB.consumerSecret,
    );
    const seen = upstream.seen.length;
    for (const path of ['/tonghop/1.0/hoso/1', '/dmdc/1.0/AllCategory']) {
      const res = await fetch(`${b.gatewayUrl}${path}`, {
        headers: {
          authorization: `Bearer ${token}`,
          'x-lgsp-represented-organization': CONSUMER_ORG,
          'x-lgsp-end-to-end-id': `e2e-unsigned-${path}`,
        },
      });
      const body = (await res.json()) as { code: string; transactionId: string };
      assert.equal(res.status, 401, path);
      assert.equal(body.code, 'GW_FED_SIGNATURE_MISSING', path);
      const rec = await eventually(async () =>
        (await transactions(b)).find((t) => t.id === body.transactionId),
      );
      assert.equal(rec.federation!.evidence!.signatures, 'refused');
      const bare = await fetch(`${b.gatewayUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(bare.status, 400, `${path}: no represented party`);
      assert.equal(((await bare.json()) as { code: string }).code, 'GW_FED_REPRESENTED_PARTY_MISSING');
    }
    assert.equal(upstream.seen.length, seen, 'no backend was called');
  });

  test('a composite backend that is an imported version goes through federation, a child of the consumer’s call', async () => {
    const res = await consumerGet('/ghep/1.0/hoso/001099012345');
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(res.headers.get('x-lgsp-completed'), 'true', text);
    const body = JSON.parse(text) as { congDan: { hoTen: string }; khaiSinh: { hoTen: string } };
    assert.equal(body.khaiSinh.hoTen, 'Nguyễn Văn An');
    const atB = upstream.seen.find(
      (s) => s.url === '/giaykhaisinh/001099012345' && s.headers['x-lgsp-peer'] === 'lgsp-a',
    );
    assert.ok(atB, 'B’s provider was called through the federation');
    assert.equal(atB.headers['x-lgsp-represented-organization'], CONSUMER_ORG, 'the original consumer');
    assert.equal(atB.headers['x-lgsp-represented-system'], consumerSystemId);
    assert.equal(atB.headers['authorization'], undefined);

    const parentId = res.headers.get('x-lgsp-transaction-id')!;
    const child = await eventually(async () =>
      (await transactions(a)).find(
        (t) => t.parentTransactionId === parentId && t.federation?.peerId === bPeerAtA.id,
      ),
    );
    assert.equal(child.consumerStatus, 200);
    assert.equal(child.federation!.representedOrganizationCode, CONSUMER_ORG);
    assert.equal(child.federation!.endToEndId, child.id);
    assert.equal(child.federation!.evidence!.direction, 'outbound');
    assert.deepEqual(
      child.federation!.evidence!.hops.map((h) => h.label),
      ['lgsp-a'],
    );
    assert.equal(child.federation!.evidence!.answerBound, true, 'B’s answer carried our request hash');
    const recAtB = await eventually(async () =>
      (await transactions(b)).find((t) => t.federation?.endToEndId === child.id),
    );
    assert.equal(recAtB.consumer.organizationCode, 'lgsp-a');
    assert.equal(recAtB.federation!.representedOrganizationCode, CONSUMER_ORG);
    assert.equal(recAtB.federation!.evidence!.signatures, 'verified');
  });
  test('the operator syncs a peer’s category lists through federation: new versions, mappings kept, audited', async () => {
    // A's own GIOITINH with local codes and their national mapping; B gains a second list.
    await a.api('POST', '/api/v1/categories', {
      code: 'GIOITINH',
      nameVi: 'Giới tính (mã tỉnh)',
      nameEn: 'Gender (provincial codes)',
      fields: [
        { name: 'Ma', type: 'string', description: 'Mã' },
        { name: 'Ten', type: 'string', description: 'Tên' },
      ],
    });
    await a.api('POST', '/api/v1/categories/GIOITINH/versions', {
      format: 'csv',
      content: 'Ma,Ten\r\nM,Nam\r\nF,Nữ\r\n',
    });
    await a.api('POST', '/api/v1/categories/GIOITINH/mappings', {
      mappings: [
        { localCode: 'M', nationalCode: '1' },
        { localCode: 'F', nationalCode: '2' },
      ],
    });
    await b.api('POST', '/api/v1/categories', {
      code: 'QUOCGIA',
      nameVi: 'Quốc gia',
      nameEn: 'Countries',
      fields: [
        { name: 'Ma', type: 'string', description: 'Mã ISO 3166-1' },
        { name: 'Ten', type: 'string', description: 'Tên' },
        { name: 'SoThuTu', type: 'integer', description: 'Số thứ tự' },
      ],
    });
    await b.api('POST', '/api/v1/categories/QUOCGIA/versions', {
      format: 'csv',
      content: 'Ma,Ten,SoThuTu\r\nVN,Việt Nam,1\r\nLA,Lào,2\r\nKH,Campuchia,3\r\n',
    });
    await new Promise((r) => setTimeout(r, 300));

    const synced = await a.api<{
      peerCode: string;
      lists: Array<{ code: string; version: number; itemCount: number; created: boolean }>;
    }>('POST', '/api/v1/category-sync', { peerId: bPeerAtA.id });
    assert.equal(synced.peerCode, 'lgsp-b');
    assert.deepEqual(
      synced.lists.map((l) => [l.code, l.version, l.itemCount, l.created]),
      [
        ['GIOITINH', 2, 3, false],
        ['QUOCGIA', 1, 3, true],
      ],
    );
    const versions = await a.api<{ items: Array<{ version: number; origin: string; current: boolean }> }>(
      'GET',
      '/api/v1/categories/GIOITINH/versions',
    );
    assert.deepEqual(
      versions.items.map((v) => [v.version, v.origin, v.current]),
      [
        [2, 'peer:lgsp-b', true],
        [1, 'csv', false],
      ],
    );
    const mappings = await a.api<{ items: Array<{ localCode: string; nationalCode: string }> }>(
      'GET',
      '/api/v1/categories/GIOITINH/mappings',
    );
    assert.deepEqual(
      mappings.items.map((m) => [m.localCode, m.nationalCode]).sort(),
      [
        ['F', '2'],
        ['M', '1'],
      ],
      'the local → national mapping table is kept',
    );
    const items = await a.api<{ items: Array<{ code: string; data: Record<string, unknown> }> }>(
      'GET',
      '/api/v1/categories/QUOCGIA/items',
    );
    assert.deepEqual(items.items[0]!.data, { Ma: 'VN', Ten: 'Việt Nam', SoThuTu: 1 });
    const audit = await a.api<{
      items: Array<{ action: string; objectId: string; details: { origin?: string } }>;
    }>('GET', '/api/v1/audit-events?objectType=category_list&limit=50');
    assert.ok(
      audit.items.some((e) => e.objectId === 'QUOCGIA' && e.details.origin === 'peer:lgsp-b'),
      'each synced list is audited with its origin',
    );
    // At B the reads were a peer's signed calls: A itself the represented party.
    const atB = await eventually(async () => {
      const found = (await transactions(b)).filter((t) => t.federation?.endToEndId?.startsWith('catsync-'));
      return found.length >= 3 ? found : undefined;
    });
    for (const t of atB) {
      assert.equal(t.consumerStatus, 200);
      assert.equal(t.consumer.organizationCode, 'lgsp-a');
      assert.equal(t.federation!.representedOrganizationCode, 'lgsp-a');
      assert.equal(t.federation!.evidence!.signatures, 'verified');
    }
  });

  test('a sync that cannot complete writes nothing: unknown list 404, a peer refusing our token 502', async () => {
    const before = await a.api<{ items: Array<{ code: string; currentVersion: number | null }> }>(
      'GET',
      '/api/v1/categories',
    );
    const unknown = await a.raw('POST', '/api/v1/category-sync', {
      peerId: bPeerAtA.id,
      codes: ['GIOITINH', 'KHONGCO'],
    });
    assert.equal(unknown.status, 404, JSON.stringify(unknown.body));
    assert.equal(unknown.body['code'], 'CP_CATEGORY_NOT_FOUND');
    const wrong = await a.api<{ id: string }>('POST', '/api/v1/peers', {
      code: 'lgsp-b-sai',
      name: 'LGSP B (khoá sai)',
      kind: 'openlgsp',
      gatewayUrl: b.gatewayUrl,
      clientId: 'khong-ton-tai',
      clientSecret: 'bi-mat-sai-bi-mat-sai',
    });
    const refused = await a.raw('POST', '/api/v1/category-sync', { peerId: wrong.id });
    assert.equal(refused.status, 502, JSON.stringify(refused.body));
    assert.equal(refused.body['code'], 'CP_CATEGORY_SYNC_FAILED');
    assert.ok(!JSON.stringify(refused.body).includes('bi-mat-sai'), 'no secret in the answer');
    const invalid = await a.raw('POST', '/api/v1/category-sync', { peerId: bPeerAtA.id, context: '../x' });
    assert.equal(invalid.status, 400);
    const after = await a.api<{ items: Array<{ code: string; currentVersion: number | null }> }>(
      'GET',
      '/api/v1/categories',
    );
    assert.deepEqual(after.items, before.items, 'nothing was written');
  });
});

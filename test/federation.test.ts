import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { httpbis } from 'http-message-signatures';
import { parseDictionary, serializeDictionary } from 'structured-headers';
import {
  contentDigest,
  digestMatches,
  requestHash,
  signatureLabels,
  signHop,
  traceparentFor,
  verifyHops,
} from '../src/federation/wire.ts';
import { openAdminHarness } from './helpers/admin-api.ts';
import {
  admitCallingPeer,
  eventually,
  type FederatedPlatform,
  federationPorts,
  gatewayToken,
  type IssuedCredential,
  startFederatedPlatform,
  startTogether,
} from './helpers/federation.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { startUpstream } from './helpers/upstream.ts';

/**
 * Issue 12 items 1–4, the first "must show": three real platform processes — LGSP A, an intermediate playing NDXP,
 * LGSP B — each on its own embedded store. A consumer of A calls a service of B through A and the intermediate;
 * B's provider sees the original consumer's organization; every platform's record names the represented party,
 * shows the verified signature chain and the same end-to-end id; A's ledger reconciles with B's; a forged and a
 * stripped signature are refused at B and recorded.
 */

interface TransactionView {
  id: string;
  errorCode: string | null;
  consumerStatus: number;
  consumer: { systemId: string | null; organizationCode: string | null };
  federation: {
    representedOrganizationCode: string | null;
    representedSystem: string | null;
    endToEndId: string | null;
    peerId: string | null;
    evidence: {
      direction: string;
      traceId: string | null;
      hops: Array<{ label: string; keyId: string | null; verified: boolean | null; reason?: string }>;
      signatures: string;
      requestHash: string | null;
      answerBound?: boolean | null;
      claimedEndToEndId?: string;
    } | null;
  } | null;
}

describe('federation wire: RFC 9421 hops, chained; RFC 9530 digest (src/federation/wire.ts)', () => {
  const keys = {
    'lgsp-a': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    ndxp: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  };
  const findKey = async (label: string, keyId: string) =>
    label in keys && keyId === `k-${label}` ? keys[label as keyof typeof keys].publicKey : null;
  const now = Date.now();
  const body = Buffer.from('{"a":1}');
  const url = 'http://x.invalid/a';

  async function twoHops() {
    const first = await signHop(
      { label: 'lgsp-a', keyId: 'k-lgsp-a', privateKey: keys['lgsp-a'].privateKey },
      'POST',
      url,
      {
        'x-lgsp-represented-organization': '000.00.21.H01',
        'x-lgsp-represented-system': 'sys_1',
        'x-lgsp-end-to-end-id': 'txn_1',
        'content-digest': contentDigest(body),
      },
      now,
    );
    const second = await signHop(
      { label: 'ndxp', keyId: 'k-ndxp', privateKey: keys.ndxp.privateKey },
      'POST',
      url,
      first,
      now,
    );
    return { first, second };
  }

  test('each hop adds its label after the others; both verify; the request hash stays the origin’s', async () => {
    const { first, second } = await twoHops();
    assert.deepEqual(signatureLabels(second['signature-input']), ['lgsp-a', 'ndxp']);
    const hops = await verifyHops('POST', url, second, findKey, now);
    assert.deepEqual(
      hops.map((h) => [h.label, h.verified]),
      [
        ['lgsp-a', true],
        ['ndxp', true],
      ],
    );
    assert.equal(
      requestHash(first.signature, first['signature-input']),
      requestHash(second.signature, second['signature-input']),
    );
    assert.ok(requestHash(first.signature, first['signature-input']), 'the origin signature is hashed');
    assert.ok(digestMatches(second['content-digest'], body), "digestMatches(second['content-digest'], body)");
    assert.ok(
      !digestMatches(second['content-digest'], Buffer.from('{"a":2}')),
      "!digestMatches(second['content-digest'], Buffer.from('{\"a\":2}'))",
    );
  });

  test('an altered represented party breaks every hop; a stripped earlier hop breaks the later one', async () => {
    const { second } = await twoHops();
    const altered = { ...second, 'x-lgsp-represented-organization': '000.00.99.H99' };
    assert.deepEqual(
      (await verifyHops('POST', url, altered, findKey, now)).map((h) => h.verified),
      [false, false],
    );
    const strip = (field: string) => {
      const dict = parseDictionary(field);
      dict.delete('lgsp-a');
      return serializeDictionary(dict);
    };
    const stripped = {
      ...second,
      signature: strip(second.signature!),
      'signature-input': strip(second['signature-input']!),
    };
    const hops = await verifyHops('POST', url, stripped, findKey, now);
    assert.deepEqual(
      hops.map((h) => [h.label, h.verified]),
      [['ndxp', false]],
    );
    assert.match(hops[0]!.reason!, /Unable to find key/);
    assert.deepEqual(
      (await verifyHops('POST', url, second, findKey, now + 3_600_000)).map((h) => h.verified),
      [false, false],
      'an old signature is refused',
    );
  });

  test('traceparent keeps the caller’s trace id and starts one when there is none', () => {
    const kept = traceparentFor('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'txn_1');
    assert.equal(kept.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.match(kept.header, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    assert.match(traceparentFor('garbage', 'txn_2').header, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});

describe('federation admin API: peers are the operator’s, their secrets sealed, their URLs under the egress policy', () => {
  test('create, refuse, seal, audit, import, grant', async () => {
    const h = await openAdminHarness('pglite', { overrides: { egress: { allow: ['127.0.0.1:45001'] } } });
    try {
      const peer = {
        code: 'ndxp',
        name: 'NDXP',
        kind: 'ndxp',
        gatewayUrl: 'http://127.0.0.1:45001',
        clientId: 'key-at-ndxp',
        clientSecret: 'bi-mat-rat-dai-cua-ta-tai-ndxp',
      };
      // Egress (issue 10): a peer on a loopback port not listed is refused when saved.
      const denied = await h.call('POST', '/api/v1/peers', { ...peer, gatewayUrl: 'http://127.0.0.1:45002' });
      assert.equal(denied.statusCode, 400);
      assert.equal(denied.json().code, 'API_EGRESS_DENIED');
      assert.equal((await h.call('POST', '/api/v1/peers', { ...peer, code: 'NDXP' })).statusCode, 400);

      const created = await h.call('POST', '/api/v1/peers', peer);
      assert.equal(created.statusCode, 201, created.body);
      assert.ok(!created.body.includes(peer.clientSecret), 'the secret is never answered');
      const body = created.json() as {
        id: string;
        systemId: string;
        hasClientSecret: boolean;
        tokenUrl: string;
      };
      assert.equal(body.hasClientSecret, true);
      assert.equal(body.tokenUrl, 'http://127.0.0.1:45001/token');
      assert.equal((await h.call('POST', '/api/v1/peers', peer)).json().code, 'CP_PEER_CODE_TAKEN');

      const row = await h.store.db.selectFrom('peers').selectAll().executeTakeFirstOrThrow();
      assert.ok(
        !Buffer.from(row.client_secret_sealed!).toString('latin1').includes(peer.clientSecret),
        "!Buffer.from(row.client_secret_sealed!).toString('latin1').includes(peer.clientSecret)",
      );
      const opened = TEST_KEK.open(Buffer.from(row.client_secret_sealed!), `peers.client_secret:${body.id}`);
      assert.equal(opened.toString(), peer.clientSecret);
      const system = await h.store.db
        .selectFrom('systems')
        .selectAll()
        .where('id', '=', body.systemId)
        .executeTakeFirstOrThrow();
      assert.equal(system.kind, 'platform');
      const audit = await h.store.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'peer.create')
        .execute();
      assert.equal(audit.length, 1);
      assert.ok(!JSON.stringify(audit[0]!.details).includes(peer.clientSecret), 'never audited in clear');

      const imported = await h.call('POST', `/api/v1/peers/${body.id}/imports`, {
        remoteContext: 'hotich',
        remoteVersion: '1.0',
        context: 'hotich-b',
      });
      assert.equal(imported.statusCode, 201, imported.body);
      const version = await h.registry.getVersion(imported.json().versionId);
      assert.equal(version.status, 'published');
      assert.equal(version.upstreams.production, 'http://127.0.0.1:45001/hotich/1.0');
      assert.equal(version.upstreams.sandbox, null);

      // A grant names a subscription of the peer's own system only.
      const other = await h.call('POST', `/api/v1/peers/${body.id}/grants`, {
        subscriptionId: 'sub_none',
        representedOrganizations: ['000.00.21.H01'],
      });
      assert.equal(other.json().code, 'CP_PEER_GRANT_INVALID');

      // Agency users do not register peers.
      const org = await h.registry.createOrganization(
        { code: '000.00.21.H01', name: 'UBND huyện X' },
        'test',
      );
      await h.accounts.createUser(
        {
          username: 'canbo',
          displayName: 'Cán bộ',
          password: 'mat-khau-dai-du',
          role: 'agency',
          organizationId: org.id,
        },
        'test',
      );
      const agency = await h.accounts.login('canbo', 'mat-khau-dai-du');
      const refused = await h.call(
        'POST',
        '/api/v1/peers',
        { ...peer, code: 'lgsp-x' },
        { token: agency.token },
      );
      assert.equal(refused.statusCode, 403);
    } finally {
      await h.dispose();
    }
  });
});

const CONSUMER_ORG = '000.00.21.H01';
/** A consumer organization of A that NDXP's grant to A does not list. */
const OTHER_ORG = '000.00.22.H01';

describe('federation: A → NDXP → B with signed hops (three real platforms)', { timeout: 1_200_000 }, () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let a: FederatedPlatform;
  let n: FederatedPlatform;
  let b: FederatedPlatform;
  let consumer: IssuedCredential;
  let otherConsumer: IssuedCredential;
  let ndxpAtB: IssuedCredential;
  let ndxpPeerAtB: { id: string; systemId: string };
  let consumerSystemId: string;
  let aPeerSystemAtN: string;
  const startedAt = new Date(Date.now() - 60_000).toISOString();

  before(async () => {
    upstream = await startUpstream();
    const [pa, pn, pb] = await federationPorts(3);
    const host = (p: number) => `127.0.0.1:${p}`;
    const upstreamHost = new URL(upstream.url).host;
    // Each platform may reach the others' gateways (and B its provider, NDXP B's public catalogue): nothing else.
    [a, n, b] = await startTogether([
      startFederatedPlatform('lgsp-a', pa!, [host(pn!.gateway), host(pb!.gateway)]),
      startFederatedPlatform('ndxp', pn!, [host(pa!.gateway), host(pb!.gateway), host(pb!.admin)]),
      startFederatedPlatform('lgsp-b', pb!, [host(pa!.gateway), host(pn!.gateway), upstreamHost]),
    ]);

    // ── B: a provider's service, published through the sandbox as the regulation asks.
    const bOrg = await b.api<{ id: string }>('POST', '/api/v1/organizations', {
      code: '000.00.31.H02',
      name: 'Sở Tư pháp tỉnh B',
      contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
    });
    const bSystem = await b.api<{ id: string }>('POST', '/api/v1/systems', {
      organizationId: bOrg.id,
      name: 'Hệ thống hộ tịch',
      isProvider: true,
    });
    const service = await b.api<{ id: string }>('POST', '/api/v1/services', {
      context: 'hotich',
      name: 'Hộ tịch tỉnh B',
      providerSystemId: bSystem.id,
      description: FULL_DESCRIPTION,
    });
    const version = await b.api<{ id: string }>('POST', `/api/v1/services/${service.id}/versions`, {
      version: '1.0',
      upstreams: { sandbox: upstream.url, production: upstream.url },
      resources: [{ method: '*', path: '/*' }],
    });
    await b.api('POST', `/api/v1/versions/${version.id}/submit`, {
      technicalDocument: OPENAPI_DOC,
      documentType: 'openapi',
    });
    await b.api('POST', `/api/v1/versions/${version.id}/start-sandbox-test`, {});
    await b.api('POST', `/api/v1/versions/${version.id}/try`, { method: 'GET', path: '/giaykhaisinh/1' });
    await eventually(async () => {
      const res = await b.raw('POST', `/api/v1/versions/${version.id}/publish`, {});
      return res.status === 200 ? true : undefined;
    });

    // ── B knows NDXP (its caller) and LGSP A (a signer on the path, for its JWKS).
    const ndxpAdmitted = await admitCallingPeer(
      b,
      { code: 'ndxp', name: 'Nền tảng NDXP (thử)', kind: 'ndxp', gatewayUrl: n.gatewayUrl },
      version.id,
    );
    ndxpPeerAtB = { id: ndxpAdmitted.peerId, systemId: ndxpAdmitted.systemId };
    ndxpAtB = ndxpAdmitted.credential;
    await b.api('POST', '/api/v1/peers', {
      code: 'lgsp-a',
      name: 'LGSP tỉnh A',
      kind: 'openlgsp',
      gatewayUrl: a.gatewayUrl,
    });

    // ── NDXP: B as a peer it calls with the credential B gave it, B's service imported; A as a peer that calls it.
    const bAtN = await n.api<{ id: string }>('POST', '/api/v1/peers', {
      code: 'lgsp-b',
      name: 'LGSP tỉnh B',
      kind: 'openlgsp',
      gatewayUrl: b.gatewayUrl,
      catalogueUrl: `${b.adminUrl}/api/v1/public/services`,
      clientId: ndxpAtB.consumerKey,
      clientSecret: ndxpAtB.consumerSecret,
    });
    const catalogue = await n.api<{ items: Array<{ context: string; version: string }> }>(
      'GET',
      `/api/v1/peers/${bAtN.id}/catalogue`,
    );
    assert.ok(
      catalogue.items.some((i) => i.context === 'hotich' && i.version === '1.0'),
      'B’s public catalogue',
    );
    const atN = await n.api<{ versionId: string }>('POST', `/api/v1/peers/${bAtN.id}/imports`, {
      remoteContext: 'hotich',
      remoteVersion: '1.0',
      context: 'b/hotich',
    });
    const aAdmitted = await admitCallingPeer(
      n,
      { code: 'lgsp-a', name: 'LGSP tỉnh A', kind: 'openlgsp', gatewayUrl: a.gatewayUrl },
      atN.versionId,
    );
    const aAtN = aAdmitted.credential;
    aPeerSystemAtN = aAdmitted.systemId;
    // NDXP takes A's calls for A's own consumer organization only.
    await n.api('POST', `/api/v1/peers/${aAdmitted.peerId}/grants`, {
      subscriptionId: aAdmitted.subscriptionId,
      representedOrganizations: [CONSUMER_ORG],
    });

    // ── A: NDXP as its peer, the service imported under A's own context; A's consumer subscribes as to any service.
    const nAtA = await a.api<{ id: string }>('POST', '/api/v1/peers', {
      code: 'ndxp',
      name: 'NDXP',
      kind: 'ndxp',
      gatewayUrl: n.gatewayUrl,
      clientId: aAtN.consumerKey,
      clientSecret: aAtN.consumerSecret,
    });
    const atA = await a.api<{ versionId: string }>('POST', `/api/v1/peers/${nAtA.id}/imports`, {
      remoteContext: 'b/hotich',
      remoteVersion: '1.0',
      context: 'hotich-b',
    });
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
    await a.api('POST', '/api/v1/subscriptions', {
      systemId: cSystem.id,
      versionId: atA.versionId,
      environment: 'production',
    });
    consumer = await a.api('POST', `/api/v1/systems/${cSystem.id}/credentials`, {
      environment: 'production',
    });
    const otherOrg = await a.api<{ id: string }>('POST', '/api/v1/organizations', {
      code: OTHER_ORG,
      name: 'UBND huyện Y tỉnh A',
      contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
    });
    const otherSystem = await a.api<{ id: string }>('POST', '/api/v1/systems', {
      organizationId: otherOrg.id,
      name: 'Một cửa huyện Y',
      isConsumer: true,
    });
    await a.api('POST', '/api/v1/subscriptions', {
      systemId: otherSystem.id,
      versionId: atA.versionId,
      environment: 'production',
    });
    otherConsumer = await a.api('POST', `/api/v1/systems/${otherSystem.id}/credentials`, {
      environment: 'production',
    });
    // Snapshots reload on change: give the three gateways a moment to have theirs.
    await new Promise((r) => setTimeout(r, 500));
  });

  after(async () => {
    await Promise.all([a, n, b].map((p) => p?.dispose()));
    await upstream?.close();
  });

  const transactions = async (p: FederatedPlatform) =>
    (await p.api<{ items: TransactionView[] }>('GET', `/api/v1/transactions?limit=200&from=${startedAt}`))
      .items;

  let endToEndId = '';

  test('a consumer of A calls B’s service through A and NDXP; B’s provider sees the original organization', async () => {
    const token = await gatewayToken(a.gatewayUrl, consumer.consumerKey, consumer.consumerSecret);
    const body = JSON.stringify({ lyDo: 'kiểm tra' });
    const res = await fetch(`${a.gatewayUrl}/hotich-b/1.0/giaykhaisinh/001099012345?nam=2024`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      },
      body,
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.equal(JSON.parse(text).hoTen, 'Nguyễn Văn An');
    assert.match(res.headers.get('x-lgsp-request-hash') ?? '', /^sha-256=:[A-Za-z0-9+/]+=*:$/);

    const seen = upstream.seen.at(-1)!;
    assert.equal(
      seen.url,
      '/giaykhaisinh/001099012345?nam=2024',
      'the resource and query reach B’s provider',
    );
    assert.equal(seen.headers['x-lgsp-represented-organization'], CONSUMER_ORG);
    assert.equal(seen.headers['x-lgsp-represented-system'], consumerSystemId);
    assert.equal(seen.headers['x-lgsp-peer'], 'ndxp');
    assert.match(
      String(seen.headers['traceparent']),
      /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/,
    );
    assert.equal(seen.bodySha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(seen.headers['authorization'], undefined, 'no platform token reaches the provider');
    endToEndId = String(seen.headers['x-lgsp-end-to-end-id']);
    assert.match(endToEndId, /^txn_/);
  });

  test('each platform’s record names the represented party, the verified chain and the same end-to-end id', async () => {
    const find = (p: FederatedPlatform) =>
      eventually(async () =>
        (await transactions(p)).find(
          (t) => t.federation?.endToEndId === endToEndId && t.consumerStatus === 200,
        ),
      );
    const [atA, atN, atB] = await Promise.all([find(a), find(n), find(b)]);
    assert.equal(atA.id, endToEndId, 'the end-to-end id is the origin’s record id');
    for (const rec of [atA, atN, atB]) {
      assert.equal(rec.federation!.representedOrganizationCode, CONSUMER_ORG);
      assert.equal(rec.federation!.representedSystem, consumerSystemId);
      assert.equal(rec.federation!.evidence!.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    }
    assert.equal(atA.consumer.organizationCode, CONSUMER_ORG);
    assert.deepEqual(
      atA.federation!.evidence!.hops.map((h) => [h.label, h.verified]),
      [['lgsp-a', null]],
      'A signed the first hop',
    );
    assert.equal(atA.federation!.evidence!.answerBound, true, 'the answer carried A’s request hash');
    assert.equal(atN.federation!.evidence!.signatures, 'verified');
    assert.deepEqual(
      atN.federation!.evidence!.hops.map((h) => [h.label, h.verified]),
      [
        ['lgsp-a', true],
        ['ndxp', null],
      ],
    );
    assert.equal(atN.federation!.evidence!.answerBound, true);
    assert.equal(atB.federation!.evidence!.signatures, 'verified');
    assert.deepEqual(
      atB.federation!.evidence!.hops.map((h) => [h.label, h.verified]),
      [
        ['lgsp-a', true],
        ['ndxp', true],
      ],
    );
    assert.equal(
      atB.consumer.organizationCode,
      'ndxp',
      'B’s caller is the peer, the represented party beside it',
    );
    assert.equal(atB.federation!.peerId, ndxpPeerAtB.id);
    const hashes = new Set([atA, atN, atB].map((r) => r.federation!.evidence!.requestHash));
    assert.equal(hashes.size, 1, 'one request hash on every platform');
  });

  test('A holds one token for NDXP, fetched once, whatever the number of calls', async () => {
    const token = await gatewayToken(a.gatewayUrl, consumer.consumerKey, consumer.consumerSecret);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${a.gatewayUrl}/hotich-b/1.0/giaykhaisinh/${i}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const tokenRequests = await eventually(async () => {
      const items = (
        await n.api<{ items: TransactionView[] }>(
          'GET',
          `/api/v1/transactions?limit=200&from=${startedAt}&kind=token_request&consumerSystemId=${aPeerSystemAtN}`,
        )
      ).items;
      return items.length > 0 ? items : undefined;
    });
    assert.equal(tokenRequests.length, 1);
  });

  test('A’s ledger reconciles with B’s by end-to-end id', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const ledger = await a.api<{
      items: Array<{ endToEndId: string; status: number; representedOrganizationCode: string | null }>;
    }>('GET', `/api/v1/federation/ledger?from=${startedAt}&to=${to}`);
    assert.ok(
      ledger.items.some((e) => e.endToEndId === endToEndId),
      'ledger.items.some((e) => e.endToEndId === endToEndId)',
    );
    // B records the calls it answered a moment after answering them (its recorder flushes in the background).
    const result = await eventually(async () => {
      const answer = await b.api<{ matched: number; missingHere: string[]; mismatched: unknown[] }>(
        'POST',
        '/api/v1/federation/reconciliations',
        { from: startedAt, to, entries: ledger.items },
      );
      return answer.missingHere.length === 0 ? answer : undefined;
    });
    assert.ok(result.matched >= 1, 'result.matched >= 1');
    assert.deepEqual(result.missingHere, []);
    assert.deepEqual(result.mismatched, []);
  });

  /** A request to B as NDXP, with NDXP's real credential at B: what a hop that strips or forges would send. */
  async function asNdxpAtB(headers: Record<string, string>, e2e: string) {
    const token = await gatewayToken(b.gatewayUrl, ndxpAtB.consumerKey, ndxpAtB.consumerSecret);
    const body = Buffer.from('{}');
    const base: Record<string, string> = {
      'x-lgsp-represented-organization': CONSUMER_ORG,
      'x-lgsp-represented-system': 'sys_forged',
      'x-lgsp-end-to-end-id': e2e,
      'content-digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:`,
      ...headers,
    };
    const res = await fetch(`${b.gatewayUrl}/hotich/1.0/giaykhaisinh/1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...base },
      body,
    });
    return { status: res.status, body: (await res.json()) as { code: string; transactionId: string }, base };
  }

  test('a stripped signature is refused at B and recorded', async () => {
    const before = upstream.seen.length;
    const res = await asNdxpAtB({}, 'e2e-stripped-1');
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'GW_FED_SIGNATURE_MISSING');
    assert.equal(upstream.seen.length, before, 'nothing reached the provider');
    const rec = await eventually(async () =>
      (await transactions(b)).find((t) => t.id === res.body.transactionId),
    );
    assert.equal(rec.errorCode, 'GW_FED_SIGNATURE_MISSING');
    // Refused before its signatures verified: the id is only a claim, kept apart (docs/federation.md §5).
    assert.equal(rec.federation!.endToEndId, null);
    assert.equal(rec.federation!.evidence!.claimedEndToEndId, 'e2e-stripped-1');
    assert.equal(rec.federation!.evidence!.signatures, 'refused');
  });

  test('a forged signature (NDXP’s key id, another key) is refused at B and recorded', async () => {
    const jwks = (await (await fetch(`${n.gatewayUrl}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const headers: Record<string, string> = {
      'x-lgsp-represented-organization': CONSUMER_ORG,
      'x-lgsp-represented-system': 'sys_forged',
      'x-lgsp-end-to-end-id': 'e2e-forged-1',
      'content-digest': `sha-256=:${createHash('sha256').update('{}').digest('base64')}:`,
    };
    const { sign } = await import('node:crypto');
    const signed = await httpbis.signMessage(
      {
        key: {
          id: jwks.keys[0]!.kid,
          alg: 'ecdsa-p256-sha256',
          sign: async (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
        },
        name: 'ndxp',
        fields: [
          '@method',
          'content-digest',
          'x-lgsp-represented-organization',
          'x-lgsp-represented-system',
          'x-lgsp-end-to-end-id',
        ],
        params: ['created', 'keyid', 'alg', 'tag'],
        paramValues: { tag: 'lgsp-federation' },
      },
      { method: 'POST', url: `${b.gatewayUrl}/hotich/1.0/giaykhaisinh/1`, headers },
    );
    const before = upstream.seen.length;
    const res = await asNdxpAtB(
      {
        signature: String(signed.headers['Signature']),
        'signature-input': String(signed.headers['Signature-Input']),
      },
      'e2e-forged-1',
    );
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 'GW_FED_SIGNATURE_INVALID');
    assert.equal(upstream.seen.length, before);
    const rec = await eventually(async () =>
      (await transactions(b)).find((t) => t.id === res.body.transactionId),
    );
    assert.equal(rec.errorCode, 'GW_FED_SIGNATURE_INVALID');
    assert.deepEqual(
      rec.federation!.evidence!.hops.map((h) => [h.label, h.verified]),
      [['ndxp', false]],
    );
  });

  test('an agency system may not name a represented party; NDXP refuses an organization A may not represent', async () => {
    const token = await gatewayToken(a.gatewayUrl, consumer.consumerKey, consumer.consumerSecret);
    const res = await fetch(`${a.gatewayUrl}/hotich-b/1.0/giaykhaisinh/1`, {
      headers: { authorization: `Bearer ${token}`, 'x-lgsp-represented-organization': '000.00.99.H99' },
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'GW_FED_REPRESENTED_PARTY_REFUSED');
    // The system alone, or a header spelled with underscores, is refused the same (it used to be stripped silently).
    for (const header of [
      'x-lgsp-represented-system',
      'x_lgsp_represented_organization',
      'x_lgsp_represented_system',
    ]) {
      const named = await fetch(`${a.gatewayUrl}/hotich-b/1.0/giaykhaisinh/1`, {
        headers: { authorization: `Bearer ${token}`, [header]: 'he-thong-khac' },
      });
      assert.equal(named.status, 403, header);
      assert.equal(
        ((await named.json()) as { code: string }).code,
        'GW_FED_REPRESENTED_PARTY_REFUSED',
        header,
      );
    }

    const other = await gatewayToken(a.gatewayUrl, otherConsumer.consumerKey, otherConsumer.consumerSecret);
    const refused = await fetch(`${a.gatewayUrl}/hotich-b/1.0/giaykhaisinh/1`, {
      headers: { authorization: `Bearer ${other}` },
    });
    assert.equal(refused.status, 403, 'NDXP’s answer, relayed by A as a provider’s');
    assert.equal(((await refused.json()) as { code: string }).code, 'GW_FED_REPRESENTED_NOT_ALLOWED');
  });
});

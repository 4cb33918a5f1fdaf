import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { httpbis } from 'http-message-signatures';
import { contentDigest, signHop, verifyHops } from '../src/federation/wire.ts';
import { NatsQueue } from '../src/messaging/nats-queue.ts';
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
import { FULL_DESCRIPTION, OPENAPI_DOC } from './helpers/onboard.ts';
import { testCipher } from './helpers/payload-keys.ts';
import { createTestDatabase, testDatabaseUrl } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

/**
 * Issue 12 item 10b: federated async messages — store-and-forward across platforms, receipts back. Three real
 * platform processes, each on its own embedded store: a consumer of LGSP A sends an async message to a version A
 * imported from NDXP, which imported it from LGSP B. A stores it (202), hands it on to NDXP signed, NDXP hands it on
 * to B with A's signature kept and its own added, B pushes it to its provider with the resource, the query and the
 * represented party. The outcome comes back by each platform polling the receipt of the peer it handed the message
 * to, so A's source sees "delivered" end to end; no platform keeps the payload once it is handed on or delivered.
 */

interface MessageView {
  messageId: string;
  state: string;
  attempts: number;
  deliveredAt: string | null;
  lastError: string | null;
  payloadStored: boolean;
  resourceTemplate: string | null;
  receipt: string | null;
  federation?: {
    peer: string | null;
    remoteMessageId: string;
    remoteState: string;
    remoteReceipt: string | null;
  };
}
interface TransactionView {
  id: string;
  leg: string;
  messageId: string | null;
  errorCode: string | null;
  consumerStatus: number;
  federation: {
    representedOrganizationCode: string | null;
    representedSystem: string | null;
    endToEndId: string | null;
    evidence: {
      signatures: string;
      hops: Array<{ label: string; verified: boolean | null }>;
      claimedEndToEndId?: string;
    } | null;
  } | null;
}

const CONSUMER_ORG = '000.00.21.H01';
const natsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';
const natsPrefix = `lgsp_fedasync_${process.pid}`;
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('async hops: an earlier hop is held to its own expiry, the calling hop to 5 minutes (wire.ts)', () => {
  test('a message held an hour at the intermediate still verifies; a stale calling hop does not', async () => {
    const keys = {
      'lgsp-a': generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      ndxp: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    };
    const findKey = async (label: string) =>
      label in keys ? keys[label as keyof typeof keys].publicKey : null;
    const hourAgo = Date.now() - 3_600_000;
    const expires = Date.now() + 3_600_000;
    const url = 'http://x.invalid/a';
    const first = await signHop(
      { label: 'lgsp-a', keyId: 'k-a', privateKey: keys['lgsp-a'].privateKey },
      'POST',
      url,
      {
        'x-lgsp-represented-organization': CONSUMER_ORG,
        'x-lgsp-represented-system': 'sys_1',
        'x-lgsp-end-to-end-id': 'msg_1',
        'content-digest': contentDigest(Buffer.from('x')),
      },
      hourAgo,
      expires,
    );
    const second = await signHop(
      { label: 'ndxp', keyId: 'k-n', privateKey: keys.ndxp.privateKey },
      'POST',
      url,
      first,
      Date.now(),
      expires,
    );
    const relaxed = await verifyHops('POST', url, second, findKey, Date.now(), {
      earlierHopsUntilExpiry: true,
    });
    assert.deepEqual(
      relaxed.map((h) => [h.label, h.verified]),
      [
        ['lgsp-a', true],
        ['ndxp', true],
      ],
    );
    const strict = await verifyHops('POST', url, second, findKey, Date.now());
    assert.deepEqual(
      strict.map((h) => h.verified),
      [false, true],
      'a sync call holds every hop to 5 minutes',
    );
    // The calling hop signed an hour ago: refused even for a message.
    const staleCaller = await verifyHops('POST', url, first, findKey, Date.now(), {
      earlierHopsUntilExpiry: true,
    });
    assert.deepEqual(
      staleCaller.map((h) => h.verified),
      [false],
    );
  });
});

describe('federated async messages: A → NDXP → B, receipts back (three real platforms)', {
  timeout: 1_200_000,
}, () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let a: FederatedPlatform;
  let n: FederatedPlatform;
  let b: FederatedPlatform;
  let consumer: IssuedCredential;
  let consumerSystemId: string;
  let aAtN: IssuedCredential;
  let ndxpAtB: IssuedCredential;
  let xAtB: IssuedCredential;
  /** A third platform B knows (`lgsp-x`), played by the test: its JWKS is served here, its key held here. */
  const xKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let xJwks: Server;
  let xUrl = '';
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  let dropDatabase = async () => {};
  let nStore: Record<string, string> = {};

  before(async () => {
    upstream = await startUpstream();
    xJwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          keys: [{ ...xKeys.publicKey.export({ format: 'jwk' }), kid: 'k-x', alg: 'ES256' }],
        }),
      );
    });
    await new Promise<void>((r) => xJwks.listen(0, '127.0.0.1', r));
    xUrl = `http://127.0.0.1:${(xJwks.address() as AddressInfo).port}`;
    const [pa, pn, pb] = await federationPorts(3);
    const host = (p: number) => `127.0.0.1:${p}`;
    const upstreamHost = new URL(upstream.url).host;
    // Short retries and receipt polls, so "B is down for a while" takes seconds, not minutes.
    const fast = {
      LGSP_DELIVERY_RETRY_BASE_MS: '200',
      LGSP_DELIVERY_RETRY_MAX_MS: '2000',
      LGSP_DELIVERY_MAX_ATTEMPTS: '100',
    };
    // With CI's servers: A's queue is NATS JetStream, NDXP's store PostgreSQL (the federation rows live in the store
    // whatever the queue engine); B stays embedded, as a small province would run.
    const aEngine: Record<string, string> = natsUrl
      ? { LGSP_MESSAGING_ENGINE: 'nats', LGSP_NATS_URL: natsUrl, LGSP_NATS_PREFIX: natsPrefix }
      : {};
    if (testDatabaseUrl) {
      const database = await createTestDatabase();
      dropDatabase = database.drop;
      nStore = { LGSP_DATABASE_URL: database.url };
    }
    [a, n, b] = await startTogether([
      startFederatedPlatform('lgsp-a', pa!, [host(pn!.gateway), host(pb!.gateway)], { ...fast, ...aEngine }),
      startFederatedPlatform('ndxp', pn!, [host(pa!.gateway), host(pb!.gateway), host(pb!.admin)], {
        ...fast,
        ...nStore,
      }),
      startFederatedPlatform(
        'lgsp-b',
        pb!,
        [host(pa!.gateway), host(pn!.gateway), upstreamHost, new URL(xUrl).host],
        fast,
      ),
    ]);

    // ── B: an async service whose provider takes pushes at /nhan, published through its sandbox test.
    const bOrg = await b.api<{ id: string }>('POST', '/api/v1/organizations', {
      code: '000.00.31.H02',
      name: 'Văn phòng UBND tỉnh B',
      contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
    });
    const bSystem = await b.api<{ id: string }>('POST', '/api/v1/systems', {
      organizationId: bOrg.id,
      name: 'Hệ thống quản lý văn bản',
      isProvider: true,
    });
    const service = await b.api<{ id: string }>('POST', '/api/v1/services', {
      context: 'hoso',
      name: 'Tiếp nhận văn bản tỉnh B',
      providerSystemId: bSystem.id,
      description: FULL_DESCRIPTION,
    });
    const version = await b.api<{ id: string }>('POST', `/api/v1/services/${service.id}/versions`, {
      version: '1.0',
      mode: 'async',
      upstreams: { sandbox: `${upstream.url}/nhan`, production: `${upstream.url}/nhan` },
      resources: [{ method: 'POST', path: '/vanban/{so}' }],
    });
    await b.api('POST', `/api/v1/versions/${version.id}/submit`, {
      technicalDocument: OPENAPI_DOC,
      documentType: 'openapi',
    });
    await b.api('POST', `/api/v1/versions/${version.id}/start-sandbox-test`, {});
    await b.api('POST', `/api/v1/versions/${version.id}/try`, {
      method: 'POST',
      path: '/vanban/1',
      body: '{}',
    });
    await eventually(async () => {
      const res = await b.raw('POST', `/api/v1/versions/${version.id}/publish`, {});
      return res.status === 200 ? true : undefined;
    }, 30_000);

    // ── B knows NDXP (its caller) and LGSP A (a signer on the path, for its JWKS).
    ndxpAtB = (
      await admitCallingPeer(
        b,
        { code: 'ndxp', name: 'Nền tảng NDXP (thử)', kind: 'ndxp', gatewayUrl: n.gatewayUrl },
        version.id,
      )
    ).credential;
    await b.api('POST', '/api/v1/peers', {
      code: 'lgsp-a',
      name: 'LGSP tỉnh A',
      kind: 'openlgsp',
      gatewayUrl: a.gatewayUrl,
    });

    xAtB = (
      await admitCallingPeer(
        b,
        { code: 'lgsp-x', name: 'LGSP tỉnh X', kind: 'other', gatewayUrl: xUrl },
        version.id,
      )
    ).credential;

    // ── NDXP: B's async version imported as `b/hoso`; A a peer that sends to it.
    const bAtN = await n.api<{ id: string }>('POST', '/api/v1/peers', {
      code: 'lgsp-b',
      name: 'LGSP tỉnh B',
      kind: 'openlgsp',
      gatewayUrl: b.gatewayUrl,
      clientId: ndxpAtB.consumerKey,
      clientSecret: ndxpAtB.consumerSecret,
    });
    const atN = await n.api<{ versionId: string }>('POST', `/api/v1/peers/${bAtN.id}/imports`, {
      remoteContext: 'hoso',
      remoteVersion: '1.0',
      context: 'b/hoso',
      mode: 'async',
      resources: [{ method: 'POST', path: '/vanban/{so}' }],
    });
    aAtN = (
      await admitCallingPeer(
        n,
        { code: 'lgsp-a', name: 'LGSP tỉnh A', kind: 'openlgsp', gatewayUrl: a.gatewayUrl },
        atN.versionId,
      )
    ).credential;

    // ── A: NDXP's version imported as `hoso-b`; A's consumer subscribes as to any service.
    const nAtA = await a.api<{ id: string }>('POST', '/api/v1/peers', {
      code: 'ndxp',
      name: 'NDXP',
      kind: 'ndxp',
      gatewayUrl: n.gatewayUrl,
      clientId: aAtN.consumerKey,
      clientSecret: aAtN.consumerSecret,
    });
    const atA = await a.api<{ versionId: string }>('POST', `/api/v1/peers/${nAtA.id}/imports`, {
      remoteContext: 'b/hoso',
      remoteVersion: '1.0',
      context: 'hoso-b',
      mode: 'async',
      resources: [{ method: 'POST', path: '/vanban/{so}' }],
    });
    const cOrg = await a.api<{ id: string }>('POST', '/api/v1/organizations', {
      code: CONSUMER_ORG,
      name: 'UBND huyện X tỉnh A',
      contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
    });
    const cSystem = await a.api<{ id: string }>('POST', '/api/v1/systems', {
      organizationId: cOrg.id,
      name: 'Quản lý văn bản huyện X',
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
    // The sandbox test message is not part of what follows.
    upstream.seen.length = 0;
    await new Promise((r) => setTimeout(r, 500));
  });

  after(async () => {
    await Promise.all([a, n, b].map((p) => p?.dispose()));
    await upstream?.close();
    xJwks?.close();
    await dropDatabase();
    if (natsUrl) await (await NatsQueue.open(natsUrl, testCipher(), { prefix: natsPrefix })).destroy();
  });

  const transactions = async (p: FederatedPlatform) =>
    (await p.api<{ items: TransactionView[] }>('GET', `/api/v1/transactions?limit=500&from=${startedAt}`))
      .items;

  async function statusAt(
    gatewayUrl: string,
    who: IssuedCredential,
    messageId: string,
  ): Promise<MessageView> {
    const token = await gatewayToken(gatewayUrl, who.consumerKey, who.consumerSecret);
    const res = await fetch(`${gatewayUrl}/_lgsp/messages/${messageId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    return JSON.parse(text) as MessageView;
  }

  async function send(path: string, body: string): Promise<string> {
    const token = await gatewayToken(a.gatewayUrl, consumer.consumerKey, consumer.consumerSecret);
    const res = await fetch(`${a.gatewayUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        traceparent: TRACEPARENT,
      },
      body,
    });
    const text = await res.text();
    assert.equal(res.status, 202, text);
    return (JSON.parse(text) as { messageId: string }).messageId;
  }

  const delivered = (gatewayUrl: string, who: IssuedCredential, id: string, withinMs = 60_000) =>
    eventually(async () => {
      const s = await statusAt(gatewayUrl, who, id);
      return s.state === 'delivered' ? s : undefined;
    }, withinMs);

  test('a consumer of A sends to B through NDXP: B’s provider gets the resource, query and represented party', async () => {
    const body = JSON.stringify({ trichYeu: 'Công văn số 42 về việc liên thông' });
    const id = await send('/hoso-b/1.0/vanban/42?loai=congvan', body);
    assert.match(id, /^msg_/);

    const seen = await eventually(
      async () => upstream.seen.find((s) => s.url.startsWith('/nhan/vanban/42')),
      60_000,
    );
    assert.equal(seen.url, '/nhan/vanban/42?loai=congvan', 'the resource and query reach B’s provider');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.bodySha256, createHash('sha256').update(body).digest('hex'));
    assert.equal(seen.headers['x-lgsp-represented-organization'], CONSUMER_ORG);
    assert.equal(seen.headers['x-lgsp-represented-system'], consumerSystemId);
    assert.equal(seen.headers['x-lgsp-end-to-end-id'], id, 'the end-to-end id is A’s message id');
    assert.equal(seen.headers['x-lgsp-peer'], 'ndxp');
    assert.match(String(seen.headers['traceparent']), /^00-4bf92f3577b34da6a3ce929d0e0e4736-/);
    assert.equal(seen.headers['authorization'], undefined, 'no platform token reaches the provider');

    // Receipts back: A's source reads "delivered" end to end, with the signed receipt; no payload anywhere.
    const atA = await delivered(a.gatewayUrl, consumer, id);
    assert.ok(atA.receipt, 'A signs a delivery receipt once the final platform delivered');
    assert.equal(atA.payloadStored, false, 'no payload left at A');
    assert.equal(atA.resourceTemplate, '/vanban/{so}');
    assert.equal(atA.federation?.peer, 'ndxp');
    assert.equal(atA.federation?.remoteState, 'delivered');
    assert.ok(atA.federation?.remoteReceipt, 'NDXP’s own signed receipt is kept beside ours');
    const atN = await statusAt(n.gatewayUrl, aAtN, atA.federation!.remoteMessageId);
    assert.equal(atN.state, 'delivered');
    assert.equal(atN.payloadStored, false, 'no payload left at the intermediate');
    assert.equal(atN.federation?.peer, 'lgsp-b');
    const atB = await statusAt(b.gatewayUrl, ndxpAtB, atN.federation!.remoteMessageId);
    assert.equal(atB.state, 'delivered');
    assert.equal(atB.payloadStored, false);

    // B's record of the intake names the represented party, the end-to-end id and the verified chain.
    const intake = await eventually(async () =>
      (await transactions(b)).find((t) => t.leg === 'intake' && t.federation?.endToEndId === id),
    );
    assert.equal(intake.consumerStatus, 202);
    assert.equal(intake.federation!.representedOrganizationCode, CONSUMER_ORG);
    assert.equal(intake.federation!.evidence!.signatures, 'verified');
    assert.deepEqual(
      intake.federation!.evidence!.hops.map((h) => [h.label, h.verified]),
      [
        ['lgsp-a', true],
        ['ndxp', true],
      ],
    );
    // A's hand-off is a delivery leg with A's signature and the same end-to-end id.
    const handOff = await eventually(async () =>
      (await transactions(a)).find(
        (t) => t.leg === 'delivery' && t.messageId === id && t.consumerStatus === 202,
      ),
    );
    assert.equal(handOff.federation!.endToEndId, id);
    assert.deepEqual(
      handOff.federation!.evidence!.hops.map((h) => h.label),
      ['lgsp-a'],
    );
  });

  test('B down for a while: NDXP retries with backoff, and delivers once B is back; A learns it', async () => {
    await b.process.stop();
    const id = await send('/hoso-b/1.0/vanban/43', '{"so":43}');
    // A hands it on to NDXP; NDXP cannot reach B and keeps trying.
    const handedOn = await eventually(async () => {
      const s = await statusAt(a.gatewayUrl, consumer, id);
      return s.federation ? s : undefined;
    }, 30_000);
    assert.equal(handedOn.state, 'delivering', 'handed on, not yet delivered end to end');
    assert.equal(handedOn.payloadStored, false, 'A deleted its copy once NDXP stored it');
    const remoteId = handedOn.federation!.remoteMessageId;
    const retried = await eventually(async () => {
      const s = await statusAt(n.gatewayUrl, aAtN, remoteId);
      return s.attempts >= 2 && s.lastError ? s : undefined;
    }, 30_000);
    assert.notEqual(retried.state, 'delivered');
    assert.equal(retried.payloadStored, true, 'NDXP holds the payload while B is down');

    await b.process.start();
    const done = await delivered(a.gatewayUrl, consumer, id, 90_000);
    assert.ok(done.receipt, 'done.receipt');
    const pushes = upstream.seen.filter((s) => s.url === '/nhan/vanban/43');
    assert.equal(pushes.length, 1, 'delivered once');
    assert.equal(pushes[0]!.headers['x-lgsp-end-to-end-id'], id);
    assert.equal((await statusAt(n.gatewayUrl, aAtN, remoteId)).payloadStored, false);
  });

  test('a forged signature on the async hop is refused at B and recorded; nothing is stored', async () => {
    const jwks = (await (await fetch(`${n.gatewayUrl}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const body = '{"so":44}';
    const headers: Record<string, string> = {
      'x-lgsp-represented-organization': CONSUMER_ORG,
      'x-lgsp-represented-system': 'sys_forged',
      'x-lgsp-end-to-end-id': 'msg_forged_1',
      'content-digest': contentDigest(Buffer.from(body)),
    };
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
      { method: 'POST', url: `${b.gatewayUrl}/hoso/1.0/vanban/44`, headers },
    );
    const token = await gatewayToken(b.gatewayUrl, ndxpAtB.consumerKey, ndxpAtB.consumerSecret);
    const res = await fetch(`${b.gatewayUrl}/hoso/1.0/vanban/44`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...headers,
        signature: String(signed.headers['Signature']),
        'signature-input': String(signed.headers['Signature-Input']),
      },
      body,
    });
    const problem = (await res.json()) as { code: string; transactionId: string };
    assert.equal(res.status, 401);
    assert.equal(problem.code, 'GW_FED_SIGNATURE_INVALID');
    const rec = await eventually(async () =>
      (await transactions(b)).find((t) => t.id === problem.transactionId),
    );
    assert.equal(rec.leg, 'intake');
    assert.equal(rec.messageId ?? null, null, 'no message was stored');
    assert.equal(rec.errorCode, 'GW_FED_SIGNATURE_INVALID');
    // The id it claimed was never verified: kept apart, never the record's end-to-end id (docs/federation.md §5).
    assert.equal(rec.federation!.endToEndId, null);
    assert.equal(rec.federation!.evidence!.claimedEndToEndId, 'msg_forged_1');
    assert.deepEqual(
      rec.federation!.evidence!.hops.map((h) => [h.label, h.verified]),
      [['ndxp', false]],
    );
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(
      upstream.seen.filter((s) => s.url === '/nhan/vanban/44').length,
      0,
      'nothing reached B’s provider',
    );
  });
  test('a body that does not match its signed digest is refused at B while it streams in; nothing is stored', async () => {
    /** As platform `lgsp-x` (a real signature with its JWKS-published key), sending `sent` with `signed`'s digest. */
    const asX = async (path: string, signedBody: string, sentBody: string, e2e: string) => {
      const headers = await signHop(
        { label: 'lgsp-x', keyId: 'k-x', privateKey: xKeys.privateKey },
        'POST',
        `${b.gatewayUrl}${path}`,
        {
          'x-lgsp-represented-organization': '000.00.41.H09',
          'x-lgsp-represented-system': 'sys_x_1',
          'x-lgsp-end-to-end-id': e2e,
          'content-digest': contentDigest(Buffer.from(signedBody)),
        },
        Date.now(),
      );
      const token = await gatewayToken(b.gatewayUrl, xAtB.consumerKey, xAtB.consumerSecret);
      const res = await fetch(`${b.gatewayUrl}${path}`, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: sentBody,
      });
      return {
        status: res.status,
        body: (await res.json()) as { code?: string; transactionId?: string; messageId?: string },
      };
    };
    const tampered = await asX('/hoso/1.0/vanban/45', '{"so":45}', '{"so":46}', 'e2e-x-tampered');
    assert.equal(tampered.status, 400, JSON.stringify(tampered.body));
    assert.equal(tampered.body.code, 'GW_FED_CONTENT_DIGEST_MISMATCH');
    const rec = await eventually(async () =>
      (await transactions(b)).find((t) => t.id === tampered.body.transactionId),
    );
    assert.equal(rec.messageId ?? null, null, 'no message was stored');
    assert.equal(rec.federation!.evidence!.signatures, 'verified', 'the signature itself was good');

    // The same platform with an intact body: taken in, and pushed with the party it represents.
    const intact = await asX('/hoso/1.0/vanban/47', '{"so":47}', '{"so":47}', 'e2e-x-intact');
    assert.equal(intact.status, 202, JSON.stringify(intact.body));
    const seen = await eventually(async () => upstream.seen.find((s) => s.url === '/nhan/vanban/47'), 30_000);
    assert.equal(seen.headers['x-lgsp-peer'], 'lgsp-x');
    assert.equal(seen.headers['x-lgsp-represented-organization'], '000.00.41.H09');
    assert.equal(
      upstream.seen.filter((s) => s.url === '/nhan/vanban/45').length,
      0,
      'the tampered one never arrived',
    );
  });
});

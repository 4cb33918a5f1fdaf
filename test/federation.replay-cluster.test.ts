import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { ensureConnected, openRedis } from '../src/core/redis.ts';
import { contentDigest, signHop } from '../src/federation/wire.ts';
import {
  LocalSignatureMemory,
  PrimarySignatureMemory,
  RedisSignatureMemory,
  SEEN_SIGNATURES_MAX,
  type SeenSignature,
  type SignatureMemory,
  seenSignatures,
} from '../src/gateway/signature-memory.ts';
import { startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { adminCaller } from './helpers/cluster.ts';
import { eventually, gatewayToken } from './helpers/federation.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { freePort, PlatformProcess } from './helpers/platform-process.ts';
import { testRedisPrefix, testRedisUrl } from './helpers/redis.ts';
import { seedProvince } from './helpers/seed.ts';
import { createTestDatabase, testDatabaseUrl, withMigratedStore } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

/**
 * Replay protection across processes (docs/security.md §2.12): a captured signed call accepted by one gateway
 * process must be refused by every other that serves the same platform — another worker of the node (no Redis: the
 * workers ask their primary) or another node (Redis shared by every node). First the memories through their port
 * (one contract, every adapter), then real `lgsp start` processes played against by a signing peer, as
 * test/federation.hostile.test.ts does.
 */

const T0 = Date.UTC(2026, 11, 4, 3, 30, 20);
const seconds = (ms: number) => Math.floor(ms / 1000);
let keys = 0;
/** A signature key as the gateway makes it, unique per test run (no owner: it may never come again). */
const sig = (untilSeconds = seconds(T0) + 331): SeenSignature => ({
  key: `sig-${process.pid}-${Date.now()}-${++keys}`,
  untilSeconds,
  owner: null,
});
/** The same signature presented as an async message's earlier hop by `owner` (the calling peer). */
const ownedBy = (s: SeenSignature, owner: string | null): SeenSignature => ({ ...s, owner });

const opened: SignatureMemory[] = [];
after(async () => {
  await Promise.all(opened.map((m) => m.close()));
});

function redisMemory(
  prefix: string,
  options: { url?: string; onUnavailable?: 'open' | 'closed'; fallback?: SignatureMemory } = {},
): RedisSignatureMemory {
  const m = new RedisSignatureMemory(
    openRedis(options.url ?? testRedisUrl),
    prefix,
    options.onUnavailable ?? 'closed',
    options.fallback ?? new LocalSignatureMemory(),
    silentLogger(),
  );
  opened.push(m);
  return m;
}

const adapters: Array<{ name: string; pair: () => [SignatureMemory, SignatureMemory] }> = [
  {
    name: 'in-process (one memory, two callers)',
    pair: () => {
      const m = new LocalSignatureMemory();
      return [m, m];
    },
  },
];
if (testRedisUrl) {
  adapters.push({
    name: 'redis (two connections: two nodes)',
    pair: () => {
      const prefix = testRedisPrefix();
      return [redisMemory(prefix), redisMemory(prefix)];
    },
  });
}

describe('the signature memory, one contract for every adapter', () => {
  for (const { name, pair } of adapters) {
    test(`${name}: accepted once; a call with a seen signature names it and remembers none of its others`, async () => {
      const [a, b] = pair();
      const [s1, s2, s3] = [sig(), sig(), sig()];
      assert.equal(await a.firstSeen([s1, s2], T0), -1, 'new signatures pass');
      assert.equal(await b.firstSeen([s2], T0), 0, 'seen by the other caller');
      assert.equal(await b.firstSeen([s3, s1], T0), 1, 'the index of the first seen');
      assert.equal(await a.firstSeen([s3], T0), -1, 'a refused call remembered none of its signatures');
      assert.equal(await a.firstSeen([s3], T0), 0, 'then it is remembered');
    });
  }

  for (const { name, pair } of adapters) {
    test(`${name}: an async message's earlier hop comes again from its owner only, never after being a calling hop`, async () => {
      const [a, b] = pair();
      const [earlier, calling, calling2, other] = [sig(), sig(), sig(), sig()];
      // N hands A's message on: A's hop remembered as N's, N's own calling hop as no one's.
      assert.equal(await a.firstSeen([ownedBy(earlier, 'ndxp'), calling], T0), -1, 'first hand-off');
      // N again (its retry), a new calling hop: accepted, on any node.
      assert.equal(await b.firstSeen([ownedBy(earlier, 'ndxp'), calling2], T0), -1, 'the owner again');
      // C with A's hop under its own: a replay, at the earlier hop's index; C's hop is not remembered.
      assert.equal(await b.firstSeen([ownedBy(earlier, 'lgsp-c'), other], T0), 0, 'another owner');
      assert.equal(await a.firstSeen([other], T0), -1, 'the refused call remembered nothing');
      // A calling hop seen before, presented later as an earlier hop by anyone: a replay.
      assert.equal(await a.firstSeen([ownedBy(calling, 'ndxp'), sig()], T0), 0, 'a calling hop first');
      assert.equal(await b.firstSeen([ownedBy(calling, 'lgsp-c'), sig()], T0), 0);
      // An owned hop presented with no owner — as a calling hop or in a sync call: a replay.
      assert.equal(
        await a.firstSeen([sig(), ownedBy(earlier, null)], T0),
        1,
        'an owned hop as a calling hop',
      );
      // Sync calls as before: no owner, once.
      const s = sig();
      assert.equal(await b.firstSeen([s], T0), -1);
      assert.equal(await a.firstSeen([s], T0), 0);
    });
  }

  test('in-process: a signature past its window is forgotten (it would be refused as too old anyway)', () => {
    const m = new LocalSignatureMemory();
    const s = sig(seconds(T0) + 10);
    assert.equal(m.firstSeen([s], T0), -1, 'new');
    assert.equal(m.firstSeen([s], T0 + 10_000), 0, 'still in its window');
    assert.equal(m.firstSeen([sig()], T0 + 11_000), -1, 'another call sweeps the old one');
    assert.equal(m.firstSeen([s], T0 + 11_000), -1, 'forgotten');
  });

  test('seenSignatures: a sync hop is kept for its 5 min 30 s window, an async hop until its own expiry', () => {
    const created = seconds(T0);
    const [syncHop, asyncHop] = seenSignatures([
      { bytes: Buffer.from('a'), created, owner: null },
      { bytes: Buffer.from('b'), created, expires: created + 7_200, owner: 'ndxp' },
    ]);
    assert.deepEqual([syncHop!.untilSeconds, syncHop!.owner], [created + 331, null]);
    assert.deepEqual([asyncHop!.untilSeconds, asyncHop!.owner], [created + 7_200 + 31, 'ndxp']);
    assert.notEqual(syncHop!.key, asyncHop!.key);
  });

  test('in-process: a long-lived async hop does not pin the short-lived signatures remembered after it', () => {
    const m = new LocalSignatureMemory();
    const long = ownedBy(sig(seconds(T0) + 86_400), 'ndxp');
    assert.equal(m.firstSeen([long], T0), -1);
    const shorts = Array.from({ length: 100 }, () => sig(seconds(T0) + 10));
    for (const s of shorts) assert.equal(m.firstSeen([s], T0), -1);
    assert.equal(m.size, 101);
    // Past the short ones' window, one check sweeps them all; the long one stays, with its owner.
    assert.equal(m.firstSeen([sig(seconds(T0) + 400)], T0 + 11_000), -1);
    assert.equal(m.size, 2, 'only the long-lived hop and the new one are left');
    assert.equal(m.firstSeen([ownedBy(long, 'ndxp')], T0 + 11_000), -1, 'still its owner’s');
    assert.equal(m.firstSeen([ownedBy(long, 'lgsp-c')], T0 + 11_000), 0, 'still refused to another');
    assert.equal(m.firstSeen([sig()], T0 + 86_401_000), -1);
    assert.equal(m.size, 1, 'past its own expiry, the long one is gone too');
  });

  test(`in-process: at most ${SEEN_SIGNATURES_MAX} signatures; past it, those that expire soonest go first`, () => {
    const m = new LocalSignatureMemory();
    const long = sig(seconds(T0) + 86_400);
    m.firstSeen([long], T0);
    const soonest = sig(seconds(T0) + 100);
    m.firstSeen([soonest], T0);
    for (let i = 0; i < SEEN_SIGNATURES_MAX - 2; i++) m.firstSeen([sig(seconds(T0) + 200 + (i % 100))], T0);
    assert.equal(m.size, SEEN_SIGNATURES_MAX);
    m.firstSeen([sig(), sig()], T0);
    assert.equal(m.size, SEEN_SIGNATURES_MAX, 'never more than the cap');
    assert.equal(m.firstSeen([soonest], T0), -1, 'the soonest to expire was forgotten to make room');
    assert.equal(m.firstSeen([long], T0), 0, 'the long-lived one was kept');
  });

  test('redis: each key lives until its signature is too old, by the gateway’s clock', {
    skip: testRedisUrl ? false : 'LGSP_TEST_REDIS_URL not set',
  }, async () => {
    const prefix = testRedisPrefix();
    const m = redisMemory(prefix);
    const nowMs = Date.now();
    const s = sig(seconds(nowMs) + 331);
    assert.equal(await m.firstSeen([s], nowMs), -1);
    assert.equal(m.state, 'redis');
    const probe = openRedis(testRedisUrl);
    try {
      await ensureConnected(probe);
      const ttl = await probe.pttl(`${prefix}{fedsig}:${s.key}`);
      assert.ok(ttl > 325_000 && ttl <= 331_000, `the key expires with its signature's window: ${ttl} ms`);
      // An async message's earlier hop: kept until its own expiry, holding its owner.
      const held = ownedBy(sig(seconds(nowMs) + 7_200), 'ndxp');
      assert.equal(await m.firstSeen([held], nowMs), -1);
      const heldTtl = await probe.pttl(`${prefix}{fedsig}:${held.key}`);
      assert.ok(heldTtl > 7_190_000 && heldTtl <= 7_200_000, `until the hop's own expiry: ${heldTtl} ms`);
      assert.equal(await probe.get(`${prefix}{fedsig}:${held.key}`), 'ndxp');
      // Its owner presenting it again leaves it as it was (not set anew, its time to live unchanged).
      assert.equal(await m.firstSeen([held], nowMs + 60_000), -1);
      const heldAgainTtl = await probe.pttl(`${prefix}{fedsig}:${held.key}`);
      assert.ok(heldAgainTtl <= heldTtl, `its time to live not set anew: ${heldAgainTtl} > ${heldTtl} ms`);
    } finally {
      probe.disconnect();
    }
  });
});

describe('Redis unreachable: `redis.onUnavailable` decides, as for quotas and /token', () => {
  const down = 'redis://127.0.0.1:1';
  test('closed: the check is unavailable (the call is refused 503), counted, and the state says so', async () => {
    const m = redisMemory(testRedisPrefix(), { url: down, onUnavailable: 'closed' });
    assert.equal(await m.firstSeen([sig()], T0), 'unavailable');
    assert.equal(m.state, 'redis-unavailable');
    assert.equal(m.unavailableDecisions, 1);
  });

  test('open: checked against this node’s memory instead, counted', async () => {
    const fallback = new LocalSignatureMemory();
    const m = redisMemory(testRedisPrefix(), { url: down, onUnavailable: 'open', fallback });
    const s = sig();
    assert.equal(await m.firstSeen([s], T0), -1);
    assert.equal(await m.firstSeen([s], T0), 0, 'a replay to this node is still refused');
    assert.equal(m.unavailableDecisions, 2);
  });
});

describe('a gateway worker asks its primary', () => {
  test('no answer within the timeout: unavailable (the call is refused 503), never let through', async () => {
    const sent: unknown[] = [];
    const m = new PrimarySignatureMemory((message) => sent.push(message), silentLogger(), 50);
    assert.equal(await m.firstSeen([sig()]), 'unavailable');
    assert.equal(sent.length, 1, 'one request went to the primary');
    m.answered(1, -1); // a late answer finds nothing to settle
  });

  test('the primary’s answer settles the call', async () => {
    const primary = new LocalSignatureMemory();
    let m: PrimarySignatureMemory;
    m = new PrimarySignatureMemory(
      (message) =>
        setImmediate(() => m.answered(message.requestId, primary.firstSeen(message.signatures, T0))),
      silentLogger(),
    );
    const s = sig();
    assert.equal(await m.firstSeen([s]), -1);
    assert.equal(await m.firstSeen([s]), 0);
    // Owners travel to the primary: an earlier hop is its owner's alone there too.
    const earlier = ownedBy(sig(), 'ndxp');
    assert.equal(await m.firstSeen([earlier]), -1);
    assert.equal(await m.firstSeen([earlier]), -1, 'its owner again');
    assert.equal(await m.firstSeen([ownedBy(earlier, 'lgsp-c')]), 0, 'another peer');
  });
});

test('a local (non-federated) call never asks the signature memory: the replay check costs agencies nothing', async () => {
  let asked = 0;
  const counting = new LocalSignatureMemory();
  const signatures: SignatureMemory = {
    state: 'in-process',
    unavailableDecisions: 0,
    firstSeen: (s, nowMs) => {
      asked++;
      return counting.firstSeen(s, nowMs);
    },
    close: async () => {},
  };
  const upstream = await startUpstream();
  const h = await startGatewayHarness('pglite', { signatures });
  try {
    const seed = await seedProvince(h, upstream.url);
    await h.snapshots.refresh();
    const token = await getToken(h.url, seed.credential.consumerKey, seed.credential.consumerSecret);
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${h.url}/dancu/1.0/congdan/${i}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200, await res.text());
    }
    assert.equal(asked, 0, '50 local calls, no check');
  } finally {
    await h.close();
    await upstream.close();
  }
});

// ---------------------------------------------------------------------------------------------------------------
// Real processes: LGSP B served by two gateway processes, and a peer `lgsp-x` played by this test.

const ADMIN_PASSWORD = 'replay-cluster-admin-1';
const PEER = 'lgsp-x';

interface Peer {
  kid: string;
  privateKey: KeyObject;
  server: Server;
  url: string;
}

async function startPeer(): Promise<Peer> {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'k-x';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [{ ...pair.publicKey.export({ format: 'jwk' }), kid, alg: 'ES256' }] }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    kid,
    privateKey: pair.privateKey,
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
}

/**
 * LGSP B seeded in-process and stopped, ready for `lgsp start` processes on its store: the citizen lookup of
 * `seedProvince` (sync) and, with `async`, a message service; the peer `lgsp-x` admitted and subscribed to both.
 */
async function seedPlatformB(options: { databaseUrl: string | null; async: boolean }) {
  const root = mkdtempSync(join(tmpdir(), 'lgsp-replay-'));
  const dataDir = join(root, 'seed');
  if (!options.databaseUrl) await withMigratedStore(dataDir);
  const upstream = await startUpstream();
  const peer = await startPeer();
  const kek = randomBytes(32).toString('base64');
  const allow = [new URL(upstream.url).host, new URL(peer.url).host];
  const seeding = await startPlatform(
    loadConfig({
      env: {},
      overrides: {
        dataDir,
        ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
        gateway: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, password: ADMIN_PASSWORD },
        recorder: { flushIntervalMs: 20 },
        egress: { allow },
        federation: { code: 'lgsp-b' },
        logLevel: 'silent',
        keys: { encryptionKey: kek },
      },
    }),
    { logger: silentLogger() },
  );
  let credential: { consumerKey: string; consumerSecret: string };
  try {
    const seed = await seedProvince(seeding, upstream.url);
    const versions = [seed.v1.id];
    if (options.async) {
      const hoso = await seeding.registry.createService(
        {
          context: 'hoso',
          name: 'Nhận hồ sơ',
          providerSystemId: seed.providerSystem.id,
          description: FULL_DESCRIPTION,
        },
        'test',
      );
      const v = await seeding.registry.createVersion(
        hoso.id,
        {
          version: '1.0',
          mode: 'async',
          upstreams: { sandbox: `${upstream.url}/nhan`, production: `${upstream.url}/nhan` },
          resources: [{ method: 'POST', path: '/vanban/{so}' }],
        },
        'test',
      );
      await publishThroughSandbox(seeding, v.id);
      versions.push(v.id);
    }
    const api = await adminCaller(seeding.adminUrl, ADMIN_PASSWORD);
    const call = async <T>(method: string, path: string, body: unknown): Promise<T> => {
      const res = await api(method, path, body);
      assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${res.text}`);
      return res.json() as T;
    };
    const registered = await call<{ systemId: string }>('POST', '/api/v1/peers', {
      code: PEER,
      name: 'LGSP tỉnh X',
      kind: 'other',
      gatewayUrl: peer.url,
    });
    credential = await call('POST', `/api/v1/systems/${registered.systemId}/credentials`, {
      environment: 'production',
    });
    for (const versionId of versions)
      await call('POST', '/api/v1/subscriptions', {
        systemId: registered.systemId,
        versionId,
        environment: 'production',
      });
  } finally {
    await seeding.stop();
  }
  const nodes: PlatformProcess[] = [];
  return {
    upstream,
    peer,
    credential,
    /**
     * One more `lgsp start` on B's store, not started yet. Every node has the seed's data dir, as nodes of one machine
     * do (test/helpers/cluster.ts): the embedded store, or on PostgreSQL the message data keys every node must share.
     */
    async node(env: Record<string, string>, role?: 'gateway'): Promise<PlatformProcess> {
      const node = new PlatformProcess({
        cwd: root,
        ...(role ? { role } : {}),
        env: {
          LGSP_DATA_DIR: dataDir,
          ...(options.databaseUrl ? { LGSP_DATABASE_URL: options.databaseUrl } : {}),
          LGSP_GATEWAY_HOST: '127.0.0.1',
          LGSP_GATEWAY_PORT: String(await freePort()),
          LGSP_ADMIN_PORT: String(await freePort()),
          LGSP_ADMIN_PASSWORD: ADMIN_PASSWORD,
          LGSP_LOG_LEVEL: 'warn',
          LGSP_RECORDER_FLUSH_INTERVAL_MS: '50',
          LGSP_EGRESS_ALLOW: allow.join(','),
          LGSP_KEY_ENCRYPTION_KEY: kek,
          LGSP_FEDERATION_CODE: 'lgsp-b',
          ...env,
        },
      });
      nodes.push(node);
      return node;
    },
    output: () => nodes.map((n, i) => `--- node ${i} ---\n${n.output()}`).join('\n'),
    async dispose(): Promise<void> {
      await Promise.all(nodes.map((n) => n.kill()));
      await upstream.close();
      peer.server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The headers of a call signed by the peer, as it would send them (and as whoever captured it would again). */
async function signedBy(peer: Peer, method: string, url: string, body = ''): Promise<Record<string, string>> {
  return signHop(
    { label: PEER, keyId: peer.kid, privateKey: peer.privateKey },
    method,
    url,
    {
      'x-lgsp-represented-organization': '000.00.41.H09',
      'x-lgsp-represented-system': 'sys_x_1',
      'x-lgsp-end-to-end-id': `e2e-${randomBytes(6).toString('hex')}`,
      'content-digest': contentDigest(Buffer.from(body)),
    },
    Date.now(),
  );
}

/** One call on a fresh connection (no keep-alive): with the primary accepting, each goes to the next worker. */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => {
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = { unparsable: text };
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in 30 s: ${method} ${url}`)));
    req.on('error', reject);
    for (const [name, value] of Object.entries(headers)) req.setHeader(name, value);
    if (body !== undefined) {
      req.setHeader('content-type', 'application/json');
      req.setHeader('content-length', Buffer.byteLength(body));
    }
    req.end(body);
  });
}

interface RecordView {
  id: string;
  errorCode: string | null;
  messageId?: string | null;
  federation: { evidence: { signatures: string; hops: Array<{ reason?: string }> } | null } | null;
}

async function recordOf(adminUrl: string, transactionId: unknown): Promise<RecordView> {
  const api = await adminCaller(adminUrl, ADMIN_PASSWORD);
  return eventually(async () => {
    const res = await api('GET', '/api/v1/transactions?limit=500');
    return (res.json() as { items: RecordView[] }).items.find((t) => t.id === transactionId);
  }, 15_000);
}

function assertReplayRefused(
  answer: { status: number; body: Record<string, unknown>; text: string },
  note: string,
) {
  assert.equal(answer.status, 401, `${note}: ${answer.text}`);
  assert.equal(answer.body['code'], 'GW_FED_SIGNATURE_INVALID', `${note}: ${answer.text}`);
}

describe('one node, `gateway.workers: 2`, no Redis: a replay to the sibling worker is refused', {
  timeout: 600_000,
}, () => {
  test('a captured signed call accepted by one worker, sent again on fresh connections: 401 each, the provider called once', async () => {
    const b = await seedPlatformB({ databaseUrl: null, async: false });
    try {
      // The primary accepts and hands fresh connections to the workers in strict turn: replays reach both.
      const node = await b.node({ LGSP_GATEWAY_WORKERS: '2', LGSP_GATEWAY_WORKER_ACCEPT: 'primary' });
      await node.start();
      const token = await gatewayToken(
        node.gatewayUrl,
        b.credential.consumerKey,
        b.credential.consumerSecret,
      );
      const url = `${node.gatewayUrl}/dancu/1.0/congdan/201`;
      const captured = { authorization: `Bearer ${token}`, ...(await signedBy(b.peer, 'GET', url)) };
      const first = await send(url, 'GET', captured);
      assert.equal(first.status, 200, `${first.text}\n${b.output()}`);
      const replays = [];
      for (let i = 0; i < 3; i++) replays.push(await send(url, 'GET', captured));
      for (const [i, r] of replays.entries()) assertReplayRefused(r, `replay ${i + 1}`);
      const seen = b.upstream.seen.filter((s) => s.url === '/api/dancu/congdan/201').length;
      assert.equal(seen, 1, 'the provider was called once');
      const rec = await recordOf(node.adminUrl, replays[0]!.body['transactionId']);
      assert.equal(rec.errorCode, 'GW_FED_SIGNATURE_INVALID');
      assert.match(rec.federation?.evidence?.hops.at(-1)?.reason ?? '', /replay/);
      // A new signature of the same call is a new call: it goes through.
      const fresh = { authorization: `Bearer ${token}`, ...(await signedBy(b.peer, 'GET', url)) };
      assert.equal((await send(url, 'GET', fresh)).status, 200);
    } finally {
      await b.dispose();
    }
  });
});

describe('two nodes on one PostgreSQL and one Redis: a replay to the other node is refused', {
  skip:
    testRedisUrl && testDatabaseUrl ? false : 'LGSP_TEST_REDIS_URL and LGSP_TEST_DATABASE_URL not both set',
  timeout: 600_000,
}, () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  let b: Awaited<ReturnType<typeof seedPlatformB>> | undefined;
  /** Node 1 runs every role; node 2 is `lgsp start --role gateway`; both on B's database and one Redis. */
  let one: PlatformProcess;
  let two: PlatformProcess;
  let token: string;

  before(async () => {
    db = await createTestDatabase();
    b = await seedPlatformB({ databaseUrl: db.url, async: true });
    const env = { LGSP_REDIS_URL: testRedisUrl, LGSP_REDIS_KEY_PREFIX: testRedisPrefix() };
    [one, two] = [await b.node(env), await b.node(env, 'gateway')];
    await Promise.all([one.start(), two.start()]);
    token = await gatewayToken(one.gatewayUrl, b.credential.consumerKey, b.credential.consumerSecret);
  });

  after(async () => {
    await b?.dispose();
    await db?.drop();
  });

  test('sync: accepted on node 1, replayed to node 2 and node 1: 401 each, the provider called once', async () => {
    const path = '/dancu/1.0/congdan/301';
    const captured = {
      authorization: `Bearer ${token}`,
      ...(await signedBy(b!.peer, 'GET', one.gatewayUrl + path)),
    };
    const first = await send(one.gatewayUrl + path, 'GET', captured);
    assert.equal(first.status, 200, `${first.text}\n${b!.output()}`);
    const atTwo = await send(two.gatewayUrl + path, 'GET', captured);
    assertReplayRefused(atTwo, 'the replay at node 2');
    assertReplayRefused(await send(one.gatewayUrl + path, 'GET', captured), 'the replay at node 1');
    assert.equal(b!.upstream.seen.filter((s) => s.url === '/api/dancu/congdan/301').length, 1, 'called once');
    const rec = await recordOf(one.adminUrl, atTwo.body['transactionId']);
    assert.equal(rec.errorCode, 'GW_FED_SIGNATURE_INVALID');
    assert.match(rec.federation?.evidence?.hops.at(-1)?.reason ?? '', /replay/);
    // Each node says where its memory is, as for the shared counters.
    for (const node of [one, two]) {
      const metrics = await (await fetch(`${node.adminUrl}/metrics`)).text();
      assert.match(metrics, /^lgsp_replay_redis_up 1$/m, `${node.adminUrl}/metrics`);
      assert.match(metrics, /^lgsp_replay_decisions_without_redis_total 0$/m, `${node.adminUrl}/metrics`);
    }
  });

  test('async: a message without Idempotency-Key taken on node 1, replayed to node 2: 401, stored and delivered once', async () => {
    const body = '{"so":302}';
    const path = '/hoso/1.0/vanban/302';
    const message = {
      authorization: `Bearer ${token}`,
      ...(await signedBy(b!.peer, 'POST', one.gatewayUrl + path, body)),
    };
    const taken = await send(one.gatewayUrl + path, 'POST', message, body);
    assert.equal(taken.status, 202, taken.text);
    const replayed = await send(two.gatewayUrl + path, 'POST', message, body);
    assertReplayRefused(replayed, 'the message replayed at node 2');
    const intake = await recordOf(one.adminUrl, replayed.body['transactionId']);
    assert.equal(intake.messageId ?? null, null, 'nothing was stored for the replay');
    await eventually(
      async () => (b!.upstream.seen.some((s) => s.url === '/nhan/vanban/302') ? true : undefined),
      30_000,
    );
    // A second delivery, had a second message been stored, would follow at once: give it a moment.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(b!.upstream.seen.filter((s) => s.url === '/nhan/vanban/302').length, 1, 'delivered once');
  });
});

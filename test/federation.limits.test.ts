import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { systemClock } from '../src/core/clock.ts';
import { PeerClients } from '../src/federation/peer-clients.ts';
import type { PeerData } from '../src/federation/snapshot.ts';
import { fetchPeerReceipt } from '../src/messaging/peer-forward.ts';
import { isTimeout, SWEEP_MS, watchedDeadlines } from '../src/net/deadlines.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import type { Platform } from '../src/platform.ts';
import { startTestPlatform, TEST_PLATFORM_PASSWORD, type TestPlatform } from './helpers/test-platform.ts';
import { TRICKLES, type Trickle, trickle } from './helpers/trickle.ts';

/** The limit of each exchange with the peer here (the gateway's 30 s answer limit by default): short, for the test. */
const LIMIT_MS = 1_000;
/** A fetch that is never cut fails its test rather than hold the run. */
const HANG = { timeout: 20_000 };

/**
 * R-03 for what the platform fetches from a peer platform in the background (src/federation/peer-clients.ts,
 * category-sync.ts, peers.ts; src/messaging/peer-forward.ts): a peer that trickles its answer, or sends `103 Early
 * Hints` without end — every read within undici's per-read timeouts — is cut at the exchange's limit, and the fetch
 * fails as a failed fetch does: no token, no key, no receipt, a sync that writes nothing, a catalogue not read.
 */
describe('a peer that trickles: every fetch from it ends at its limit (R-03)', () => {
  /**
   * The peer, played by the test: `/token` answers a token at once; `/token/<how>`, `/jwks/<how>`, `/catalogue/<how>`
   * and everything under `/gw/<how>/` (its gateway: receipts, category lists) trickle `how`.
   */
  const peerServer = createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0]!;
    if (url === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"access_token":"the-token","token_type":"Bearer","expires_in":3600}');
      return;
    }
    const how = url.split('/')[2] as Trickle;
    if (!TRICKLES.includes(how)) {
      res.writeHead(404).end();
      return;
    }
    trickle(res, how);
  });
  let peerUrl = '';
  /** A peer of the test's server, as the gateway's federation snapshot holds it. */
  const peer = (over: Partial<PeerData>): PeerData => ({
    id: 'peer_trickle',
    code: 'nho-giot',
    kind: 'openlgsp',
    systemId: 'sys_peer',
    gatewayUrl: `${peerUrl}/gw/bytes`,
    tokenUrl: `${peerUrl}/token`,
    jwksUrl: `${peerUrl}/jwks/bytes`,
    clientId: 'lgsp-b',
    clientSecret: 'bi-mat',
    clientCertPem: null,
    clientKeyPem: null,
    ...over,
  });
  /** Runs `fetch`, asserting it ended at the limit (never before, never long after); gives what it gave. */
  const atTheLimit = async <T>(what: string, fetch: () => Promise<T>, limitMs = LIMIT_MS): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fetch();
    } finally {
      const elapsedMs = performance.now() - t0;
      assert.ok(
        elapsedMs >= limitMs - 20,
        `${what}: ended after ${elapsedMs} ms, before the ${limitMs} ms limit`,
      );
      assert.ok(
        elapsedMs < limitMs + SWEEP_MS + 1_500,
        `${what}: ended after ${elapsedMs} ms (${limitMs} ms limit)`,
      );
    }
  };

  before(async () => {
    await new Promise<void>((r) => peerServer.listen(0, '127.0.0.1', r));
    peerUrl = `http://127.0.0.1:${(peerServer.address() as AddressInfo).port}`;
  });

  after(() => {
    peerServer.closeAllConnections();
    peerServer.close();
  });

  describe('the gateway’s and the pushes’ fetches (PeerClients, fetchPeerReceipt)', () => {
    let clients: PeerClients;
    before(() => {
      clients = new PeerClients(new EgressPolicy({ allow: [new URL(peerUrl).host] }), systemClock, LIMIT_MS);
    });
    after(() => clients.close());

    for (const how of TRICKLES) {
      test(
        `${how}: our token at the peer — the fetch fails as a timeout at the limit, no token kept`,
        HANG,
        async () => {
          const trickling = peer({ id: `peer_token_${how}`, tokenUrl: `${peerUrl}/token/${how}` });
          await atTheLimit(`token, ${how}`, () =>
            assert.rejects(clients.tokenFor(trickling), (err) => isTimeout(err)),
          );
          // Nothing of the cut answer was kept: the next call fetches again (and is cut again).
          await atTheLimit(`token again, ${how}`, () =>
            assert.rejects(clients.tokenFor(trickling), (err) => isTimeout(err)),
          );
        },
      );

      test(
        `${how}: the peer’s signing keys (JWKS) — no key at the limit, so its signature verifies nothing`,
        HANG,
        async () => {
          const trickling = peer({ id: `peer_jwks_${how}`, jwksUrl: `${peerUrl}/jwks/${how}` });
          const key = await atTheLimit(`JWKS, ${how}`, () => clients.keyOf(trickling, 'kid-1'));
          assert.equal(key, null);
        },
      );

      test(
        `${how}: a handed-on message’s receipt — the look fails as a timeout at the limit`,
        HANG,
        async () => {
          const trickling = peer({ id: `peer_receipt_${how}`, gatewayUrl: `${peerUrl}/gw/${how}` });
          await clients.tokenFor(trickling); // at once: only the receipt trickles
          await atTheLimit(`receipt, ${how}`, () =>
            assert.rejects(fetchPeerReceipt(clients, trickling, 'msg_1', LIMIT_MS), (err) => isTimeout(err)),
          );
        },
      );
    }

    test('every exchange that ended is no longer watched', () => {
      assert.equal(watchedDeadlines(), 0);
    });
  });

  describe('the operator’s reads from a peer, through the admin API', () => {
    let started: TestPlatform;
    let platform: Platform;
    let adminToken = '';
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${platform.adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const register = async (code: string, over: Record<string, string>) => {
      const created = await api('POST', '/api/v1/peers', {
        code,
        name: `Nền tảng ${code}`,
        kind: 'openlgsp',
        gatewayUrl: `${peerUrl}/gw/bytes`,
        tokenUrl: `${peerUrl}/token`,
        clientId: 'lgsp-a',
        clientSecret: 'bi-mat-cua-a',
        ...over,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return String(created.body['id']);
    };

    before(async () => {
      started = await startTestPlatform('pglite', {
        gateway: { upstreamTimeoutMs: LIMIT_MS },
        // Issue 10: the peer is this test's server, allowed exactly.
        egress: { allow: [new URL(peerUrl).host] },
      });
      platform = started.platform;
      const login = await fetch(`${platform.adminUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: TEST_PLATFORM_PASSWORD }),
      });
      adminToken = ((await login.json()) as { token: string }).token;
    });
    after(() => started?.stop());

    for (const how of TRICKLES) {
      test(
        `${how}: a category sync whose token or list trickles fails at gateway.upstreamTimeoutMs, nothing written`,
        HANG,
        async () => {
          const tokenTrickles = await register(`token-${how}`, { tokenUrl: `${peerUrl}/token/${how}` });
          const listTrickles = await register(`list-${how}`, { gatewayUrl: `${peerUrl}/gw/${how}` });
          const versionsBefore = await platform.store.db
            .selectFrom('category_versions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow();
          for (const [peerId, detail] of [
            [tokenTrickles, /^token: /],
            [listTrickles, /^\/dmdc\/1\.0\/AllCategory: /],
          ] as const) {
            const answer = await atTheLimit(`category sync, ${how}`, () =>
              api('POST', '/api/v1/category-sync', { peerId }),
            );
            assert.equal(answer.status, 502, JSON.stringify(answer.body));
            assert.equal(answer.body['code'], 'CP_CATEGORY_SYNC_FAILED');
            assert.match(String(answer.body['detail']), detail);
            assert.match(String(answer.body['detail']), new RegExp(`within ${LIMIT_MS} ms`));
          }
          const versionsAfter = await platform.store.db
            .selectFrom('category_versions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow();
          assert.equal(versionsAfter.n, versionsBefore.n, 'no list written');
        },
      );
    }

    test(
      'a peer whose public catalogue trickles: 502 CP_PEER_CATALOGUE_UNAVAILABLE at 5 s (its fixed limit)',
      HANG,
      async () => {
        const peers = await Promise.all(
          TRICKLES.map((how) =>
            register(`catalogue-${how}`, { catalogueUrl: `${peerUrl}/catalogue/${how}` }),
          ),
        );
        // Both at once: the limit is 5 s whatever the settings.
        const answers = await Promise.all(
          peers.map((id, i) =>
            atTheLimit(`catalogue, ${TRICKLES[i]}`, () => api('GET', `/api/v1/peers/${id}/catalogue`), 5_000),
          ),
        );
        for (const answer of answers) {
          assert.equal(answer.status, 502, JSON.stringify(answer.body));
          assert.equal(answer.body['code'], 'CP_PEER_CATALOGUE_UNAVAILABLE');
        }
      },
    );
  });
});

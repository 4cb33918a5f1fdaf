import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../src/core/clock.ts';
import {
  JWKS_ANSWER_MAX_BYTES,
  PeerClients,
  TOKEN_ANSWER_MAX_BYTES,
} from '../src/federation/peer-clients.ts';
import { CATALOGUE_ANSWER_MAX_BYTES } from '../src/federation/peers.ts';
import type { PeerData } from '../src/federation/snapshot.ts';
import { fetchPeerReceipt } from '../src/messaging/peer-forward.ts';
import { isTimeout, SWEEP_MS, watchedDeadlines } from '../src/net/deadlines.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { tooLargeReason } from '../src/net/read-limit.ts';
import type { Platform } from '../src/platform.ts';
import { startTestPlatform, TEST_PLATFORM_PASSWORD, type TestPlatform } from './helpers/test-platform.ts';
import { type Flood, flood, TRICKLES, type Trickle, trickle } from './helpers/trickle.ts';

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
    const operator = operatorOfPeers(
      () => `${peerUrl}/gw/bytes`,
      () => peerUrl,
      () => ({
        gateway: { upstreamTimeoutMs: LIMIT_MS },
        // Issue 10: the peer is this test's server, allowed exactly.
        egress: { allow: [new URL(peerUrl).host] },
      }),
    );
    const { api, register } = operator;

    for (const how of TRICKLES) {
      test(
        `${how}: a category sync whose token or list trickles fails at gateway.upstreamTimeoutMs, nothing written`,
        HANG,
        async () => {
          const tokenTrickles = await register(`token-${how}`, { tokenUrl: `${peerUrl}/token/${how}` });
          const listTrickles = await register(`list-${how}`, { gatewayUrl: `${peerUrl}/gw/${how}` });
          const versionsBefore = await operator.platform.store.db
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
          const versionsAfter = await operator.platform.store.db
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

/**
 * Size, beside time: what the platform reads from a peer is read only up to a limit (src/net/read-limit.ts), counted
 * as it arrives. Before, the token, the JWKS and the public catalogue were read whole (`.text()`) and the catalogue's
 * 10 MB checked only once all of it was in memory: a hostile or broken peer could send gigabytes into our memory, as
 * fast as the link carries them, within the time limit. Now each fetch fails at its limit as a bad answer does, the
 * connection is closed mid-answer (the peer's server sees it before it sent its body), and the platform goes on.
 */
describe('a peer that answers too much: every fetch from it stops at its size limit', () => {
  /** What each flooded answer sent, by path, as the peer's server saw it. */
  const floods = new Map<string, Promise<Flood>>();
  /**
   * `/flood/<bytes>/…` answers 200 with a body of that many bytes (`inf`: without end); everything else a small,
   * good answer: a token, a JWKS, a catalogue page, the category sync's first list.
   */
  const peerServer = createServer((req, res) => {
    const url = (req.url ?? '').split('?')[0]!;
    const [, first, size] = url.split('/');
    if (first === 'flood') {
      floods.set(url, flood(res, size === 'inf' ? Number.POSITIVE_INFINITY : Number(size)));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (url === '/token') res.end('{"access_token":"the-token","token_type":"Bearer","expires_in":3600}');
    else if (url === '/jwks') res.end('{"keys":[]}');
    else if (url === '/catalogue')
      res.end('{"total":1,"items":[{"context":"dancu","name":"Dân cư","versions":[{"version":"1.0"}]}]}');
    else res.end('{}');
  });
  let peerUrl = '';
  const peer = (over: Partial<PeerData>): PeerData => ({
    id: 'peer_flood',
    code: 'lu-lut',
    kind: 'openlgsp',
    systemId: 'sys_peer',
    gatewayUrl: `${peerUrl}/gw`,
    tokenUrl: `${peerUrl}/token`,
    jwksUrl: `${peerUrl}/jwks`,
    clientId: 'lgsp-b',
    clientSecret: 'bi-mat',
    clientCertPem: null,
    clientKeyPem: null,
    ...over,
  });
  /** The flooded answer at `path` ended with its connection closed by us, having sent at most `limit` + margin. */
  const cutOff = async (path: string, limitBytes: number) => {
    const sent = await floods.get(path);
    assert.ok(sent, `${path} was asked`);
    // Closed by us at once (a kept-alive connection read to its end stays open), even when the whole answer already
    // sat in the sockets' buffers (1 MB on loopback does).
    await Promise.race([
      sent.connectionClosed,
      sleep(5_000).then(() => assert.fail(`${path}: the connection was left open`)),
    ]);
    // At most what the sockets' buffers of both sides hold beyond the limit (a few MiB on loopback).
    assert.ok(sent.sentBytes < limitBytes + 16 * 1024 * 1024, `${path}: ${sent.sentBytes} bytes sent`);
    if (sent.complete)
      assert.ok(sent.sentBytes < 16 * 1024 * 1024, `${path}: the peer sent its whole answer`);
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
      clients = new PeerClients(new EgressPolicy({ allow: [new URL(peerUrl).host] }), systemClock, 10_000);
    });
    after(() => clients.close());

    test(
      'a token answer of 1 MB: no token, "answer larger than 16384 bytes", the connection closed',
      HANG,
      async () => {
        const flooding = peer({ id: 'peer_token', tokenUrl: `${peerUrl}/flood/1048576/token` });
        await assert.rejects(clients.tokenFor(flooding), (err: Error) => {
          assert.equal(err.message, `token: ${tooLargeReason(TOKEN_ANSWER_MAX_BYTES)}`);
          return true;
        });
        await cutOff('/flood/1048576/token', TOKEN_ANSWER_MAX_BYTES);
        // The same peer with a sensible answer: a token at once.
        assert.equal(await clients.tokenFor(peer({ id: 'peer_token' })), 'the-token');
      },
    );

    test('a JWKS of 10 MB: no key (its signatures verify nothing), the connection closed', HANG, async () => {
      const flooding = peer({ id: 'peer_jwks', jwksUrl: `${peerUrl}/flood/10485760/jwks` });
      assert.equal(await clients.keyOf(flooding, 'kid-1'), null);
      await cutOff('/flood/10485760/jwks', JWKS_ANSWER_MAX_BYTES);
    });

    test(
      'a receipt without end: no receipt (looked at again later), the connection closed',
      HANG,
      async () => {
        const flooding = peer({ id: 'peer_receipt', gatewayUrl: `${peerUrl}/flood/inf/gw` });
        assert.equal(await fetchPeerReceipt(clients, flooding, 'msg_1', 10_000), null);
        await cutOff('/flood/inf/gw/_lgsp/messages/msg_1', 256 * 1024);
      },
    );

    test('every exchange that ended is no longer watched', () => {
      assert.equal(watchedDeadlines(), 0);
    });
  });

  describe('the operator’s reads from a peer that answers too much, through the admin API', () => {
    const operator = operatorOfPeers(
      () => `${peerUrl}/gw`,
      () => peerUrl,
      () => ({ egress: { allow: [new URL(peerUrl).host] } }),
    );
    const { api, register } = operator;

    test(
      'a public catalogue without end: 502 CP_PEER_CATALOGUE_UNAVAILABLE at 10 MiB, not at the 5 s limit',
      HANG,
      async () => {
        const flooding = await register('catalogue-flood', {
          catalogueUrl: `${peerUrl}/flood/inf/catalogue`,
        });
        const t0 = performance.now();
        const answer = await api('GET', `/api/v1/peers/${flooding}/catalogue`);
        assert.ok(performance.now() - t0 < 4_000, 'stopped by its size, not its time');
        assert.equal(answer.status, 502, JSON.stringify(answer.body));
        assert.equal(answer.body['code'], 'CP_PEER_CATALOGUE_UNAVAILABLE');
        assert.match(
          String(answer.body['detail']),
          new RegExp(`larger than ${CATALOGUE_ANSWER_MAX_BYTES} bytes`),
        );
        await cutOff('/flood/inf/catalogue', CATALOGUE_ANSWER_MAX_BYTES);
        // The platform goes on: a peer with a sensible catalogue is read.
        const good = await register('catalogue-good', { catalogueUrl: `${peerUrl}/catalogue` });
        const page = await api('GET', `/api/v1/peers/${good}/catalogue`);
        assert.equal(page.status, 200, JSON.stringify(page.body));
        assert.deepEqual(
          (page.body['items'] as Array<{ context: string }>).map((i) => i.context),
          ['dancu'],
        );
      },
    );

    test(
      'a category list without end: 502 CP_CATEGORY_SYNC_FAILED at 16 MiB, nothing written',
      HANG,
      async () => {
        const flooding = await register('category-flood', { gatewayUrl: `${peerUrl}/flood/inf/gw` });
        const count = async () =>
          (
            await operator.platform.store.db
              .selectFrom('category_versions')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .executeTakeFirstOrThrow()
          ).n;
        const before = await count();
        const answer = await api('POST', '/api/v1/category-sync', { peerId: flooding });
        assert.equal(answer.status, 502, JSON.stringify(answer.body));
        assert.equal(answer.body['code'], 'CP_CATEGORY_SYNC_FAILED');
        assert.match(
          String(answer.body['detail']),
          new RegExp(`^/dmdc/1\\.0/AllCategory: .*larger than ${16 * 1024 * 1024} bytes`),
        );
        await cutOff('/flood/inf/gw/dmdc/1.0/AllCategory', 16 * 1024 * 1024);
        assert.equal(await count(), before, 'no list written');
      },
    );
  });
});

/**
 * A platform on PGlite with the admin signed in, for the operator's reads from a peer (both parts of this file): its
 * admin API, and `register` for a peer whose addresses default to the test's server. Values are read when the hooks
 * run, after the peer's server listens.
 */
function operatorOfPeers(
  gatewayUrl: () => string,
  peerUrl: () => string,
  config: () => Parameters<typeof startTestPlatform>[1],
) {
  let started: TestPlatform | undefined;
  let adminToken = '';
  const operator = {
    get platform(): Platform {
      return started!.platform;
    },
    api: async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${operator.platform.adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
    register: async (code: string, over: Record<string, string>) => {
      const created = await operator.api('POST', '/api/v1/peers', {
        code,
        name: `Nền tảng ${code}`,
        kind: 'openlgsp',
        gatewayUrl: gatewayUrl(),
        tokenUrl: `${peerUrl()}/token`,
        clientId: 'lgsp-a',
        clientSecret: 'bi-mat-cua-a',
        ...over,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return String(created.body['id']);
    },
  };
  before(async () => {
    started = await startTestPlatform('pglite', config());
    const login = await fetch(`${operator.platform.adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: TEST_PLATFORM_PASSWORD }),
    });
    adminToken = ((await login.json()) as { token: string }).token;
  });
  after(() => started?.stop());
  return operator;
}

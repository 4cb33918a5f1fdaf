import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/core/config.ts';
import { unguessableId } from '../src/core/ids.ts';
import type { CompiledSnapshot } from '../src/gateway/compiled-snapshot.ts';
import { platformRate } from '../src/gateway/policy.ts';
import { QuotaCounters } from '../src/gateway/quota.ts';
import type { TokenClaims } from '../src/gateway/tokens.ts';
import { AbortingDeadline, SWEEP_MS, uploadKeepingDeadline } from '../src/net/deadlines.ts';
import { readAtMost } from '../src/net/read-limit.ts';
import type { Platform } from '../src/platform.ts';
import { statistics } from '../src/reports/statistics.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { stopPlatformAndQueue } from './helpers/nats-queue.ts';
import { FULL_DESCRIPTION, testInSandbox } from './helpers/onboard.ts';
import { platformEngines } from './helpers/queues.ts';
import { testRedisPrefix, testRedisUrl } from './helpers/redis.ts';
import { sharedProvince } from './helpers/shared-nodes.ts';
import { testDatabaseUrl } from './helpers/stores.ts';
import { startTestPlatform, type TestPlatform } from './helpers/test-platform.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field in assertions
type Json = Record<string, any>;
const natsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';
const MINUTE_MS = 60_000;

/**
 * docs/security.md §2.13, the two limits it used to admit: the platform's own endpoints `/_lgsp/…` (status,
 * receipts, inbox, acks) now have a rate per credential (`limits.platformRequestsPerMinute`), counted like the
 * subscription quotas — in process, or in Redis shared by every node — and refused 429 GW_PLATFORM_RATE_LIMITED with
 * Retry-After before anything is read; and a message id no longer names the next one (time + process + counter):
 * after its time it carries 128 random bits. On the embedded queue on PGlite always, on PostgreSQL when
 * LGSP_TEST_DATABASE_URL is set, on NATS JetStream when LGSP_TEST_NATS_URL is set; two `lgsp start` nodes sharing
 * one Redis when LGSP_TEST_REDIS_URL and LGSP_TEST_DATABASE_URL are set.
 */

/**
 * Waits, when needed, until a minute has at least `needMs` left: the rate counts in fixed minutes. Each part that
 * needs one minute takes well under a second (its ~35 calls on a platform already up; measured 0.1–0.2 s, the two
 * nodes' 60 calls under 1 s), so MINUTE_ROOM_MS is many times that even on a busy machine — and a wait, when one is
 * needed (one time in six), is at most that long, not the half minute a larger room would cost.
 */
const MINUTE_ROOM_MS = 10_000;
async function roomInMinute(needMs: number): Promise<void> {
  const left = () => MINUTE_MS - (Date.now() % MINUTE_MS);
  // To just past the next minute's start; checked again, for a timer may fire a little early.
  while (left() < needMs) await sleep(left() + 10);
}

/** The random part of a message id: what follows `msg_` and its 9 characters of time. */
const tailOf = (id: string) => id.slice('msg_'.length + 9);

/** In how many places two strings of one length differ. */
function differing(a: string, b: string): number {
  let n = Math.abs(a.length - b.length);
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

/**
 * Ids of consecutive messages: `msg_`, base 36, within the 64 characters a path's id may have; after the time, at
 * least 96 bits' worth of characters, and any two consecutive ids differ in most of them — an id from a counter
 * (one or two characters apart) or with a part fixed per process fails.
 */
function assertUnguessable(ids: string[]): void {
  for (const id of ids) {
    assert.match(id, /^msg_[0-9a-z]{1,64}$/, `${id}: msg_ and base 36, at most 64 characters`);
    const bits = tailOf(id).length * Math.log2(36);
    assert.ok(bits >= 96, `${id}: ${bits.toFixed(1)} bits of characters after the time, 96 wanted`);
  }
  assert.equal(new Set(ids).size, ids.length, 'every id unique');
  for (let i = 1; i < ids.length; i++) {
    const [a, b] = [tailOf(ids[i - 1]!), tailOf(ids[i]!)];
    assert.ok(
      differing(a, b) >= Math.ceil(a.length / 2),
      `${ids[i - 1]} then ${ids[i]}: the parts after the time differ in ${differing(a, b)} of ${a.length} places`,
    );
  }
}

describe("another party's answer is read only up to its limit (net/read-limit.ts readAtMost)", () => {
  test('an answer without end is given up at the limit, and its stream destroyed; a small one is read whole', async () => {
    let produced = 0;
    const endless = new Readable({
      read() {
        produced += 16 * 1024;
        this.push(Buffer.alloc(16 * 1024, 0x61));
      },
    });
    assert.equal(await readAtMost(endless, 256 * 1024), null);
    assert.ok(endless.destroyed, 'not read further');
    assert.ok(produced <= 512 * 1024, `${produced} bytes read for a limit of 256 KiB`);
    assert.equal(
      (
        await readAtMost(Readable.from([Buffer.from('{"state":'), Buffer.from('"delivered"}')]), 256)
      )?.toString(),
      '{"state":"delivered"}',
    );
  });
});

describe("a push's upload is not the destination's time (net/deadlines.ts uploadKeepingDeadline, R-03)", () => {
  test('a payload sent slowly keeps its push alive; the answer has the whole limit from the last chunk', async () => {
    const deadline = new AbortingDeadline(400);
    const slowly = async function* () {
      for (let i = 0; i < 8; i++) {
        await sleep(150);
        yield Buffer.from('x');
      }
    };
    let chunks = 0;
    for await (const _ of uploadKeepingDeadline(slowly(), deadline)) chunks++;
    assert.equal(chunks, 8);
    assert.equal(deadline.expired, false, '1.2 s of upload under a 400 ms limit');
    await sleep(400 + SWEEP_MS + 150);
    assert.equal(deadline.expired, true, 'then the limit runs from the last chunk');
    deadline.done();
  });
});

describe('the /_lgsp/ rate as a decision (policy.ts platformRate)', () => {
  const snapshot = (peers: string[] = []) =>
    ({ federation: { peersBySystem: new Map(peers.map((id) => [id, {}])) } }) as unknown as CompiledSnapshot;
  const claims = (credentialId: string, systemId = 'sys_a'): TokenClaims => ({
    credentialId,
    systemId,
    environment: 'sandbox',
    expiresAtMs: Number.MAX_SAFE_INTEGER,
  });
  const T0 = Date.UTC(2026, 11, 4, 3, 30, 0);

  test('the default lets a pull loop every 25 ms acknowledge a message each time, for minutes, never refused', () => {
    const perMinute = loadConfig({ env: {} }).limits.platformRequestsPerMinute;
    assert.equal(perMinute, 6000);
    const counters = new QuotaCounters(0);
    const refused: number[] = [];
    for (let t = T0; t < T0 + 3 * MINUTE_MS; t += 25) {
      // A pull, and the ack of what it brought (worst case: a message every time).
      for (const at of [t, t + 1]) {
        const d = platformRate(counters, perMinute, snapshot(), claims('cred_a'), at);
        if (!(d as { ok: boolean }).ok) refused.push(at - T0);
      }
    }
    assert.deepEqual(refused, [], 'no pull or ack refused');
  });

  test('past the limit: 429 GW_PLATFORM_RATE_LIMITED with Retry-After to the minute; other credentials, peers and 0 unaffected', () => {
    const counters = new QuotaCounters(0);
    const at = T0 + 20_000;
    const take = (c: TokenClaims, perMinute = 5, snap = snapshot(['sys_peer'])) =>
      platformRate(counters, perMinute, snap, c, at) as { ok: boolean; code?: string; headers?: Json };
    for (let i = 0; i < 5; i++) assert.equal(take(claims('cred_a')).ok, true, `call ${i + 1} of 5`);
    const sixth = take(claims('cred_a'));
    assert.equal(sixth.ok, false);
    assert.equal(sixth.code, 'GW_PLATFORM_RATE_LIMITED');
    assert.equal(sixth.headers?.['retry-after'], '40', 'the seconds left in the minute');
    assert.equal(take(claims('cred_b')).ok, true, 'another credential counts apart');
    assert.equal(
      take({ ...claims('cred_a'), environment: 'production' }).ok,
      true,
      'another environment counts apart',
    );
    for (let i = 0; i < 50; i++)
      assert.equal(take(claims('cred_peer', 'sys_peer')).ok, true, 'a peer platform is not counted');
    assert.equal(take(claims('cred_a'), 0).ok, true, '0: no limit');
    assert.equal(
      (platformRate(counters, 5, snapshot(), claims('cred_a'), at + MINUTE_MS) as { ok: boolean }).ok,
      true,
      'the next minute allows again',
    );
  });
});

test('unguessableId: 128 random bits after the time; 10,000 ids of one millisecond, no two alike or related', () => {
  const now = Date.UTC(2026, 11, 4, 3, 30, 0);
  const ids = Array.from({ length: 10_000 }, () => unguessableId('msg', now));
  assert.ok(
    ids.every((id) => id.length === 38),
    'msg_ + 9 characters of time + 25 of randomness',
  );
  assertUnguessable(ids);
  // Every place of the random part takes many values (a part fixed per process would take one).
  for (let i = 1; i < 25; i++) {
    const values = new Set(ids.map((id) => tailOf(id)[i]));
    assert.ok(values.size >= 30, `place ${i} of the random part takes ${values.size} values`);
  }
});

for (const setup of platformEngines) {
  describe(`/_lgsp/ rate and message ids on a real platform — ${setup.name}`, () => {
    const LIMIT = 30;
    let started: TestPlatform | null = null;
    let platform: Platform;
    const prefix = `limits${randomBytes(4).toString('hex')}`;
    const creds: Record<string, { consumerKey: string; consumerSecret: string }> = {};
    const tokens = new Map<string, string>();
    /** Reads of message metadata by the gateway (`queue.get`): a refusal must make none. */
    let reads = 0;
    /** The source system A calls from. */
    let systemA = '';

    const token = async (who: string) => {
      let t = tokens.get(who);
      if (!t) {
        t = await getToken(platform.gatewayUrl, creds[who]!.consumerKey, creds[who]!.consumerSecret);
        tokens.set(who, t);
      }
      return t;
    };
    const call = async (method: string, path: string, who: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${platform.gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${await token(who)}`, ...headers },
        ...(method === 'POST' ? { body: '{"van_ban":1}' } : {}),
      });
      const text = await res.text();
      let json: Json = {};
      try {
        json = JSON.parse(text) as Json;
      } catch {}
      return { status: res.status, headers: res.headers, text, json };
    };
    const send = (who: string) =>
      call('POST', '/vanthu/1.0/gui', who, { 'content-type': 'application/json' });

    before(async () => {
      started = await startTestPlatform(setup.store, {
        messaging: { engine: setup.engine, natsUrl, natsPrefix: prefix, pollIntervalMs: 50 },
        limits: { platformRequestsPerMinute: LIMIT },
      });
      platform = started.platform;
      const { registry } = platform;
      const org = (code: string, name: string) =>
        registry.createOrganization({ code, name, contact: { name: 'A', email: 'a@x.vn' } }, 'test');
      const orgP = await org('000.00.31.H01', 'Sở Nội vụ');
      const orgA = await org('000.00.12.H01', 'Văn phòng UBND');
      const orgB = await org('000.00.13.H01', 'Sở Xây dựng');
      const system = (organizationId: string, name: string, provider: boolean) =>
        registry.createSystem({ organizationId, name, isProvider: provider, isConsumer: !provider }, 'test');
      const destP = await system(orgP.id, 'Quản lý văn bản', true);
      const srcA = await system(orgA.id, 'Một cửa', false);
      systemA = srcA.id;
      const srcB = await system(orgB.id, 'Cấp phép', false);
      const service = await registry.createService(
        { context: 'vanthu', name: 'vanthu', providerSystemId: destP.id, description: FULL_DESCRIPTION },
        'test',
      );
      // No endpoint: the destination pulls from its inbox.
      const version = await registry.createVersion(
        service.id,
        { version: '1.0', mode: 'async', upstreams: {}, resources: [{ method: 'POST', path: '/gui' }] },
        'test',
      );
      await testInSandbox(platform, version.id);
      for (const s of [srcA, srcB])
        await registry.createSubscription(
          { systemId: s.id, versionId: version.id, environment: 'sandbox' },
          'test',
        );
      creds['A'] = await registry.issueCredential(srcA.id, 'sandbox', 'test');
      creds['B'] = await registry.issueCredential(srcB.id, 'sandbox', 'test');
      creds['P'] = await registry.issueCredential(destP.id, 'sandbox', 'test');
      await platform.snapshots.refresh();
      // The sandbox test's own message waits in the destination's inbox: taken out, so the test's is the next.
      for (;;) {
        const pulled = await call('GET', '/_lgsp/inbox', 'P');
        if (pulled.status === 204) break;
        assert.equal(pulled.status, 200, pulled.text);
        const handle = pulled.headers.get('x-lgsp-receipt-handle')!;
        const id = pulled.headers.get('x-lgsp-message-id')!;
        const acked = await call('POST', `/_lgsp/inbox/${id}/ack`, 'P', { 'x-lgsp-receipt-handle': handle });
        assert.equal(acked.status, 200, acked.text);
      }
      const queue = platform.messaging.queue;
      const get = queue.get.bind(queue);
      queue.get = (id) => {
        reads++;
        return get(id);
      };
    });

    after(async () => {
      await stopPlatformAndQueue(started, natsUrl, prefix);
    });

    test('a status poll loop: the limit allowed, then 429 with Retry-After and no read; others go on; the refusal is recorded', async () => {
      await roomInMinute(MINUTE_ROOM_MS);
      const minute = Math.floor(Date.now() / MINUTE_MS);
      const sent = await send('A');
      assert.equal(sent.status, 202, sent.text);
      const id = String(sent.json['messageId']);
      const polls: number[] = [];
      for (let i = 0; i < LIMIT; i++) polls.push((await call('GET', `/_lgsp/messages/${id}`, 'A')).status);
      assert.deepEqual(polls, Array(LIMIT).fill(200), 'every poll within the limit answered');

      const readsBefore = reads;
      const over = await call('GET', `/_lgsp/messages/${id}`, 'A');
      assert.equal(over.status, 429, over.text);
      assert.equal(over.json['code'], 'GW_PLATFORM_RATE_LIMITED');
      assert.match(String(over.headers.get('content-type')), /^application\/problem\+json/);
      const [vi, en] = String(over.json['title']).split(' / ');
      assert.match(String(vi), /[À-ỹ]/u, 'the Vietnamese title first');
      assert.ok(en, 'the English title beside it');
      const retryAfter = Number(over.headers.get('retry-after'));
      assert.ok(
        Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60,
        `Retry-After: ${over.headers.get('retry-after')}`,
      );
      // Every endpoint of the credential shares the rate: the inbox and acks too, an unknown path as well.
      for (const [method, path] of [
        ['GET', '/_lgsp/inbox'],
        ['POST', `/_lgsp/inbox/${id}/ack`],
        ['GET', '/_lgsp/khac'],
      ] as const)
        assert.equal((await call(method, path, 'A')).status, 429, `${method} ${path}`);
      assert.equal(reads, readsBefore, 'refusals read no message');

      // Another credential is unaffected: the destination pulls and acknowledges, B asks (and is told nothing).
      const pulled = await call('GET', '/_lgsp/inbox', 'P');
      assert.equal(pulled.status, 200, pulled.text);
      assert.equal(pulled.headers.get('x-lgsp-message-id'), id);
      const acked = await call('POST', `/_lgsp/inbox/${id}/ack`, 'P', {
        'x-lgsp-receipt-handle': pulled.headers.get('x-lgsp-receipt-handle')!,
      });
      assert.equal(acked.status, 200, acked.text);
      assert.equal((await call('GET', `/_lgsp/messages/${id}`, 'B')).status, 404);
      // Async sends are not `/_lgsp/`: the source still sends.
      assert.equal((await send('A')).status, 202);

      await platform.recorder.flush();
      const refusals = await platform.store.db
        .selectFrom('transactions')
        .select(['consumer_status', 'credential_id', 'resource_template', 'error_code'])
        .where('error_code', '=', 'GW_PLATFORM_RATE_LIMITED')
        .execute();
      assert.equal(refusals.length, 4, 'each refusal recorded');
      assert.ok(
        refusals.every((r) => r.consumer_status === 429),
        'recorded with the 429 the caller got',
      );
      assert.ok(
        refusals.some((r) => r.resource_template === '/_lgsp/messages/{messageId}'),
        `recorded with the endpoint it was for: ${JSON.stringify(refusals)}`,
      );
      assert.equal(Math.floor(Date.now() / MINUTE_MS), minute, 'the test stayed in one minute');

      // Requests to /_lgsp/… are the platform's, not a service's (kind platform_call, migration 0040); a pulled
      // message and its acknowledgement stay the delivery and ack legs of the message, of its service.
      const records = await platform.store.db
        .selectFrom('transactions')
        .select(['kind', 'leg', 'resource_template', 'service_id', 'consumer_status'])
        .execute();
      const platformCalls = records.filter((r) => r.kind === 'platform_call');
      assert.ok(
        platformCalls.every((r) => r.resource_template.startsWith('/_lgsp/') || r.consumer_status === 429),
        JSON.stringify(platformCalls.filter((r) => !r.resource_template.startsWith('/_lgsp/'))),
      );
      assert.ok(
        platformCalls.some(
          (r) => r.resource_template === '/_lgsp/messages/{messageId}' && r.consumer_status === 200,
        ),
        'an answered status poll is a platform call',
      );
      assert.ok(
        platformCalls.every((r) => r.service_id === null && r.leg === 'sync'),
        'platform calls name no service and are no message leg',
      );
      const legs = records.filter((r) => r.leg === 'delivery' || r.leg === 'ack');
      assert.ok(
        legs.length >= 2 && legs.every((r) => r.kind === 'service_call' && r.service_id !== null),
        `pulled deliveries and acks stay their service's legs: ${JSON.stringify(legs)}`,
      );

      // The statistics of A's calls: by default service calls only, no "(không xác định / unknown)" service for
      // its status polls; asked for, the polls are one row under the platform's own name.
      const period = {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 3_600_000).toISOString(),
        groupBy: ['service' as const],
        filters: { systemId: systemA, role: 'consumer' as const },
      };
      const plain = await statistics(platform.store, period);
      assert.deepEqual(
        plain.rows.map((r) => r.label.service),
        ['vanthu — vanthu'],
        'only the service A sent to',
      );
      const asked = await statistics(platform.store, { ...period, includePlatformCalls: true });
      assert.deepEqual(asked.rows.map((r) => r.label.service).sort(), [
        'Trạng thái và hộp thư của nền tảng (/_lgsp/…) / Platform message endpoints',
        'vanthu — vanthu',
      ]);
      const platformRow = asked.rows.find((r) => r.key.service === 'platform_call')!;
      assert.equal(
        platformRow.calls,
        LIMIT + 4,
        'its polls within the limit, the one over it, its three other refusals',
      );
    });

    test('ids of consecutive messages share nothing predictable after their time', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const sent = await send('B');
        assert.equal(sent.status, 202, sent.text);
        ids.push(String(sent.json['messageId']));
      }
      assertUnguessable(ids);
      // The engine keeps and finds them by these ids.
      for (const id of ids) assert.equal((await platform.messaging.queue.get(id))?.id, id);
    });
  });
}

describe('two `lgsp start` nodes on one PostgreSQL and one Redis: one /_lgsp/ rate between them', {
  skip:
    testRedisUrl && testDatabaseUrl ? false : 'LGSP_TEST_REDIS_URL and LGSP_TEST_DATABASE_URL not both set',
}, () => {
  test('a rate of 20 per minute, the inbox polled 30 times on each node: 20 answered in total, the rest 429', {
    timeout: 300_000,
  }, async () => {
    const province = await sharedProvince();
    try {
      const env = {
        LGSP_REDIS_URL: testRedisUrl,
        LGSP_REDIS_KEY_PREFIX: testRedisPrefix(),
        LGSP_PLATFORM_REQUESTS_PER_MINUTE: '20',
      };
      const nodes = [await province.node(env), await province.node(env)];
      await Promise.all(nodes.map((n) => n.start()));
      const { consumerKey, consumerSecret } = province.credential;
      const tokens = await Promise.all(nodes.map((n) => getToken(n.gatewayUrl, consumerKey, consumerSecret)));
      // All 60 calls inside one minute: a minute that ends mid-test would rightly allow 20 more.
      await roomInMinute(MINUTE_ROOM_MS);
      const minute = Math.floor(Date.now() / MINUTE_MS);
      const answers = await Promise.all(
        nodes.flatMap((n, i) =>
          Array.from({ length: 30 }, async () => {
            const res = await fetch(`${n.gatewayUrl}/_lgsp/inbox`, {
              headers: { authorization: `Bearer ${tokens[i]}` },
            });
            const body = await res.text();
            return {
              node: i,
              status: res.status,
              code: res.status === 429 ? (JSON.parse(body) as { code: string }).code : null,
              retryAfter: res.headers.get('retry-after'),
            };
          }),
        ),
      );
      assert.equal(Math.floor(Date.now() / MINUTE_MS), minute, 'the calls stayed in one minute');
      const answered = answers.filter((a) => a.status !== 429);
      const perNode = [0, 1].map((i) => answered.filter((a) => a.node === i).length);
      assert.equal(answered.length, 20, `answered per node: ${perNode.join(' + ')}`);
      assert.ok(
        answered.every((a) => a.status === 204),
        `the inbox answered (empty): ${JSON.stringify(answered)}`,
      );
      const refused = answers.filter((a) => a.status === 429);
      assert.ok(
        refused.every((a) => a.code === 'GW_PLATFORM_RATE_LIMITED' && Number(a.retryAfter) >= 1),
        `every other call refused 429 GW_PLATFORM_RATE_LIMITED with Retry-After: ${JSON.stringify(refused[0])}`,
      );
    } finally {
      await province.dispose();
    }
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { systemClock } from '../src/core/clock.ts';
import type { LgspError } from '../src/core/errors.ts';
import type { Platform } from '../src/platform.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { stopPlatformAndQueue } from './helpers/nats-queue.ts';
import { FULL_DESCRIPTION, publishThroughSandbox, testInSandbox } from './helpers/onboard.ts';
import { testDatabaseUrl } from './helpers/stores.ts';
import { startTestPlatform, type TestPlatform } from './helpers/test-platform.ts';
import { trickle } from './helpers/trickle.ts';
import { allowEgressTo } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers read field by field in assertions
type Json = Record<string, any>;
const natsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';

/**
 * The async messaging surface seen by an attacker (session 17): a consumer system with a valid token of its own,
 * subscribed to some services only, and a destination system with its own inbox. Every hostile call gets a clear
 * 4xx problem+json (Vietnamese title first) and changes nothing; nobody reads, acknowledges or suppresses a message
 * that is not theirs; nothing of a payload is left once it is delivered. On the embedded engine (PGlite) always,
 * on PostgreSQL when LGSP_TEST_DATABASE_URL is set, and on NATS JetStream when LGSP_TEST_NATS_URL is set.
 */
const engines: { name: string; engine: 'embedded' | 'nats'; store: 'pglite' | 'postgres' }[] = [
  { name: 'embedded (PGlite)', engine: 'embedded', store: 'pglite' },
  ...(testDatabaseUrl
    ? [{ name: 'embedded (PostgreSQL)', engine: 'embedded' as const, store: 'postgres' as const }]
    : []),
  ...(natsUrl ? [{ name: 'NATS JetStream', engine: 'nats' as const, store: 'pglite' as const }] : []),
];

const MAX_BYTES = 600_000;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: Json;
}

for (const setup of engines) {
  describe(`async messaging against a hostile caller — ${setup.name}`, () => {
    let started: TestPlatform | null = null;
    let platform: Platform;
    const prefix = `hostile${randomBytes(4).toString('hex')}`;
    /** Every push the destination received, by message id: its URL, headers and body. */
    const pushed = new Map<string, { url: string; headers: IncomingHttpHeaders; body: Buffer }>();
    /** Every line the platform logged. */
    const logLines: string[] = [];
    /** Requests that followed a redirect (none should). */
    const redirected: string[] = [];
    const destination = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // 2xx at once, then an answer that never ends: one byte now and then.
        if (req.url?.startsWith('/nhogiot')) return trickle(res, 'bytes', 100);
        // Interim answers (103) every 200 ms and never the final one: each starts undici's wait again.
        if (req.url?.startsWith('/baotruoc')) return trickle(res, 'early-hints', 200);
        if (req.url?.startsWith('/to')) {
          // 2xx with an answer far larger than anyone reads.
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(Buffer.alloc(8_000_000, 7));
          return;
        }
        if (req.url?.startsWith('/chuyen')) {
          // A redirect to an address the platform must not be led to (its own destination stands in for it).
          res.writeHead(307, { location: `${destinationUrl}/bat-duoc${req.url}` }).end();
          return;
        }
        if (req.url?.startsWith('/bat-duoc')) redirected.push(req.url);
        if (req.url?.startsWith('/hong')) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end('Error: connect ECONNREFUSED 10.20.30.40:5432 at /srv/app/db.js:12 password=BI-MAT');
          return;
        }
        pushed.set(String(req.headers['x-lgsp-message-id']), {
          url: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        res.writeHead(200).end('{}');
      });
    });
    let destinationUrl = '';
    /** Credentials by name: sources A and B, destinations P (push and pull) and Q (pull). */
    const creds: Record<string, { consumerKey: string; consumerSecret: string }> = {};
    const ids: Record<string, string> = {};
    const tokens = new Map<string, string>();

    const token = async (who: string) => {
      let t = tokens.get(who);
      if (!t) {
        t = await getToken(platform.gatewayUrl, creds[who]!.consumerKey, creds[who]!.consumerSecret);
        tokens.set(who, t);
      }
      return t;
    };

    /** A raw HTTP/1.1 call (node:http sends what fetch refuses: Host, Connection, duplicated headers). */
    const call = (
      method: string,
      path: string,
      who: string | null,
      body: Buffer | string | null = null,
      headers: Record<string, string | string[]> = {},
    ): Promise<Answer> =>
      (async () => {
        const auth = who ? { authorization: `Bearer ${await token(who)}` } : {};
        const { hostname, port } = new URL(platform.gatewayUrl);
        return new Promise<Answer>((resolve, reject) => {
          const req = request(
            { hostname, port, path, method, headers: { ...auth, ...headers }, agent: false },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                let json: Json = {};
                try {
                  json = JSON.parse(text) as Json;
                } catch {}
                resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
              });
            },
          );
          req.on('error', reject);
          req.end(body ?? undefined);
        });
      })();

    const send = (who: string, path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
      call('POST', path, who, body, { 'content-type': 'application/json', ...headers });

    /** A refusal: the status and code, problem+json with the Vietnamese title first, a transaction id. */
    const refused = (a: Answer, status: number, code: string) => {
      assert.equal(a.status, status, a.text);
      assert.equal(a.json['code'], code, a.text);
      assert.match(String(a.headers['content-type']), /^application\/problem\+json/);
      const [vi, en] = String(a.json['title']).split(' / ');
      assert.match(String(vi), /[À-ỹ]/u, 'the Vietnamese title first');
      assert.ok(en, 'the English title beside it');
      // The HTTP parser's own refusals (431) come before there is a request to record.
      if (a.status !== 431)
        assert.ok(a.headers['x-lgsp-transaction-id'], 'the refusal names its transaction');
    };

    const pull = async (who: string) => {
      const a = await call('GET', '/_lgsp/inbox', who);
      return a;
    };
    const ack = (who: string, id: string, handle: string | undefined) =>
      call('POST', `/_lgsp/inbox/${encodeURIComponent(id)}/ack`, who, null, {
        ...(handle !== undefined ? { 'x-lgsp-receipt-handle': handle } : {}),
      });
    /** Empties a destination's inbox (the sandbox tests' own messages wait there). */
    const drain = async (who: string) => {
      for (;;) {
        const a = await pull(who);
        if (a.status === 204) return;
        assert.equal(a.status, 200, a.text);
        const done = await ack(
          who,
          String(a.headers['x-lgsp-message-id']),
          String(a.headers['x-lgsp-receipt-handle']),
        );
        assert.equal(done.status, 200, done.text);
      }
    };
    const metaOf = (id: string) => platform.messaging.queue.get(id);

    before(async () => {
      await new Promise<void>((r) => destination.listen(0, '127.0.0.1', r));
      destinationUrl = `http://127.0.0.1:${(destination.address() as AddressInfo).port}`;
      started = await startTestPlatform(
        setup.store,
        {
          messaging: {
            engine: setup.engine,
            natsUrl,
            natsPrefix: prefix,
            pollIntervalMs: 50,
            maxMessageBytes: MAX_BYTES,
            maxAttempts: 2,
            retryBaseMs: 10,
            retryMaxMs: 20,
            pushTimeoutMs: 1_500,
          },
        },
        { logger: pino({ level: 'debug' }, { write: (line: string) => logLines.push(line) }) },
      );
      platform = started.platform;
      allowEgressTo(platform.egress, destinationUrl);
      const { registry } = platform;
      const org = async (code: string, name: string) =>
        registry.createOrganization({ code, name, contact: { name: 'A', email: 'a@x.vn' } }, 'test');
      const orgP = await org('000.00.31.H01', 'Sở Nội vụ');
      const orgQ = await org('000.00.32.H01', 'Sở Tư pháp');
      const orgA = await org('000.00.12.H01', 'Văn phòng UBND');
      const orgB = await org('000.00.13.H01', 'Sở Xây dựng');
      const system = (organizationId: string, name: string, provider: boolean) =>
        registry.createSystem({ organizationId, name, isProvider: provider, isConsumer: !provider }, 'test');
      const destP = await system(orgP.id, 'Quản lý văn bản', true);
      const destQ = await system(orgQ.id, 'Lưu trữ', true);
      const srcA = await system(orgA.id, 'Một cửa', false);
      const srcB = await system(orgB.id, 'Cấp phép', false);
      const version = async (context: string, provider: string, upstreams: Json, paths: string[]) => {
        const service = await registry.createService(
          { context, name: context, providerSystemId: provider, description: FULL_DESCRIPTION },
          'test',
        );
        const v = await registry.createVersion(
          service.id,
          {
            version: '1.0',
            mode: 'async',
            upstreams,
            resources: paths.map((path) => ({ method: 'POST', path })),
          },
          'test',
        );
        return v.id;
      };
      ids['hoso'] = await version(
        'hoso',
        destP.id,
        { sandbox: `${destinationUrl}/nhan`, production: `${destinationUrl}/chinhthuc` },
        ['/nop/{so}', '/khac'],
      );
      ids['vanthu'] = await version('vanthu', destP.id, {}, ['/gui']);
      ids['luutru'] = await version('luutru', destQ.id, {}, ['/gui']);
      ids['mat'] = await version('mat', destP.id, { sandbox: `${destinationUrl}/mat` }, ['/gui']);
      ids['hong'] = await version('hong', destP.id, { sandbox: `${destinationUrl}/hong` }, ['/gui']);
      ids['nhogiot'] = await version('nhogiot', destP.id, { sandbox: `${destinationUrl}/nhogiot` }, ['/gui']);
      ids['to'] = await version('to', destP.id, { sandbox: `${destinationUrl}/to` }, ['/gui']);
      ids['baotruoc'] = await version('baotruoc', destP.id, { sandbox: `${destinationUrl}/baotruoc` }, [
        '/gui',
      ]);
      ids['chuyen'] = await version('chuyen', destP.id, { sandbox: `${destinationUrl}/chuyen` }, ['/gui']);
      await publishThroughSandbox(platform, ids['hoso']!);
      // In sandbox test: routable in the sandbox ('hong' answers 500 to every push; its test message dies).
      for (const v of ['vanthu', 'luutru', 'mat', 'hong', 'nhogiot', 'to', 'chuyen', 'baotruoc'])
        await testInSandbox(platform, ids[v]!);
      const subscribe = (systemId: string, v: string, environment: 'sandbox' | 'production' = 'sandbox') =>
        registry.createSubscription({ systemId, versionId: ids[v]!, environment }, 'test');
      for (const v of ['hoso', 'vanthu', 'luutru', 'hong', 'nhogiot', 'to', 'chuyen', 'baotruoc'])
        await subscribe(srcA.id, v);
      await subscribe(srcA.id, 'hoso', 'production');
      for (const v of ['hoso', 'vanthu']) await subscribe(srcB.id, v);
      creds['A'] = await registry.issueCredential(srcA.id, 'sandbox', 'test');
      creds['Aprod'] = await registry.issueCredential(srcA.id, 'production', 'test');
      creds['B'] = await registry.issueCredential(srcB.id, 'sandbox', 'test');
      creds['P'] = await registry.issueCredential(destP.id, 'sandbox', 'test');
      creds['Q'] = await registry.issueCredential(destQ.id, 'sandbox', 'test');
      ids['srcA'] = srcA.id;
      ids['srcB'] = srcB.id;
      await platform.snapshots.refresh();
      await drain('P');
      await drain('Q');
    });

    after(async () => {
      await stopPlatformAndQueue(started, natsUrl, prefix);
      destination.closeAllConnections();
      destination.close();
    });

    test("another system's message: its state and receipt are not found, by id or by guess", async () => {
      const sent = await send('A', '/hoso/1.0/nop/7', '{"ho_so":"A-7"}');
      assert.equal(sent.status, 202, sent.text);
      const id = String(sent.json['messageId']);
      await waitFor(() => pushed.has(id), { what: 'the push' });
      const own = await call('GET', `/_lgsp/messages/${id}`, 'A');
      assert.equal(own.status, 200, own.text);
      // The destination reads it too (its provider); nobody else does, and a stranger cannot tell it exists.
      assert.equal((await call('GET', `/_lgsp/messages/${id}`, 'P')).status, 200);
      for (const who of ['B', 'Q'])
        refused(await call('GET', `/_lgsp/messages/${id}`, who), 404, 'MQ_MESSAGE_NOT_FOUND');
      const unknown = await call('GET', '/_lgsp/messages/msg_khongco', 'B');
      refused(unknown, 404, 'MQ_MESSAGE_NOT_FOUND');
      // Ids an engine might read as a pattern or a path: not found, never a 5xx.
      for (const odd of [
        '*',
        '>',
        'msg_a.b',
        'msg_*',
        '%2A',
        '%3E',
        'm.>',
        `msg_${'x'.repeat(400)}`,
        '%00',
        '%20',
      ]) {
        const a = await call('GET', `/_lgsp/messages/${odd}`, 'A');
        // A path the gateway itself refuses (a NUL, a space) is a 400 before any engine sees it.
        refused(
          a,
          a.status === 400 ? 400 : 404,
          a.status === 400 ? 'GW_PATH_INVALID' : 'MQ_MESSAGE_NOT_FOUND',
        );
        // The same ids as acknowledgements: not found (or the gateway's 400), never a 5xx.
        const b = await ack('P', odd, 'h');
        assert.ok(b.status === 404 || b.status === 400, `${odd}: ${b.status} ${b.text}`);
      }
      // The engine itself reads no pattern either (NATS: a KV key with `*` or `>` matched the latest message).
      for (const odd of ['*', '>', 'm.>', 'msg_a.*']) assert.equal(await metaOf(odd), null, odd);
      refused(await call('GET', `/_lgsp/messages/${id}/x`, 'A'), 404, 'GW_ROUTE_NOT_FOUND');
      refused(await call('DELETE', `/_lgsp/messages/${id}`, 'A'), 404, 'GW_ROUTE_NOT_FOUND');
      refused(await call('GET', `/_lgsp/messages/${id}`, null), 401, 'GW_TOKEN_MISSING');
      // Refused look-ups are recorded like other refusals, under the caller.
      await platform.recorder.flush();
      const records = await platform.store.db
        .selectFrom('transactions')
        .select(['error_code', 'resource_template'])
        .where('consumer_system_id', '=', ids['srcB']!)
        .where('error_code', '=', 'MQ_MESSAGE_NOT_FOUND')
        .execute();
      assert.ok(records.length >= 2, JSON.stringify(records));
      assert.equal(records[0]?.resource_template, '/_lgsp/messages/{messageId}');
    });

    test("a destination pulls only its own inbox and cannot acknowledge another's message", async () => {
      const forP = await send('A', '/vanthu/1.0/gui', 'cho P');
      const forQ = await send('A', '/luutru/1.0/gui', 'cho Q');
      assert.equal(forP.status, 202);
      assert.equal(forQ.status, 202);
      const idP = String(forP.json['messageId']);
      const idQ = String(forQ.json['messageId']);
      // A source's token pulls nothing (it is the destination of nothing).
      assert.equal((await pull('A')).status, 204);
      const q = await pull('Q');
      assert.equal(q.status, 200, q.text);
      assert.equal(q.headers['x-lgsp-message-id'], idQ);
      assert.equal(q.text, 'cho Q');
      assert.equal((await pull('Q')).status, 204, "Q's inbox holds nothing of P's");
      const handleQ = String(q.headers['x-lgsp-receipt-handle']);
      // Q acknowledging P's message — with its own handle, or none: not found.
      refused(await ack('Q', idP, handleQ), 404, 'MQ_MESSAGE_NOT_FOUND');
      refused(await ack('A', idQ, handleQ), 404, 'MQ_MESSAGE_NOT_FOUND');
      refused(await ack('B', idQ, handleQ), 404, 'MQ_MESSAGE_NOT_FOUND');
      const p = await pull('P');
      assert.equal(p.headers['x-lgsp-message-id'], idP);
      const handleP = String(p.headers['x-lgsp-receipt-handle']);
      // P with a handle that is not this message's claim: no handle, an empty one, Q's, garbage, its own for another id.
      for (const handle of [undefined, '', handleQ, 'x'.repeat(5000), `${handleP}x`, 'a:1:i:$JS.ACK.x'])
        refused(await ack('P', idP, handle), 409, 'MQ_CLAIM_LOST');
      assert.equal((await metaOf(idP))?.state, 'delivering');
      assert.equal((await metaOf(idP))?.hasPayload, true);
      // The rightful acknowledgements still work.
      assert.equal((await ack('Q', idQ, handleQ)).status, 200);
      const done = await ack('P', idP, handleP);
      assert.equal(done.status, 200, done.text);
      assert.equal(done.json['state'], 'delivered');
      refused(await ack('P', idP, handleP), 409, 'MQ_CLAIM_LOST');
      // A body sent with an acknowledgement is not read: the answer comes at once, refused or not.
      const started = Date.now();
      refused(
        await call('POST', '/_lgsp/inbox/msg_khongco/ack', 'P', Buffer.alloc(5_000_000)),
        404,
        'MQ_MESSAGE_NOT_FOUND',
      );
      assert.ok(Date.now() - started < 5_000, 'answered without reading the 5 MB body');
    });

    test("a destination cannot acknowledge away a message pushed to it, nor one in another's inbox", async () => {
      // A message in flight to Q's inbox, claimed by Q: P (another destination) forges an ack for it.
      const forQ = await send('A', '/luutru/1.0/gui', 'cho Q lan 2');
      const idQ = String(forQ.json['messageId']);
      const q = await pull('Q');
      assert.equal(q.headers['x-lgsp-message-id'], idQ);
      const handleQ = String(q.headers['x-lgsp-receipt-handle']);
      const forP = await send('A', '/vanthu/1.0/gui', 'cho P lan 2');
      const idP = String(forP.json['messageId']);
      const p = await pull('P');
      assert.equal(p.headers['x-lgsp-message-id'], idP);
      const handleP = String(p.headers['x-lgsp-receipt-handle']);
      // P's own message id with its handle rewritten to name Q's claim (the NATS handle carries an ack subject).
      // Counted for the last check only: an earlier test's push may settle at any moment on a loaded machine, so
      // what the forged acks did is read from these two messages' own states, not from the queue's total.
      const pending = await platform.messaging.queue.pendingCount();
      const parts = handleP.split(':');
      const qParts = handleQ.split(':');
      if (parts.length >= 4 && qParts.length >= 4) {
        const forged = [...parts.slice(0, 3), ...qParts.slice(3)].join(':');
        refused(await ack('P', idP, forged), 409, 'MQ_CLAIM_LOST');
        const flipped = [parts[0], parts[1], parts[2] === 'i' ? 'o' : 'i', ...parts.slice(3)].join(':');
        refused(await ack('P', idP, flipped), 409, 'MQ_CLAIM_LOST');
      }
      // Neither message was settled by the forged acknowledgements.
      assert.equal((await metaOf(idP))?.state, 'delivering');
      assert.equal((await metaOf(idQ))?.state, 'delivering');
      // Q's message is untouched: Q still acknowledges it, and P its own; both leave the queue.
      const doneQ = await ack('Q', idQ, handleQ);
      assert.equal(doneQ.status, 200, doneQ.text);
      assert.equal(doneQ.json['state'], 'delivered');
      const doneP = await ack('P', idP, handleP);
      assert.equal(doneP.status, 200, doneP.text);
      assert.equal(doneP.json['state'], 'delivered');
      // Both left the queue. Earlier tests' pushes may settle meanwhile on a loaded machine: at least these two.
      const left = await platform.messaging.queue.pendingCount();
      assert.ok(left <= pending - 2, `${left} still queued, ${pending} before the two acknowledgements`);
    });

    test('Idempotency-Key: per sending system and environment; reused for another service, resource or body it is refused', async () => {
      const key = `ho-so-${randomBytes(4).toString('hex')}`;
      const first = await send('A', '/hoso/1.0/nop/1', '{"so":1}', { 'idempotency-key': key });
      assert.equal(first.status, 202, first.text);
      const id = String(first.json['messageId']);
      // The same send again: the same message.
      const again = await send('A', '/hoso/1.0/nop/1', '{"so":1}', { 'idempotency-key': key });
      assert.equal(again.status, 202);
      assert.equal(again.json['messageId'], id);
      assert.equal(again.json['duplicate'], true);
      // Another system with A's key: its own, new message — it learns nothing of A's, suppresses nothing.
      const b = await send('B', '/hoso/1.0/nop/1', '{"so":1}', { 'idempotency-key': key });
      assert.equal(b.status, 202, b.text);
      assert.notEqual(b.json['messageId'], id);
      assert.equal(b.json['duplicate'], false);
      // A's key for another service, another resource, another body, in production: refused, nothing stored.
      const bId = String(b.json['messageId']);
      await waitFor(() => pushed.has(id) && pushed.has(bId), { what: 'both pushes' });
      const queued = await platform.messaging.queue.pendingCount();
      const pushedBefore = new Set(pushed.keys());
      const reused = [
        await send('A', '/vanthu/1.0/gui', '{"so":1}', { 'idempotency-key': key }),
        await send('A', '/hoso/1.0/khac', '{"so":1}', { 'idempotency-key': key }),
        await send('A', '/hoso/1.0/nop/1', '{"so":2}', { 'idempotency-key': key }),
        await send('A', '/hoso/1.0/nop/1', Buffer.alloc(300_000, 1), { 'idempotency-key': key }),
      ];
      for (const r of reused) {
        refused(r, 422, 'MQ_IDEMPOTENCY_KEY_REUSED');
        assert.doesNotMatch(r.text, new RegExp(id), "the first message's id is not told");
      }
      // Nothing stored: nothing more waits (others' messages may only settle), nothing more was pushed.
      await new Promise((r) => setTimeout(r, 300));
      const after = await platform.messaging.queue.pendingCount();
      assert.ok(after <= queued, `${after} queued after the refused sends, ${queued} before`);
      // A message any of them made would be pushed with its body; others' messages may still arrive.
      const refusedBodies = [Buffer.from('{"so":1}'), Buffer.from('{"so":2}'), Buffer.alloc(300_000, 1)];
      const madeByRefused = [...pushed]
        .filter(([pushedId]) => !pushedBefore.has(pushedId))
        .filter(([, p]) => refusedBodies.some((body) => p.body.equals(body)));
      assert.deepEqual(
        madeByRefused.map(([pushedId]) => pushedId),
        [],
      );
      // And the first send is still the same message afterwards.
      const third = await send('A', '/hoso/1.0/nop/1', '{"so":1}', { 'idempotency-key': key });
      assert.equal(third.json['messageId'], id);
      // A large message (several chunks) sent again whole: the same message, answered once its body is read.
      const large = Buffer.alloc(MAX_BYTES - 10, 3);
      const bigKey = `${key}-lon`;
      const l1 = await send('A', '/vanthu/1.0/gui', large, { 'idempotency-key': bigKey });
      assert.equal(l1.status, 202, l1.text);
      const l2 = await send('A', '/vanthu/1.0/gui', large, { 'idempotency-key': bigKey });
      assert.equal(l2.status, 202, l2.text);
      assert.equal(l2.json['messageId'], l1.json['messageId']);
      assert.equal(l2.json['duplicate'], true);
      refused(
        await send('A', '/vanthu/1.0/gui', Buffer.alloc(MAX_BYTES - 10, 4), { 'idempotency-key': bigKey }),
        422,
        'MQ_IDEMPOTENCY_KEY_REUSED',
      );
      // Two different sends racing with one new key: one is the message, the other refused — never both stored.
      const raceKey = `${key}-dua`;
      const raced = await Promise.all([
        send('A', '/hoso/1.0/nop/1', '{"ben":1}', { 'idempotency-key': raceKey }),
        send('A', '/hoso/1.0/nop/1', '{"ben":2}', { 'idempotency-key': raceKey }),
      ]);
      assert.deepEqual(raced.map((r) => r.status).sort(), [202, 422], raced.map((r) => r.text).join('\n'));
      await drain('P');
      // The refusals are recorded like any other, under the source, as intake legs.
      await platform.recorder.flush();
      const reusedRecords = await platform.store.db
        .selectFrom('transactions')
        .select(['leg', 'message_id'])
        .where('consumer_system_id', '=', ids['srcA']!)
        .where('error_code', '=', 'MQ_IDEMPOTENCY_KEY_REUSED')
        .execute();
      assert.ok(reusedRecords.length >= 5, JSON.stringify(reusedRecords));
      for (const r of reusedRecords) {
        assert.equal(r.leg, 'intake');
        assert.equal(r.message_id, null, 'no message is named');
      }
      // Production is another world: A's sandbox key is free there, and a resend there is that message.
      const prod = await send('Aprod', '/hoso/1.0/nop/1', '{"so":1}', { 'idempotency-key': key });
      assert.equal(prod.status, 202, prod.text);
      assert.notEqual(prod.json['messageId'], id);
      assert.equal(prod.json['duplicate'], false);
      const prodAgain = await send('Aprod', '/hoso/1.0/nop/1', '{"so":1}', { 'idempotency-key': key });
      assert.equal(prodAgain.json['messageId'], prod.json['messageId']);
      assert.equal(prodAgain.json['duplicate'], true);
      // A key used in production first is free in the sandbox too.
      const key2 = `${key}-2`;
      const p2 = await send('Aprod', '/hoso/1.0/nop/1', '{}', { 'idempotency-key': key2 });
      const s2 = await send('A', '/hoso/1.0/nop/1', '{}', { 'idempotency-key': key2 });
      assert.equal(s2.status, 202, s2.text);
      assert.equal(s2.json['duplicate'], false);
      assert.notEqual(s2.json['messageId'], p2.json['messageId']);
    });

    test('sandbox credentials see nothing of production', async () => {
      const prod = await send('Aprod', '/hoso/1.0/nop/9', '{"moi_truong":"production"}');
      assert.equal(prod.status, 202, prod.text);
      const id = String(prod.json['messageId']);
      await waitFor(() => pushed.has(id), { what: 'the production push' });
      assert.equal(pushed.get(id)!.url, '/chinhthuc/nop/9');
      assert.equal((await call('GET', `/_lgsp/messages/${id}`, 'Aprod')).status, 200);
      refused(await call('GET', `/_lgsp/messages/${id}`, 'A'), 404, 'MQ_MESSAGE_NOT_FOUND');
      refused(await call('GET', `/_lgsp/messages/${id}`, 'P'), 404, 'MQ_MESSAGE_NOT_FOUND');
    });

    test('sends the gateway refuses: unsubscribed, wrong method, too large — nothing stored', async () => {
      const before = await platform.messaging.queue.pendingCount();
      refused(await send('A', '/mat/1.0/gui', '{}'), 403, 'GW_SUBSCRIPTION_REQUIRED');
      refused(await send('B', '/luutru/1.0/gui', '{}'), 403, 'GW_SUBSCRIPTION_REQUIRED');
      refused(await call('GET', '/hoso/1.0/nop/1', 'A'), 405, 'MQ_METHOD_NOT_ALLOWED');
      refused(await call('PUT', '/hoso/1.0/nop/1', 'A', '{}'), 405, 'MQ_METHOD_NOT_ALLOWED');
      refused(await send('A', '/hoso/1.0/khongco', '{}'), 404, 'GW_RESOURCE_NOT_FOUND');
      // A production credential to a version routable in the sandbox only; paths that could leave the resource or
      // split the push's request line.
      refused(await send('Aprod', '/vanthu/1.0/gui', '{}'), 404, 'GW_NOT_IN_ENVIRONMENT');
      refused(await send('A', '/hoso/1.0/nop/%2e%2e', '{}'), 400, 'GW_PATH_INVALID');
      refused(await send('A', '/hoso/1.0/nop/a%0D%0AX-Evil:%201', '{}'), 400, 'GW_PATH_INVALID');
      refused(await send('A', '/hoso/1.0/nop/a%2Fb', '{}'), 400, 'GW_PATH_INVALID');
      refused(
        await call('POST', '/hoso/1.0/nop/1', 'A', '{}', { 'x-to': 'x'.repeat(20_000) }),
        431,
        'GW_HEADERS_TOO_LARGE',
      );
      refused(await send('A', '/hoso/1.0/nop/1', Buffer.alloc(MAX_BYTES + 1)), 413, 'MQ_MESSAGE_TOO_LARGE');
      // Without a length, streamed past the limit: refused once it passes it.
      const chunked = await call('POST', '/hoso/1.0/nop/1', 'A', Buffer.alloc(MAX_BYTES + 70_000, 2), {
        'content-type': 'application/octet-stream',
        'transfer-encoding': 'chunked',
      });
      refused(chunked, 413, 'MQ_MESSAGE_TOO_LARGE');
      // Compressed bytes would reach the destination without their Content-Encoding: refused, not lost.
      for (const encoding of ['gzip', 'br', 'deflate, gzip'])
        refused(
          await send('A', '/hoso/1.0/nop/1', 'nen', { 'content-encoding': encoding }),
          415,
          'MQ_CONTENT_ENCODING_UNSUPPORTED',
        );
      for (const key of ['', ' ', 'a b', 'x'.repeat(201), 'khóa'])
        refused(
          await send('A', '/hoso/1.0/nop/1', '{}', { 'idempotency-key': key }),
          400,
          'MQ_IDEMPOTENCY_KEY_INVALID',
        );
      // Two Idempotency-Key headers are one joined value with a space: invalid, not the first one.
      refused(
        await call('POST', '/hoso/1.0/nop/1', 'A', '{}', { 'idempotency-key': ['k1', 'k2'] }),
        400,
        'MQ_IDEMPOTENCY_KEY_INVALID',
      );
      // Nothing added; an earlier test's message may settle meanwhile (seen on a loaded machine: 1 → 0).
      const after = await platform.messaging.queue.pendingCount();
      assert.ok(after <= before, `nothing stored by a refused send: ${before} → ${after}`);
      await platform.recorder.flush();
      const rows = await platform.store.db
        .selectFrom('transactions')
        .select(['error_code'])
        .where('consumer_system_id', '=', ids['srcA']!)
        .where('error_code', 'in', [
          'GW_SUBSCRIPTION_REQUIRED',
          'MQ_MESSAGE_TOO_LARGE',
          'MQ_IDEMPOTENCY_KEY_INVALID',
        ])
        .execute();
      assert.ok(rows.length >= 8, `the refusals are recorded (${rows.length})`);
      // Without an encoding, or 'identity', a message is taken.
      assert.equal(
        (await send('A', '/hoso/1.0/nop/1', '{}', { 'content-encoding': 'identity' })).status,
        202,
      );
    });

    test("the source's headers do not reach the destination; only the platform's own do", async () => {
      const sent = await call('POST', '/hoso/1.0/nop/5', 'A', '{"x":5}', {
        'content-type': 'application/json',
        host: 'noi-bo.example',
        'x-forwarded-for': '10.0.0.1',
        'x-forwarded-host': 'metadata.internal',
        forwarded: 'for=10.0.0.1;host=169.254.169.254',
        'x-real-ip': '10.0.0.1',
        'x-lgsp-consumer-system': 'gia-mao',
        'x-lgsp-message-id': 'msg_giamao',
        'x-lgsp-environment': 'production',
        'repr-digest': 'sha-256=:AAAA:',
        cookie: 'phien=bi-mat',
        connection: 'keep-alive, x-lgsp-consumer-system',
        'x-callback-url': 'http://169.254.169.254/latest/meta-data/',
        'x-tu-dat': 'gia-tri',
      });
      assert.equal(sent.status, 202, sent.text);
      const id = String(sent.json['messageId']);
      await waitFor(() => pushed.has(id), { what: 'the push' });
      const got = pushed.get(id)!;
      assert.equal(got.headers['x-lgsp-consumer-system'], ids['srcA']);
      assert.equal(got.headers['x-lgsp-message-id'], id);
      assert.equal(got.headers['x-lgsp-environment'], 'sandbox');
      assert.match(String(got.headers['host']), /^127\.0\.0\.1:/);
      for (const name of [
        'x-forwarded-for',
        'x-forwarded-host',
        'forwarded',
        'x-real-ip',
        'cookie',
        'x-callback-url',
        'x-tu-dat',
        'authorization',
      ])
        assert.equal(got.headers[name], undefined, name);
      assert.equal(got.headers['content-type'], 'application/json');
    });

    test('odd content types are stored and delivered, not a poison message', async () => {
      const odd = [
        `text/plain; x="${'a'.repeat(4000)}"`,
        'application/x-lạ',
        'a/b; c="\u00ff\u00e9"',
        '  ',
        'khong-phai-mime',
      ];
      for (const type of odd) {
        const sent = await call('POST', '/hoso/1.0/nop/6', 'A', 'noi dung', {
          'content-type': Buffer.from(type, 'utf8').toString('latin1'),
        });
        assert.ok(sent.status === 202 || sent.status === 400, `${type}: ${sent.status} ${sent.text}`);
        if (sent.status !== 202) continue;
        const id = String(sent.json['messageId']);
        await waitFor(
          async () => (await metaOf(id))?.state === 'delivered' || (await metaOf(id))?.state === 'dead',
          {
            what: `delivered (${type.slice(0, 20)})`,
          },
        );
        assert.equal(
          (await metaOf(id))?.state,
          'delivered',
          `${type.slice(0, 20)}: ${(await metaOf(id))?.lastError}`,
        );
      }
      const pulled = await send('A', '/vanthu/1.0/gui', 'x');
      assert.equal(pulled.status, 202);
      const sentOdd = await call('POST', '/vanthu/1.0/gui', 'A', 'y', {
        'content-type': 'a/b; c="\u00ff\u00e9"',
      });
      const p1 = await pull('P');
      assert.equal(p1.status, 200);
      await ack('P', String(p1.headers['x-lgsp-message-id']), String(p1.headers['x-lgsp-receipt-handle']));
      if (sentOdd.status === 202) {
        const p2 = await pull('P');
        assert.equal(p2.status, 200, p2.text);
        assert.equal(p2.headers['x-lgsp-message-id'], sentOdd.json['messageId']);
        assert.equal(
          (
            await ack(
              'P',
              String(p2.headers['x-lgsp-message-id']),
              String(p2.headers['x-lgsp-receipt-handle']),
            )
          ).status,
          200,
        );
      }
    });

    test("a destination's answer is read no longer and no further than needed: its 2xx is the acknowledgement", async () => {
      // A 2xx whose body never ends held the push (and the destination's slot) for as long as it dripped, the
      // message never settled, and once its lease lapsed it was pushed again, and again.
      const dripping = await send('A', '/nhogiot/1.0/gui', 'x');
      assert.equal(dripping.status, 202);
      const id = String(dripping.json['messageId']);
      await waitFor(async () => (await metaOf(id))?.state === 'delivered', {
        what: 'delivered on its 2xx',
        timeoutMs: 6_000,
      });
      assert.equal((await metaOf(id))?.hasPayload, false);
      // A 2xx with 8 MB of answer: delivered; no more than the first part of it is read.
      const big = await send('A', '/to/1.0/gui', 'y');
      const bigId = String(big.json['messageId']);
      await waitFor(async () => (await metaOf(bigId))?.state === 'delivered', { what: 'delivered' });
      // The leg is recorded just after the message settles: look until both are there.
      const deliveryLegs = async () => {
        await platform.recorder.flush();
        return platform.store.db
          .selectFrom('transactions')
          .select(['response_bytes', 'provider_status'])
          .where('message_id', 'in', [id, bigId])
          .where('leg', '=', 'delivery')
          .execute();
      };
      await waitFor(async () => (await deliveryLegs()).length >= 2, { what: 'both delivery legs recorded' });
      const legs = await deliveryLegs();
      assert.equal(legs.length, 2, JSON.stringify(legs));
      for (const leg of legs) {
        assert.equal(leg.provider_status, 200);
        assert.ok(Number(leg.response_bytes) < 1_000_000, `read ${leg.response_bytes} bytes`);
      }
    });

    test('a destination that never gives its final answer: each push fails as a timeout at pushTimeoutMs and is retried (R-03)', async () => {
      // Interim answers kept undici's wait for the headers going: the push, its slot and its claim were held forever.
      const sent = await send('A', '/baotruoc/1.0/gui', 'z');
      assert.equal(sent.status, 202);
      const id = String(sent.json['messageId']);
      await waitFor(async () => (await metaOf(id))?.state === 'dead', {
        what: 'dead after its attempts timed out',
        timeoutMs: 20_000,
      });
      const meta = await metaOf(id);
      assert.equal(meta?.attempts, 2, 'retried once, then given up (maxAttempts 2)');
      assert.equal(meta?.lastError, 'GW_UPSTREAM_TIMEOUT');
      await platform.recorder.flush();
      const legs = await platform.store.db
        .selectFrom('transactions')
        .select(['consumer_status', 'error_code', 'request_out_at', 'response_out_at'])
        .where('message_id', '=', id)
        .where('leg', '=', 'delivery')
        .execute();
      assert.equal(legs.length, 2, JSON.stringify(legs));
      for (const leg of legs) {
        assert.equal(leg.error_code, 'GW_UPSTREAM_TIMEOUT');
        assert.equal(leg.consumer_status, 504);
        const tookMs = new Date(leg.response_out_at!).getTime() - new Date(leg.request_out_at!).getTime();
        assert.ok(tookMs >= 1_400 && tookMs < 1_500 + 1_500, `an attempt took ${tookMs} ms (limit 1,500 ms)`);
      }
    });

    test('the only callback is a registered webhook, and it cannot point inside', async () => {
      const { rows } = await sql<{ id: string }>`SELECT id FROM organizations LIMIT 1`.execute(
        platform.store.db,
      );
      for (const url of [
        'http://169.254.169.254/latest/meta-data/',
        'http://127.0.0.1:6379/',
        'http://localhost:22/',
        'http://10.0.0.1/hook',
        'http://[::1]/hook',
        'http://0.0.0.0/',
      ]) {
        await assert.rejects(
          createWebhookEndpoint(
            platform.store,
            systemClock,
            platform.kek,
            { organizationId: rows[0]!.id, url, events: ['message.delivered', 'message.dead'] },
            'test',
            platform.egress,
          ),
          (err: LgspError) => err.code === 'API_EGRESS_DENIED',
          url,
        );
      }
    });

    test('after delivery nothing of the payload is left to read; errors leak no internals', async () => {
      const marker = `BIMAT-${randomBytes(6).toString('hex')}`;
      const citizen = `0010${randomBytes(4).readUInt32BE().toString().padStart(10, '0')}`;
      const sent = await send('A', `/hoso/1.0/nop/${citizen}?hoTen=${marker}`, `{"noi_dung":"${marker}"}`);
      const id = String(sent.json['messageId']);
      await waitFor(async () => (await metaOf(id))?.state === 'delivered', { what: 'delivered' });
      const status = await call('GET', `/_lgsp/messages/${id}`, 'A');
      assert.equal(status.json['payloadStored'], false);
      assert.doesNotMatch(status.text, new RegExp(marker));
      const receipt = String(status.json['receipt']);
      const claims = Buffer.from(receipt.split('.')[1]!, 'base64url').toString('utf8');
      assert.doesNotMatch(claims, new RegExp(marker));
      assert.doesNotMatch(claims, new RegExp(citizen));
      // Nor in anything the platform logged (debug level and up) on the way.
      const logged = logLines.join('');
      assert.ok(logged.length > 0, 'the platform logs');
      assert.doesNotMatch(logged, new RegExp(`${marker}|${citizen}`));
      // A destination answering 500 with its internals: the source learns the status code, nothing more.
      const failing = await send('A', '/hong/1.0/gui', 'x');
      const fid = String(failing.json['messageId']);
      await waitFor(async () => (await metaOf(fid))?.state === 'dead', { what: 'dead' });
      const dead = await call('GET', `/_lgsp/messages/${fid}`, 'A');
      assert.equal(dead.status, 200);
      assert.equal(dead.json['lastError'], 'HTTP 500');
      assert.equal(dead.json['payloadStored'], false);
      assert.equal(dead.json['receipt'], null);
      assert.doesNotMatch(dead.text, /10\.20\.30\.40|BI-MAT|127\.0\.0\.1|\/srv\//);
      // A destination redirecting its pushes elsewhere is not followed: a failed attempt like any other answer.
      const led = await send('A', '/chuyen/1.0/gui', 'x');
      const lid = String(led.json['messageId']);
      await waitFor(async () => (await metaOf(lid))?.state === 'dead', { what: 'dead' });
      assert.equal((await metaOf(lid))?.lastError, 'HTTP 307');
      assert.deepEqual(redirected, []);
      // What the failing destination answered is not logged either (only its status).
      assert.doesNotMatch(logLines.join(''), /10\.20\.30\.40|BI-MAT/);
    });
  });
}

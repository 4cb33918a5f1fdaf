import assert from 'node:assert/strict';
import { Agent, createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { createGateway } from '../src/gateway/server.ts';
import { SWEEP_MS, watchedDeadlines } from '../src/net/deadlines.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { trickle } from './helpers/trickle.ts';
import { allowEgressTo } from './helpers/upstream.ts';

/** An answer larger than the sockets' buffers between the provider, the gateway and the consumer. */
const LARGE_BYTES = 16 * 1024 * 1024;
const LARGE = Buffer.alloc(LARGE_BYTES, 0x61);

/**
 * The limits of: the 30 s answer limit (the default; its mechanism tested with a short limit, so the
 * suite does not wait 30 s) — for the whole answer, however the provider trickles it — and 1,000 calls in flight at
 * once through one gateway process, at their real size.
 */
describe('gateway limits (R-03, R-04)', () => {
  let h: Awaited<ReturnType<typeof startGatewayHarness>>;
  let token: string;
  /** A second gateway on the same snapshot and recorder, whose answer limit is short. */
  let short: ReturnType<typeof createGateway>;
  let shortUrl: string;
  const LIMIT_MS = 1_500;
  let inFlight = 0;
  let maxInFlight = 0;
  /**
   * The provider holds every `/cham` call until `holdUntil` calls are in flight at once (an event, whatever the
   * machine's speed), then answers them all; after `HOLD_LIMIT_MS` it answers anyway, and the count tells.
   */
  let holdUntil = Number.POSITIVE_INFINITY;
  const held: Array<() => void> = [];
  const HOLD_LIMIT_MS = 20_000;
  const upstream = createServer((req, res) => {
    // The status and headers at once, then a byte every 200 ms, forever: every read well within any limit.
    if (req.url?.includes('/nho-giot')) return trickle(res, 'bytes');
    // Interim answers (103 Early Hints) every 200 ms, never the final one: each starts undici's wait again.
    if (req.url?.includes('/bao-truoc')) return trickle(res, 'early-hints');
    if (req.url?.includes('/lon')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': LARGE_BYTES });
      res.end(LARGE);
      return;
    }
    // Any other call — the set-up's sandbox test call — is answered at once: held like `/cham`, it cost the suite
    // HOLD_LIMIT_MS before any test ran.
    if (!req.url?.includes('/cham') && !req.url?.includes('/im-lang')) {
      res.end('{"ok":true}');
      return;
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      inFlight--;
      res.end('{"ok":true}');
    };
    // `/im-lang` never answers while the test runs: only the gateway's own limit can end the call.
    const timer = setTimeout(answer, req.url?.includes('/im-lang') ? 600_000 : HOLD_LIMIT_MS);
    if (req.url?.includes('/cham')) {
      held.push(answer);
      if (inFlight >= holdUntil) for (const release of held.splice(0)) release();
    }
    res.on('close', () => {
      if (!answered) {
        answered = true;
        clearTimeout(timer);
        inFlight--;
      }
    });
  });
  upstream.keepAliveTimeout = 65_000;

  before(async () => {
    await new Promise<void>((r) => upstream.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, r));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    // The default 30 s upstream limit; all 1,000 calls come from 127.0.0.1, above the default per-address cap.
    h = await startGatewayHarness('pglite', { gateway: { maxConnectionsPerAddress: 2000 } });
    allowEgressTo(h.egress, upstreamUrl); // issue 10: this test's provider, exactly
    const org = await h.registry.createOrganization(
      { code: '000.00.50.H01', name: 'Sở Kế hoạch và Đầu tư' },
      'test',
    );
    const sys = await h.registry.createSystem(
      { organizationId: org.id, name: 'Hệ thống đăng ký kinh doanh', isProvider: true, isConsumer: true },
      'test',
    );
    const svc = await h.registry.createService(
      {
        context: 'dkkd',
        name: 'Đăng ký kinh doanh',
        providerSystemId: sys.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    const ver = await h.registry.createVersion(
      svc.id,
      { version: '2.0', upstreams: { sandbox: upstreamUrl, production: upstreamUrl } },
      'test',
    );
    await publishThroughSandbox(h, ver.id);
    await h.registry.createSubscription(
      { systemId: sys.id, versionId: ver.id, environment: 'production' },
      'test',
    );
    const cred = await h.registry.issueCredential(sys.id, 'production', 'test');
    await h.snapshots.refresh();
    token = await getToken(h.url, cred.consumerKey, cred.consumerSecret);
    // One connection to the provider: a second call in flight waits for it (the wait counts in the limit).
    const config = loadConfig({
      env: {},
      overrides: { gateway: { upstreamTimeoutMs: LIMIT_MS, upstreamConnectionsPerOrigin: 1 } },
    });
    short = createGateway({
      config,
      clock: { nowMs: () => Date.now() },
      logger: silentLogger(),
      snapshots: h.snapshots,
      records: h.recorder,
      egress: h.egress,
    });
    shortUrl = await short.listen(0, '127.0.0.1');
  });
  after(async () => {
    await short.close();
    await h.close();
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  /** A call through the short-limit gateway as a plain HTTP client sees it, down to whether its body came whole. */
  const callShort = (path: string, readAfterMs = 0, body: string | null = null) =>
    new Promise<{
      status: number;
      headers: IncomingHttpHeaders;
      text: string;
      bytes: number;
      complete: boolean;
      elapsedMs: number;
    }>((resolve, reject) => {
      const started = Date.now();
      const { hostname, port } = new URL(shortUrl);
      const req = request(
        {
          hostname,
          port,
          path,
          method: body === null ? 'GET' : 'POST',
          agent: false,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            bytes += c.length;
            if (bytes <= 65_536) chunks.push(c);
          });
          // A consumer that reads nothing for a while: the gateway waits on it, not on the provider.
          if (readAfterMs > 0) {
            res.pause();
            setTimeout(() => res.resume(), readAfterMs);
          }
          res.on('error', () => {}); // a cut answer: seen below as `complete: false`
          res.on('close', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
              bytes,
              complete: res.complete,
              elapsedMs: Date.now() - started,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body ?? undefined);
    });
  const recordOf = async (id: string) => {
    await h.recorder.flush();
    const { items } = await queryTransactions(h.store, { limit: 1000 });
    const found = items.find((t) => t.id === id);
    assert.ok(found, `transaction ${id} recorded`);
    return found;
  };
  /** Never before the limit; at most a sweep after it (and a margin for a busy machine). */
  const atTheLimit = (elapsedMs: number) =>
    assert.ok(
      elapsedMs >= LIMIT_MS - 20 && elapsedMs < LIMIT_MS + SWEEP_MS + 1_000,
      `ended after ${elapsedMs} ms with a ${LIMIT_MS} ms limit`,
    );

  test('a provider that does not answer → 504 problem at the answer limit (30 s by default)', async () => {
    assert.equal(loadConfig({ env: {} }).gateway.upstreamTimeoutMs, 30_000, 'R-03: 30 s unless configured');
    const res = await callShort('/dkkd/2.0/im-lang');
    assert.equal(res.status, 504);
    assert.match(String(res.headers['content-type']), /application\/problem\+json/);
    const problem = JSON.parse(res.text) as { code: string; detail: string };
    assert.equal(problem.code, 'GW_UPSTREAM_TIMEOUT');
    assert.equal(problem.detail, `${LIMIT_MS} ms`);
    // Never before the limit; and long before the provider would have answered (it never does here).
    atTheLimit(res.elapsedMs);
  });

  test('a provider that trickles its answer after the headers: cut at the limit, never a whole-looking answer, recorded as a timeout', async () => {
    const res = await callShort('/dkkd/2.0/nho-giot');
    // The status line had gone out: all the gateway can do is cut the connection, which the consumer sees.
    assert.equal(res.status, 200);
    assert.equal(res.complete, false, 'the chunked answer never ends properly');
    assert.ok(res.text.startsWith('{'), res.text);
    atTheLimit(res.elapsedMs);
    const rec = await recordOf(String(res.headers['x-lgsp-transaction-id']));
    assert.equal(rec.errorCode, 'GW_UPSTREAM_TIMEOUT');
    assert.equal(rec.providerStatus, 200);
    assert.ok(rec.responseBytes >= 1, `${rec.responseBytes} bytes relayed`);
  });

  test('a provider that trickles interim answers (103) and never its final one: 504 at the limit', async () => {
    const res = await callShort('/dkkd/2.0/bao-truoc');
    assert.equal(res.status, 504);
    assert.equal((JSON.parse(res.text) as { code: string }).code, 'GW_UPSTREAM_TIMEOUT');
    atTheLimit(res.elapsedMs);
    const rec = await recordOf(String(res.headers['x-lgsp-transaction-id']));
    assert.equal(rec.errorCode, 'GW_UPSTREAM_TIMEOUT');
    assert.equal(rec.consumerStatus, 504);
  });

  test('a large answer that flows fast is not cut', async () => {
    const fast = await callShort('/dkkd/2.0/lon');
    assert.equal(fast.status, 200);
    assert.equal(fast.bytes, LARGE_BYTES);
    assert.ok(fast.complete, 'the whole answer');
  });

  test('a consumer that reads slowly is not cut; a call waiting meanwhile for the only connection is 504 at the limit', async () => {
    // The consumer reads nothing for longer than twice the limit: the time the gateway waits on it is not the
    // provider's, so its answer comes whole; it holds the only connection to the provider all that time.
    const slowReader = callShort('/dkkd/2.0/lon', 2 * LIMIT_MS + 500);
    await new Promise((r) => setTimeout(r, 200));
    // The wait for a free connection counts: without it, this call would end only after the slow reader's. Its
    // body, never sent on, is not read after the answer.
    const waiting = await callShort('/dkkd/2.0/lon?cho=1', 0, '{"soDinhDanh":"001099012345"}');
    assert.equal(waiting.status, 504);
    assert.equal((JSON.parse(waiting.text) as { code: string }).code, 'GW_UPSTREAM_TIMEOUT');
    atTheLimit(waiting.elapsedMs);
    const slow = await slowReader;
    assert.equal(slow.status, 200);
    assert.equal(slow.bytes, LARGE_BYTES);
    assert.ok(slow.complete, 'the whole answer, though it took longer than the limit');
    assert.ok(slow.elapsedMs > 2 * LIMIT_MS, `${slow.elapsedMs} ms`);
    const rec = await recordOf(String(slow.headers['x-lgsp-transaction-id']));
    assert.equal(rec.errorCode, null);
    assert.equal(rec.responseBytes, LARGE_BYTES);
    // Every exchange that ended is no longer watched.
    assert.equal(watchedDeadlines(), 0);
  });

  test('1,000 concurrent connections, each with a call in flight, all answered', async () => {
    const { hostname, port } = new URL(h.url);
    const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
    maxInFlight = 0;
    holdUntil = 1000;
    const one = () =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { hostname, port, path: '/dkkd/2.0/cham', agent, headers: { authorization: `Bearer ${token}` } },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end();
      });
    const statuses = await Promise.all(Array.from({ length: 1000 }, one));
    agent.destroy();
    assert.equal(
      statuses.filter((s) => s === 200).length,
      1000,
      `statuses: ${JSON.stringify(countBy(statuses))}`,
    );
    assert.ok(maxInFlight >= 1000, `the provider saw ${maxInFlight} calls at once`);
  });
});

function countBy(values: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

import assert from 'node:assert/strict';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/core/config.ts';
import { createGateway } from '../src/gateway/server.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { getToken, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { allowEgressTo } from './helpers/upstream.ts';

/**
 * The limits of: the 30 s answer limit (the default; its mechanism tested with a short limit, so the
 * suite does not wait 30 s), and 1,000 calls in flight at once through one gateway process, at their real size.
 */
describe('gateway limits (R-03, R-04)', () => {
  let h: Awaited<ReturnType<typeof startGatewayHarness>>;
  let token: string;
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
  });
  after(async () => {
    await h.close();
    upstream.closeAllConnections();
    await new Promise((r) => upstream.close(r));
  });

  test('a provider that does not answer → 504 problem at the answer limit (30 s by default)', async () => {
    assert.equal(loadConfig({ env: {} }).gateway.upstreamTimeoutMs, 30_000, 'R-03: 30 s unless configured');
    // The same snapshot and recorder behind a second gateway whose limit is short.
    const limitMs = 300;
    const config = loadConfig({ env: {}, overrides: { gateway: { upstreamTimeoutMs: limitMs } } });
    const logger = silentLogger();
    const clock = { nowMs: () => Date.now() };
    const short = createGateway({
      config,
      clock,
      logger,
      snapshots: h.snapshots,
      records: h.recorder,
      egress: h.egress,
    });
    const url = await short.listen(0, '127.0.0.1');
    try {
      const started = Date.now();
      const res = await fetch(`${url}/dkkd/2.0/im-lang`, { headers: { authorization: `Bearer ${token}` } });
      const elapsedMs = Date.now() - started;
      assert.equal(res.status, 504);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      const problem = (await res.json()) as { code: string; detail: string };
      assert.equal(problem.code, 'GW_UPSTREAM_TIMEOUT');
      assert.equal(problem.detail, `${limitMs} ms`);
      // Never before the limit; and long before the provider would have answered (it never does here).
      assert.ok(elapsedMs >= limitMs - 20, `answered after ${elapsedMs} ms`);
    } finally {
      await short.close();
    }
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

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sandboxTestCall } from '../src/gateway/sandbox-probe.ts';
import { isTimeout, SWEEP_MS } from '../src/net/deadlines.ts';
import { TRICKLES, trickle } from './helpers/trickle.ts';

/**
 * The sandbox test call (`lgsp version-change test`, onboarding, the demo) used fetch's default `redirect: 'follow'`:
 * a provider whose sandbox answered 302 to `http://169.254.169.254/…` or to the operator's network had the machine
 * running the test fetch it, past the egress policy. A redirect is now the answer's status, never followed.
 */
describe('the sandbox test call follows no redirect', () => {
  const hits: string[] = [];
  let elsewhere: Server;
  let gateway: Server;
  let gatewayUrl = '';

  before(async () => {
    elsewhere = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end('{}');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/latest/meta-data/`;
    // A gateway relaying a provider's redirect, as it relays any answer.
    gateway = createServer((req, res) => {
      if (req.url === '/token') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: 't', token_type: 'Bearer', expires_in: 3600 }));
        return;
      }
      res.writeHead(302, { location: target });
      res.end();
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => gateway.close(r));
    await new Promise((r) => elsewhere.close(r));
  });

  for (const method of ['GET', 'POST']) {
    test(`${method}: the status is the redirect's, and its target is never asked`, async () => {
      const status = await sandboxTestCall(
        gatewayUrl,
        { consumerKey: 'k', consumerSecret: 's' },
        { method, path: '/dancu/1.0/congdan/thu-nghiem' },
        5_000,
      );
      assert.equal(status, 302);
      assert.deepEqual(hits, []);
    });
  }
});

/**
 * the sandbox test call had no limit at all — a gateway (or the provider behind it) that trickled its answer, or
 * sent `103 Early Hints` without end, held `lgsp version-change test`, onboarding or the demo for ever. It is now whole
 * within the sandbox try's limit (control/sandbox-try.ts `sandboxCallLimitMs`), through net/deadlines.ts.
 */
describe('the sandbox test call ends at its limit', () => {
  let gateway: Server;
  let gatewayUrl = '';
  before(async () => {
    gateway = createServer((req, res) => {
      const how = TRICKLES.find((t) => req.url?.includes(`/${t}/`));
      if (req.url === '/token' || !how) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ access_token: 't', token_type: 'Bearer', expires_in: 3600 }));
        return;
      }
      trickle(res, how);
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });
  after(async () => {
    gateway.closeAllConnections();
    await new Promise((r) => gateway.close(r));
  });

  for (const how of TRICKLES) {
    test(`${how}: fails as a timeout at the limit`, { timeout: 20_000 }, async () => {
      const t0 = performance.now();
      await assert.rejects(
        sandboxTestCall(
          gatewayUrl,
          { consumerKey: 'k', consumerSecret: 's' },
          { method: 'GET', path: `/dancu/1.0/${how}/thu-nghiem` },
          1_000,
        ),
        (err) => isTimeout(err),
      );
      const elapsedMs = performance.now() - t0;
      assert.ok(elapsedMs >= 980 && elapsedMs < 1_000 + SWEEP_MS + 1_500, `ended after ${elapsedMs} ms`);
    });
  }
});

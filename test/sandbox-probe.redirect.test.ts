import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sandboxTestCall } from '../src/gateway/sandbox-probe.ts';

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
      );
      assert.equal(status, 302);
      assert.deepEqual(hits, []);
    });
  }
});

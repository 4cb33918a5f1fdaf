import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pathProblem } from '../src/core/paths.ts';
import { rawRequest, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, subscribedToken } from './helpers/onboard.ts';
import { allowEgressTo } from './helpers/upstream.ts';

/**
 * A raw `#` in the request target (RFC 9112 §3.2: an origin-form target is a path and a query, never a fragment)
 * was forwarded as part of the path. The gateway matched its resource allow-list on the whole path, while a
 * provider that parses the target as a URL (Node's WHATWG parser, Express's `url.parse`, nginx) cuts the path at
 * the `#`: `/congdan/1#/anh` matched the one declared resource `GET /congdan/{id}/anh` and reached the provider as
 * `/congdan/1`, a resource the version does not publish — and the record said `/congdan/{id}/anh`.
 */
describe('a fragment in the request target cannot shorten the path a provider sees', () => {
  let h: Awaited<ReturnType<typeof startGatewayHarness>>;
  let token: string;
  const seen: string[] = [];
  const provider = createServer((req, res) => {
    seen.push(new URL(req.url ?? '/', 'http://x').pathname);
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });

  before(async () => {
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    h = await startGatewayHarness('pglite');
    allowEgressTo(h.egress, origin);
    const org = await h.registry.createOrganization({ code: '000.00.42.H01', name: 'Sở Y tế' }, 'test');
    const sys = await h.registry.createSystem(
      { organizationId: org.id, name: 'Hệ thống thử', isProvider: true, isConsumer: true },
      'test',
    );
    const svc = await h.registry.createService(
      { context: 'anh', name: 'Ảnh công dân', providerSystemId: sys.id, description: FULL_DESCRIPTION },
      'test',
    );
    const ver = await h.registry.createVersion(
      svc.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${origin}/base`, production: `${origin}/base` },
        resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}/anh' }],
      },
      'test',
    );
    token = await subscribedToken(h, sys.id, [ver.id]);
  });
  after(async () => {
    await h?.close();
    await new Promise((r) => provider.close(r));
  });

  test('the declared resource is served; an undeclared one is 404', async () => {
    const ok = await rawRequest(h.url, '/anh/1.0/congdan/001/anh', { authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200);
    const other = await rawRequest(h.url, '/anh/1.0/congdan/001', { authorization: `Bearer ${token}` });
    assert.equal(other.status, 404);
    assert.equal((JSON.parse(other.body) as { code: string }).code, 'GW_RESOURCE_NOT_FOUND');
  });

  test('`#` in the path → 400 GW_PATH_INVALID, before the token, and the provider gets nothing', async () => {
    const before = seen.length;
    for (const path of [
      '/anh/1.0/congdan/001#/anh',
      '/anh/1.0/congdan/001#x/anh',
      '/anh/1.0/congdan/#/001/anh',
    ]) {
      const res = await rawRequest(h.url, path, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 400, `${path}: ${res.body}`);
      assert.equal((JSON.parse(res.body) as { code: string }).code, 'GW_PATH_INVALID', path);
      assert.match(res.headers['content-type'] ?? '', /application\/problem\+json/);
      const anonymous = await rawRequest(h.url, path, {});
      assert.equal(anonymous.status, 400, path);
    }
    assert.deepEqual(seen.slice(before), [], 'no request reached the provider');
  });

  test('an encoded `%23` is data in a segment, forwarded as sent', async () => {
    const res = await rawRequest(h.url, '/anh/1.0/congdan/a%23b/anh', { authorization: `Bearer ${token}` });
    assert.equal(res.status, 200);
    assert.equal(seen.at(-1), '/base/congdan/a%23b/anh');
    assert.equal(pathProblem('/a%23b'), null);
    assert.notEqual(pathProblem('/a#b'), null);
  });
});

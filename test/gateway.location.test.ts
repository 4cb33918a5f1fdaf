import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { consumerLinks, consumerLocation, consumerRefresh } from '../src/gateway/headers.ts';
import { rawRequest, startGatewayHarness } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, subscribedToken } from './helpers/onboard.ts';
import { allowEgressTo } from './helpers/upstream.ts';

/**
 * A provider's address is its agency's and the operator's to know (docs/security.md §2.1: other agencies read
 * `upstreams` as null). A redirect the provider's server makes on its own — nginx adding a trailing slash, a
 * framework's absolute URL — names that address; the gateway relayed it as is, so any consumer learned the way
 * around the gateway from one `Location` header. It is now told as the gateway's own path.
 */
describe("a provider's redirect does not tell the consumer the provider's address", () => {
  let h: Awaited<ReturnType<typeof startGatewayHarness>>;
  let token: string;
  let origin = '';
  /** What the provider answers in `Location`, by the resource asked for. */
  const locations: Record<string, (origin: string) => string> = {
    '/base/thu-muc': (o) => `${o}/base/thu-muc/`,
    '/base/tim': (o) => `${o}/base/ket-qua?id=1#x`,
    '/base/goc': (o) => `${o}/base`,
    '/base/ngoai': (o) => `${o}/quan-tri/dang-nhap`,
    '/base/tuong-doi': () => '/base/ket-qua/2',
    '/base/khac': () => 'https://dichvucong.gov.vn/tra-cuu',
  };
  /** What the provider answers in `Refresh` (a page that sends the browser on after a delay), by resource. */
  const refreshes: Record<string, (origin: string) => string> = {
    '/base/lam-moi/duoi-goc': (o) => `5; url=${o}/base/ket-qua?id=1`,
    '/base/lam-moi/ngoai': (o) => `0;URL='${o}/quan-tri'`,
    '/base/lam-moi/chinh-no': () => '30',
    '/base/lam-moi/trang-khac': () => '1, url=https://dichvucong.gov.vn/tra-cuu',
    '/base/lam-moi/khong-hop-le': (o) => `${o}/base/ket-qua`,
  };
  const provider = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    const refresh = refreshes[pathname];
    if (refresh) {
      res.writeHead(200, { refresh: refresh(origin), 'content-type': 'text/html' });
      res.end('<p>Đang chuyển…</p>');
      return;
    }
    const to = locations[pathname];
    if (to) {
      res.writeHead(302, {
        location: to(origin),
        'content-location': `${origin}/base/ban-goc`,
        link: `<${origin}/base/ds?trang=2>; rel="next", <${origin}/noi-bo>; rel="x", <https://tinh.gov.vn/a>; rel="help"; title="a, b"`,
      });
      res.end();
      return;
    }
    res.end('{}');
  });

  before(async () => {
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    h = await startGatewayHarness('pglite');
    allowEgressTo(h.egress, origin);
    const org = await h.registry.createOrganization({ code: '000.00.43.H01', name: 'Sở Xây dựng' }, 'test');
    const sys = await h.registry.createSystem(
      { organizationId: org.id, name: 'Hệ thống thử chuyển hướng', isProvider: true, isConsumer: true },
      'test',
    );
    const svc = await h.registry.createService(
      {
        context: 'xaydung',
        name: 'Giấy phép xây dựng',
        providerSystemId: sys.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    const ver = await h.registry.createVersion(
      svc.id,
      { version: '1.0', upstreams: { sandbox: `${origin}/base`, production: `${origin}/base` } },
      'test',
    );
    token = await subscribedToken(h, sys.id, [ver.id]);
  });
  after(async () => {
    await h?.close();
    await new Promise((r) => provider.close(r));
  });

  test('Location under the base is the same place under the gateway path; elsewhere on the provider: dropped', async () => {
    const expected: Record<string, string | undefined> = {
      'thu-muc': '/xaydung/1.0/thu-muc/',
      tim: '/xaydung/1.0/ket-qua?id=1#x',
      goc: '/xaydung/1.0/',
      ngoai: undefined,
      'tuong-doi': '/xaydung/1.0/ket-qua/2',
      khac: 'https://dichvucong.gov.vn/tra-cuu',
    };
    for (const [resource, location] of Object.entries(expected)) {
      const res = await rawRequest(h.url, `/xaydung/1.0/${resource}`, { authorization: `Bearer ${token}` });
      assert.equal(res.status, 302, resource);
      assert.equal(res.headers.location, location, resource);
      assert.equal(res.headers['content-location'], '/xaydung/1.0/ban-goc', resource);
      assert.equal(
        res.headers.link,
        '</xaydung/1.0/ds?trang=2>; rel="next", <https://tinh.gov.vn/a>; rel="help"; title="a, b"',
        resource,
      );
      const port = new URL(origin).port;
      assert.ok(!JSON.stringify(res.headers).includes(port), `${resource}: ${JSON.stringify(res.headers)}`);
    }
  });

  test('Refresh: its URL told as a redirect is; elsewhere on the provider, or no refresh at all: dropped', async () => {
    const expected: Record<string, string | undefined> = {
      'duoi-goc': '5; url=/xaydung/1.0/ket-qua?id=1',
      ngoai: undefined,
      'chinh-no': '30',
      'trang-khac': '1, url=https://dichvucong.gov.vn/tra-cuu',
      'khong-hop-le': undefined,
    };
    for (const [resource, refresh] of Object.entries(expected)) {
      const res = await rawRequest(h.url, `/xaydung/1.0/lam-moi/${resource}`, {
        authorization: `Bearer ${token}`,
      });
      assert.equal(res.status, 200, resource);
      assert.equal(res.headers.refresh, refresh, resource);
      const port = new URL(origin).port;
      assert.ok(!JSON.stringify(res.headers).includes(port), `${resource}: ${JSON.stringify(res.headers)}`);
    }
  });

  test('Refresh: read as a browser reads it — any case of url=, spaces, quotes, no url= at all', () => {
    const p = { origin: 'http://10.0.0.5:8080', basePath: '/api' };
    const at = (v: string) => consumerRefresh(v, p, '/s/1.0');
    assert.equal(at('5;URL = "http://10.0.0.5:8080/api/x" tail'), '5;URL = "/s/1.0/x"');
    assert.equal(at("0.5, url='/api/y'"), "0.5, url='/s/1.0/y'");
    assert.equal(at('2; http://10.0.0.5:8080/api/z'), '2; /s/1.0/z', 'the URL without url=');
    assert.equal(at('2 //10.0.0.5:8080/khac'), undefined, 'scheme-relative, the provider’s host');
    assert.equal(at('3; url='), '3; url=', 'no URL: the page itself');
    assert.equal(at('url=http://10.0.0.5:8080/api/x'), undefined, 'no delay: no refresh');
  });

  test('Link: each target told alike; nothing left, no field', () => {
    const p = { origin: 'http://10.0.0.5:8080', basePath: '/api' };
    assert.equal(consumerLinks('<http://10.0.0.5:8080/x>; rel="a"', p, '/s/1.0'), undefined);
    assert.equal(
      consumerLinks(['</api/p?page=3>; rel="last"', '<http://10.0.0.5:8080/api>; rel="up"'], p, '/s/1.0'),
      '</s/1.0/p?page=3>; rel="last", </s/1.0/>; rel="up"',
    );
  });

  test('the rule itself: origins compared as origins, bases as whole segments', () => {
    const p = { origin: 'http://10.0.0.5:8080', basePath: '/api/dancu' };
    const at = (v: string) => consumerLocation(v, p, '/dancu/1.0');
    assert.equal(at('http://10.0.0.5:8080/api/dancu/x'), '/dancu/1.0/x');
    assert.equal(at('HTTP://10.0.0.5:8080/api/dancu?x=1'), '/dancu/1.0/?x=1');
    assert.equal(at('http://10.0.0.5:8080/api/dancux/y'), undefined, 'not under the base: a sibling path');
    assert.equal(at('http://10.0.0.5:8080/'), undefined);
    assert.equal(at('http://10.0.0.5:8080'), undefined);
    assert.equal(at('/api/dancu/x'), '/dancu/1.0/x');
    assert.equal(at('/khac'), '/khac', 'a relative path names no host');
    assert.equal(at('http://10.0.0.5:80800/x'), 'http://10.0.0.5:80800/x', 'another port is another origin');
    assert.equal(at('https://10.0.0.5:8080/api/dancu/x'), 'https://10.0.0.5:8080/api/dancu/x');
    assert.equal(at('//cdn.example/x'), '//cdn.example/x');
    // Scheme-relative, the provider's own host: told like the absolute URL it is, never relayed as written.
    assert.equal(at('//10.0.0.5:8080/api/dancu/x'), '/dancu/1.0/x');
    assert.equal(at('//10.0.0.5:8080/khac'), undefined);
    assert.equal(at('/\\10.0.0.5:8080/khac'), undefined, 'a backslash read as a slash');
    const plain = { origin: 'http://ws.local', basePath: '' };
    assert.equal(consumerLocation('http://ws.local:80/a', plain, '/ws/2.0'), '/ws/2.0/a');
    assert.equal(consumerLocation('http://ws.local', plain, '/ws/2.0'), '/ws/2.0/');
  });
});

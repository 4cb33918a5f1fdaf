import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import { rawRequest, startGatewayHarness, within } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, subscribedToken } from './helpers/onboard.ts';
import { allowEgressTo } from './helpers/upstream.ts';

/**
 * Issue 10 item 2: nothing a consumer sends may land outside the service's base path at the provider, whichever
 * way the provider resolves paths. Two real providers behind the gateway, both with the base `/base`: one that
 * resolves the path with the WHATWG URL parser (as Node, Deno, Bun and most JavaScript frameworks do) and nginx
 * (which decodes `%XX` and merges dot segments before it picks a location). Each traversal variant is refused with
 * 400 GW_PATH_INVALID and reaches neither; legitimate paths arrive exactly as sent, under the base.
 *
 * nginx is required: CI installs it (`apt-get install -y nginx`); a machine without it fails this suite, so the
 * nginx half can never be skipped silently.
 */
const NGINX = '/usr/sbin/nginx';

/** Each variant is appended to `/{context}/1.0/`; every one would leave `/base/` at one provider or another. */
const TRAVERSALS = [
  '../secret',
  'a/../../secret',
  './../secret',
  '.%2e/.%2e/secret',
  '%2e./%2e./secret',
  '%2e%2e/secret',
  '%2E%2E/secret',
  '%2e%2E/secret',
  '.%2E/secret',
  '%2e/../secret',
  '..\\..\\secret',
  '..%5c..%5csecret',
  '..%5C..%5Csecret',
  '%2e%2e%2fsecret',
  '%2e%2e%2Fsecret',
  'a%2f..%2f..%2fsecret',
  '.%2e/.%2e/x',
  '%252e%252e/secret',
  '%252e%252e%252fsecret',
  '%c0%ae%c0%ae/secret',
  '%e0%80%ae%e0%80%ae/secret',
  '%ef%bc%8e%ef%bc%8e/secret',
  '..;/secret',
  '..%3b/secret',
  'a%00/../secret',
  '..%00/secret',
  '%zz/secret',
  '/secret',
  'a//../secret',
];

const LEGITIMATE = ['a/b', 'a/b.json', 'a/%20b', 'a/..b', 'a/b..', 'a/b/', 'Nguy%E1%BB%85n%20An'];

describe('canonical paths against a URL-parser provider and nginx (issue 10 item 2)', () => {
  let h: Awaited<ReturnType<typeof startGatewayHarness>>;
  let token: string;
  let nginx: ChildProcess | null = null;
  let nginxOrigin = '';
  let nginxDir = '';
  /** What the URL-parser provider resolved, for every request it got. */
  const resolved: Array<{ raw: string; pathname: string }> = [];
  const urlProvider = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://x').pathname;
    resolved.push({ raw: req.url ?? '', pathname });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ raw: req.url, pathname }));
  });

  before(async () => {
    assert.ok(existsSync(NGINX), `${NGINX} is required (apt-get install -y nginx)`);
    await new Promise<void>((r) => urlProvider.listen(0, '127.0.0.1', r));
    const urlOrigin = `http://127.0.0.1:${(urlProvider.address() as AddressInfo).port}`;
    ({ dir: nginxDir, origin: nginxOrigin, child: nginx } = await startNginx());

    h = await startGatewayHarness('pglite');
    allowEgressTo(h.egress, urlOrigin, nginxOrigin); // issue 10: exactly this test's two providers
    const org = await h.registry.createOrganization({ code: '000.00.41.H01', name: 'Sở Nội vụ' }, 'test');
    const sys = await h.registry.createSystem(
      { organizationId: org.id, name: 'Hệ thống thử đường dẫn', isProvider: true, isConsumer: true },
      'test',
    );
    const versionIds: string[] = [];
    for (const [context, origin] of [
      ['echo', urlOrigin],
      ['ngx', nginxOrigin],
    ] as const) {
      const svc = await h.registry.createService(
        { context, name: `Dịch vụ ${context}`, providerSystemId: sys.id, description: FULL_DESCRIPTION },
        'test',
      );
      const ver = await h.registry.createVersion(
        svc.id,
        { version: '1.0', upstreams: { sandbox: `${origin}/base`, production: `${origin}/base` } },
        'test',
      );
      versionIds.push(ver.id);
    }
    token = await subscribedToken(h, sys.id, versionIds);
  });
  after(async () => {
    await h?.close();
    await new Promise((r) => urlProvider.close(r));
    if (nginx) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    if (nginxDir) rmSync(nginxDir, { recursive: true, force: true });
  });

  test('the providers themselves would resolve the traversals outside the base (the test can see an escape)', async () => {
    for (const outside of ['/base/.%2e/secret', '/base/%2E%2E/secret', '/base/a%2f..%2f..%2fsecret']) {
      const direct = await rawRequest(nginxOrigin, outside, {});
      assert.equal(direct.body.trim(), 'outside /secret', `nginx resolves ${outside} outside the base`);
    }
    assert.equal(new URL('/base/.%2e/.%2e/secret', 'http://x').pathname, '/secret');
    assert.equal(new URL('/base/..\\..\\secret', 'http://x').pathname, '/secret');
  });

  test('every traversal variant → 400 GW_PATH_INVALID, recorded, and nothing lands outside the base', async () => {
    const resolvedBefore = resolved.length;
    const mark = nginxLogSize();
    for (const context of ['echo', 'ngx']) {
      for (const variant of TRAVERSALS) {
        const path = `/${context}/1.0/${variant}`;
        const res = await rawRequest(h.url, path, { authorization: `Bearer ${token}` });
        assert.equal(res.status, 400, path);
        assert.equal((JSON.parse(res.body) as { code: string }).code, 'GW_PATH_INVALID', path);
        // Refused before the token: a caller without one learns nothing more, and still gets the same answer.
        const anonymous = await rawRequest(h.url, path, {});
        assert.equal(anonymous.status, 400, path);
      }
    }
    assert.equal(resolved.length, resolvedBefore, 'the URL-parser provider got none of them');
    assert.deepEqual(nginxHits(mark), [], 'nginx got none of them');

    await h.recorder.flush();
    const { items } = await queryTransactions(h.store, { errorCode: 'GW_PATH_INVALID', limit: 1000 });
    assert.equal(items.length, TRAVERSALS.length * 4, 'each refusal is recorded');
    assert.ok(
      items.every((t) => t.consumerStatus === 400),
      'items.every((t) => t.consumerStatus === 400)',
    );
  });

  test('legitimate paths are forwarded exactly, under the base, to both providers', async () => {
    const mark = nginxLogSize();
    for (const variant of LEGITIMATE) {
      const echo = await rawRequest(h.url, `/echo/1.0/${variant}?q=%2e%2e`, {
        authorization: `Bearer ${token}`,
      });
      assert.equal(echo.status, 200, variant);
      const seen = JSON.parse(echo.body) as { raw: string; pathname: string };
      assert.equal(seen.raw, `/base/${variant}?q=%2e%2e`, 'path and query arrive byte for byte');
      assert.ok(seen.pathname.startsWith('/base/'), seen.pathname);

      const ngx = await rawRequest(h.url, `/ngx/1.0/${variant}`, { authorization: `Bearer ${token}` });
      assert.equal(ngx.status, 200, variant);
      assert.match(ngx.body, /^base \/base\//, `${variant}: ${ngx.body}`);
    }
    await within(5_000, async () => nginxHits(mark).length >= LEGITIMATE.length);
    const hits = nginxHits(mark);
    assert.deepEqual(
      hits.map((h) => h.requestUri),
      LEGITIMATE.map((v) => `/base/${v}`),
    );
    assert.ok(
      hits.every((h) => h.uri.startsWith('/base/')),
      JSON.stringify(hits),
    );
    assert.ok(
      resolved.every((r) => r.pathname.startsWith('/base')),
      JSON.stringify(resolved),
    );
  });

  function nginxLogSize(): number {
    const file = join(nginxDir, 'access.log');
    return existsSync(file) ? readFileSync(file).length : 0;
  }

  /** nginx's access log from byte `from` on: `$request_uri` as received and `$uri` as nginx resolved it. */
  function nginxHits(from: number): Array<{ requestUri: string; uri: string }> {
    const file = join(nginxDir, 'access.log');
    if (!existsSync(file)) return [];
    return readFileSync(file)
      .subarray(from)
      .toString('utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [requestUri = '', uri = ''] = line.split('\t');
        return { requestUri, uri };
      });
  }
});

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * nginx as a provider with the base `/base/`: it answers `base $uri` there and `outside $uri` anywhere else, and
 * logs what it received and what it resolved — its own prefix, config and logs in a temp dir (as bench/nginx.ts).
 */
async function startNginx(): Promise<{ dir: string; origin: string; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-paths-nginx-'));
  mkdirSync(join(dir, 'tmp'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  log_format hits '$request_uri\\t$uri';
  access_log ${dir}/access.log hits;
  server {
    listen 127.0.0.1:${port};
    default_type text/plain;
    location /base/ { return 200 "base $uri\\n"; }
    location / { return 200 "outside $uri\\n"; }
  }
}
`,
  );
  const child = spawn(
    NGINX,
    ['-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf'), '-p', dir, '-g', 'daemon off;'],
    { stdio: 'ignore' },
  );
  const origin = `http://127.0.0.1:${port}`;
  await within(10_000, async () => {
    try {
      await rawRequest(origin, '/base/ready', {});
      return true;
    } catch {
      return false;
    }
  });
  return { dir, origin, child };
}

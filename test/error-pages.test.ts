import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { escapeHtml } from '../src/api/error-pages.ts';
import { nodeHealthServer } from '../src/api/node-health-server.ts';
import { loadConfig } from '../src/core/config.ts';
import { ERRORS, type ErrorCode, setProblemTypeOrigin, toProblem } from '../src/core/errors.ts';
import { localUrl } from '../src/platform.ts';
import { TelemetryMetrics } from '../src/telemetry/metrics.ts';
import { startTestPlatform, type TestPlatform } from './helpers/test-platform.ts';

/**
 * A problem's `type` is a page on the platform itself, explaining the code in Vietnamese then English
 * (src/api/error-pages.ts): followed with a plain GET — no browser, no script — it answers 200 with the code's two
 * titles; a code the registry does not have, or hostile input in its place, answers a 404 page.
 */

/** Follows a problem's `type` as a developer's curl would, and checks it is that code's page. */
async function followType(problem: { type: string; code: ErrorCode }): Promise<string> {
  const res = await fetch(problem.type, { redirect: 'manual' });
  assert.equal(res.status, 200, `GET ${problem.type}`);
  assert.match(String(res.headers.get('content-type')), /^text\/html; charset=utf-8/);
  const html = await res.text();
  const spec = ERRORS[problem.code];
  assert.ok(html.includes(escapeHtml(spec.titleVi)), `the page of ${problem.code} has its Vietnamese title`);
  assert.ok(html.includes(escapeHtml(spec.title)), `the page of ${problem.code} has its English title`);
  assert.ok(html.includes(`${spec.status} `), `the page of ${problem.code} names HTTP ${spec.status}`);
  assert.ok(html.includes('href="/portal/errors"'), 'the page links to the whole list');
  // Vietnamese first, English beside it.
  assert.ok(
    html.indexOf(escapeHtml(spec.titleVi)) < html.indexOf(escapeHtml(spec.title)),
    'Vietnamese first',
  );
  return html;
}

const HOSTILE = [
  'NO_SUCH_CODE',
  'gw_token_missing',
  '__proto__',
  'constructor',
  'toString',
  '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  '%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E',
  '..%2F..%2Fetc%2Fpasswd',
  `GW_${'A'.repeat(4000)}`,
  'GW_TOKEN_MISSING/extra',
];

async function assertNotFoundPages(base: string): Promise<void> {
  for (const hostile of HOSTILE) {
    const res = await fetch(`${base}/portal/errors/${hostile}`, { redirect: 'manual' });
    assert.equal(res.status, 404, `GET /portal/errors/${hostile.slice(0, 40)}`);
    assert.match(String(res.headers.get('content-type')), /^text\/html; charset=utf-8/);
    const html = await res.text();
    assert.ok(!/<script|<img|onerror/i.test(html), 'nothing of the path is echoed as markup');
    assert.ok(html.includes('href="/portal/errors"'), 'the 404 page links to the whole list');
  }
  // An encoded NUL is refused before routing, by the admin port's input guard: a 400 problem, still no 5xx.
  const nul = await fetch(`${base}/portal/errors/GW_TOKEN_MISSING%00`);
  assert.equal(nul.status, 400);
  await nul.body?.cancel();
}

describe('problem types resolve to the code’s page on the platform (one process, no admin.publicUrl)', () => {
  let t: TestPlatform;
  let adminUrl: string;
  before(async () => {
    t = await startTestPlatform('pglite');
    adminUrl = localUrl(t.platform.adminUrl);
  });
  after(() => t?.stop());

  test('a gateway problem’s type is absolute, at the admin listener, and its page has both titles', async () => {
    const res = await fetch(`${t.platform.gatewayUrl}/dancu/1.0/congdan/001`);
    assert.equal(res.status, 401);
    const problem = (await res.json()) as { type: string; code: ErrorCode };
    assert.equal(problem.code, 'GW_TOKEN_MISSING');
    assert.equal(problem.type, `${adminUrl}/portal/errors/GW_TOKEN_MISSING`);
    const html = await followType(problem);
    // `<token>` in the English title is text, not markup.
    assert.ok(html.includes('Bearer &lt;token&gt;'), 'the title is escaped');
    assert.equal(res.headers.get('content-security-policy'), null, 'the gateway’s own answer is unchanged');
  });

  test('an admin API problem’s type resolves the same way', async () => {
    const res = await fetch(`${adminUrl}/api/v1/organizations`);
    assert.equal(res.status, 401);
    const problem = (await res.json()) as { type: string; code: ErrorCode };
    assert.equal(problem.code, 'API_UNAUTHORIZED');
    assert.equal(problem.type, `${adminUrl}/portal/errors/API_UNAUTHORIZED`);
    await followType(problem);
  });

  test('every code of the registry has its page, and the list links each', async () => {
    const list = await fetch(`${adminUrl}/portal/errors`);
    assert.equal(list.status, 200);
    const html = await list.text();
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      assert.ok(html.includes(`href="/portal/errors/${code}"`), `the list links ${code}`);
      await followType({ type: `${adminUrl}/portal/errors/${code}`, code });
    }
    const page = await fetch(`${adminUrl}/portal/errors/API_FORBIDDEN`);
    assert.match(String(page.headers.get('content-security-policy')), /script-src 'self'/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  });

  test('a code’s Vietnamese title says what its English one says: MQ_UPLOAD_FAILED’s "nothing was stored" too', async () => {
    const html = await (await fetch(`${adminUrl}/portal/errors/MQ_UPLOAD_FAILED`)).text();
    assert.match(
      html,
      /Nội dung thông điệp gửi không trọn vẹn \(kết nối bị ngắt hoặc độ dài sai\); nền tảng không lưu gì/,
    );
    assert.match(html, /nothing was stored/);
  });

  test('an unknown or hostile code answers a 404 page, never a 5xx nor the browser app', async () => {
    await assertNotFoundPages(adminUrl);
  });
});

describe('with admin.publicUrl, every problem names the public portal', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform('pglite', { admin: { publicUrl: 'https://lgsp.example.gov.vn/' } });
  });
  after(() => t?.stop());

  test('gateway and admin API problems carry the configured address', async () => {
    const gw = (await (await fetch(`${t.platform.gatewayUrl}/dancu/1.0/x`)).json()) as { type: string };
    assert.equal(gw.type, 'https://lgsp.example.gov.vn/portal/errors/GW_TOKEN_MISSING');
    const admin = localUrl(t.platform.adminUrl);
    const api = (await (await fetch(`${admin}/api/v1/organizations`)).json()) as { type: string };
    assert.equal(api.type, 'https://lgsp.example.gov.vn/portal/errors/API_UNAUTHORIZED');
    // The same page, reached here on the listener the proxy forwards to.
    await followType({ type: `${admin}/portal/errors/API_UNAUTHORIZED`, code: 'API_UNAUTHORIZED' });
  });
});

describe('gateway worker processes learn the address once the admin port listens', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform('pglite', { gateway: { port: 0, host: '127.0.0.1', workers: 2 } });
  });
  after(() => t?.stop());

  test('a problem answered by a worker has a resolvable absolute type', async () => {
    for (let i = 0; i < 4; i++) {
      const res = await fetch(`${t.platform.gatewayUrl}/dancu/1.0/x`, { headers: { connection: 'close' } });
      const problem = (await res.json()) as { type: string; code: ErrorCode };
      assert.equal(problem.type, `${localUrl(t.platform.adminUrl)}/portal/errors/GW_TOKEN_MISSING`);
      await followType(problem);
    }
  });
});

test('a gateway or worker node serves the pages on its admin port too (its own-address fallback)', async () => {
  const config = loadConfig({ env: {}, overrides: {} });
  const app = await nodeHealthServer(config, () => ({ ready: true }), new TelemetryMetrics());
  try {
    const ok = await app.inject({ method: 'GET', url: '/portal/errors/GW_QUOTA_EXCEEDED' });
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.body.includes(escapeHtml(ERRORS.GW_QUOTA_EXCEEDED.titleVi)), 'Vietnamese title');
    assert.ok(ok.body.includes(escapeHtml(ERRORS.GW_QUOTA_EXCEEDED.title)), 'English title');
    const missing = await app.inject({ method: 'GET', url: '/portal/errors/%3Cb%3E' });
    assert.equal(missing.statusCode, 404);
    assert.ok(!missing.body.includes('<b>'), 'the path is not echoed');
  } finally {
    await app.close();
  }
});

test('setProblemTypeOrigin: one base for every problem, a trailing / dropped, a path prefix kept', () => {
  try {
    setProblemTypeOrigin('https://lgsp.tinh.gov.vn/lgsp/');
    assert.equal(
      toProblem('GW_TOKEN_EXPIRED').type,
      'https://lgsp.tinh.gov.vn/lgsp/portal/errors/GW_TOKEN_EXPIRED',
    );
    setProblemTypeOrigin('');
    assert.equal(toProblem('GW_TOKEN_EXPIRED').type, '/portal/errors/GW_TOKEN_EXPIRED');
  } finally {
    setProblemTypeOrigin('');
  }
});

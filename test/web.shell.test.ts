import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Issue 11: the admin process serves the built console at `/` and the public portal at `/portal` (the API stays at
 * `/api/v1`), Vietnamese first, and the browser's router owns every non-API path (deep links work).
 */
describe('the web console and portal are served by the admin process', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let browser: Browser;

  before(async () => {
    web = await startWebPlatform();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
  });

  /** A wrong password first (its alert shown), then the operator's: the console comes in with its sign-out button. */
  async function signInAfterARefusal(page: Page): Promise<void> {
    await page.getByLabel('Tên đăng nhập').fill('admin');
    await page.getByLabel('Mật khẩu').fill('sai-mat-khau');
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Mật khẩu').fill(WEB_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
  }

  test('GET / and /portal answer the app page: lang="vi", a Vietnamese title, a strict content security policy', async () => {
    for (const path of ['/', '/portal', '/portal/services/x', '/services?page=2']) {
      const response = await fetch(`${web.adminUrl}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const html = await response.text();
      assert.match(html, /<html lang="vi">/);
      assert.match(html, /<title>OpenLGSP — Nền tảng tích hợp, chia sẻ dữ liệu<\/title>/);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
    }
  });

  test('API paths keep their problem+json 404; asset names cannot leave the build folder', async () => {
    const api = await fetch(`${web.adminUrl}/api/v1/no-such-thing`);
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /application\/problem\+json/);
    assert.equal(((await api.json()) as { code: string }).code, 'API_NOT_FOUND');
    for (const path of [
      '/assets/..%2f..%2fpackage.json',
      '/assets/.env',
      '/assets/nothing.js',
      '/assets/x.exe',
    ]) {
      const response = await fetch(`${web.adminUrl}${path}`);
      assert.equal(response.status, 404, path);
    }
    const html = await (await fetch(`${web.adminUrl}/`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the page loads its script from /assets');
    const asset = await fetch(`${web.adminUrl}${script}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  });

  test('in Chromium: the portal shows its catalogue without sign-in, the console its sign-in form, both accessible', async () => {
    const page = await openPage(browser, web.adminUrl);
    await page.goto('/portal');
    await page.getByRole('heading', { name: 'Danh mục dịch vụ chia sẻ dữ liệu' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-catalogue');

    await page.goto('/');
    await page.getByRole('heading', { name: 'Đăng nhập bảng điều khiển' }).waitFor();
    await page.getByLabel('Tên đăng nhập').waitFor();
    await page.getByLabel('Mật khẩu').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'console-sign-in');

    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await page.context().close();
  });

  test('in Chromium: a visitor not signed in gets the sign-in page with no failed request and no console error', async () => {
    const page = await openPage(browser, web.adminUrl);
    const failed: string[] = [];
    const errors: string[] = [];
    const asked: number[] = [];
    let options = 0;
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path === '/api/v1/auth/session') asked.push(r.status());
      if (path === '/api/v1/auth/options') options += 1;
      if (r.status() >= 400) failed.push(`${r.request().method()} ${path} → ${r.status()}`);
    });
    page.on('requestfailed', (r) =>
      failed.push(`${r.method()} ${new URL(r.url()).pathname} failed: ${r.failure()?.errorText}`),
    );
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('/');
    await page.getByRole('heading', { name: 'Đăng nhập bảng điều khiển' }).waitFor();
    await page.getByLabel('Tên đăng nhập').waitFor();
    // A deep link of a signed-out visitor lands on the same form, just as quietly.
    await page.goto('/transactions');
    await page.getByRole('heading', { name: 'Đăng nhập bảng điều khiển' }).waitFor();
    await page.waitForLoadState('networkidle');
    // The page asked whether this browser is signed in, and was told "no" without an error.
    assert.deepEqual(asked, [200, 200]);
    // Once per page load: `t` changed at every render and the page asked the sign-in options again after each
    // answer, without end (networkidle never came).
    assert.equal(options, 2, 'GET /api/v1/auth/options once per page load');
    assert.deepEqual(failed, []);
    assert.deepEqual(errors, []);
    await page.context().close();
  });

  test('in Chromium: asked for less motion (prefers-reduced-motion), the console animates nothing; otherwise it does', async () => {
    /** The animation classes (Ant Design's rc-motion: `…-appear`, `…-enter`, `…-leave`) the page showed meanwhile. */
    const animationsWhile = async (reducedMotion: 'reduce' | 'no-preference') => {
      const page = await openPage(browser, web.adminUrl, { reducedMotion });
      await page.goto('/');
      await page.getByLabel('Mật khẩu').waitFor();
      // In the page (a string: these tests are not type-checked against the DOM).
      await page.evaluate(`
        window.seen = [];
        new MutationObserver((changes) => {
          for (const change of changes) {
            const nodes = change.type === 'attributes' ? [change.target] : [...change.addedNodes];
            for (const node of nodes) {
              const name = node.className;
              if (typeof name === 'string' && /-(appear|enter|leave)(-active)?\\b/.test(name)) window.seen.push(name);
            }
          }
        }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
      `);
      await signInAfterARefusal(page);
      await page.getByRole('button', { name: 'Đăng xuất' }).click();
      await page.getByRole('heading', { name: 'Đăng nhập bảng điều khiển' }).waitFor();
      const seen = (await page.evaluate('window.seen')) as string[];
      await page.context().close();
      return seen;
    };
    assert.deepEqual(await animationsWhile('reduce'), []);
    assert.ok(
      (await animationsWhile('no-preference')).length > 0,
      'without the preference, the same steps animate',
    );
  });

  test('in Chromium: the operator signs in with the form (HttpOnly session cookie), sees the console, signs out', async () => {
    const page = await openPage(browser, web.adminUrl);
    await page.goto('/');
    await page.getByLabel('Mật khẩu').waitFor();
    await signInAfterARefusal(page);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'lgsp_session');
    assert.ok(session, 'the session lives in a cookie');
    assert.equal(session.httpOnly, true, 'a script in the page cannot read it');
    assert.equal(session.sameSite, 'Strict');
    // The page itself never holds the session token.
    assert.equal(
      await page.evaluate(() =>
        (globalThis as unknown as { document: { cookie: string } }).document.cookie.includes('lgsp_session'),
      ),
      false,
    );

    // A reload keeps the session (the cookie), and a deep link opens inside the console.
    await page.reload();
    await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();

    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.getByRole('heading', { name: 'Đăng nhập bảng điều khiển' }).waitFor();
    const after = await fetch(`${web.adminUrl}/api/v1/auth/session`, {
      headers: { cookie: `lgsp_session=${session.value}` },
    });
    assert.equal(after.status, 200);
    assert.deepEqual(
      await after.json(),
      { user: null, csrfToken: null, mustChangePassword: false },
      'the signed-out session is ended server-side',
    );
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';
import { startDemo } from './helpers/demo-process.ts';

/*
 * Issue 11 must-show: under `lgsp demo`, the public portal — rendered in Chromium, without sign-in — lists the
 * demo's published service by name and opens its rendered API documentation; the connection guide, the notices
 * (with their Atom feed) and the contact points are there too.
 */
describe('the public portal under lgsp demo', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let browser: Browser;

  const ADMIN_PASSWORD = 'mat-khau-cong-thong-tin';
  /** The demo's operator, for what only the console makes: a maintenance window, then its cancellation. */
  async function asOperator(method: string, path: string, body: unknown): Promise<Record<string, string>> {
    const login = await fetch(`${demo.info.adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const res = await fetch(`${demo.info.adminUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status}`);
    return (await res.json()) as Record<string, string>;
  }

  before(async () => {
    demo = await startDemo({ LGSP_ADMIN_PASSWORD: ADMIN_PASSWORD });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  test('the catalogue lists the published service; its page opens the rendered OpenAPI document', async () => {
    const page = await openPage(browser, demo.info.adminUrl);
    await page.goto('/portal');
    const service = page.getByRole('link', { name: 'Tra cứu thông tin công dân' });
    await service.waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-catalogue-demo');

    // Server-side search: a query that matches nothing empties the list, the service's context finds it again.
    await page.getByRole('searchbox', { name: 'Tìm dịch vụ' }).fill('không-có-dịch-vụ-này');
    await page.getByRole('searchbox', { name: 'Tìm dịch vụ' }).press('Enter');
    await page.getByText('Không có dịch vụ nào khớp').waitFor();
    await page.getByRole('searchbox', { name: 'Tìm dịch vụ' }).fill('dancu');
    await page.getByRole('searchbox', { name: 'Tìm dịch vụ' }).press('Enter');
    await service.click();

    await page.getByRole('heading', { name: 'Tra cứu thông tin công dân' }).waitFor();
    await page.getByText('Địa chỉ và giao diện kết nối').waitFor();
    // The address a developer copies is the whole URL on the gateway, not a path whose host they must guess.
    await page.getByText(`${demo.info.gatewayUrl}/dancu/1.0`, { exact: true }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-service');

    await page.getByRole('button', { name: 'Xem tài liệu API' }).first().click();
    await page.getByRole('heading', { name: 'Tài liệu API' }).waitFor();
    // Swagger UI drew the document's operations (the demo's citizen lookup is a GET).
    await page.locator('.swagger-ui .opblock-summary-method').first().waitFor();
    assert.match(((await page.locator('.swagger-ui').textContent()) ?? '').toUpperCase(), /GET/);
    await screenshot(page, 'portal-api-docs');
    await page.context().close();
  });

  test('the connection guide, the notices with their Atom feed, the contact points', async () => {
    const page = await openPage(browser, demo.info.adminUrl);
    // An anonymous visitor's browser logs no error: the portal does not ask for a console session (it answered 401
    // on every page), and no other call is refused.
    const refused: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/v1/auth/session')
        refused.push(`${r.method()} /api/v1/auth/session`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400)
        refused.push(`${r.request().method()} ${new URL(r.url()).pathname} → ${r.status()}`);
    });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto('/portal/guide');
    await page.getByRole('heading', { name: 'Hướng dẫn kết nối' }).waitFor();
    // The commands name this platform's own gateway.
    await page.getByText(`${demo.info.gatewayUrl}/token`).first().waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-guide');
    // The guide links the error codes' pages, which the server renders (a whole page load, not the portal's
    // router); a code's page is where every problem's `type` points (test/error-pages.test.ts).
    await page.getByRole('link', { name: /xem mọi mã lỗi/ }).click();
    await page.getByRole('heading', { name: 'Mã lỗi / Error codes' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await page.getByRole('link', { name: 'GW_TOKEN_MISSING' }).click();
    await page.getByRole('heading', { name: 'GW_TOKEN_MISSING' }).waitFor();
    await page.getByText('Thiếu access token').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-error-code');

    await page.goto('/portal/notices');
    await page.getByRole('heading', { name: 'Thông báo' }).waitFor();
    await page.getByRole('link', { name: '/api/v1/public/notices.atom' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-notices');
    const feed = await fetch(`${demo.info.adminUrl}/api/v1/public/notices.atom`);
    assert.equal(feed.status, 200);
    assert.match(feed.headers.get('content-type') ?? '', /^application\/atom\+xml/);

    // A cancelled window and its cancellation read as what they are (R-24): the cancellation says "Đã huỷ bảo trì
    // dự kiến từ … đến …", never "từ <date>" as if something started then; the announcement is tagged, its dates
    // struck through, and each links to the other.
    const startsAt = Date.now() + 3 * 86_400_000;
    const announced = await asOperator('POST', '/api/v1/maintenance', {
      serviceId: null,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 3_600_000).toISOString(),
      title: 'Bảo trì nhập nhầm ngày',
      body: 'Nâng cấp máy chủ.',
    });
    const cancellation = await asOperator('POST', `/api/v1/maintenance/${announced['id']}/cancel`, {});
    const when = '\\d\\d/\\d\\d/\\d{4} \\d\\d:\\d\\d';
    await page.goto('/portal/notices');
    const cancellationCard = page.locator('.ant-card', {
      hasText: 'Huỷ lịch bảo trì: Bảo trì nhập nhầm ngày',
    });
    await cancellationCard.getByText(new RegExp(`^Đã huỷ bảo trì dự kiến từ ${when} đến ${when}$`)).waitFor();
    assert.doesNotMatch(
      (await cancellationCard.textContent()) ?? '',
      / · từ \d/,
      'no "từ <date>" of its own',
    );
    const cancelledCard = page
      .locator('.ant-card')
      .filter({ has: page.getByRole('link', { name: 'Bảo trì nhập nhầm ngày', exact: true }) });
    await cancelledCard.getByText('Đã huỷ', { exact: true }).waitFor();
    const struck = cancelledCard.locator('del', { hasText: new RegExp(`^Bảo trì từ ${when} đến ${when}$`) });
    await struck.waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-notices-cancelled');
    await cancelledCard.getByRole('link', { name: 'Xem thông báo huỷ' }).click();
    await page.waitForURL(`**/portal/notices/${cancellation['id']}`);
    await page.getByRole('link', { name: 'Xem thông báo bị huỷ' }).click();
    await page.waitForURL(`**/portal/notices/${announced['id']}`);
    await page.getByText(new RegExp(`^Lịch này đã được huỷ lúc ${when}\\.`)).waitFor();

    await page.goto('/portal/contacts');
    await page.getByRole('heading', { name: 'Đầu mối liên hệ của các cơ quan' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'portal-contacts');
    assert.deepEqual(refused, [], 'the portal asks for no session and nothing is refused');
    assert.deepEqual(errors, [], "no error in the visitor's browser console");
    await page.context().close();
  });
});

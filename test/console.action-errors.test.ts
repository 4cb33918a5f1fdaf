import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { ApiClient } from '../src/cli/client.ts';
import { launchBrowser, openPage, seriousA11yViolations, signIn } from './helpers/browser.ts';
import { seedProvince } from './helpers/seed.ts';
import { startUpstream } from './helpers/upstream.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * A refused action in the console stays where it was taken, as the API's problem with its code linked to the code's
 * page and its transaction id — what a person quotes to the operator — until it is dismissed or the action
 * succeeds; it used to be a toast gone in three seconds. Each refusal here is a real one: another operator acted first (the request approved, the
 * key revoked, the endpoint deleted) and this page still shows the row as it was.
 */

/** Longer than a toast lasts (Ant Design's message: 3 s), so an alert still there is not a toast. */
const LONGER_THAN_A_TOAST_MS = 4_000;

describe('the console keeps a refused action on screen, with its code', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  let api: ApiClient;
  let browser: Browser;
  let page: Page;

  before(async () => {
    web = await startWebPlatform();
    upstream = await startUpstream();
    seed = await seedProvince({ ...web.platform, gatewayUrl: web.gatewayUrl }, upstream.url);
    const session = await new ApiClient(web.adminUrl, null).call('login', {
      body: { username: 'admin', password: WEB_ADMIN_PASSWORD },
    });
    api = new ApiClient(web.adminUrl, session.token);

    browser = await launchBrowser();
    page = await openPage(browser, web.adminUrl);
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
    await upstream?.close();
  });

  /**
   * The refusal on screen: its text, its code linked to the code's page, and its transaction id (on the admin API,
   * the request's id, which the operator finds in the server log: docs/errors.md); still there after a toast would
   * have gone. Returns the alert.
   */
  async function refusalShown(code: string, text: RegExp): Promise<Locator> {
    const alert = page.getByRole('alert').filter({ has: page.getByTestId('problem-reference') });
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', text, 'the problem’s own text');
    const link = alert.getByRole('link', { name: code });
    assert.equal(await link.getAttribute('href'), `/portal/errors/${code}`, 'the code links to its page');
    assert.match(
      (await alert.getByTestId('problem-reference').textContent()) ?? '',
      new RegExp(`^Mã lỗi: ${code} · Mã giao dịch: api_[0-9a-z]{25}$`),
      'the code, then the id to quote',
    );
    await page.waitForTimeout(LONGER_THAN_A_TOAST_MS);
    assert.ok(await alert.isVisible(), 'still on screen after a toast would have gone');
    assert.equal(await alert.count(), 1, 'one alert for one refusal');
    return alert;
  }

  test('a subscription request approved by someone else meanwhile: the refusal stays above the queue until dismissed', {
    timeout: 120_000,
  }, async () => {
    const request = await api.call('createSubscriptionRequest', {
      body: {
        systemId: seed.consumerSystem.id,
        versionId: seed.thueV1.id,
        application: 'Phần mềm hộ tịch',
        purpose: 'Đối chiếu mã số thuế khi đăng ký hộ tịch',
        frequencyPerDay: 500,
      },
    });
    await page.goto('/subscription-requests');
    await page.getByRole('heading', { name: 'Đề nghị khai thác dịch vụ' }).waitFor();
    const row = page.getByRole('row', { name: /Tra cứu mã số thuế/ });
    await row.getByRole('button', { name: 'Cấp sandbox' }).waitFor();

    await api.call('approveSubscriptionRequestSandbox', { params: { id: request.id }, body: {} });
    await row.getByRole('button', { name: 'Cấp sandbox' }).click();
    await page.getByRole('button', { name: 'Cấp quyền' }).click();

    const alert = await refusalShown(
      'CP_REQUEST_STATE',
      /^Trạng thái của đề nghị không cho phép thao tác này/,
    );
    assert.deepEqual(await seriousA11yViolations(page), [], 'the alert and its close button are accessible');
    await alert.getByRole('button', { name: 'Đóng thông báo lỗi' }).click();
    await alert.waitFor({ state: 'detached' });
  });

  test('a key revoked by someone else meanwhile: the refusal stays above the keys once the confirmation closed', {
    timeout: 120_000,
  }, async () => {
    await page.goto('/credentials');
    await page.getByRole('heading', { name: 'Khoá truy cập' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(seed.credential.consumerKey) });
    await row.getByRole('button', { name: 'Thu hồi' }).waitFor();

    await web.platform.registry.revokeCredential(seed.credential.id, 'test');
    await row.getByRole('button', { name: 'Thu hồi' }).click();
    const confirm = page.getByRole('dialog').filter({ hasText: 'Thu hồi khoá truy cập?' });
    await confirm.getByRole('button', { name: 'Thu hồi' }).click();
    await confirm.waitFor({ state: 'detached' });

    await refusalShown(
      'CP_CREDENTIAL_REVOKED',
      /^Thông tin kết nối đã bị thu hồi \/ The credential is already revoked/,
    );
  });

  test('an endpoint deleted by someone else meanwhile: the refusal stays until the next delete succeeds', {
    timeout: 120_000,
  }, async () => {
    const gone = await api.call('createWebhook', {
      body: { organizationId: seed.consumer.id, url: `${upstream.url}/webhook/gone` },
    });
    const kept = await api.call('createWebhook', {
      body: { organizationId: seed.consumer.id, url: `${upstream.url}/webhook/kept` },
    });
    await page.goto('/webhooks');
    await page.getByRole('heading', { name: 'Webhook', exact: true }).waitFor();
    const deleteRow = async (url: string) => {
      await page
        .getByRole('row', { name: new RegExp(url) })
        .getByRole('button', { name: 'Xoá' })
        .click();
      await page.getByRole('tooltip').getByRole('button', { name: 'Xoá' }).click();
    };
    await page.getByRole('cell', { name: gone.url }).waitFor();

    await api.call('deleteWebhook', { params: { id: gone.id } });
    await deleteRow(gone.url);
    const alert = await refusalShown('API_NOT_FOUND', /^Không tìm thấy \/ No such route or object/);

    // The same action succeeding clears it: what shows is the success, not an old refusal.
    await deleteRow(kept.url);
    await page.getByText('Đã xoá địa chỉ nhận').waitFor();
    await alert.waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: kept.url }).waitFor({ state: 'detached' });
  });
});

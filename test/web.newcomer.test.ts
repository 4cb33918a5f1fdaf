import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { PLATFORM_CATEGORY_PROVIDER } from '../src/api/contract/sandbox-try.ts';
import { ApiClient } from '../src/cli/client.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { launchBrowser, openPage, pickOption, screenshot, signIn } from './helpers/browser.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, OPENAPI_DOC, publishThroughSandbox } from './helpers/onboard.ts';
import { callRecord } from './helpers/records.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * What tripped a stranger walking the platform from its README: an operator creating an organization and its user,
 * then that agency publishing a service and calling it from its second system — on a laptop and on a phone.
 */
describe('the platform as a newcomer finds it', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let browser: Browser;
  let operator: ApiClient;
  let consumerSystemId = '';
  let hotichVersionId = '';
  let providerSystemId = '';
  const PASSWORD = 'mat-khau-can-bo-tu-phap';

  before(async () => {
    web = await startWebPlatform();
    upstream = await startUpstream();
    const { registry, accounts, lifecycle, recorder, snapshots } = web.platform;
    allowEgressTo(registry.egress, upstream.url);
    // One agency with two systems, as a newcomer files them: the provider first, then the one that calls.
    const organization = await registry.createOrganization(
      { code: '000.00.31.H01', name: 'Sở Tư pháp tỉnh Mẫu' },
      'test',
    );
    const provider = await registry.createSystem(
      {
        organizationId: organization.id,
        name: 'Hệ thống quản lý hộ tịch',
        isProvider: true,
        isConsumer: false,
      },
      'test',
    );
    const consumer = await registry.createSystem(
      {
        organizationId: organization.id,
        name: 'Cổng dịch vụ công của Sở',
        isProvider: false,
        isConsumer: true,
      },
      'test',
    );
    consumerSystemId = consumer.id;
    providerSystemId = provider.id;
    const service = await registry.createService(
      {
        context: 'hotich',
        name: 'Tra cứu thông tin khai sinh',
        providerSystemId: provider.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    const version = await registry.createVersion(
      service.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${upstream.url}/sandbox`, production: `${upstream.url}/api` },
        resources: [{ method: 'GET', path: '/khaisinh/{so}' }],
      },
      'test',
    );
    hotichVersionId = version.id;
    // Published through the sandbox: the platform's test client is now subscribed to this version — a
    // subscription no request of this agency names.
    await publishThroughSandbox(
      { registry, lifecycle, gatewayUrl: web.gatewayUrl, recorder, snapshots },
      version.id,
    );
    // A second service of the agency, published the same way and asked for by none of its systems.
    const marriage = await registry.createService(
      {
        context: 'kethon',
        name: 'Tra cứu thông tin kết hôn',
        providerSystemId: provider.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    const marriageVersion = await registry.createVersion(
      marriage.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${upstream.url}/sandbox`, production: `${upstream.url}/api` },
        resources: [{ method: 'GET', path: '/kethon/{so}' }],
      },
      'test',
    );
    await publishThroughSandbox(
      { registry, lifecycle, gatewayUrl: web.gatewayUrl, recorder, snapshots },
      marriageVersion.id,
    );
    await accounts.createUser(
      {
        username: 'duc.tv',
        displayName: 'Trần Văn Đức',
        password: PASSWORD,
        role: 'agency',
        organizationId: organization.id,
      },
      'test',
    );
    // A newcomer's first account: its first password is to be changed at the first sign-in.
    await accounts.createUser(
      {
        username: 'moi',
        displayName: 'Lê Thị Mới',
        password: PASSWORD,
        role: 'agency',
        organizationId: organization.id,
        mustChangePassword: true,
      },
      'test',
    );
    const session = await new ApiClient(web.adminUrl, null).call('login', {
      body: { username: 'admin', password: WEB_ADMIN_PASSWORD },
      auth: false,
    });
    operator = new ApiClient(web.adminUrl, session.token);
    await operator.call('createConnectionRequest', {
      body: {
        organizationId: organization.id,
        systemName: 'Hệ thống một cửa điện tử',
        isConsumer: true,
        purpose: 'Tiếp nhận hồ sơ hộ tịch',
        scopeOfUse: 'Bộ phận một cửa',
        contact: {
          name: 'Trần Văn Đức',
          title: 'Phó Chánh Văn phòng',
          phone: '0296 3852 123',
          email: 'duc@stp.vn',
        },
      },
    });
    const request = await operator.call('createSubscriptionRequest', {
      body: {
        systemId: consumer.id,
        versionId: version.id,
        application: 'Cổng dịch vụ công tỉnh',
        purpose: 'Kiểm tra thông tin khai sinh khi giải quyết thủ tục',
        frequencyPerDay: 1000,
      },
    });
    await operator.call('approveSubscriptionRequestSandbox', { params: { id: request.id }, body: {} });
    // One more request, left waiting in the operator's queue: the platform's shared category lists.
    const shared = (await operator.call('listServices', { query: { q: 'dmdc', limit: 1, offset: 0 } }))
      .items[0];
    assert.ok(shared, 'the shared category lists service');
    const sharedVersion = (
      await operator.call('listServiceVersions', {
        params: { id: shared.id },
        query: { limit: 1, offset: 0 },
      })
    ).items[0];
    assert.ok(sharedVersion, 'its version');
    await operator.call('createSubscriptionRequest', {
      body: {
        systemId: consumer.id,
        versionId: sharedVersion.id,
        application: 'Cổng dịch vụ công tỉnh',
        purpose: 'Dùng danh mục dùng chung',
        frequencyPerDay: 100,
      },
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
    await upstream?.close();
  });

  /** Nothing wider than the screen: no sideways scrolling, and every box of `what` inside the viewport. */
  async function fitsTheScreen(page: Page, what: string[]): Promise<void> {
    const width = page.viewportSize()?.width ?? 0;
    assert.equal(await page.evaluate('document.documentElement.scrollWidth'), width, 'no sideways scroll');
    for (const name of what) {
      const box = await page
        .getByRole('link', { name })
        .or(page.getByRole('button', { name }))
        .first()
        .boundingBox();
      assert.ok(box, `${name} is drawn`);
      assert.ok(
        box.x >= 0 && box.x + box.width <= width,
        `${name} inside the screen: ${JSON.stringify(box)}`,
      );
    }
  }

  test('on a 390 px phone the portal fits the screen: no sideways scroll, the sign-in link on screen', async () => {
    const page = await openPage(browser, web.adminUrl);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/portal');
    await page.getByRole('link', { name: 'Tra cứu thông tin khai sinh' }).click();
    await page.getByRole('heading', { name: 'Tra cứu thông tin khai sinh' }).waitFor();
    await fitsTheScreen(page, ['Đăng nhập']);
    await screenshot(page, 'newcomer-portal-phone');
    // The connection guide says where a developer's console account comes from: the portal's "Đăng nhập" led a
    // stranger to a sign-in they had no account for.
    await page.goto('/portal/guide');
    await page.getByText(/tài khoản đăng nhập do Sở TT&TT cấp cho cán bộ của cơ quan/).waitFor();
    await fitsTheScreen(page, ['Đăng nhập']);
    await page.context().close();
  });

  test('on a 390 px phone the console fits the screen: the user, the sign-out, the lists and filters', async () => {
    const page = await openPage(browser, web.adminUrl);
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/agency-subscriptions');
    await page.getByRole('cell', { name: 'Cổng dịch vụ công của Sở' }).first().waitFor();
    await fitsTheScreen(page, ['Đăng xuất', 'Trần Văn Đức']);
    await screenshot(page, 'newcomer-agency-phone');
    // The transactions' filters: the time range wraps under its label instead of spilling past the edge.
    await page.goto('/transactions');
    await page.getByRole('button', { name: 'Tìm giao dịch' }).waitFor();
    await fitsTheScreen(page, ['Tìm giao dịch']);
    await screenshot(page, 'newcomer-transactions-phone');
    await page.context().close();
  });

  test('the first password changed, the page says so plainly and leads on to the console', async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'moi', PASSWORD);
    await page.getByText('Mật khẩu của bạn là mật khẩu tạm').waitFor();
    // Until it is changed there is only the password form and the sign-out: no menu of screens that would refuse.
    const menu = page.getByRole('navigation', { name: 'Danh mục chức năng' });
    assert.equal(await menu.count(), 0, 'no menu before the password is changed');
    await page.goto('/transactions');
    await page.getByText('Mật khẩu của bạn là mật khẩu tạm').waitFor();
    assert.equal(await menu.count(), 0);
    assert.ok(await page.getByRole('button', { name: 'Đăng xuất' }).isVisible(), 'the sign-out is there');
    await page.getByLabel('Mật khẩu hiện tại').fill(PASSWORD);
    await page.getByLabel('Mật khẩu mới (≥ 10 ký tự)').fill(`${PASSWORD}-moi`);
    await page.getByLabel('Nhập lại mật khẩu mới').fill(`${PASSWORD}-moi`);
    await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    // No other session to end: "0 phiên đăng nhập khác đã kết thúc" is not said.
    await page.getByText('Đã đổi mật khẩu.', { exact: true }).waitFor();
    await page.getByRole('link', { name: 'Tiếp tục →' }).click();
    await page.getByRole('heading', { name: 'Sở Tư pháp tỉnh Mẫu' }).waitFor();
    await menu.getByRole('link', { name: 'Tổng quan cơ quan' }).waitFor();
    await page.context().close();
  });

  test("the agency's menu has one entry for its keys, and the operator's credentials path leads to it", async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    const menu = page.getByRole('navigation', { name: 'Danh mục chức năng' });
    await menu.getByRole('link', { name: 'Khoá của cơ quan' }).waitFor();
    assert.equal(await menu.getByRole('link', { name: 'Khoá truy cập' }).count(), 0);
    await page.goto('/credentials');
    await page.waitForURL(/\/agency-keys$/);
    await page.context().close();
  });

  test('the webhook events read in the language chosen, not both at once', async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/webhooks');
    await page
      .getByText('Thông báo công khai: phiên bản dịch vụ sắp ngừng', { exact: false })
      .first()
      .waitFor();
    assert.equal(
      await page.getByText(/A public notice|Verify with a Standard Webhooks/).count(),
      0,
      'no English',
    );
    await page.getByText('EN', { exact: true }).click();
    await page.getByText('A public notice: a version is deprecated', { exact: false }).first().waitFor();
    assert.equal(
      await page.getByText(/Thông báo công khai|Xác minh bằng thư viện/).count(),
      0,
      'no Vietnamese',
    );
    await page.context().close();
  });

  test('publishing before a successful try is refused naming "Gọi thử", and the refusal leads to it', async () => {
    const { registry, lifecycle } = web.platform;
    const service = await registry.createService(
      { context: 'cutru', name: 'Tra cứu cư trú', providerSystemId, description: FULL_DESCRIPTION },
      'test',
    );
    const version = await registry.createVersion(
      service.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${upstream.url}/sandbox`, production: `${upstream.url}/api` },
        resources: [{ method: 'GET', path: '/cutru/{so}' }],
      },
      'test',
    );
    await lifecycle.submitVersion(
      version.id,
      { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
      'test',
    );
    await lifecycle.startSandboxTest(version.id, 'test');
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
    await page.goto(`/submissions/${version.id}`);
    await page.getByRole('button', { name: 'Công bố' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Công bố' }).click();
    const refusal = dialog.getByRole('alert');
    await refusal
      .getByText(/CP_SANDBOX_TEST_REQUIRED|dùng "Gọi thử"/)
      .first()
      .waitFor();
    await refusal.getByRole('button', { name: 'Đến "Gọi thử"' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // The try's own button has the focus: one key press sends the test call.
    await page.waitForFunction("document.activeElement?.textContent?.includes('Gọi thử') === true");
    await page.keyboard.press('Enter');
    await page.getByText('HTTP 200').first().waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Công bố' }).click();
    await dialog.getByRole('button', { name: 'Công bố' }).click();
    await page.getByText('Đã công bố phiên bản').waitFor();
    await page.context().close();
  });

  test('the operator opens a connection request from the system it asks to connect', async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
    await page.goto('/connection-requests');
    const row = page.getByRole('row', { name: /Hệ thống một cửa điện tử/ });
    await row.waitFor();
    // The organization's name is not a link that opens something else than the organization.
    assert.equal(await row.getByRole('link', { name: 'Sở Tư pháp tỉnh Mẫu' }).count(), 0);
    await row.getByRole('link', { name: 'Hệ thống một cửa điện tử' }).click();
    await page.getByRole('heading', { name: 'Đề nghị kết nối: Hệ thống một cửa điện tử' }).waitFor();
    await page.context().close();
  });

  test('in the review queue a deadline reads on one line', async () => {
    const page = await openPage(browser, web.adminUrl);
    await page.setViewportSize({ width: 1280, height: 800 });
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
    await page.goto('/subscription-requests');
    // In the queue's narrow column "Hạn 09/12/2026 06:28" broke inside the date ("09/12/20" over "26 06:28").
    const due = page.getByRole('row', { name: /dmdc/ }).getByText(/^Hạn /);
    await due.waitFor();
    // Measured against the one-line "Đã chờ …" above it in the same cell.
    const waited = page.getByRole('row', { name: /dmdc/ }).getByText(/^Đã chờ /);
    const line = (await waited.boundingBox())?.height ?? 0;
    const height = (await due.boundingBox())?.height ?? 0;
    assert.ok(
      line > 0 && height < 1.5 * line,
      `the deadline on one line: ${height} px high, a line ${line} px`,
    );
    await page.context().close();
  });

  test('the agency: every granted subscription is named by its service, never by a bare version id', async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/agency-subscriptions');
    const granted = page.locator('.ant-card').filter({ hasText: 'Đăng ký đã được cấp' });
    await granted.getByRole('cell', { name: 'Tra cứu thông tin khai sinh 1.0' }).first().waitFor();
    // The operator's tester subscribed to our other version in the sandbox to publish it (test/helpers/onboard.ts):
    // named by the version, never as its bare id.
    await granted.getByRole('cell', { name: 'kethon/1.0' }).waitFor({ timeout: 10_000 });
    assert.doesNotMatch((await granted.textContent()) ?? '', /ver_/);
    await page.context().close();
  });

  test('the agency: "Cách gọi" of a request opens the keys of the system that calls', async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/agency-subscriptions');
    await page
      .getByRole('row', { name: /Cổng dịch vụ công của Sở/ })
      .getByRole('link', { name: 'Cách gọi' })
      .first()
      .click();
    await page.getByRole('heading', { name: 'Cách gọi dịch vụ' }).waitFor();
    // The guide's "how to call" in the reader's language only, not both glued.
    await page.getByText(/Lấy token: POST \/token/).waitFor();
    assert.equal(await page.getByText(/Get a token at POST/).count(), 0, 'no English beside it');
    // The call line copies and runs as shown: the address quoted and curl's globbing off, so a resource's `{so}` is
    // sent as written, never read by curl as its own pattern (which called `/so` and got a 200).
    const commands = String(
      await page.locator('pre').filter({ hasText: 'grant_type=client_credentials' }).first().textContent(),
    );
    const call = commands.split('\n').find((line) => line.includes('Bearer <access_token>'));
    assert.match(String(call), /^curl -g -H "Authorization: Bearer <access_token>" '[^' ]+'$/, commands);
    if (String(call).includes('{'))
      assert.match(
        commands,
        /^# Thay \{[^}]+\}.* bằng giá trị cần tra$/m,
        'the parameters to replace are named',
      );
    // The keys above the guide are the calling system's, whose key the guide names — not the provider's, keyless.
    await page
      .locator('.ant-select', { has: page.locator('#agency-key-system') })
      .getByText('Cổng dịch vụ công của Sở')
      .waitFor({ timeout: 10_000 });
    await page.getByRole('cell', { name: 'Sandbox' }).first().waitFor();
    assert.equal(await page.getByText('Hệ thống chưa có khoá nào').count(), 0);
    await page.context().close();
  });

  test('asking for production before a successful sandbox call is refused naming "Cách gọi", and the refusal leads to it', async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/agency-subscriptions');
    await page
      .getByRole('row', { name: /Cổng dịch vụ công của Sở/ })
      .getByRole('button', { name: 'Đề nghị chính thức' })
      .first()
      .click();
    await page.getByRole('tooltip').getByRole('button', { name: 'Đề nghị' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: /"Cách gọi"/ });
    await refusal
      .getByText(/"Cách gọi"/)
      .first()
      .waitFor();
    await refusal.getByRole('button', { name: 'Đến "Cách gọi"' }).click();
    // The guide, above it the keys of the system that is to call — the request's, as its "Cách gọi" link opens.
    await page.getByRole('heading', { name: 'Cách gọi dịch vụ' }).waitFor();
    await page
      .locator('.ant-select', { has: page.locator('#agency-key-system') })
      .getByText('Cổng dịch vụ công của Sở')
      .waitFor({ timeout: 10_000 });
    await page.context().close();
  });

  test('the agency reads a call that matched no resource in its own language, not "(không khớp/unmatched)"', async () => {
    const { registry, recorder, snapshots } = web.platform;
    const key = await registry.issueCredential(consumerSystemId, 'sandbox', 'test');
    await snapshots.refresh();
    const token = await getToken(web.gatewayUrl, key.consumerKey, key.consumerSecret);
    const answer = await fetch(`${web.gatewayUrl}/hotich/1.0/khong-co/1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(answer.status, 404);
    await recorder.flush();
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/transactions');
    await page.getByText('GET (không khớp tài nguyên nào)').first().waitFor();
    assert.equal(await page.getByText(/unmatched/).count(), 0);
    await page.context().close();
  });

  test("the agency reads the platform's sandbox try of its version as a named caller, in its own language", async () => {
    const tried = await operator.call('trySandboxCall', {
      params: { id: hotichVersionId },
      body: { method: 'GET', path: '/khaisinh/1' },
    });
    assert.equal(tried.status, 200);
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/transactions');
    // Not the bare code 000.00.00.Z00 of the platform's test organization, nor both languages glued.
    const caller = page.getByRole('cell', { name: /^Thử nghiệm sandbox của nền tảng\s*000\.00\.00\.Z00$/ });
    await caller.first().waitFor({ timeout: 10_000 });
    // The try subscribed the platform's test client to the version: the platform's tool, granted to no one, so not
    // among what the agency reads as granted (the API lists it to the operator only).
    await page.goto('/agency-subscriptions');
    const granted = page.locator('.ant-card').filter({ hasText: 'Đăng ký đã được cấp' });
    await granted.getByRole('cell', { name: 'Tra cứu thông tin khai sinh 1.0' }).first().waitFor();
    // Every name asked for has come: what the list shows is all it will show.
    await page.waitForLoadState('networkidle');
    assert.doesNotMatch(
      (await granted.textContent()) ?? '',
      /Thử nghiệm sandbox của nền tảng|000\.00\.00\.Z00/,
    );
    await page.getByText('EN', { exact: true }).click();
    await page.goto('/transactions');
    await page
      .getByRole('cell', { name: /^Platform sandbox test\s*000\.00\.00\.Z00$/ })
      .first()
      .waitFor({ timeout: 10_000 });
    assert.doesNotMatch(
      (await page.locator('main').textContent()) ?? '',
      /Thử nghiệm sandbox|LGSP platform —/,
    );
    await page.context().close();
  });

  test("the operator reads the platform's test organization and system in the language chosen", async () => {
    await operator.call('trySandboxCall', {
      params: { id: hotichVersionId },
      body: { method: 'GET', path: '/khaisinh/1' },
    });
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
    await page.goto('/organizations');
    await page.getByRole('cell', { name: 'Nền tảng LGSP — gọi thử sandbox', exact: true }).waitFor();
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('cell', { name: 'LGSP platform — sandbox tries', exact: true }).waitFor();
    await page.goto('/systems');
    await page.getByRole('link', { name: 'Platform sandbox test', exact: true }).waitFor();
    const glued = page.getByText(/Thử nghiệm sandbox của nền tảng| \/ Platform/);
    assert.equal(await glued.count(), 0, `English only: ${await glued.allTextContents()}`);
    await page.context().close();
  });

  test("the platform's own parties read in the language chosen: filters, statistics, connected systems, portal", async () => {
    await operator.call('trySandboxCall', {
      params: { id: hotichVersionId },
      body: { method: 'GET', path: '/khaisinh/1' },
    });
    // A call of the agency's system to the shared category lists, as recorded: the statistics count it under the
    // platform's category provider (the test client's tries they leave out).
    const shared = (await operator.call('listServices', { query: { q: 'dmdc', limit: 1, offset: 0 } }))
      .items[0];
    assert.ok(shared, 'the shared category lists service');
    await insertTransactions(web.platform.store, [
      callRecord(Date.now() - 60_000, {
        consumerSystemId,
        consumerOrgCode: '000.00.31.H01',
        providerSystemId: shared.providerSystemId,
        providerOrgCode: PLATFORM_CATEGORY_PROVIDER.organizationCode,
        serviceId: shared.id,
        serviceContext: 'dmdc',
        environment: 'sandbox',
      }),
    ]);
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
    await page.getByText('EN', { exact: true }).click();
    const noVietnamese = async (where: string) => {
      const text = (await page.locator('main').textContent()) ?? '';
      assert.doesNotMatch(text, /Nền tảng LGSP|Thử nghiệm sandbox|Danh mục dùng chung của nền tảng/, where);
    };
    // A filter's options: the platform's test client as the other views name it, not its stored Vietnamese name.
    await page.goto('/transactions');
    await page.getByLabel('Consumer').click();
    await page.getByLabel('Consumer').fill('sandbox');
    await page
      .locator('.ant-select-dropdown:visible .ant-select-item-option')
      .filter({ hasText: 'Platform sandbox test (000.00.00.Z00)' })
      .waitFor({ timeout: 10_000 });
    assert.equal(
      await page
        .locator('.ant-select-dropdown:visible')
        .getByText(/Thử nghiệm sandbox/)
        .count(),
      0,
      'the option in English only',
    );
    await page.keyboard.press('Escape');
    // Statistics by provider organization: the platform's category provider in English.
    await page.goto('/statistics');
    await page.getByLabel('Group by').click();
    await pickOption(page, 'Provider organization');
    await page.getByRole('button', { name: 'Show statistics' }).click();
    await page
      .getByRole('cell', { name: '000.00.00.Z01 — LGSP platform — shared category lists', exact: true })
      .waitFor({ timeout: 10_000 });
    await noVietnamese('statistics');
    // Connected systems: the test client's system by its English name.
    await page.goto('/connected-systems');
    await page.getByRole('link', { name: 'Platform sandbox test', exact: true }).waitFor({ timeout: 10_000 });
    await noVietnamese('connected systems');
    // The public portal: the shared category lists' provider in English, in the catalogue and on the service page.
    await page.goto('/portal');
    const provider = 'Provider: LGSP platform — shared category lists (000.00.00.Z01)';
    await page.getByText(provider, { exact: true }).waitFor({ timeout: 10_000 });
    await page.getByRole('link', { name: 'Danh mục dùng chung', exact: true }).click();
    await page
      .getByText('LGSP platform — shared category lists (000.00.00.Z01) — Platform shared category lists', {
        exact: true,
      })
      .waitFor();
    await page.context().close();
  });

  test('asking for a service, the only consumer system and the only published version are chosen already', async () => {
    const page = await openPage(browser, web.adminUrl);
    await signIn(page, 'duc.tv', PASSWORD);
    await page.goto('/agency-subscriptions');
    await page
      .getByRole('row', { name: /hotich/ })
      .getByRole('button', { name: 'Đăng ký khai thác' })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog
      .locator('.ant-select', { has: page.getByLabel('Hệ thống khai thác') })
      .getByText('Cổng dịch vụ công của Sở')
      .waitFor({ timeout: 10_000 });
    await dialog
      .locator('.ant-select', { has: page.getByLabel('Phiên bản dịch vụ') })
      .getByText('1.0 (REST)')
      .waitFor({ timeout: 10_000 });
    await page.context().close();
  });
});

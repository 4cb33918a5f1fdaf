import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from '../src/cli/client.ts';
import {
  clickUntil,
  launchBrowser,
  openPage,
  pickDateTime,
  pickOption,
  screenshot,
  seriousA11yViolations,
  tick,
  vietnamIn,
} from './helpers/browser.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Issue 11 item 3: the agency workspace. Two agencies, each with its own agency user (created through the
 * platform's accounts); in Chromium the provider files a connection request and submits a version with an
 * uploaded OpenAPI file, the consumer requests a subscription and collects its sandbox secret once, then calls the
 * gateway with it. The operator's decisions go through the admin API. Neither agency sees the other's objects.
 */
const AGENCY_PASSWORD = 'mat-khau-co-quan-0123';
const DAY = 24 * 3_600_000;

describe('the agency workspace in Chromium', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let browser: Browser;
  let operator: ApiClient;
  let providerSystemId: string;
  let consumerSystemId: string;
  let serviceId: string;
  let publishedVersionId: string;

  before(async () => {
    web = await startWebPlatform();
    upstream = await startUpstream();
    const { platform } = web;
    const { registry, accounts } = platform;
    allowEgressTo(registry.egress, upstream.url);
    const provider = await registry.createOrganization(
      {
        code: '000.00.31.H01',
        name: 'Công an tỉnh An Giang',
        contact: { name: 'Trần Thị Bình', title: 'Phó phòng', email: 'pc06@angiang.gov.vn' },
      },
      'test',
    );
    const consumer = await registry.createOrganization(
      { code: '000.00.12.H01', name: 'Sở Tư pháp tỉnh An Giang' },
      'test',
    );
    const providerSystem = await registry.createSystem(
      { organizationId: provider.id, name: 'CSDL Dân cư tỉnh', isProvider: true, isConsumer: false },
      'test',
    );
    providerSystemId = providerSystem.id;
    const consumerSystem = await registry.createSystem(
      { organizationId: consumer.id, name: 'Hệ thống Hộ tịch', isProvider: false, isConsumer: true },
      'test',
    );
    consumerSystemId = consumerSystem.id;
    const service = await registry.createService(
      {
        context: 'dancu',
        name: 'Tra cứu công dân',
        providerSystemId: providerSystem.id,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    serviceId = service.id;
    const v1 = await registry.createVersion(
      service.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
        resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
      },
      'test',
    );
    publishedVersionId = v1.id;
    await publishThroughSandbox(
      {
        registry,
        lifecycle: platform.lifecycle,
        gatewayUrl: web.gatewayUrl,
        recorder: platform.recorder,
        snapshots: platform.snapshots,
      },
      v1.id,
    );
    for (const [username, displayName, organizationId] of [
      ['cong-an', 'Cán bộ Công an tỉnh', provider.id],
      ['tu-phap', 'Cán bộ Sở Tư pháp', consumer.id],
    ] as const) {
      await accounts.createUser(
        { username, displayName, password: AGENCY_PASSWORD, role: 'agency', organizationId },
        'test',
      );
    }
    const session = await new ApiClient(web.adminUrl, null).call('login', {
      body: { username: 'admin', password: WEB_ADMIN_PASSWORD },
      auth: false,
    });
    operator = new ApiClient(web.adminUrl, session.token);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
    await upstream?.close();
  });

  async function signIn(username: string, password = AGENCY_PASSWORD): Promise<Page> {
    const page = await openPage(browser, web.adminUrl);
    await page.goto('/');
    await page.getByLabel('Tên đăng nhập').fill(username);
    await page.getByLabel('Mật khẩu').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
    return page;
  }

  async function checkScreen(page: Page, name: string): Promise<void> {
    assert.deepEqual(await seriousA11yViolations(page), [], name);
    await screenshot(page, name);
  }

  async function chooseOption(page: Page, label: string, option: string): Promise<void> {
    await page.getByLabel(label).click();
    await pickOption(page, option);
  }

  test('the provider agency: its home and contact point, a connection request approved, a version submitted with its OpenAPI file', async () => {
    const page = await signIn('cong-an');
    // Signing in lands on the first entry of the agency's menu, its organization's overview.
    await page.waitForURL(/\/agency$/);
    await page.getByRole('heading', { name: 'Công an tỉnh An Giang' }).waitFor();
    await page.getByRole('link', { name: 'Tổng quan cơ quan' }).click();
    await page.getByRole('heading', { name: 'Công an tỉnh An Giang' }).waitFor();
    await page.getByText('CSDL Dân cư tỉnh').waitFor();
    await page.getByText('Hệ thống Hộ tịch').waitFor({ state: 'detached' });
    await checkScreen(page, 'agency-home');

    // The agency keeps its own contact point up to date.
    await page.getByRole('button', { name: 'Sửa đầu mối' }).click();
    // Notices and alerts go to the e-mail: the form does not let the agency leave it empty.
    await page.getByLabel('Thư điện tử').fill('');
    await page.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Nhập thư điện tử của cán bộ đầu mối').waitFor();
    await page.getByLabel('Thư điện tử').fill('pc06@angiang.gov.vn');
    await page.getByLabel('Số điện thoại').fill('0296 3852 111');
    await page.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Đã cập nhật đầu mối liên hệ').waitFor();
    const organizations = await operator.call('listOrganizations');
    const saved = organizations.items.find((o) => o.code === '000.00.31.H01');
    assert.equal(saved?.contact?.phone, '0296 3852 111');

    // A connection request with the Appendix items, then the operator's approval.
    await page.getByRole('link', { name: 'Đề nghị kết nối' }).click();
    // The form starts from the organization's contact point, as just saved on its home.
    for (let i = 0; i < 100 && (await page.getByLabel('Thư điện tử').inputValue()) === ''; i++) {
      await page.waitForTimeout(100);
    }
    assert.deepEqual(
      await Promise.all(
        ['Họ và tên', 'Chức vụ', 'Số điện thoại', 'Thư điện tử'].map((label) =>
          page.getByLabel(label).inputValue(),
        ),
      ),
      ['Trần Thị Bình', 'Phó phòng', '0296 3852 111', 'pc06@angiang.gov.vn'],
    );
    await page.getByLabel('Tên hệ thống thông tin cần kết nối').fill('Hệ thống Quản lý cư trú');
    await page.getByText('Hệ thống cung cấp dịch vụ').click();
    await page.getByLabel('1. Mục đích sử dụng').fill('Cung cấp dữ liệu cư trú cho các sở');
    await page.getByLabel('2. Phạm vi sử dụng tại cơ quan chủ quản').fill('Phòng PC06');
    await page.getByLabel('Họ và tên').fill('Trần Thị Bình');
    await page.getByLabel('Chức vụ').fill('Phó phòng');
    await page.getByLabel('Số điện thoại').fill('0296 3852 000');
    await page.getByLabel('Thư điện tử').fill('pc06@angiang.gov.vn');
    await page.getByRole('button', { name: 'Gửi đề nghị' }).click();
    await page.getByText('Đã gửi đề nghị kết nối').waitFor();
    await page.getByRole('cell', { name: 'Hệ thống Quản lý cư trú' }).waitFor();
    await page.getByText('Đã gửi, chờ xét duyệt').first().waitFor();
    const requests = await operator.call('listConnectionRequests', { query: { status: 'submitted' } });
    const filed = requests.items.find((r) => r.systemName === 'Hệ thống Quản lý cư trú');
    assert.ok(filed, 'the operator sees the request');
    assert.equal(filed.contact.email, 'pc06@angiang.gov.vn');
    await operator.call('approveConnectionRequest', { params: { id: filed.id }, body: {} });
    await page.reload();
    await page.getByText('Đã phê duyệt').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Tải công văn (.docx)' }).click();
    const letter = await download;
    assert.match(letter.suggestedFilename(), /\.docx$/);
    const bytes = await readFile((await letter.path()) ?? '');
    assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'a Word file (a zip)');
    await checkScreen(page, 'agency-connection-requests');

    // A new version of its service, submitted with an OpenAPI file read in the browser.
    await page.getByRole('link', { name: 'Dịch vụ của cơ quan' }).click();
    await page.getByRole('cell', { name: 'Tra cứu công dân' }).waitFor();
    await checkScreen(page, 'agency-our-services');
    await page.getByRole('link', { name: 'Tra cứu công dân' }).click();
    await page.getByRole('heading', { name: /Tra cứu công dân/ }).waitFor();
    await checkScreen(page, 'agency-services');
    await page.getByLabel('Tên phiên bản').fill('2.0');
    await page.getByLabel('Địa chỉ dịch vụ nguồn — sandbox').fill(`${upstream.url}/sandbox/dancu2`);
    await page.getByLabel('Tài nguyên').fill('GET /congdan/{soDinhDanh}');
    await page.getByRole('button', { name: 'Tạo phiên bản nháp' }).click();
    await page.getByText('Đã tạo phiên bản nháp').waitFor();
    await page.getByRole('row', { name: /2\.0/ }).getByRole('button', { name: 'Gửi duyệt' }).click();
    const dialog = page.getByRole('dialog');
    // What the upload takes is said beside it (the API's own bound, TECHNICAL_DOCUMENT_MAX_CHARS), and the picker
    // filters to those files.
    assert.equal(
      await dialog.locator('input[type=file]').getAttribute('accept'),
      '.json,.yaml,.yml,.wsdl,.xml',
    );
    await dialog
      .getByText(
        'Nhận: OpenAPI 3 (.json, .yaml, .yml) hoặc WSDL (.wsdl, .xml), văn bản UTF-8, tối đa 2.000.000 ký tự.',
      )
      .waitFor();
    // A document the API refuses: its problems are shown by their path in the document.
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'dancu-sai.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ openapi: '3.0.3', paths: {} })),
    });
    await dialog.getByText('Tệp đã chọn: dancu-sai.json').waitFor();
    await dialog.getByRole('button', { name: 'Gửi duyệt' }).click();
    await dialog.getByRole('alert').waitFor();
    assert.match((await dialog.getByRole('alert').textContent()) ?? '', /info/);
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'dancu.json',
      mimeType: 'application/json',
      buffer: Buffer.from(
        JSON.stringify({
          openapi: '3.0.3',
          info: { title: 'Tra cứu công dân', version: '2.0' },
          paths: {
            '/congdan/{soDinhDanh}': {
              get: {
                parameters: [{ name: 'soDinhDanh', in: 'path', required: true, schema: { type: 'string' } }],
                responses: { '200': { description: 'OK' } },
              },
            },
          },
        }),
      ),
    });
    await dialog.getByText('Tệp đã chọn: dancu.json').waitFor();
    await dialog.getByRole('button', { name: 'Gửi duyệt' }).click();
    await page.getByText('Đã gửi, chờ xét duyệt', { exact: true }).first().waitFor();
    const versions = await operator.call('listServiceVersions', { params: { id: serviceId } });
    const v2 = versions.items.find((v) => v.version === '2.0');
    assert.equal(v2?.status, 'submitted');
    assert.equal(v2?.technicalDocumentType, 'openapi');

    // The sandbox "try it" of its published version: a real call through the gateway, answered here only.
    await page.getByRole('row', { name: /1\.0/ }).getByRole('button', { name: 'Thử trên sandbox' }).click();
    await page.getByLabel('Đường dẫn tài nguyên').fill('/congdan/001099000001');
    await page.getByRole('button', { name: 'Gửi thử' }).click();
    await page.getByText('Chỉ hiện cho bạn, không lưu lại').waitFor();
    await page.getByRole('cell', { name: '200', exact: true }).waitFor();

    // Another organization's system: refused, nothing of it shown.
    await page.goto(`/agency-systems/${consumerSystemId}`);
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByText('Hệ thống Hộ tịch').count(), 0);
    await page.goto(`/agency-systems/${providerSystemId}`);
    await page.getByRole('heading', { name: 'CSDL Dân cư tỉnh' }).waitFor();
    await page.context().close();
  });

  test('the consumer agency: requests a subscription, collects the sandbox secret once, calls the gateway with it', async () => {
    const page = await signIn('tu-phap');
    await page.getByRole('link', { name: 'Đề nghị khai thác' }).click();
    await page.getByLabel('Tìm dịch vụ').fill('công dân');
    await page.getByLabel('Tìm dịch vụ').press('Enter');
    await page.getByRole('button', { name: 'Đăng ký khai thác Tra cứu công dân' }).click();
    await chooseOption(page, 'Hệ thống khai thác', 'Hệ thống Hộ tịch');
    await chooseOption(page, 'Phiên bản dịch vụ', '1.0');
    await page.getByLabel('Ứng dụng khai thác').fill('Phần mềm hộ tịch');
    await page.getByLabel('Mục đích khai thác').fill('Xác minh nhân thân khi đăng ký hộ tịch');
    await page.getByLabel('Tần suất khai thác (lượt/ngày)').fill('5000');
    // The answer is awaited, not only the toast (shown 3 s): on a loaded machine a missed toast said nothing of why.
    const sent = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/subscription-requests',
    );
    await page.getByRole('button', { name: 'Gửi đề nghị' }).click();
    assert.equal((await sent).status(), 201);
    await page.getByText('Đã gửi đề nghị khai thác').waitFor();
    await page.getByText('Đã gửi, chờ xét duyệt').first().waitFor();
    await checkScreen(page, 'agency-subscriptions');

    const requests = await operator.call('listSubscriptionRequests', { query: { status: 'submitted' } });
    const request = requests.items.find((r) => r.systemName === 'Hệ thống Hộ tịch');
    assert.ok(request, 'request');
    // Sent back for completion: the agency reads what to complete, changes it and sends it again.
    await operator.call('returnSubscriptionRequestForCompletion', {
      params: { id: request.id },
      body: { reasons: ['Nêu rõ số lượt khai thác cao điểm mỗi phút'] },
    });
    await page.reload();
    await page.getByText('Nêu rõ số lượt khai thác cao điểm mỗi phút').first().waitFor();
    await page.getByRole('button', { name: 'Bổ sung và gửi lại' }).click();
    await page.getByLabel('Tần suất tối đa (lượt/phút)').fill('30');
    await page.getByRole('dialog').getByRole('button', { name: 'Gửi lại' }).click();
    await page.getByText('Đã gửi lại đề nghị').waitFor();
    const resubmitted = await operator.call('getSubscriptionRequest', { params: { id: request.id } });
    assert.equal(resubmitted.status, 'submitted');
    assert.equal(resubmitted.frequencyPerMinute, 30);

    await operator.call('approveSubscriptionRequestSandbox', { params: { id: request.id }, body: {} });

    await page.reload();
    await page.getByRole('button', { name: 'Nhận khoá sandbox' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Khoá bí mật — chỉ hiện một lần').waitFor();
    const secret = ((await dialog.getByTestId('secret-once').textContent()) ?? '').trim();
    const consumerKey = ((await dialog.locator('code').first().textContent()) ?? '').trim();
    assert.ok(secret.length >= 40, 'the secret is shown');
    await checkScreen(page, 'agency-secret-once');
    // It closes only once the user says it is stored; then it is gone from the page.
    assert.equal(await dialog.getByRole('button', { name: 'Đóng' }).isDisabled(), true);
    await tick(dialog.getByRole('checkbox', { name: 'Tôi đã lưu khoá bí mật' }));
    await dialog.getByRole('button', { name: 'Đóng' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await page.content()).includes(secret), false, 'the secret is no longer in the page');
    // The request list reloads: the key is collected, its button gone.
    await page.getByRole('button', { name: 'Nhận khoá sandbox' }).waitFor({ state: 'detached' });
    // The granted sandbox subscription, named by its service and system.
    await page.getByRole('cell', { name: 'Tra cứu công dân 1.0' }).nth(1).waitFor();

    // The collected key works at the gateway, in the sandbox.
    await web.platform.snapshots.refresh();
    const bearer = await getToken(web.gatewayUrl, consumerKey, secret);
    const call = await fetch(`${web.gatewayUrl}/dancu/1.0/congdan/001099000001`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    await call.arrayBuffer();
    assert.equal(call.status, 200);
    // A resource the service does not have: the gateway refuses it itself, the provider never reached.
    const unknown = await fetch(`${web.gatewayUrl}/dancu/1.0/khong-co-tai-nguyen`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    await unknown.arrayBuffer();
    assert.equal(unknown.status, 404);

    // The agency's home counts the refusal apart from the errors: 2 calls, 1 refused, 0 errors.
    await web.platform.recorder.flush();
    await page.getByRole('link', { name: 'Tổng quan cơ quan' }).click();
    const traffic = page.locator('.ant-card').filter({ hasText: 'Lưu lượng 7 ngày qua' });
    await traffic.getByRole('img', { name: 'Biểu đồ theo ngày: 2 lượt gọi, 1 bị từ chối, 0 lỗi' }).waitFor();
    const figures = await traffic.locator('.ant-statistic').allInnerTexts();
    assert.deepEqual(
      figures.map((f) => f.replace(/\s+/g, ' ').trim()),
      ['Lượt gọi 2', 'Bị từ chối 1', 'Lỗi 0'],
    );
    // The refused call's record names its error code with what it means, not the bare code.
    await page.goto(`/transactions/${unknown.headers.get('x-lgsp-transaction-id')}`);
    await page.getByText('GW_RESOURCE_NOT_FOUND — Dịch vụ không có tài nguyên này').waitFor();

    // The services list names another organization's provider system as the portal does, never its bare id (the
    // agency may not read that system: the screen showed `sys_…` with a link to a refusal).
    const forbidden: string[] = [];
    const watch = (r: { status: () => number; url: () => string }) => {
      if (r.status() >= 400) forbidden.push(new URL(r.url()).pathname);
    };
    page.on('response', watch);
    await page.goto('/services');
    const row = page.getByRole('row', { name: /Tra cứu công dân/ });
    await row.getByText('CSDL Dân cư tỉnh (000.00.31.H01)').waitFor();
    assert.equal(await row.getByText(providerSystemId).count(), 0, 'no bare system id');
    await row.getByRole('link', { name: 'Tra cứu công dân' }).click();
    await page.getByText('CSDL Dân cư tỉnh (000.00.31.H01)').waitFor();
    page.off('response', watch);
    assert.deepEqual(forbidden, [], 'no refused request');

    // The keys screen lists the key, never its secret.
    await page.getByRole('link', { name: 'Khoá của cơ quan' }).click();
    await page.getByText(consumerKey).first().waitFor();
    assert.equal((await page.content()).includes(secret), false);
    await checkScreen(page, 'agency-keys');

    // Rotation: a new secret, shown once; the old key keeps working for the overlap it names.
    await page
      .getByRole('row', { name: new RegExp(consumerKey) })
      .getByRole('button', { name: 'Đổi khoá' })
      .click();
    const rotated = page.getByRole('dialog', { name: 'Khoá bí mật — chỉ hiện một lần' });
    await clickUntil(
      page.getByRole('dialog').getByRole('button', { name: 'Đổi khoá' }),
      rotated.getByText('Khoá cũ còn dùng được đến'),
    );
    const newSecret = ((await rotated.getByTestId('secret-once').textContent()) ?? '').trim();
    assert.ok(
      newSecret.length >= 40 && newSecret !== secret,
      'newSecret.length >= 40 && newSecret !== secret',
    );
    await tick(rotated.getByRole('checkbox', { name: 'Tôi đã lưu khoá bí mật' }));
    await rotated.getByRole('button', { name: 'Đóng' }).click();
    await rotated.waitFor({ state: 'detached' });
    assert.equal((await page.content()).includes(newSecret), false);

    // The provider's service page is not this agency's: the API refuses what it may not see.
    await page.goto(`/agency-systems/${providerSystemId}`);
    await page.getByRole('alert').waitFor();
    assert.equal(await page.getByText('CSDL Dân cư tỉnh').count(), 0);
    await page.context().close();
  });

  test("the provider agency ends its own service with 60 days' notice, reads the date and the notice, cancels it", async () => {
    const page = await signIn('cong-an');
    await page.goto(`/agency-services/${serviceId}`);
    const section = page
      .locator('.ant-card')
      .filter({ has: page.getByRole('heading', { name: 'Ngừng cung cấp dịch vụ (R-21)' }) });
    await section.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    // The operator's form (components/decommission.tsx): too early is refused with the API's reason, in place.
    const dialog = page.getByRole('dialog', { name: 'Ngừng dịch vụ Tra cứu công dân' });
    await pickDateTime(page, 'Ngày ngừng (giờ Việt Nam)', vietnamIn(30 * DAY).typed);
    await dialog.getByLabel('Lý do').fill('Chuyển sang CSDL quốc gia về dân cư');
    await dialog.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    await dialog.getByRole('alert').filter({ hasText: /60/ }).waitFor();
    const stop = vietnamIn(90 * DAY);
    await pickDateTime(page, 'Ngày ngừng (giờ Việt Nam)', stop.typed);
    await dialog.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    await page.getByText('Đã thông báo ngừng dịch vụ').waitFor();
    assert.equal((await operator.call('getService', { params: { id: serviceId } })).decommissionAt, stop.iso);

    // Scheduled: its date and the public notice its consumers were sent, first on the page.
    await section.getByText(`Dịch vụ sẽ ngừng cung cấp lúc ${stop.typed} (giờ Việt Nam).`).waitFor();
    const notice = section.getByTestId('decommission-notice');
    await notice.getByText(/Ngừng cung cấp dịch vụ dancu \/ Service dancu ends/).waitFor();
    await notice.getByText(/Lý do: Chuyển sang CSDL quốc gia về dân cư/).waitFor();
    const headings = await page.getByRole('heading', { level: 2 }).allInnerTexts();
    assert.equal(
      headings[0],
      'Ngừng cung cấp dịch vụ (R-21)',
      `the end comes first: ${headings.join(' | ')}`,
    );
    await checkScreen(page, 'agency-service-decommission');
    await page.goto('/agency-services');
    await page
      .getByRole('row', { name: /Tra cứu công dân/ })
      .getByText(`Sẽ ngừng ${stop.typed}`)
      .waitFor();

    // The consumer agency reads it where it works: a warning on its home, a tag on its subscription, each
    // with the date, the days left, what to do and the public notice. Its subscription is the one the consumer's
    // test collected, or one made here when this test runs alone.
    const { registry } = web.platform;
    const subscription =
      (await registry.listSubscriptions({ systemId: consumerSystemId })).find((s) => s.status === 'active') ??
      (await registry.createSubscription(
        { systemId: consumerSystemId, versionId: publishedVersionId, environment: 'sandbox' },
        'test',
      ));
    const announced = await operator.call('listNotices', { query: { kind: 'decommission', serviceId } });
    const noticeId = announced.items[0]?.id;
    assert.ok(noticeId, 'the decommission notice');
    const consumer = await signIn('tu-phap');
    const stopDate = stop.typed.slice(0, 10);
    const warning = consumer.getByTestId('ending-subscriptions');
    await warning.getByRole('heading', { name: 'Dịch vụ bạn đang dùng sắp ngừng' }).waitFor();
    await warning.getByText(`Sắp ngừng ${stopDate} · còn 90 ngày`).waitFor();
    await warning.getByText(/Dịch vụ ngừng cung cấp: tìm dịch vụ thay thế/).waitFor();
    // The service by the name people know it by, with its version; its path small beside it, as lists name it.
    await warning.getByText(/^Tra cứu công dân 1\.0\s+dancu\/1\.0$/).waitFor();
    assert.equal(
      await warning.getByRole('link', { name: 'Thông báo công khai' }).getAttribute('href'),
      `/portal/notices/${noticeId}`,
    );
    await checkScreen(consumer, 'agency-home-ending');
    await warning.getByRole('link', { name: 'Xem đăng ký' }).click();
    await consumer.waitForURL(`**/agency-subscriptions?subscription=${subscription.id}`);
    const granted = consumer
      .locator('.ant-card')
      .filter({ has: consumer.getByRole('heading', { name: 'Đăng ký đã được cấp' }) })
      .getByRole('row', { name: /Hệ thống Hộ tịch/ });
    await granted.getByTestId('ending-tag').getByText(`Sắp ngừng ${stopDate} · còn 90 ngày`).waitFor();
    await granted.getByText(/^Tra cứu công dân 1\.0\s+dancu\/1\.0$/).waitFor();
    await checkScreen(consumer, 'agency-subscription-ending');
    // One entry for its subscriptions: the registry's twin is not in its menu, and its address leads here.
    const nav = consumer.getByRole('navigation', { name: 'Danh mục chức năng' });
    await nav.getByRole('link', { name: 'Đề nghị khai thác', exact: true }).waitFor();
    assert.equal(await nav.getByRole('link', { name: 'Đăng ký khai thác', exact: true }).count(), 0);
    await consumer.goto('/subscriptions');
    await consumer.waitForURL('**/agency-subscriptions');
    // The operator's list of every subscription says it too: whom to chase before the date.
    const admin = await signIn('admin', WEB_ADMIN_PASSWORD);
    await admin.goto('/subscriptions');
    await admin
      .getByRole('row', { name: /Hệ thống Hộ tịch/ })
      .getByTestId('ending-tag')
      .getByText(`Sắp ngừng ${stopDate} · còn 90 ngày`)
      .first()
      .waitFor();
    await admin.context().close();
    // The public notice the warning links to.
    await consumer.goto(`/portal/notices/${noticeId}`);
    await consumer
      .getByText(/Ngừng cung cấp dịch vụ dancu/)
      .first()
      .waitFor();

    // Cancelled before its date, after a confirmation; the service carries on and the cancellation is published.
    await page.goto(`/agency-services/${serviceId}`);
    await section.getByRole('button', { name: 'Huỷ lịch ngừng' }).click();
    const confirm = page.getByRole('dialog', { name: 'Huỷ lịch ngừng dịch vụ Tra cứu công dân' });
    await confirm.getByText(`Dịch vụ sẽ tiếp tục được cung cấp sau ${stop.typed}`).waitFor();
    await confirm
      .getByLabel('Lý do huỷ (không bắt buộc, được đăng công khai)')
      .fill('Chưa đủ điều kiện chuyển đổi');
    await confirm.getByRole('button', { name: 'Huỷ lịch ngừng' }).click();
    await page.getByText('Đã huỷ lịch ngừng dịch vụ').waitFor();
    await section.getByRole('button', { name: 'Ngừng dịch vụ' }).waitFor();
    assert.equal((await operator.call('getService', { params: { id: serviceId } })).decommissionAt, null);
    const cancelled = await operator.call('listNotices', {
      query: { kind: 'decommission_cancelled', serviceId },
    });
    assert.match(cancelled.items[0]?.body ?? '', /Chưa đủ điều kiện chuyển đổi/);
    await page.context().close();

    // The consumer's warning and tag are gone at once: nothing ends any more.
    const answered = consumer.waitForResponse(
      (r) => new URL(r.url()).pathname === '/api/v1/subscriptions' && r.url().includes('ending=true'),
    );
    await consumer.goto('/agency');
    await answered;
    await consumer.getByRole('heading', { name: 'Hồ sơ cơ quan và đầu mối liên hệ' }).waitFor();
    assert.equal(await consumer.getByTestId('ending-subscriptions').count(), 0, 'no warning');
    await consumer.goto(`/agency-subscriptions?subscription=${subscription.id}`);
    await granted.getByText('Hệ thống Hộ tịch').waitFor();
    assert.equal(await granted.getByTestId('ending-tag').count(), 0, 'no tag');
    // The consumer stops using it there too: after a confirmation, its subscription is revoked.
    await granted.getByRole('button', { name: 'Huỷ đăng ký' }).click();
    await consumer.getByRole('tooltip').getByRole('button', { name: 'Huỷ đăng ký' }).click();
    await consumer.getByText('Đã huỷ đăng ký').waitFor();
    assert.equal(
      (await operator.call('getSubscription', { params: { id: subscription.id } })).status,
      'revoked',
    );
    await granted.getByRole('button', { name: 'Huỷ đăng ký' }).waitFor({ state: 'detached' });
    await consumer.context().close();
  });

  test('the consumer moves a subscription whose version is retired to the newer one in one step, filled in from it', async () => {
    // Its own service, so that the other tests' decommission of dancu has no part here.
    const { registry } = web.platform;
    const env = {
      registry,
      lifecycle: web.platform.lifecycle,
      gatewayUrl: web.gatewayUrl,
      recorder: web.platform.recorder,
      snapshots: web.platform.snapshots,
    };
    const service = await registry.createService(
      {
        context: 'cutru',
        name: 'Tra cứu cư trú',
        providerSystemId,
        description: FULL_DESCRIPTION,
      },
      'test',
    );
    const upstreams = { sandbox: `${upstream.url}/sandbox/cutru`, production: `${upstream.url}/api/cutru` };
    const resources = [{ method: 'GET', path: '/noicutru/{soDinhDanh}' }];
    const v1 = await registry.createVersion(service.id, { version: '1.0', upstreams, resources }, 'test');
    await publishThroughSandbox(env, v1.id);
    // The consumer's subscription to 1.0 came from its request: the move starts from that request's terms.
    const session = await new ApiClient(web.adminUrl, null).call('login', {
      body: { username: 'tu-phap', password: AGENCY_PASSWORD },
      auth: false,
    });
    const agency = new ApiClient(web.adminUrl, session.token);
    const first = await agency.call('createSubscriptionRequest', {
      body: {
        systemId: consumerSystemId,
        versionId: v1.id,
        application: 'Phần mềm hộ tịch điện tử',
        purpose: 'Xác minh nơi cư trú khi đăng ký khai sinh',
        frequencyPerDay: 1200,
        frequencyPerMinute: 20,
        timeOfUse: '07:00-17:30',
        otherNotes: null,
      },
    });
    await operator.call('approveSubscriptionRequestSandbox', { params: { id: first.id }, body: {} });
    const v2 = await registry.createVersion(service.id, { version: '2.0', upstreams, resources }, 'test');
    await publishThroughSandbox(env, v2.id);
    assert.equal((await registry.getVersion(v1.id)).status, 'deprecated');

    const page = await signIn('tu-phap');
    const item = page
      .getByTestId('ending-subscriptions')
      .getByRole('listitem')
      .filter({ hasText: 'Tra cứu cư trú 1.0' });
    await item.getByText('Phiên bản này ngừng hoạt động: đề nghị khai thác phiên bản 2.0').waitFor();
    await checkScreen(page, 'agency-home-move');
    await item.getByRole('link', { name: 'Chuyển sang phiên bản 2.0' }).click();

    // The request form, filled in: the same system, version 2.0, the terms of the request 1.0 was granted on.
    const dialog = page.getByRole('dialog', { name: 'Đăng ký khai thác: Tra cứu cư trú' });
    await dialog
      .getByTestId('moving-from')
      .getByText(
        /^Chuyển đăng ký Tra cứu cư trú 1\.0\s*cutru\/1\.0 · Sandbox sang phiên bản 2\.0 trước \d\d\/\d\d\/\d{4}\./,
      )
      .waitFor();
    await dialog
      .locator('.ant-select', { has: page.getByLabel('Hệ thống khai thác') })
      .getByText('Hệ thống Hộ tịch')
      .waitFor();
    await dialog
      .locator('.ant-select', { has: page.getByLabel('Phiên bản dịch vụ') })
      .getByText('2.0 (REST)')
      .waitFor();
    assert.equal(await dialog.getByLabel('Ứng dụng khai thác').inputValue(), 'Phần mềm hộ tịch điện tử');
    assert.equal(
      await dialog.getByLabel('Mục đích khai thác').inputValue(),
      'Xác minh nơi cư trú khi đăng ký khai sinh',
    );
    assert.equal(await dialog.getByLabel('Tần suất khai thác (lượt/ngày)').inputValue(), '1200');
    assert.equal(await dialog.getByLabel('Thời gian khai thác').inputValue(), '07:00-17:30');
    await checkScreen(page, 'agency-move-request');
    const sent = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/subscription-requests',
    );
    await dialog.getByRole('button', { name: 'Gửi đề nghị' }).click();
    const answer = await sent;
    assert.equal(answer.status(), 201);
    const moved = (await answer.json()) as {
      id: string;
      systemId: string;
      versionId: string;
      frequencyPerMinute: number;
    };
    assert.deepEqual(
      { systemId: moved.systemId, versionId: moved.versionId, frequencyPerMinute: moved.frequencyPerMinute },
      { systemId: consumerSystemId, versionId: v2.id, frequencyPerMinute: 20 },
    );
    await page.getByText('Đã gửi đề nghị khai thác').waitFor();
    assert.equal(
      new URL(page.url()).searchParams.get('move'),
      null,
      'the form is not opened again on reload',
    );

    // Asked for: the home says so instead of offering a second request (the platform would refuse it).
    await page.goto('/agency');
    const standing = item.getByTestId('move-standing');
    await standing.getByText('Đã đề nghị khai thác phiên bản 2.0:').waitFor();
    await standing.getByText('Đã gửi, chờ xét duyệt').waitFor();
    assert.equal(await item.getByRole('link', { name: 'Chuyển sang phiên bản 2.0' }).count(), 0);
    // Granted in the sandbox, where 1.0 is used: the system uses 2.0 there.
    await operator.call('approveSubscriptionRequestSandbox', { params: { id: moved.id }, body: {} });
    await page.reload();
    await standing.getByText('Hệ thống đã đăng ký phiên bản 2.0 (Sandbox).').waitFor();
    // The granted subscriptions list says the same beside the ending of 1.0.
    await page.goto('/agency-subscriptions');
    const granted = page
      .locator('.ant-card')
      .filter({ has: page.getByRole('heading', { name: 'Đăng ký đã được cấp' }) })
      .getByRole('row', { name: /Tra cứu cư trú 1\.0/ });
    await granted.getByText('Hệ thống đã đăng ký phiên bản 2.0 (Sandbox).').waitFor();
    await page.context().close();
  });

  test("a dialog shows the API's refusal as every screen does: its text, its code linked to the page that explains it", async () => {
    const service = await web.platform.registry.createService(
      { context: 'thuedat', name: 'Tra cứu thuế đất', providerSystemId, description: FULL_DESCRIPTION },
      'test',
    );
    const page = await signIn('cong-an');
    await page.goto(`/agency-services/${service.id}`);
    const section = page
      .locator('.ant-card')
      .filter({ has: page.getByRole('heading', { name: 'Ngừng cung cấp dịch vụ (R-21)' }) });

    // Announcing the end too early: the refusal in the dialog, with its code and where the code is explained.
    await section.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    const dialog = page.getByRole('dialog', { name: 'Ngừng dịch vụ Tra cứu thuế đất' });
    await pickDateTime(page, 'Ngày ngừng (giờ Việt Nam)', vietnamIn(30 * DAY).typed);
    await dialog.getByLabel('Lý do').fill('Hợp nhất vào dịch vụ thuế chung');
    await dialog.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    const refused = dialog.getByRole('alert');
    await refused
      .getByText(/^Phải thông báo ngừng dịch vụ trước ít nhất 60 ngày \/ A decommission/)
      .waitFor();
    await refused.getByTestId('problem-reference').getByText('Mã lỗi: CP_DECOMMISSION_TOO_EARLY').waitFor();
    assert.equal(
      await refused.getByRole('link', { name: 'CP_DECOMMISSION_TOO_EARLY' }).getAttribute('href'),
      '/portal/errors/CP_DECOMMISSION_TOO_EARLY',
    );
    await checkScreen(page, 'agency-dialog-problem');
    await pickDateTime(page, 'Ngày ngừng (giờ Việt Nam)', vietnamIn(90 * DAY).typed);
    await dialog.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    await page.getByText('Đã thông báo ngừng dịch vụ').waitFor();

    // Cancelling an end the operator cancelled meanwhile: the cancel dialog shows its refusal the same way.
    await section.getByRole('button', { name: 'Huỷ lịch ngừng' }).click();
    const confirm = page.getByRole('dialog', { name: 'Huỷ lịch ngừng dịch vụ Tra cứu thuế đất' });
    await confirm.getByText(/Dịch vụ sẽ tiếp tục được cung cấp sau/).waitFor();
    await operator.call('cancelServiceDecommission', { params: { id: service.id }, body: {} });
    await confirm.getByRole('button', { name: 'Huỷ lịch ngừng' }).click();
    const stale = confirm.getByRole('alert');
    await stale.getByText(/^Lịch ngừng cung cấp dịch vụ đã được huỷ trước đó \//).waitFor();
    await stale.getByTestId('problem-reference').getByText('Mã lỗi: CP_DECOMMISSION_CANCELLED').waitFor();
    assert.equal(
      await stale.getByRole('link', { name: 'CP_DECOMMISSION_CANCELLED' }).getAttribute('href'),
      '/portal/errors/CP_DECOMMISSION_CANCELLED',
    );
    await page.context().close();
  });

  test("the provider reads the platform's sandbox tester by its name in English, never a bare 000.00.00.Z00", async () => {
    // A sandbox try of the provider's version, as the operator makes one: the caller is the platform's tester.
    const tryAnswer = await operator.call('trySandboxCall', {
      params: { id: publishedVersionId },
      body: { method: 'GET', path: '/congdan/001099000001' },
    });
    assert.equal(tryAnswer.status, 200);
    await web.platform.recorder.flush();
    const records = await operator.call('listTransactions', { query: { serviceId, limit: 100 } });
    const tried = records.items.find((r) => r.consumer.organizationCode === '000.00.00.Z00');
    assert.ok(tried, 'the try was recorded');
    const page = await signIn('cong-an');
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    // The record's detail: the caller by the platform's English name (it read the stored Vietnamese one).
    await page.goto(`/transactions/${tried.id}`);
    await page.getByText('Platform sandbox test (000.00.00.Z00)').waitFor();
    assert.equal(await page.getByText('Thử nghiệm sandbox của nền tảng').count(), 0);
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  clickUntil,
  launchBrowser,
  openPage,
  pickOption,
  screenshot,
  seriousA11yViolations,
  signIn,
  tick,
} from './helpers/browser.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Issue 11 "Must show": the whole regulation through the UI only, in one Chromium, one browser context per person.
 * The operator creates the two organizations and their agency accounts and signs out; the provider agency (Công an)
 * and the consumer agency (Sở Tư pháp) each file a connection request, which the operator approves (the .docx
 * letter downloaded, R-08); the provider describes a service (R-11) and submits its version with an OpenAPI file;
 * the operator tries it in the sandbox and publishes it; the consumer requests a subscription (R-12), collects its
 * sandbox key (the secret shown once), its system calls, it asks for production and collects that key; the operator
 * sees the calls on the dashboard chart and in the transactions list (no payload, R-02), publishes a successor with
 * the old version's sunset (R-18), announces maintenance; the public portal renders the API docs (R-10) and the
 * notices (R-21).
 *
 * The only acts that are not a person's clicks and keystrokes: starting the platform and the provider's system
 * (and letting the platform's egress policy reach it), the consumer system calling the gateway with `fetch` using
 * the key and secret read from the page, and reading the downloaded letter's bytes.
 */

const PROVIDER = { code: '000.00.31.H01', name: 'Công an tỉnh An Giang', user: 'cong-an' };
const CONSUMER = { code: '000.00.12.H01', name: 'Sở Tư pháp tỉnh An Giang', user: 'tu-phap' };
const AGENCY_PASSWORD = 'mat-khau-co-quan-0123';
const PROVIDER_SYSTEM = 'CSDL Dân cư tỉnh';
const CONSUMER_SYSTEM = 'Hệ thống Hộ tịch';
const SERVICE = 'Tra cứu công dân';
/** What the provider's system answers (a citizen's name): personal data that must appear on no console screen. */
const RESPONSE_MARKER = 'Nguyễn Văn An';
/** A citizen id the consumer sends in its call's body: a payload, never shown. */
const REQUEST_MARKER = 'so-dinh-danh-079203001234';

const VIETNAM_MS = 7 * 60 * 60 * 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const two = (n: number) => String(n).padStart(2, '0');
/** The Vietnam wall-clock time `ms` from now, to the minute, as the console's date fields read it. */
function vietnamIn(ms: number): string {
  const wall = new Date(Math.floor((Date.now() + ms + VIETNAM_MS) / 60_000) * 60_000);
  return `${two(wall.getUTCDate())}/${two(wall.getUTCMonth() + 1)}/${wall.getUTCFullYear()} ${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}`;
}

const openApiDocument = (version: string) =>
  JSON.stringify({
    openapi: '3.0.3',
    info: { title: SERVICE, version },
    paths: {
      '/congdan/{soDinhDanh}': {
        get: {
          summary: 'Tra cứu một công dân theo số định danh',
          parameters: [{ name: 'soDinhDanh', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'Thông tin công dân' } },
        },
      },
      '/hoso': {
        post: {
          summary: 'Gửi hồ sơ',
          requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
          responses: { '200': { description: 'Đã nhận' } },
        },
      },
    },
  });

/** The R-11 technical description, item by item as the provider's officer types it (labels as the decree names them). */
const R11_TEXT: Array<[label: string, text: string]> = [
  ['Địa chỉ và giao diện kết nối', 'REST, JSON, qua cổng LGSP tại /dancu/<phiên bản>'],
  ['Tiêu chuẩn kết nối, truyền thông', 'HTTP/1.1, JSON UTF-8'],
  ['Mã hoá và an toàn thông tin', 'TLS 1.2 trở lên, OAuth 2.0 client credentials'],
  ['Năng lực đáp ứng (tần suất, dung lượng)', '50 lượt/giây, tối đa 1 MB mỗi lần gọi'],
  ['Quy trình kết nối', 'Đăng ký khai thác trên cổng LGSP, thử sandbox, đề nghị chính thức'],
  [
    'Chất lượng dữ liệu (thu thập, phê duyệt, cập nhật, thời điểm)',
    'Cập nhật hằng ngày từ CSDL quốc gia về dân cư',
  ],
  ['Cách thức trình bày dữ liệu', 'Đối tượng JSON: hoTen, ngaySinh, noiThuongTru'],
];

/**
 * Times people read are Vietnam time `dd/mm/yyyy HH:mm`: a screen shows some, and neither an ISO instant nor a
 * `yyyy-mm-dd` date (the UTC-date bug the issue names: "ngừng hoạt động ngày 2027-06-14").
 */
async function assertVietnamDates(scope: Locator, name: string): Promise<void> {
  const text = (await scope.textContent()) ?? '';
  assert.match(text, /\d{2}\/\d{2}\/\d{4}/, `${name}: a date in dd/mm/yyyy`);
  assert.doesNotMatch(text, /(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)/, `${name}: no yyyy-mm-dd date`);
}

async function checkScreen(page: Page, name: string): Promise<void> {
  assert.deepEqual(await seriousA11yViolations(page), [], `${name}: no serious accessibility violation`);
  await screenshot(page, `regulation-${name}`);
}

/**
 * The reviewer's grant on a request's row: its button, then the confirmation's "Cấp quyền"; done when the row leaves
 * the queue. On a loaded CI machine a confirmation click was once lost (the row stayed, no API call refused), and
 * once the confirmation closed under a re-render of the list before it could be clicked (the click waited 60 s for
 * a button no longer there): the two clicks are repeated while the row is still there and still offers the grant (a
 * second grant of a granted request is refused by the API and changes nothing).
 */
async function grant(row: Locator, button: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await row.getByRole('button', { name: button }).click();
    await row
      .page()
      .getByRole('button', { name: 'Cấp quyền' })
      .click({ timeout: 10_000 })
      .catch(() => undefined);
    const gone = await row
      .waitFor({ state: 'detached', timeout: 15_000 })
      .then(() => true)
      .catch(() => false);
    if (gone) return;
    if (attempt === 3)
      throw new Error(`"${button}" was confirmed three times and the request stayed in the queue`);
  }
}

/** Types a `dd/mm/yyyy HH:mm` value into the date field labelled `label` and confirms it. */
async function pickDateTime(page: Page, label: string, typed: string): Promise<void> {
  const field = page.getByLabel(label, { exact: true });
  await field.click();
  await field.fill(typed);
  await field.press('Enter');
}

async function menu(page: Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Danh mục chức năng' })
    .getByRole('link', { name, exact: true })
    .click();
}

/** What the consumer system's operator copied from the secret-once step. */
interface CopiedKey {
  consumerKey: string;
  consumerSecret: string;
}

/**
 * The consumer system (a machine) exchanges its key for a token and calls the gateway. The platform takes a new
 * configuration snapshot within a second of the approval; the machine retries its token request until then, as a
 * client would.
 */
async function callGateway(gatewayUrl: string, key: CopiedKey): Promise<{ status: number; path: string }[]> {
  let token = '';
  await waitFor(
    async () => {
      const response = await fetch(`${gatewayUrl}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${key.consumerKey}:${key.consumerSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      const body = (await response.json()) as { access_token?: string };
      token = body.access_token ?? '';
      return response.status === 200 && token !== '';
    },
    { what: 'a token for the copied key', timeoutMs: 30_000 },
  );
  const results: { status: number; path: string }[] = [];
  const calls: Array<[method: string, path: string, body?: string]> = [
    ['GET', '/dancu/1.0/congdan/001099000001'],
    ['POST', '/dancu/1.0/hoso', JSON.stringify({ soDinhDanh: REQUEST_MARKER })],
  ];
  for (const [method, path, body] of calls) {
    let status = 0;
    // Access follows the snapshot too: the first call after an approval may still see the previous one.
    await waitFor(
      async () => {
        const response = await fetch(`${gatewayUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
        });
        await response.arrayBuffer();
        status = response.status;
        return status === 200;
      },
      { what: `${method} ${path} answered 200`, timeoutMs: 30_000 },
    );
    results.push({ status, path });
  }
  return results;
}

describe('the whole regulation through the UI: operator, provider agency, consumer agency, public portal', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let browser: Browser;
  let operator: Page;
  let provider: Page;
  let consumer: Page;
  let sandboxKey: CopiedKey;
  let productionKey: CopiedKey;
  /** The sunset the operator picked for 1.0, as typed (Vietnam time). */
  let sunset = '';

  before(async () => {
    web = await startWebPlatform();
    upstream = await startUpstream();
    // The provider's system is a test server on loopback: the egress policy lets the platform reach exactly it.
    allowEgressTo(web.platform.registry.egress, upstream.url);
    browser = await launchBrowser();
    operator = await openPage(browser, web.adminUrl);
    provider = await openPage(browser, web.adminUrl);
    consumer = await openPage(browser, web.adminUrl);
    for (const page of [operator, provider, consumer]) page.setDefaultTimeout(60_000);
  });
  after(async () => {
    await browser?.close();
    await upstream?.close();
    await web?.stop();
  });

  test('the operator signs in, creates the two organizations and their agency accounts, signs out', async () => {
    await signIn(operator, 'admin', WEB_ADMIN_PASSWORD);
    await operator.getByRole('heading', { name: 'Tổng quan' }).waitFor();
    await checkScreen(operator, 'operator-dashboard-empty');

    await menu(operator, 'Cơ quan, đơn vị');
    await operator.getByRole('heading', { name: 'Cơ quan, đơn vị' }).waitFor();
    for (const [org, contact, email] of [
      [PROVIDER, 'Trần Thị Bình', 'pc06@angiang.gov.vn'],
      [CONSUMER, 'Lê Văn Cường', 'stp@angiang.gov.vn'],
    ] as const) {
      await operator.getByRole('button', { name: 'Thêm cơ quan' }).click();
      const dialog = operator.getByRole('dialog', { name: 'Thêm cơ quan' });
      await dialog.getByLabel('Mã định danh điện tử').fill(org.code);
      await dialog.getByLabel('Tên cơ quan').fill(org.name);
      await dialog.getByLabel('Cán bộ đầu mối: họ tên').fill(contact);
      await dialog.getByLabel('Thư điện tử').fill(email);
      await dialog.getByRole('button', { name: 'Lưu' }).click();
      await dialog.waitFor({ state: 'detached' });
      await operator.getByRole('cell', { name: org.code }).waitFor();
    }
    await assertVietnamDates(operator.getByRole('main'), 'organizations');
    await checkScreen(operator, 'operator-organizations');

    await menu(operator, 'Người dùng');
    await operator.getByRole('heading', { name: 'Người dùng' }).waitFor();
    for (const [org, displayName] of [
      [PROVIDER, 'Cán bộ Công an tỉnh'],
      [CONSUMER, 'Cán bộ Sở Tư pháp'],
    ] as const) {
      await operator.getByRole('button', { name: 'Thêm người dùng' }).click();
      const dialog = operator.getByRole('dialog', { name: 'Thêm người dùng' });
      await dialog.getByLabel('Tên đăng nhập').fill(org.user);
      await dialog.getByLabel('Họ tên').fill(displayName);
      await dialog.getByLabel('Mật khẩu ban đầu').fill(AGENCY_PASSWORD);
      // A password the operator chose is changed by its user at the first sign-in, unless unticked.
      assert.equal(await dialog.getByRole('checkbox', { name: /phải đổi mật khẩu này/ }).isChecked(), true);
      // The role is "agency" unless changed; its organization is searched on the server.
      const organization = dialog.getByLabel('Cơ quan', { exact: true });
      await organization.click();
      await organization.fill(org.code);
      await pickOption(operator, org.name);
      await dialog.getByRole('button', { name: 'Tạo' }).click();
      await dialog.waitFor({ state: 'detached' });
      await operator.getByRole('cell', { name: org.user, exact: true }).waitFor();
    }
    await operator
      .getByRole('row', { name: /tu-phap/ })
      .getByText(CONSUMER.name)
      .waitFor();
    await checkScreen(operator, 'operator-users');

    await operator.getByRole('button', { name: 'Đăng xuất' }).click();
    await operator.getByLabel('Tên đăng nhập').waitFor();
  });

  test('each agency signs in with its account and files a connection request (Appendix items)', async () => {
    for (const [page, org, system, providesServices, contact] of [
      [provider, PROVIDER, PROVIDER_SYSTEM, true, ['Trần Thị Bình', '0296 3852 000', 'pc06@angiang.gov.vn']],
      [consumer, CONSUMER, CONSUMER_SYSTEM, false, ['Lê Văn Cường', '0296 3852 111', 'stp@angiang.gov.vn']],
    ] as const) {
      await signIn(page, org.user, AGENCY_PASSWORD);
      // The first sign-in with the password the operator chose opens only the change of it.
      await page.getByRole('heading', { name: 'Đổi mật khẩu' }).waitFor();
      await page.getByText('Mật khẩu của bạn là mật khẩu tạm').waitFor();
      await page.getByLabel('Mật khẩu hiện tại').fill(AGENCY_PASSWORD);
      await page.getByLabel('Mật khẩu mới (≥ 10 ký tự)').fill(`${AGENCY_PASSWORD}-rieng`);
      await page.getByLabel('Nhập lại mật khẩu mới').fill(`${AGENCY_PASSWORD}-rieng`);
      await page.getByRole('button', { name: 'Đổi mật khẩu' }).click();
      await page.getByText(/^Đã đổi mật khẩu/).waitFor();
      await menu(page, 'Đề nghị kết nối');
      await page.getByLabel('Tên hệ thống thông tin cần kết nối').fill(system);
      await page
        .getByText(providesServices ? 'Hệ thống cung cấp dịch vụ' : 'Hệ thống khai thác dịch vụ', {
          exact: true,
        })
        .click();
      await page
        .getByLabel('1. Mục đích sử dụng')
        .fill(
          providesServices
            ? 'Cung cấp dữ liệu dân cư cho các sở, ngành'
            : 'Tra cứu công dân khi đăng ký hộ tịch',
        );
      await page.getByLabel('2. Phạm vi sử dụng tại cơ quan chủ quản').fill('Toàn cơ quan');
      await page.getByLabel('Họ và tên').fill(contact[0]);
      await page.getByLabel('Chức vụ').fill('Chuyên viên');
      await page.getByLabel('Số điện thoại').fill(contact[1]);
      await page.getByLabel('Thư điện tử').fill(contact[2]);
      await page.getByRole('button', { name: 'Gửi đề nghị' }).click();
      await page.getByText('Đã gửi đề nghị kết nối').waitFor();
      await page.getByRole('cell', { name: system }).waitFor();
      await page.getByText('Đã gửi, chờ xét duyệt').first().waitFor();
      await assertVietnamDates(page.getByRole('main'), `${org.user} connection requests`);
      await checkScreen(page, `agency-connection-request-${org.user}`);
    }
  });

  test('the operator signs in again, reads each request, downloads its .docx letter and approves it', async () => {
    await signIn(operator, 'admin', WEB_ADMIN_PASSWORD);
    await operator.getByRole('heading', { name: 'Tổng quan' }).waitFor();
    const review = operator.getByRole('region', { name: 'Yêu cầu chờ xét duyệt' });
    await review.getByText(PROVIDER_SYSTEM).waitFor();
    await review.getByText(CONSUMER_SYSTEM).waitFor();

    for (const [org, system] of [
      [PROVIDER, PROVIDER_SYSTEM],
      [CONSUMER, CONSUMER_SYSTEM],
    ] as const) {
      await menu(operator, 'Đề nghị kết nối');
      await operator.getByRole('heading', { name: 'Đề nghị kết nối' }).waitFor();
      await operator.getByRole('link', { name: system }).click();
      await operator.getByText(system).first().waitFor();
      const [download] = await Promise.all([
        operator.waitForEvent('download'),
        operator.getByRole('button', { name: 'Tải công văn (.docx)' }).click(),
      ]);
      assert.match(download.suggestedFilename(), /\.docx$/);
      const letter = await readFile(await download.path());
      assert.ok(letter.length > 1000, 'the letter has content');
      assert.equal(letter.subarray(0, 2).toString('latin1'), 'PK', 'a .docx is a zip file');
      // The zip's directory names its parts in clear: a Word document has its main part.
      assert.ok(letter.includes('word/document.xml'), 'a Word document, not any zip');
      if (org === PROVIDER) {
        await assertVietnamDates(operator.getByRole('main'), 'connection request');
        await checkScreen(operator, 'operator-connection-request');
      }
      await operator.getByRole('button', { name: 'Phê duyệt' }).click();
      const dialog = operator.getByRole('dialog', { name: 'Phê duyệt đề nghị kết nối' });
      await dialog.getByLabel('Ghi chú phê duyệt (không bắt buộc)').fill('Đủ hồ sơ theo Phụ lục');
      await dialog.getByRole('button', { name: 'Phê duyệt' }).click();
      await operator.getByText('Đã phê duyệt', { exact: true }).first().waitFor();
    }
  });

  test('the provider agency describes its service (R-11), creates version 1.0 and submits it with its OpenAPI file', async () => {
    const page = provider;
    await page.reload();
    await page.getByText('Đã phê duyệt', { exact: true }).first().waitFor();
    await menu(page, 'Dịch vụ của cơ quan');
    await page.getByRole('heading', { name: 'Dịch vụ của cơ quan' }).waitFor();
    // The system the approval created is the agency's only provider system: the new service's form starts with it
    // chosen, nothing to pick (it once showed it in the list while the form refused with "Chọn hệ thống").
    const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Tạo dịch vụ' }) });
    await form.locator('.ant-select').filter({ hasText: PROVIDER_SYSTEM }).waitFor();
    await page.getByLabel('Đường dẫn gốc trên cổng kết nối').fill('dancu');
    await page.getByLabel('Tên dịch vụ', { exact: true }).fill(SERVICE);
    for (const [label, text] of R11_TEXT) {
      await page.getByLabel(label, { exact: true }).fill(text);
    }
    await page.getByRole('button', { name: 'Tạo dịch vụ' }).click();
    await page.getByText('Đã tạo dịch vụ').waitFor();
    await page.getByRole('link', { name: SERVICE }).click();
    await page.getByRole('heading', { name: new RegExp(SERVICE) }).waitFor();

    await createAndSubmitVersion(page, '1.0');
    await checkScreen(page, 'agency-service');
  });

  /** The provider creates a draft version and submits it with its OpenAPI file chosen from disk. */
  async function createAndSubmitVersion(page: Page, version: string): Promise<void> {
    await page.getByLabel('Tên phiên bản').fill(version);
    await page.getByLabel('Địa chỉ dịch vụ nguồn — sandbox').fill(`${upstream.url}/sandbox/dancu`);
    await page.getByLabel('Địa chỉ dịch vụ nguồn — chính thức').fill(`${upstream.url}/api/dancu`);
    await page.getByLabel('Tài nguyên').fill('GET /congdan/{soDinhDanh}\nPOST /hoso');
    await page.getByRole('button', { name: 'Tạo phiên bản nháp' }).click();
    await page.getByText('Đã tạo phiên bản nháp').waitFor();
    const row = page.getByRole('row', { name: new RegExp(`^${version.replace('.', '\\.')}\\b`) });
    await row.getByRole('button', { name: 'Gửi duyệt' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.locator('input[type=file]').setInputFiles({
      name: `dancu-${version}.json`,
      mimeType: 'application/json',
      buffer: Buffer.from(openApiDocument(version)),
    });
    await dialog.getByText(`Tệp đã chọn: dancu-${version}.json`).waitFor();
    // In CI the click on the just-opened dialog's button was once lost (the dialog stayed a minute, nothing sent).
    await clickUntil(dialog.getByRole('button', { name: 'Gửi duyệt' }), dialog, 'detached');
    await row.getByText('Đã gửi, chờ xét duyệt', { exact: true }).waitFor();
  }

  test('the operator reviews the submission, tries it in the sandbox and publishes it', async () => {
    await tryAndPublish('1.0', null);
  });

  /** The operator's review of a submitted version: sandbox test, a try-it call, publication (a sunset if replacing). */
  async function tryAndPublish(
    version: string,
    replacing: { label: string; typed: string } | null,
  ): Promise<void> {
    const page = operator;
    await menu(page, 'Dịch vụ chờ công bố');
    await page.getByRole('link', { name: `dancu / ${version}` }).click();
    await page.getByText('/congdan/{soDinhDanh}').first().waitFor();
    await page.getByText('Tiêu chuẩn kết nối, truyền thông').waitFor();
    if (!replacing) await checkScreen(page, 'operator-submission');

    await page.getByRole('button', { name: 'Bắt đầu thử nghiệm sandbox' }).click();
    await page.getByText('Đang thử nghiệm', { exact: true }).waitFor();
    await page.getByLabel('Đường dẫn (sau /ngữ-cảnh/phiên-bản)').fill('/congdan/001099012345');
    await page.getByRole('button', { name: 'Gọi thử' }).click();
    const result = page.getByRole('region', { name: 'Kết quả gọi thử' });
    await result.getByText('HTTP 200').waitFor();
    if (!replacing) await checkScreen(page, 'operator-try-it');

    await page.getByRole('button', { name: 'Công bố' }).click();
    const dialog = page.getByRole('dialog', { name: `Công bố dancu/${version}` });
    if (replacing) await pickDateTime(page, replacing.label, replacing.typed);
    else await dialog.getByText('Đây là phiên bản đầu tiên được công bố của dịch vụ.').waitFor();
    await dialog.getByRole('button', { name: 'Công bố' }).click();
    await page.getByText('Đã công bố phiên bản').waitFor();
    await page.getByText('Đã công bố', { exact: true }).first().waitFor();
  }

  test('the consumer agency requests a subscription, the operator grants the sandbox', async () => {
    const page = consumer;
    await page.reload();
    await menu(page, 'Đề nghị khai thác');
    await page.getByLabel('Tìm dịch vụ').fill('công dân');
    await page.getByLabel('Tìm dịch vụ').press('Enter');
    await page.getByRole('button', { name: `Đăng ký khai thác ${SERVICE}` }).click();
    await page.getByLabel('Hệ thống khai thác').click();
    await pickOption(page, CONSUMER_SYSTEM);
    await page.getByLabel('Phiên bản dịch vụ').click();
    await pickOption(page, '1.0');
    await page.getByLabel('Ứng dụng khai thác').fill('Phần mềm hộ tịch');
    await page.getByLabel('Mục đích khai thác').fill('Xác minh nhân thân khi đăng ký hộ tịch');
    await page.getByLabel('Tần suất khai thác (lượt/ngày)').fill('5000');
    await page.getByRole('button', { name: 'Gửi đề nghị' }).click();
    // The request's row, not the toast that says so (a toast lasts 3 s; a loaded machine may miss it).
    await page.getByText('Đã gửi, chờ xét duyệt').first().waitFor();
    await assertVietnamDates(page.getByRole('main'), 'subscription requests');
    await checkScreen(page, 'agency-subscription-request');

    await menu(operator, 'Đề nghị khai thác');
    await operator.getByRole('heading', { name: 'Đề nghị khai thác dịch vụ' }).waitFor();
    const row = operator.getByRole('row', { name: new RegExp(CONSUMER.name) });
    await checkScreen(operator, 'operator-subscription-requests');
    // Granted: the request leaves the queue of what waits for the reviewer (not the 3-second toast that says so,
    // which a loaded machine may miss — it did in CI).
    await grant(row, 'Cấp sandbox');
  });

  /**
   * The consumer collects a key on the secret-once step: it copies the key and secret (read here from the page),
   * confirms it stored them, and afterwards the secret is nowhere in the page.
   */
  async function collectKey(button: string, name: string): Promise<CopiedKey> {
    const page = consumer;
    await page.reload();
    await page.getByRole('button', { name: button }).click();
    const dialog = page.getByRole('dialog', { name: 'Khoá bí mật — chỉ hiện một lần' });
    const consumerSecret = ((await dialog.getByTestId('secret-once').textContent()) ?? '').trim();
    const consumerKey = ((await dialog.locator('code').first().textContent()) ?? '').trim();
    assert.ok(consumerSecret.length >= 32, 'the secret is shown');
    assert.ok(consumerKey.length >= 8 && consumerKey !== consumerSecret, 'the consumer key is shown');
    await dialog.getByRole('button', { name: 'Sao chép bí mật' }).waitFor();
    await checkScreen(page, name);
    assert.equal(await dialog.getByRole('button', { name: 'Đóng' }).isDisabled(), true);
    await tick(dialog.getByRole('checkbox', { name: 'Tôi đã lưu khoá bí mật' }));
    await dialog.getByRole('button', { name: 'Đóng' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await page.content()).includes(consumerSecret), false, 'the secret is gone from the page');
    // Collected once only: the step's button goes away once the list is read again.
    await page.getByRole('button', { name: button }).waitFor({ state: 'detached' });
    return { consumerKey, consumerSecret };
  }

  test('the consumer collects its sandbox key (secret once), its system calls the sandbox, it asks for production', async () => {
    sandboxKey = await collectKey('Nhận khoá sandbox', 'agency-secret-once-sandbox');
    const calls = await callGateway(web.gatewayUrl, sandboxKey);
    assert.deepEqual(
      calls.map((c) => c.status),
      [200, 200],
    );
    assert.ok(
      upstream.seen.some((s) => s.url.startsWith('/sandbox/dancu/congdan/')),
      "the sandbox key reaches the provider's sandbox",
    );

    // R-12: production after a successful technical connection — the call's record is the evidence. The record is
    // written in batches, so a person who asks before it lands is told to wait, and asks again.
    const page = consumer;
    const asked = page.getByText('Đã đề nghị khai thác chính thức');
    const refused = page.getByText(/chưa có lời gọi (sandbox )?thành công/).first();
    await waitFor(
      async () => {
        await page.getByRole('button', { name: 'Đề nghị chính thức' }).click();
        await page.getByRole('button', { name: 'Đề nghị', exact: true }).click();
        await Promise.race([asked.waitFor(), refused.waitFor()]);
        if (await asked.isVisible()) return true;
        // Refused for now: the page read again (its alert cleared) before the person asks once more.
        await page.reload();
        return false;
      },
      { what: 'production requested', timeoutMs: 60_000 },
    );
  });

  test('the operator grants production; the consumer collects the production key and its system calls', async () => {
    await operator.reload();
    await operator.getByText('Chờ cấp chính thức', { exact: true }).click();
    const row = operator.getByRole('row', { name: new RegExp(CONSUMER.name) });
    await grant(row, 'Cấp chính thức');

    productionKey = await collectKey('Nhận khoá chính thức', 'agency-secret-once-production');
    assert.notEqual(productionKey.consumerKey, sandboxKey.consumerKey);
    const calls = await callGateway(web.gatewayUrl, productionKey);
    assert.deepEqual(
      calls.map((c) => c.status),
      [200, 200],
    );
    assert.ok(
      upstream.seen.some((s) => s.url.startsWith('/api/dancu/congdan/')),
      "the production key reaches the provider's production system",
    );
    await consumer
      .getByRole('cell', { name: /chính thức|production/i })
      .first()
      .waitFor();
    await checkScreen(consumer, 'agency-subscriptions');

    await menu(consumer, 'Khoá của cơ quan');
    await consumer.getByText(productionKey.consumerKey).first().waitFor();
    const html = await consumer.content();
    assert.equal(html.includes(productionKey.consumerSecret), false, 'no secret on the keys screen');
    assert.equal(html.includes(sandboxKey.consumerSecret), false, 'no secret on the keys screen');
    await checkScreen(consumer, 'agency-keys');
  });

  test('the operator sees the calls on the dashboard chart and in the transactions list, without payload', async () => {
    const page = operator;
    await menu(page, 'Tổng quan');
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor();
    // The dashboard reads the recorded calls: four by the consumer and two sandbox tries by the operator.
    const chart = page.getByTestId('traffic-chart');
    await waitFor(
      async () => {
        const label = (await chart.getAttribute('aria-label')) ?? '';
        const calls = Number(/(\d+) lượt gọi/.exec(label)?.[1] ?? 0);
        if (calls >= 4) return true;
        await page.getByRole('button', { name: 'Làm mới' }).click();
        await page.waitForLoadState('networkidle');
        return false;
      },
      { what: 'the calls on the dashboard chart', timeoutMs: 60_000 },
    );
    await chart.locator('svg').first().waitFor();
    // Top consumers: the consumer system with its four calls (two in the sandbox, two in production), none refused,
    // no error.
    await page.getByRole('row', { name: new RegExp(`${CONSUMER_SYSTEM}.* 4 0 0$`) }).waitFor();
    await checkScreen(page, 'operator-dashboard');

    await menu(page, 'Giao dịch');
    await page.getByRole('heading', { name: 'Giao dịch' }).waitFor();
    await page.getByRole('button', { name: 'Tìm giao dịch' }).click();
    const rows = page.getByRole('row').filter({ hasText: 'POST /hoso' });
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 2, 'the sandbox and production calls are listed');
    await page.getByRole('row').filter({ hasText: 'GET /congdan/{soDinhDanh}' }).first().waitFor();
    await assertVietnamDates(page.getByRole('main'), 'transactions');
    await checkScreen(page, 'operator-transactions');

    await rows.first().getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Giao dịch txn_/ }).waitFor();
    await page.getByText('LGSP chuyển yêu cầu').waitFor();
    await page.getByText('Bên cung cấp trả lời').waitFor();
    const html = await page.content();
    assert.equal(html.includes(REQUEST_MARKER), false, 'no request payload in the detail');
    assert.equal(html.includes(RESPONSE_MARKER), false, 'no response payload in the detail');
    await assertVietnamDates(page.getByRole('main'), 'transaction detail');
    await checkScreen(page, 'operator-transaction-detail');
  });

  test("the provider submits a successor 2.0; the operator publishes it with 1.0's sunset; maintenance announced", async () => {
    await provider.reload();
    await provider
      .getByRole('row', { name: /^1\.0\b/ })
      .getByText('Đã công bố', { exact: true })
      .waitFor();
    await createAndSubmitVersion(provider, '2.0');

    sunset = vietnamIn(200 * DAY);
    await tryAndPublish('2.0', { label: 'Ngày ngừng phiên bản đang chạy 1.0 (giờ Việt Nam)', typed: sunset });

    await menu(operator, 'Bảo trì');
    await operator.getByRole('heading', { name: 'Thông báo bảo trì' }).waitFor();
    const start = vietnamIn(2 * DAY);
    await pickDateTime(operator, 'Bắt đầu', start);
    await pickDateTime(operator, 'Kết thúc', vietnamIn(2 * DAY + 2 * HOUR));
    await operator.getByLabel('Tiêu đề').fill('Bảo trì định kỳ cổng kết nối');
    await operator.getByLabel('Nội dung').fill('Cổng kết nối tạm dừng để nâng cấp.');
    await operator.getByRole('button', { name: 'Đăng thông báo bảo trì' }).click();
    await operator.getByText(`Đã đăng: Bảo trì định kỳ cổng kết nối — ${start}`).waitFor();
    await checkScreen(operator, 'operator-maintenance');

    await menu(operator, 'Thông báo');
    await operator.getByRole('row', { name: /Bảo trì định kỳ cổng kết nối/ }).waitFor();
    await operator.getByRole('row', { name: /Ngừng khuyến nghị dancu 1\.0/ }).waitFor();
    await assertVietnamDates(operator.getByRole('main'), 'notices');
    await checkScreen(operator, 'operator-notices');
  });

  test('the public portal, without sign-in: the service with its rendered API docs, and the notices', async () => {
    const page = await openPage(browser, web.adminUrl);
    page.setDefaultTimeout(60_000);
    await page.goto('/portal');
    await page.getByRole('searchbox', { name: 'Tìm dịch vụ' }).fill('dancu');
    await page.getByRole('searchbox', { name: 'Tìm dịch vụ' }).press('Enter');
    await page.getByRole('link', { name: SERVICE }).click();
    await page.getByRole('heading', { name: SERVICE }).waitFor();
    await page.getByText(PROVIDER.name).first().waitFor();
    await page.getByText('Địa chỉ và giao diện kết nối').first().waitFor();
    await checkScreen(page, 'portal-service');

    await page.getByRole('button', { name: 'Xem tài liệu API' }).first().click();
    await page.getByRole('heading', { name: 'Tài liệu API' }).waitFor();
    await page.locator('.swagger-ui .opblock-summary-method').first().waitFor();
    await page.locator('.swagger-ui').getByText('Tra cứu một công dân theo số định danh').first().waitFor();
    await screenshot(page, 'regulation-portal-api-docs');

    await page.goto('/portal/notices');
    await page.getByRole('heading', { name: 'Thông báo' }).waitFor();
    await page.getByText('Bảo trì định kỳ cổng kết nối').first().waitFor();
    await page.getByRole('link', { name: /Ngừng khuyến nghị dancu 1\.0/ }).waitFor();
    // The sunset is told in Vietnam time, the day and hour the operator picked (not a UTC date a day early).
    await page.getByText(`ngừng hoạt động lúc ${sunset}`).first().waitFor();
    await assertVietnamDates(page.getByRole('main'), 'portal notices');
    await checkScreen(page, 'portal-notices');
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { formatVietnamDateTime, VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import { queryTransactions } from '../src/telemetry/transactions.ts';
import {
  launchBrowser,
  openPage,
  pickOption,
  screenshot,
  seriousA11yViolations,
  signIn,
  tick,
} from './helpers/browser.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { seedProvince } from './helpers/seed.ts';
import { startUpstream } from './helpers/upstream.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Issue 11 item 2, the registry and traffic screens, driven through the UI only as the operator administrator:
 * organizations (create, server search), a system's credentials (rotate: the new secret shown once, then gone from
 * the page), transactions (search, detail without payload), statistics (chart, CSV download), reconciliation (CSV
 * upload), and the audit trail's verify — each main screen accessible (axe-core) and kept as a screenshot.
 */

/** Personal data a call carried (request body) and got back (the test upstream answers a citizen's name). */
const REQUEST_MARKER = 'so-dinh-danh-079203001234';
const RESPONSE_MARKER = 'Nguyễn Văn An';

describe('the console: registry and traffic screens', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  let browser: Browser;
  let page: Page;
  /** The ids of the calls made before the browser opens, newest last. */
  const callIds: string[] = [];

  before(async () => {
    // One free failed sign-in, then an hour's lock: the users screen has a locked user to show and unlock.
    web = await startWebPlatform({ limits: { loginFreeFailures: 1, loginBlockBaseMs: 3_600_000 } });
    upstream = await startUpstream();
    seed = await seedProvince({ ...web.platform, gatewayUrl: web.gatewayUrl }, upstream.url);
    await web.platform.snapshots.refresh();
    // Real calls through the gateway, so transactions, statistics and reconciliation have records to show.
    const token = await getToken(web.gatewayUrl, seed.credential.consumerKey, seed.credential.consumerSecret);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${web.gatewayUrl}/dancu/1.0/hoso`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ soDinhDanh: REQUEST_MARKER }),
      });
      assert.equal(response.status, 200);
      const id = response.headers.get('x-lgsp-transaction-id');
      assert.ok(id, 'the gateway names each exchange');
      callIds.push(id);
      await response.arrayBuffer();
    }
    // And one refused call that names no service (no token, a path no service has): the statistics' unknown row.
    const stray = await fetch(`${web.gatewayUrl}/khongco/1.0/x`);
    assert.ok(stray.status >= 400 && stray.status < 500, `a client error, got ${stray.status}`);
    await stray.arrayBuffer();
    await web.platform.recorder.flush();

    browser = await launchBrowser();
    page = await openPage(browser, web.adminUrl);
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
    await upstream?.close();
  });

  async function accessible(name: string) {
    assert.deepEqual(await seriousA11yViolations(page), [], name);
    await screenshot(page, `registry-${name}`);
  }

  test('organizations: the operator creates one through the form and finds it with the server search', async () => {
    await page.getByRole('link', { name: 'Cơ quan, đơn vị' }).click();
    await page.getByRole('heading', { name: 'Cơ quan, đơn vị' }).waitFor();
    await page.getByRole('cell', { name: 'Công an tỉnh An Giang' }).waitFor();
    await accessible('organizations');

    await page.getByRole('button', { name: 'Thêm cơ quan' }).click();
    const dialog = page.getByRole('dialog', { name: 'Thêm cơ quan' });
    await dialog.getByLabel('Mã định danh điện tử').fill('000.00.25.H01');
    await dialog.getByLabel('Tên cơ quan').fill('Sở Y tế tỉnh An Giang');
    await dialog.getByLabel('Cán bộ đầu mối: họ tên').fill('Phạm Thị Dung');
    // no organization without a contact e-mail — notices and alerts go there; the form says so first.
    await dialog.getByRole('button', { name: 'Lưu' }).click();
    await dialog.getByText('Nhập thư điện tử của cán bộ đầu mối').waitFor();
    await dialog.getByLabel('Thư điện tử').fill('syt@angiang.gov.vn');
    await dialog.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Đã lưu cơ quan').waitFor();

    const search = page.getByRole('searchbox', { name: 'Tìm theo mã định danh, tên' });
    await search.fill('y tế');
    await search.press('Enter');
    await page.getByRole('cell', { name: '000.00.25.H01' }).waitFor();
    await page.getByRole('cell', { name: 'Công an tỉnh An Giang' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('cell', { name: 'Phạm Thị Dung · syt@angiang.gov.vn' }).count(), 1);

    // One made before the rule is flagged, and the filter finds only such organizations.
    await web.platform.registry.createOrganization({ code: '000.00.26.H01', name: 'Sở Nội vụ cũ' }, 'test');
    await search.fill('');
    await search.press('Enter');
    const flag = 'Chưa có e-mail đầu mối: không nhận được thông báo, cảnh báo';
    await page
      .getByRole('row', { name: /Sở Nội vụ cũ/ })
      .getByText(flag)
      .waitFor();
    await page.getByRole('checkbox', { name: 'Chỉ cơ quan chưa có e-mail đầu mối' }).check();
    await page.getByRole('cell', { name: 'Công an tỉnh An Giang' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('row', { name: /Sở Nội vụ cũ/ }).count(), 1);
    await accessible('organizations-without-contact');
    await page.getByRole('checkbox', { name: 'Chỉ cơ quan chưa có e-mail đầu mối' }).uncheck();
  });

  test("a system's credentials: rotate shows the new secret once, it works, and it is gone after closing", async () => {
    await page.getByRole('link', { name: 'Hệ thống thông tin' }).click();
    await page.getByRole('heading', { name: 'Hệ thống thông tin' }).waitFor();
    const search = page.getByRole('searchbox', { name: 'Tìm theo tên hệ thống, mã cơ quan' });
    await search.fill('Hộ tịch');
    await search.press('Enter');
    // The organization by name, its code small beside it (it showed the code alone).
    await page.getByRole('cell', { name: /^Sở Tư pháp tỉnh An Giang\s*000\.00\.12\.H01$/ }).waitFor();
    await accessible('systems');
    await page.getByRole('link', { name: 'Hệ thống Hộ tịch' }).click();
    await page.getByRole('heading', { name: 'Hệ thống: Hệ thống Hộ tịch' }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(seed.credential.consumerKey) });
    await row.waitFor();
    // the connection history's daily rows are Vietnam days; the chart's visible title says so and names it.
    const historyTitle = 'Lưu lượng theo ngày của hệ thống (ngày theo giờ Việt Nam)';
    await page.getByRole('img', { name: historyTitle }).waitFor();
    await page.getByText(historyTitle, { exact: true }).waitFor();
    await accessible('system-detail');

    await row.getByRole('button', { name: 'Đổi khoá' }).click();
    const rotate = page.getByRole('dialog', { name: 'Đổi khoá truy cập' });
    await rotate.getByLabel('Thời gian chồng lấn (giờ)').fill('1');
    await rotate.getByRole('button', { name: 'Đổi khoá' }).click();

    const once = page.getByRole('dialog', { name: 'Khoá mới sau khi đổi' });
    await once.getByText('Chỉ hiện một lần', { exact: false }).first().waitFor();
    const secret = ((await once.getByTestId('secret-once').locator('code').textContent()) ?? '').trim();
    assert.ok(secret.length >= 16, 'the new secret is shown');
    const keyCell = once.getByRole('row').filter({ hasText: 'Consumer key' }).getByRole('cell').last();
    const newKey = ((await keyCell.textContent()) ?? '').trim();
    assert.notEqual(newKey, seed.credential.consumerKey);
    await web.platform.snapshots.refresh();
    // What the screen showed is the real new credential: the gateway gives it a token.
    assert.ok(
      await getToken(web.gatewayUrl, newKey, secret),
      'await getToken(web.gatewayUrl, newKey, secret)',
    );

    await tick(once.getByRole('checkbox', { name: 'Tôi đã lưu khoá bí mật' }));
    await once.getByRole('button', { name: 'Đóng' }).click();
    // Closed, the modal and the secret in it are destroyed: nothing keeps it.
    await page.getByTestId('secret-once').waitFor({ state: 'detached' });
    await page.getByRole('main').getByRole('cell', { name: newKey }).waitFor();
    assert.equal((await page.content()).includes(secret), false, 'the secret is gone from the page');
  });

  test('transactions: search by time and status, open one; its detail shows both legs and no payload', async () => {
    await page.getByRole('link', { name: 'Giao dịch', exact: true }).click();
    await page.getByRole('heading', { name: 'Giao dịch' }).waitFor();
    await page.getByLabel('Trạng thái').click();
    await pickOption(page, 'Thành công (< 400)');
    await page.getByLabel('Loại').click();
    await pickOption(page, 'Gọi dịch vụ');
    await page.getByRole('button', { name: 'Tìm giao dịch' }).click();
    const rows = page.getByRole('row').filter({ hasText: 'POST /hoso' });
    await rows.first().waitFor();
    assert.equal(await rows.count(), 3);
    // The parties by name, the organization code small beside it (it showed the code alone); the service by name
    // beside its context/version; the leg in words, not the API's value.
    const first = rows.first();
    await first.getByRole('cell', { name: /^Hệ thống Hộ tịch\s*000\.00\.12\.H01$/ }).waitFor();
    await first.getByRole('cell', { name: /^CSDL Dân cư tỉnh\s*000\.00\.31\.H01$/ }).waitFor();
    await first.getByRole('cell', { name: /^Tra cứu công dân\s*dancu\/1\.0$/ }).waitFor();
    assert.equal(await first.getByRole('cell', { name: '000.00.12.H01', exact: true }).count(), 0);
    await first.getByRole('cell', { name: 'Đồng bộ', exact: true }).waitFor();
    assert.equal(await first.getByRole('cell', { name: 'sync', exact: true }).count(), 0);
    await accessible('transactions');

    await rows.first().getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Giao dịch txn_/ }).waitFor();
    const shown = (await page.getByRole('heading', { name: /^Giao dịch txn_/ }).textContent()) ?? '';
    assert.ok(
      callIds.some((id) => shown.includes(id)),
      'the detail is of one of the calls made',
    );
    await page.getByText('LGSP chuyển yêu cầu').waitFor();
    await page.getByText('Bên cung cấp trả lời').waitFor();
    await page.getByText('SHA-256 trả lời').waitFor();
    // Sizes read in Vietnamese (web/src/shared/size.ts): "123 byte", never the English "bytes" after a Vietnamese label.
    for (const label of ['Kích thước yêu cầu', 'Kích thước trả lời']) {
      const value = page.locator('th', { hasText: label }).locator('xpath=following-sibling::td[1]');
      assert.match((await value.textContent()) ?? '', /^\d[\d.]* byte( \(\d+(,\d)? [KMG]iB\))?$/, label);
    }
    const html = await page.content();
    assert.equal(html.includes(REQUEST_MARKER), false, 'no request payload');
    assert.equal(html.includes(RESPONSE_MARKER), false, 'no response payload');
    await accessible('transaction-detail');
  });

  test('statistics: a chart by service and the CSV export downloads the same figures', async () => {
    await page.getByRole('link', { name: 'Thống kê' }).click();
    await page.getByRole('heading', { name: 'Thống kê' }).waitFor();
    await page.getByRole('img', { name: /Lượt gọi và lỗi theo Dịch vụ/ }).waitFor();
    await page
      .getByRole('cell', { name: /dancu|Tra cứu công dân/ })
      .first()
      .waitFor();
    // the gateway's own refusals have their column, apart from the service's errors.
    await page.getByRole('columnheader', { name: 'Bị từ chối' }).waitFor();
    // A call that named no service is one row, in the reader's language — not the API's "vi / en" label.
    await page.getByRole('cell', { name: '(không xác định)', exact: true }).waitFor();
    await page.getByText(/\d+ lượt gọi, \d+ bị từ chối, \d+ lỗi/).waitFor();
    // Figures read in Vietnamese: the success rate with a decimal comma ("100,0 %", it read "100.0 %"), the bytes
    // with their unit ("1.280 byte", "1,3 KiB"; it read a bare number).
    const cells = await page
      .getByRole('row', { name: /dancu|Tra cứu công dân/ })
      .first()
      .getByRole('cell')
      .allInnerTexts();
    assert.ok(
      cells.some((c) => /^\d{1,3},\d %$/.test(c)),
      `a success rate with a decimal comma in ${JSON.stringify(cells)}`,
    );
    assert.ok(
      cells.some((c) => /^\d[\d.]* byte$|^\d+(,\d)? [KMG]iB$/.test(c)),
      `a size with its unit in ${JSON.stringify(cells)}`,
    );
    await accessible('statistics');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /Tải CSV/ }).click(),
    ]);
    const path = await download.path();
    const csv = readFileSync(path, 'utf8');
    assert.match(csv, /dancu|Tra cứu công dân/);

    // Service calls only by default; a switch counts the token requests too (their row in the reader's language,
    // not "vi / en" glued) at once, without another "Xem thống kê", and the downloads count as the table shown.
    assert.equal(await page.getByRole('cell', { name: /Cấp token/ }).count(), 0);
    await page
      .getByRole('checkbox', { name: 'Tính cả yêu cầu tới /_lgsp/… (trạng thái, hộp thư)' })
      .waitFor();
    const [asked] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/v1/reports/statistics')),
      page.getByRole('checkbox', { name: 'Tính cả yêu cầu cấp token (/token)' }).check(),
    ]);
    assert.match(asked.url(), /includeTokenRequests=true/);
    await page.getByRole('cell', { name: 'Cấp token (/token)', exact: true }).waitFor();
    assert.match(
      (await page.getByRole('link', { name: /Tải CSV/ }).getAttribute('href')) ?? '',
      /includeTokenRequests=true/,
    );
    assert.doesNotMatch(
      (await page.getByRole('link', { name: /Tải CSV/ }).getAttribute('href')) ?? '',
      /includePlatformCalls/,
    );
  });

  test('reconciliation: an uploaded CSV is matched against the records (matched, only theirs)', async () => {
    await page.getByRole('link', { name: 'Đối soát' }).click();
    await page.getByRole('heading', { name: 'Đối soát giao dịch' }).waitFor();
    await page.getByLabel('Hệ thống đối soát').click();
    await page.getByLabel('Hệ thống đối soát').fill('Hộ tịch');
    await pickOption(page, /Hệ thống Hộ tịch/);
    await page.getByLabel('Phía').click();
    await pickOption(page, 'Bên khai thác');
    const file = [
      'ma_giao_dich,trang_thai',
      `${callIds[0]},200`,
      `${callIds[1]},200`,
      'txn_khong_co_o_lgsp,200',
      // A thousand more only theirs: the figure reads 1.001, Vietnamese digit grouping (1,001 would be 1 point 001).
      ...Array.from({ length: 1000 }, (_, i) => `txn_khong_co_o_lgsp_${i},200`),
      '',
    ];
    // What the upload takes is said beside it, the API's own limit (64 MiB, 1,000,000 lines), and the picker filters.
    assert.equal(await page.locator('input[type=file]').getAttribute('accept'), '.csv,text/csv');
    await page
      .getByText('Nhận: tệp CSV (.csv), UTF-8, dòng đầu là tên cột; tối đa 64 MiB và 1.000.000 dòng.')
      .waitFor();
    await page.locator('input[type=file]').setInputFiles({
      name: 'giao-dich.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(file.join('\n')),
    });
    // The chosen file goes as it is, multipart/form-data (issue 11), not as a string inside JSON.
    const [upload] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/v1/reconciliations') && r.method() === 'POST'),
      page.getByRole('button', { name: 'Đối soát', exact: true }).click(),
    ]);
    assert.match((await upload.allHeaders())['content-type'] ?? '', /^multipart\/form-data; boundary=/);
    await page.getByText('Đã đối soát').waitFor();
    const figure = async (title: string) => {
      const statistic = page.locator('.ant-statistic').filter({ hasText: title });
      return ((await statistic.locator('.ant-statistic-content').textContent()) ?? '').trim();
    };
    assert.equal(await figure('Khớp'), '2');
    // Only ours: the third call (the /token requests are their own kind, left out unless asked for).
    assert.equal(await figure('Chỉ có ở LGSP'), '1');
    await page.getByRole('tab', { name: /^Chỉ có ở LGSP/ }).click();
    await page.getByRole('cell', { name: callIds[2] }).waitFor();
    // The side is named in Vietnamese, not the API's value.
    const ours = page.getByRole('row').filter({ hasText: callIds[2] });
    await ours.getByRole('cell', { name: 'Bên khai thác', exact: true }).waitFor();
    assert.equal(await ours.getByRole('cell', { name: 'consumer', exact: true }).count(), 0);
    assert.equal(await figure('Chỉ có ở bên đối soát'), '1.001');
    await accessible('reconciliation');

    // A switch reconciles the system's /token requests too: the same file, now the token request is only ours,
    // named as one (its service in the reader's language), and the differences downloaded are the ones shown.
    const tokenRequests = (
      await queryTransactions(web.platform.store, {
        consumerSystemId: seed.consumerSystem.id,
        kind: 'token_request',
      })
    ).items;
    assert.ok(tokenRequests.length > 0, 'the calls above asked for a token');
    await page.getByText('Phạm vi đối soát: lời gọi dịch vụ', { exact: true }).waitFor();
    // Ticked under a result, it reconciles again at once: the result never says one scope while the box says another.
    await page.getByRole('checkbox', { name: 'Đối soát cả yêu cầu cấp token (/token)' }).check();
    await page.getByText('Phạm vi đối soát: lời gọi dịch vụ và yêu cầu cấp token (/token)').waitFor();
    assert.equal(await figure('Chỉ có ở LGSP'), String(1 + tokenRequests.length));
    await page.getByRole('tab', { name: /^Chỉ có ở LGSP/ }).click();
    const token = page.getByRole('row').filter({ hasText: tokenRequests[0]!.id });
    await token.getByRole('cell', { name: 'Cấp token (/token)', exact: true }).waitFor();
    const [again, saved] = await Promise.all([
      page.waitForRequest((r) => r.url().includes('/api/v1/reconciliations') && r.method() === 'POST'),
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tải chênh lệch (CSV)' }).click(),
    ]);
    assert.match(again.url(), /format=csv/);
    assert.match(again.url(), /includeTokenRequests=true/);
    assert.match(readFileSync(await saved.path(), 'utf8'), new RegExp(tokenRequests[0]!.id));

    // A call whose status the party wrote differently: the row names its service (`context/version`), as the
    // other tables do — an id alone said nothing of what was called.
    // Another file chosen, then the switch unticked: that runs the form as it stands, the new file with it.
    await page.locator('input[type=file]').setInputFiles({
      name: 'lech-trang-thai.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`ma_giao_dich,trang_thai\n${callIds[0]},500\n`),
    });
    await page.getByRole('checkbox', { name: 'Đối soát cả yêu cầu cấp token (/token)' }).uncheck();
    await page.getByText('Phạm vi đối soát: lời gọi dịch vụ', { exact: true }).waitFor();
    assert.equal(await figure('Lệch trạng thái'), '1');
    await page.getByRole('tab', { name: /^Lệch trạng thái/ }).click();
    const differs = page.getByRole('row').filter({ hasText: callIds[0]! });
    await differs.getByRole('cell', { name: /^[a-z0-9-]+\/[0-9.]+$/ }).waitFor();
  });

  test('audit trail: the verify button checks the hash chain and says it is intact', async () => {
    await page.getByRole('link', { name: 'Nhật ký kiểm tra' }).click();
    await page.getByRole('heading', { name: 'Nhật ký kiểm tra' }).waitFor();
    // The action in words with its code beside it (the filter takes the code): it showed the code alone.
    await page
      .getByRole('cell', { name: /^Tạo · Cơ quan\s*organization\.create$/ })
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Kiểm tra chuỗi nhật ký' }).click();
    await page.getByText(/Chuỗi nhật ký nguyên vẹn: \d+ sự kiện đã kiểm/).waitFor();
    await accessible('audit');

    // Filtered on the server by action: only the rotation made in the credentials test.
    await page.getByLabel('Hành động').fill('credential.rotate');
    await page.getByRole('button', { name: 'Lọc' }).click();
    await page.getByRole('cell', { name: 'organization.create' }).first().waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('cell', { name: 'credential.rotate' }).count(), 1);
    await page.getByRole('cell', { name: /^Đổi khoá · Khoá truy cập\s*credential\.rotate$/ }).waitFor();
    // Who did it reads as the username, not the user id; the id stays in the tooltip (and the filter takes it).
    const row = page.getByRole('row').filter({ hasText: 'credential.rotate' });
    await row.getByRole('cell', { name: 'admin', exact: true }).waitFor();
    assert.equal(await row.getByText(/usr_/).count(), 0);
    await row.getByText('admin', { exact: true }).hover();
    await page.getByRole('tooltip').getByText(/^usr_/).waitFor();
  });

  test('users: the unlock button only on a locked user, with until when it is locked (Vietnam time)', async () => {
    const login = (username: string, password: string) =>
      fetch(`${web.adminUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
    const signedIn = await login('admin', WEB_ADMIN_PASSWORD);
    assert.equal(signedIn.status, 200);
    const { token } = (await signedIn.json()) as { token: string };
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${web.adminUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    for (const username of ['kiemtoan.khoa', 'kiemtoan.sai']) {
      const created = await admin('POST', '/api/v1/users', {
        username,
        displayName: `Kiểm toán ${username}`,
        password: 'mat-khau-kiem-toan-1',
        role: 'auditor',
      });
      assert.equal(created.status, 201, await created.text());
    }
    // Failed sign-ins through the API: two lock the first user (one is free), one only counts for the second.
    assert.equal((await login('kiemtoan.khoa', 'sai-mat-khau')).status, 401);
    assert.equal((await login('kiemtoan.khoa', 'sai-mat-khau')).status, 401);
    assert.equal((await login('kiemtoan.khoa', 'mat-khau-kiem-toan-1')).status, 429, 'locked');
    assert.equal((await login('kiemtoan.sai', 'sai-mat-khau')).status, 401);
    const listed = (await (await admin('GET', '/api/v1/users?q=kiemtoan')).json()) as {
      items: Array<{
        username: string;
        lockedUntil: string | null;
        failedSignIns: number;
        mustChangePassword: boolean;
      }>;
    };
    const locked = listed.items.find((u) => u.username === 'kiemtoan.khoa');
    // Both were created with a password the operator chose: temporary until they change it (§2.11).
    assert.deepEqual(
      listed.items.map((u) => [u.username, u.mustChangePassword]),
      [
        ['kiemtoan.khoa', true],
        ['kiemtoan.sai', true],
      ],
    );
    assert.ok(locked?.lockedUntil, 'the list answers the lock');
    assert.equal(locked.failedSignIns, 2);
    assert.deepEqual(
      listed.items.find((u) => u.username === 'kiemtoan.sai'),
      { ...listed.items.find((u) => u.username === 'kiemtoan.sai'), lockedUntil: null, failedSignIns: 1 },
    );

    await page.getByRole('navigation').getByRole('link', { name: 'Người dùng', exact: true }).click();
    await page.getByRole('heading', { name: 'Người dùng' }).waitFor();
    const row = (username: string) => page.getByRole('row').filter({ hasText: username });
    await row('kiemtoan.khoa').waitFor();
    // The pager's total says what it counts (it showed a bare "3").
    await page.getByText('Tổng 3', { exact: true }).waitFor();
    const until = formatVietnamDateTime(locked.lockedUntil, VIETNAM_OFFSET_MINUTES);
    assert.match(until, /^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/);
    await row('kiemtoan.khoa').getByText(`Bị khoá tới ${until}`, { exact: true }).waitFor();
    await row('kiemtoan.sai').getByText('1 lần đăng nhập sai gần đây', { exact: true }).waitFor();
    // The temporary password beside the lock, in the same sign-in column; not on admin, who chose theirs.
    for (const username of ['kiemtoan.khoa', 'kiemtoan.sai']) {
      await row(username).getByText('Mật khẩu tạm, chưa đổi', { exact: true }).waitFor();
    }
    assert.equal(await page.getByText('Mật khẩu tạm, chưa đổi', { exact: true }).count(), 2);
    const unlockButtons = page.getByRole('button', { name: 'Mở khoá đăng nhập' });
    assert.equal(await unlockButtons.count(), 1, 'one locked user, one unlock button');
    assert.equal(await row('kiemtoan.khoa').getByRole('button', { name: 'Mở khoá đăng nhập' }).count(), 1);
    assert.equal(await row('kiemtoan.sai').getByRole('button', { name: 'Mở khoá đăng nhập' }).count(), 0);
    // Both still have the other action.
    assert.equal(await row('kiemtoan.sai').getByRole('button', { name: 'Đặt lại mật khẩu' }).count(), 1);
    await accessible('users-locked');

    await row('kiemtoan.khoa').getByRole('button', { name: 'Mở khoá đăng nhập' }).click();
    const dialog = page.getByRole('dialog', { name: 'Mở khoá đăng nhập: kiemtoan.khoa' });
    await dialog.getByRole('button', { name: 'Mở khoá' }).click();
    await page.getByText('Đã mở khoá đăng nhập').waitFor();
    // The list is read again: no lock, no button.
    await row('kiemtoan.khoa')
      .getByText(/^Bị khoá tới/)
      .waitFor({ state: 'detached' });
    await unlockButtons.first().waitFor({ state: 'detached' });
    assert.equal((await login('kiemtoan.khoa', 'mat-khau-kiem-toan-1')).status, 200, 'unlocked');

    // Locked again: in English the state reads in English, the same Vietnam time.
    assert.equal((await login('kiemtoan.khoa', 'sai-mat-khau')).status, 401);
    assert.equal((await login('kiemtoan.khoa', 'sai-mat-khau')).status, 401);
    const again = (await (await admin('GET', '/api/v1/users?q=kiemtoan.khoa')).json()) as {
      items: Array<{ lockedUntil: string | null }>;
    };
    const againUntil = formatVietnamDateTime(again.items[0]!.lockedUntil!, VIETNAM_OFFSET_MINUTES);
    // kiemtoan.sai changes the temporary password: the list no longer calls it temporary.
    const sai = await login('kiemtoan.sai', 'mat-khau-kiem-toan-1');
    assert.equal(sai.status, 200);
    const changed = await fetch(`${web.adminUrl}/api/v1/auth/password`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${((await sai.json()) as { token: string }).token}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        currentPassword: 'mat-khau-kiem-toan-1',
        newPassword: 'mat-khau-rieng-cua-sai',
      }),
    });
    assert.equal(changed.status, 200, await changed.text());
    await page.reload();
    await page.getByRole('heading', { name: 'Người dùng' }).waitFor();
    await page.getByText('EN', { exact: true }).click();
    try {
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      await row('kiemtoan.khoa').getByText(`Locked until ${againUntil}`, { exact: true }).waitFor();
      await row('kiemtoan.khoa').getByRole('button', { name: 'Unlock sign-in' }).waitFor();
      await row('kiemtoan.khoa').getByText('Temporary password, not changed yet', { exact: true }).waitFor();
      assert.equal(
        await row('kiemtoan.sai')
          .getByText(/Temporary password/)
          .count(),
        0,
        'changed: no longer temporary',
      );
    } finally {
      await page.getByText('VI', { exact: true }).click();
      await page.getByRole('heading', { name: 'Người dùng' }).waitFor();
    }
  });

  test('sign-in history: the operator reads who signed in, how, from where and what was refused; never a password', async () => {
    // The users test above made them: API sign-ins that failed, a lock, successes; the browser's own console one.
    // And three made-up names from this one address: folded into one row that counts them (security.md §2.14).
    for (const name of ['ten-bia-1', 'ten-bia-2', 'ten-bia-3']) {
      const res = await fetch(`${web.adminUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: name, password: 'mat-khau-bia' }),
      });
      assert.equal(res.status, 401);
    }
    await page.getByRole('navigation').getByRole('link', { name: 'Người dùng', exact: true }).click();
    await page.getByRole('heading', { name: 'Người dùng' }).waitFor();
    await page.getByRole('tab', { name: 'Lịch sử đăng nhập' }).click();
    const row = (text: string | RegExp) => page.getByRole('row').filter({ hasText: text });
    await row('kiemtoan.khoa').first().waitFor();
    const locked = row('kiemtoan.khoa').filter({ hasText: 'Đang bị khoá' });
    assert.ok((await locked.count()) >= 1, 'the refused attempt while locked');
    await locked.first().getByText('Mật khẩu (API, CLI)', { exact: true }).waitFor();
    await row('kiemtoan.khoa').filter({ hasText: 'Sai mật khẩu' }).first().waitFor();
    // The browser's own sign-in: the console, a success, its time in Vietnam time and its address.
    const own = row('admin').filter({ hasText: 'Bảng điều khiển' }).first();
    await own.getByText('Thành công', { exact: true }).waitFor();
    await own.getByText(/^\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}$/).waitFor();
    await own.getByText('127.0.0.1', { exact: true }).waitFor();
    const folded = row('Không có tài khoản').filter({ hasText: 'gộp trong giờ' });
    assert.equal(await folded.count(), 1, 'the made-up names are one row');
    await folded.getByText('3 lần', { exact: true }).waitFor();
    await folded.getByText('127.0.0.1', { exact: true }).waitFor();
    const html = await page.content();
    for (const secret of [
      'sai-mat-khau',
      'mat-khau-kiem-toan-1',
      WEB_ADMIN_PASSWORD,
      'ten-bia',
      'mat-khau-bia',
    ]) {
      assert.equal(html.includes(secret), false, `no password on the page: ${secret}`);
    }
    await accessible('users-sign-ins');

    // Filtered by outcome: only the locked attempts remain.
    await page.getByLabel('Kết quả').click();
    await pickOption(page, 'Đang bị khoá');
    await page.getByRole('button', { name: 'Lọc', exact: true }).click();
    await row('Thành công').first().waitFor({ state: 'detached' });
    // The accounts tab stays in the page, hidden: read the history's own panel.
    const outcomes = await page
      .getByRole('tabpanel', { name: 'Lịch sử đăng nhập' })
      .locator('tbody tr')
      .allTextContents();
    assert.ok(outcomes.length >= 1, 'the locked attempts');
    assert.ok(
      outcomes.every((text) => text.includes('Đang bị khoá')),
      `only locked attempts: ${outcomes.join(' | ')}`,
    );

    // Each person sees their own last sign-ins on the change-password page.
    await page.goto('/password');
    await page.getByRole('heading', { name: 'Các lần đăng nhập gần đây của bạn' }).waitFor();
    await row('Bảng điều khiển').first().getByText('Thành công', { exact: true }).waitFor();
    assert.equal(await row('kiemtoan.khoa').count(), 0, 'only their own');
    await accessible('my-sign-ins');
  });

  test('the other registry screens list what was seeded, accessible', async () => {
    const screens: Array<[menu: string, heading: string, shows: string | RegExp, name: string]> = [
      ['Dịch vụ', 'Dịch vụ chia sẻ dữ liệu', 'Tra cứu mã số thuế', 'services'],
      ['Đăng ký khai thác', 'Đăng ký khai thác', 'dancu/1.0', 'subscriptions'],
      ['Khoá truy cập', 'Khoá truy cập', seed.credential.consumerKey, 'credentials'],
      ['Người dùng', 'Người dùng', 'admin', 'users'],
      ['Webhook', 'Webhook', 'notice.deprecation', 'webhooks'],
      [
        'Hệ thống đã kết nối',
        'Hệ thống đã kết nối',
        /^Sở Tư pháp tỉnh An Giang\s*000\.00\.12\.H01$/,
        'connected-systems',
      ],
      ['Sao lưu', 'Sao lưu và tình trạng nền tảng', 'Sao lưu tự động đang tắt', 'backup'],
    ];
    for (const [menu, heading, shows, name] of screens) {
      await page.getByRole('navigation').getByRole('link', { name: menu, exact: true }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
      await page.getByRole('main').getByText(shows).first().waitFor();
      await accessible(name);
    }

    // A service's versions walk the state machine: the published one shows its steps up to "Đã công bố".
    await page.getByRole('navigation').getByRole('link', { name: 'Dịch vụ', exact: true }).click();
    await page.getByRole('link', { name: 'Tra cứu công dân' }).click();
    await page.getByRole('heading', { name: 'Dịch vụ: Tra cứu công dân' }).waitFor();
    await page.getByText('Đang thử nghiệm').first().waitFor();
    await page.getByText('Sắp ngừng').first().waitFor();
    await accessible('service-detail');
  });
});

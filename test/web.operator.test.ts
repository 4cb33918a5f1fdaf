import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from '../src/cli/client.ts';
import { VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import {
  launchBrowser,
  openPage,
  pickDateTime,
  screenshot,
  seriousA11yViolations,
  vietnamIn,
} from './helpers/browser.ts';
import { getToken } from './helpers/gateway-harness.ts';
import { OPENAPI_DOC } from './helpers/onboard.ts';
import { seedProvince } from './helpers/seed.ts';
import { startUpstream } from './helpers/upstream.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Issue 11 item 2, the operator's console in Chromium, through the UI only: the dashboard with its chart and the
 * requests waiting for review, the connection request approved and its Word letter downloaded, a submitted version
 * tried in the sandbox and published at once with its predecessor's sunset, a subscription request approved,
 * maintenance announced (a too-short notice refused with the API's reason), an alert resolved. The data is seeded
 * through the platform's own services and admin API, as an agency would have filed it.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('operator console: dashboard, review queues, try-it and publish, maintenance, alerts', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let browser: Browser;
  let page: Page;
  let api: ApiClient;
  let seeded: Awaited<ReturnType<typeof seedProvince>>;
  let successorId: string;
  let subscriptionRequestId: string;
  let connectionRequestId: string;

  before(async () => {
    web = await startWebPlatform();
    upstream = await startUpstream();
    const { platform } = web;
    seeded = await seedProvince(
      {
        registry: platform.registry,
        lifecycle: platform.lifecycle,
        gatewayUrl: web.gatewayUrl,
        recorder: platform.recorder,
        snapshots: platform.snapshots,
      },
      upstream.url,
    );
    const session = await new ApiClient(web.adminUrl, null).call('login', {
      body: { username: 'admin', password: WEB_ADMIN_PASSWORD },
    });
    api = new ApiClient(web.adminUrl, session.token);

    // A successor of the published citizen lookup, submitted by its provider with its OpenAPI document.
    const v2 = await platform.registry.createVersion(
      seeded.dancu.id,
      {
        version: '2.0',
        upstreams: { sandbox: `${upstream.url}/sandbox/dancu`, production: `${upstream.url}/api/dancu` },
        resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}' }],
      },
      'test',
    );
    await api.call('submitVersion', {
      params: { id: v2.id },
      body: { technicalDocument: OPENAPI_DOC, documentType: 'openapi' },
    });
    successorId = v2.id;

    const connection = await api.call('createConnectionRequest', {
      body: {
        organizationId: seeded.consumer.id,
        systemName: 'Hệ thống Một cửa điện tử',
        isConsumer: true,
        purpose: 'Tra cứu thông tin công dân khi tiếp nhận hồ sơ',
        scopeOfUse: 'Bộ phận một cửa của Sở',
        contact: {
          name: 'Lê Văn Cường',
          title: 'Chuyên viên',
          phone: '0296 3852 111',
          email: 'stp@angiang.gov.vn',
        },
        letterNumber: '123/STP-VP',
      },
    });
    connectionRequestId = connection.id;

    const subscriptionRequest = await api.call('createSubscriptionRequest', {
      body: {
        systemId: seeded.consumerSystem.id,
        versionId: seeded.thueV1.id,
        application: 'Phần mềm hộ tịch',
        purpose: 'Đối chiếu mã số thuế khi đăng ký hộ tịch',
        frequencyPerDay: 500,
      },
    });
    subscriptionRequestId = subscriptionRequest.id;
    // Filed on a Saturday at noon, Vietnam time, three weeks ago or more: past the 2-working-day deadline whatever
    // the holidays (Decree 194/2025), and a deadline that starts on a day off ends at midnight, which reads
    // "hết ngày …". Filed on a working day, it would end at the hour it was filed — and the dashboard's line below
    // would depend on the weekday the test runs.
    const vietnamToday = new Date(Date.now() + VIETNAM_OFFSET_MINUTES * 60_000 - 21 * 86_400_000);
    const backToSaturday = (vietnamToday.getUTCDay() + 1) % 7;
    const longAgo = new Date(
      Date.UTC(
        vietnamToday.getUTCFullYear(),
        vietnamToday.getUTCMonth(),
        vietnamToday.getUTCDate() - backToSaturday,
        12,
      ) -
        VIETNAM_OFFSET_MINUTES * 60_000,
    );
    await platform.store.db
      .updateTable('subscription_requests')
      .set({ submitted_at: longAgo, stage_started_at: longAgo })
      .where('id', '=', subscriptionRequest.id)
      .execute();

    await platform.alerts.raise({
      kind: 'upstream.down',
      key: 'upstream.down:test',
      severity: 'critical',
      subject: 'Dịch vụ nguồn không trả lời / upstream down',
      text: 'Kiểm thử / test',
      details: {},
    });

    browser = await launchBrowser();
    page = await openPage(browser, web.adminUrl);
    await page.goto('/');
    await page.getByLabel('Tên đăng nhập').fill('admin');
    await page.getByLabel('Mật khẩu').fill(WEB_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
  });

  after(async () => {
    await browser?.close();
    await upstream?.close();
    await web?.stop();
  });

  test('the dashboard is home: traffic chart, open alerts, and the requests waiting for review with overdue in red', async () => {
    await page.getByRole('heading', { name: 'Tổng quan' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/home$/);
    await page.locator('[data-testid="traffic-chart"] svg').first().waitFor();
    const review = page.getByRole('region', { name: 'Yêu cầu chờ xét duyệt' });
    await review.getByText('Hệ thống Một cửa điện tử').waitFor();
    await review
      .getByText(/^Quá hạn · hết ngày \d{2}\/\d{2}\/\d{4}$/)
      .first()
      .waitFor();
    await page.getByRole('region', { name: 'Cảnh báo đang mở' }).getByText('Nghiêm trọng').first().waitFor();
    for (const period of ['7 ngày', '30 ngày', '24 giờ']) {
      await page.getByText(period, { exact: true }).click();
      await page.locator('[data-testid="traffic-chart"] svg').first().waitFor();
    }
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-dashboard');
    // Shown, the dashboard asks again only when told: `t` changed at every render, so the effect that loads it ran
    // after each answer, without end (≈ 90 GET /api/v1/dashboard in 5 s, each one several statistics queries).
    let asked = 0;
    const count = (r: { url: () => string }) => {
      if (new URL(r.url()).pathname === '/api/v1/dashboard') asked += 1;
    };
    page.on('request', count);
    await page.waitForTimeout(3_000);
    page.off('request', count);
    assert.equal(asked, 0, 'no dashboard request while the screen just shows it');
  });

  test('a connection request: the Appendix fields, the .docx letter downloaded, approved', async () => {
    await page.getByRole('link', { name: 'Đề nghị kết nối' }).click();
    await page.getByRole('heading', { name: 'Đề nghị kết nối' }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-connection-requests');
    await page.getByRole('link', { name: 'Hệ thống Một cửa điện tử' }).click();
    await page.getByText('Tra cứu thông tin công dân khi tiếp nhận hồ sơ').waitFor();
    await page.getByText('123/STP-VP').waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tải công văn (.docx)' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.docx$/);
    const letter = readFileSync(await download.path());
    assert.equal(letter.subarray(0, 2).toString('latin1'), 'PK', 'a .docx is a zip file');

    await page.getByRole('button', { name: 'Phê duyệt' }).click();
    const dialog = page.getByRole('dialog', { name: 'Phê duyệt đề nghị kết nối' });
    await dialog.getByLabel('Ghi chú phê duyệt (không bắt buộc)').fill('Đủ hồ sơ theo Phụ lục');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-connection-request-approve');
    await dialog.getByRole('button', { name: 'Phê duyệt' }).click();
    await page.getByText('Đã phê duyệt', { exact: true }).first().waitFor();
    const approved = await api.call('getConnectionRequest', { params: { id: connectionRequestId } });
    assert.equal(approved.status, 'approved');
    assert.equal(approved.decisionReason, 'Đủ hồ sơ theo Phụ lục');
    assert.ok(approved.systemId, 'approval created the system');
  });

  test('a submitted version: R-11 and its operations, sandbox test, try-it, published at once with the sunset picked in Vietnam time', async () => {
    await page.getByRole('link', { name: 'Dịch vụ chờ công bố' }).click();
    await page.getByRole('link', { name: 'dancu / 2.0' }).click();
    await page.getByText('Tiêu chuẩn kết nối, truyền thông').waitFor();
    await page.getByText('/congdan/{soDinhDanh}').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-submission');

    await page.getByRole('button', { name: 'Bắt đầu thử nghiệm sandbox' }).click();
    await page.getByText('Đang thử nghiệm', { exact: true }).waitFor();
    await page.getByLabel('Đường dẫn (sau /ngữ-cảnh/phiên-bản)').fill('/congdan/001099012345');
    await page.getByRole('button', { name: 'Gọi thử' }).click();
    const result = page.getByRole('region', { name: 'Kết quả gọi thử' });
    await result.getByText('HTTP 200').waitFor();
    await result.getByText('Nguyễn Văn An').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-try-it');

    // Publishing right after the try: its record is durable when the try answers (no 409 while it is flushed).
    const sunset = vietnamIn(200 * DAY);
    await page.getByRole('button', { name: 'Công bố' }).click();
    const dialog = page.getByRole('dialog');
    await pickDateTime(page, 'Ngày ngừng phiên bản đang chạy 1.0 (giờ Việt Nam)', sunset.typed);
    await dialog.getByRole('button', { name: 'Công bố' }).click();
    await page.getByText('Đã công bố phiên bản').waitFor();
    await page.getByText('Đã công bố', { exact: true }).first().waitFor();
    const published = await api.call('getVersion', { params: { id: successorId } });
    assert.equal(published.status, 'published');
    const predecessor = await api.call('getVersion', { params: { id: seeded.v1.id } });
    assert.equal(predecessor.status, 'deprecated');
    assert.equal(
      predecessor.sunsetAt,
      sunset.iso,
      'the date picked is Vietnam time, whatever the browser zone',
    );
  });

  test('a subscription request: its deadline overdue in red, sandbox approved; proposed changes and lifecycle render', async () => {
    await page.getByRole('link', { name: 'Đề nghị khai thác' }).click();
    await page.getByRole('heading', { name: 'Đề nghị khai thác dịch vụ' }).waitFor();
    const row = page.getByRole('row', { name: /Sở Tư pháp tỉnh An Giang/ });
    await row.getByText('Quá hạn').waitFor();
    // The service version reads as the agency screens read it: its name with the version, the path small beside it.
    const service = row.getByRole('cell', { name: 'Tra cứu mã số thuế 1.0 thue/1.0' });
    await service.getByText('thue/1.0', { exact: true }).waitFor();
    assert.equal(
      await service.textContent(),
      'Tra cứu mã số thuế 1.0 thue/1.0',
      'no hand-written "Name (path)"',
    );
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-subscription-requests');
    await row.getByRole('button', { name: 'Cấp sandbox' }).click();
    await page.getByRole('button', { name: 'Cấp quyền' }).click();
    await page.getByText('Đã cấp quyền khai thác sandbox').waitFor();
    const approved = await api.call('getSubscriptionRequest', { params: { id: subscriptionRequestId } });
    assert.equal(approved.status, 'sandbox_approved');

    await page.getByRole('link', { name: 'Đề nghị thay đổi' }).click();
    await page.getByRole('heading', { name: 'Đề nghị thay đổi phiên bản' }).waitFor();
    await page.getByText('Không có đề nghị nào').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-version-changes');
  });

  test('lifecycle: the deprecation report of the replaced version; decommissioning refused under 60 days, then announced', async () => {
    // One production call of the replaced version, so its report has a consumer to name.
    await web.platform.snapshots.refresh();
    const token = await getToken(
      web.gatewayUrl,
      seeded.credential.consumerKey,
      seeded.credential.consumerSecret,
    );
    const call = await fetch(`${web.gatewayUrl}/dancu/1.0/hoso`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(call.status, 200);
    await call.arrayBuffer();
    await web.platform.recorder.flush();
    await page.getByRole('link', { name: 'Vòng đời' }).click();
    const row = page.getByRole('row', { name: /dancu\/1\.0/ });
    await row.getByRole('button', { name: 'Bên khai thác còn gọi' }).click();
    const report = page.getByRole('dialog', { name: 'Bên khai thác dancu/1.0' });
    await report.getByRole('columnheader', { name: 'Lần gọi cuối' }).waitFor();
    // The consumer's call made above: the system by name, not its sys_… id, and the environment in words.
    const caller = report.getByRole('row').filter({ hasText: 'Hệ thống Hộ tịch' }).first();
    await caller.waitFor();
    await caller.getByRole('cell', { name: 'Chính thức', exact: true }).waitFor();
    assert.equal(await report.getByText(/sys_/).count(), 0);
    assert.equal(await report.getByRole('cell', { name: 'production', exact: true }).count(), 0);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-lifecycle');
    await report.getByRole('button', { name: /close|đóng/i }).click();

    await page.getByRole('tab', { name: 'Ngừng dịch vụ' }).click();
    await page
      .getByRole('row', { name: /Tra cứu mã số thuế/ })
      .getByRole('button', { name: 'Ngừng dịch vụ' })
      .click();
    const dialog = page.getByRole('dialog', { name: 'Ngừng dịch vụ Tra cứu mã số thuế' });
    await pickDateTime(page, 'Ngày ngừng (giờ Việt Nam)', vietnamIn(30 * DAY).typed);
    await dialog.getByLabel('Lý do').fill('Hợp nhất vào dịch vụ thuế quốc gia');
    await dialog.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    await dialog.getByRole('alert').filter({ hasText: /60/ }).waitFor();
    const stop = vietnamIn(90 * DAY);
    await pickDateTime(page, 'Ngày ngừng (giờ Việt Nam)', stop.typed);
    await dialog.getByRole('button', { name: 'Ngừng dịch vụ' }).click();
    await page.getByText('Đã thông báo ngừng dịch vụ').waitFor();
    await page.getByText(`Sẽ ngừng ${stop.typed}`).waitFor();
    const service = await api.call('getService', { params: { id: seeded.thue.id } });
    assert.equal(service.decommissionAt, stop.iso);

    // Scheduled by mistake: cancelled before its date, after a confirmation; the service carries on.
    const thueRow = page.getByRole('row', { name: /Tra cứu mã số thuế/ });
    await thueRow.getByRole('button', { name: 'Huỷ lịch ngừng' }).click();
    const confirm = page.getByRole('dialog', { name: 'Huỷ lịch ngừng dịch vụ Tra cứu mã số thuế' });
    await confirm.getByText(`Dịch vụ sẽ tiếp tục được cung cấp sau ${stop.typed}`).waitFor();
    await confirm
      .getByLabel('Lý do huỷ (không bắt buộc, được đăng công khai)')
      .fill('Chưa đủ điều kiện hợp nhất');
    await confirm.getByRole('button', { name: 'Huỷ lịch ngừng' }).click();
    await page.getByText('Đã huỷ lịch ngừng dịch vụ').waitFor();
    await thueRow.getByRole('button', { name: 'Ngừng dịch vụ' }).waitFor();
    assert.equal((await api.call('getService', { params: { id: seeded.thue.id } })).decommissionAt, null);
    const cancelled = await api.call('listNotices', {
      query: { kind: 'decommission_cancelled', serviceId: seeded.thue.id },
    });
    assert.match(cancelled.items[0]?.body ?? '', /Lý do: Chưa đủ điều kiện hợp nhất/);
  });

  test('maintenance: a start inside the minimum notice is refused with its reason; two days ahead is announced and listed', async () => {
    await page.getByRole('link', { name: 'Bảo trì' }).click();
    await page.getByRole('heading', { name: 'Thông báo bảo trì' }).waitFor();
    await pickDateTime(page, 'Bắt đầu', vietnamIn(2 * HOUR).typed);
    await pickDateTime(page, 'Kết thúc', vietnamIn(3 * HOUR).typed);
    await page.getByLabel('Tiêu đề').fill('Bảo trì định kỳ cổng kết nối');
    await page.getByLabel('Nội dung').fill('Cổng kết nối tạm dừng để nâng cấp.');
    await page.getByRole('button', { name: 'Đăng thông báo bảo trì' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /báo trước|notice/i })
      .waitFor();

    const start = vietnamIn(2 * DAY);
    await pickDateTime(page, 'Bắt đầu', start.typed);
    await pickDateTime(page, 'Kết thúc', vietnamIn(2 * DAY + 2 * HOUR).typed);
    await page.getByRole('button', { name: 'Đăng thông báo bảo trì' }).click();
    await page.getByText(`Đã đăng: Bảo trì định kỳ cổng kết nối — ${start.typed}`).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-maintenance');

    await page.getByRole('link', { name: 'Thông báo', exact: true }).click();
    await page.getByRole('row', { name: /Bảo trì định kỳ cổng kết nối/ }).waitFor();
    await page
      .getByRole('row', { name: /Ngừng phiên bản/ })
      .first()
      .waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-notices');

    // Announced by mistake: cancelled from the notices, after a confirmation; the notice stays, marked.
    const window = page.getByRole('row', { name: /Bảo trì định kỳ cổng kết nối/ });
    await window.getByRole('button', { name: 'Huỷ lịch bảo trì' }).click();
    const confirm = page.getByRole('dialog', { name: 'Huỷ lịch bảo trì: Bảo trì định kỳ cổng kết nối' });
    await confirm.getByText(/cổng kết nối phục vụ bình thường ngay/).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-maintenance-cancel');
    await confirm.getByRole('button', { name: 'Huỷ lịch bảo trì' }).click();
    await page.getByText('Đã huỷ lịch bảo trì').waitFor();
    await page
      .getByRole('row', { name: /Huỷ bảo trì.*Huỷ lịch bảo trì: Bảo trì định kỳ cổng kết nối/ })
      .waitFor();
    await page
      .getByRole('row', { name: /Đã huỷ.*Bảo trì định kỳ cổng kết nối/ })
      .first()
      .waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Huỷ lịch bảo trì' }).count(),
      0,
      'nothing left to cancel',
    );
    const maintenance = await api.call('listNotices', { query: { kind: 'maintenance' } });
    assert.ok(maintenance.items[0]?.cancelledBy, 'the window is cancelled');
    // The public sees it too: the portal's page of the announcement says it is cancelled.
    await page.goto(`/portal/notices/${maintenance.items[0]!.id}`);
    await page.getByText(/^Lịch này đã được huỷ lúc \d\d\/\d\d\/\d{4} \d\d:\d\d/).waitFor();
    await page.goto('/notices');
    await page.getByRole('heading', { name: 'Thông báo công khai' }).waitFor();
  });

  test('an open alert: acknowledged, its history, then resolved with how it was dealt with', async () => {
    await page.getByRole('link', { name: 'Cảnh báo', exact: true }).click();
    const row = page.getByRole('row', { name: /upstream down/ });
    await row.waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'operator-alerts');
    // Acknowledged: still open, marked as taken, its history says who; no second acknowledge button.
    await row.getByRole('button', { name: 'Tiếp nhận' }).click();
    const ack = page.getByRole('dialog', { name: 'Tiếp nhận cảnh báo' });
    await ack.getByLabel('Ai đang xử lý, dự kiến thế nào').fill('Đang gọi bên cung cấp');
    await ack.getByRole('button', { name: 'Tiếp nhận' }).click();
    await page.getByText('Đã tiếp nhận cảnh báo').waitFor();
    await row.getByText('Đã tiếp nhận').first().waitFor();
    assert.equal(await row.getByRole('button', { name: 'Tiếp nhận' }).count(), 0);
    await row.getByRole('button', { name: 'Lịch sử' }).click();
    await page.getByText('Đang gọi bên cung cấp (admin)').waitFor();
    await page.keyboard.press('Escape');
    await row.getByRole('button', { name: 'Xử lý xong' }).click();
    const dialog = page.getByRole('dialog', { name: 'Đóng cảnh báo' });
    await dialog.getByLabel('Cách đã xử lý').fill('Đã khởi động lại dịch vụ nguồn');
    await dialog.getByRole('button', { name: 'Đóng cảnh báo' }).click();
    await page.getByText('Đã đóng cảnh báo').waitFor();
    await row.waitFor({ state: 'detached' });
    const resolved = await api.call('listAlerts', { query: { state: 'resolved' } });
    assert.ok(
      resolved.items.some((a) => a.kind === 'upstream.down'),
      "resolved.items.some((a) => a.kind === 'upstream.down')",
    );
  });

  test('the auditor reads the same queues without a decision button, and has no maintenance screen', async () => {
    await api.call('createUser', {
      body: {
        username: 'kiemtra',
        displayName: 'Kiểm tra viên',
        password: 'mat-khau-kiem-tra',
        role: 'auditor',
        mustChangePassword: false,
      },
    });
    const auditor = await openPage(browser, web.adminUrl);
    await auditor.goto('/');
    await auditor.getByLabel('Tên đăng nhập').fill('kiemtra');
    await auditor.getByLabel('Mật khẩu').fill('mat-khau-kiem-tra');
    await auditor.getByRole('button', { name: 'Đăng nhập' }).click();
    await auditor.getByRole('heading', { name: 'Tổng quan' }).waitFor();
    await auditor.getByRole('link', { name: 'Đề nghị kết nối' }).click();
    await auditor.getByText('Tất cả', { exact: true }).click();
    await auditor.getByRole('link', { name: 'Hệ thống Một cửa điện tử' }).click();
    await auditor.getByRole('button', { name: 'Tải công văn (.docx)' }).waitFor();
    assert.equal(await auditor.getByRole('button', { name: 'Phê duyệt' }).count(), 0);
    assert.equal(await auditor.getByRole('button', { name: 'Từ chối' }).count(), 0);
    await auditor.getByRole('link', { name: 'Cảnh báo', exact: true }).click();
    await auditor.getByRole('heading', { name: 'Cảnh báo' }).waitFor();
    assert.equal(
      await auditor.getByRole('link', { name: 'Bảo trì' }).count(),
      0,
      'no maintenance menu entry',
    );
    await auditor.goto('/maintenance');
    await auditor.getByText('Không có trang này, hoặc vai trò của bạn không được mở trang này.').waitFor();
    await auditor.context().close();
  });
});

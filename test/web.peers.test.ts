import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ApiClient } from '../src/cli/client.ts';
import { formatVietnamDateTime, VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import { launchBrowser, openPage, screenshot, seriousA11yViolations, signIn } from './helpers/browser.ts';
import { adminEnv, runCli } from './helpers/cli.ts';
import { eventually, gatewayToken } from './helpers/federation.ts';
import { seedProvince } from './helpers/seed.ts';
import { allowEgressTo, startUpstream } from './helpers/upstream.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Issue 12, peers in the operator's console (Chromium, through the UI): two real platforms in this process — LGSP A
 * (whose console is driven) and LGSP B (a real OpenLGSP with a published service and its public catalogue). At A the
 * operator registers B through the form, issues the key B calls A with (shown once), reads B's catalogue and imports
 * its service, sees it in the services list; a consumer of A calls it through A to B (signed, recorded on both);
 * A's transaction page shows the federation block, B's shows the verified hop chain; B's exported ledger uploaded at A
 * reconciles; the peer is suspended. A reviewer and an auditor see no write button, and the API refuses them.
 */

const CONSUMER_ORG = '000.00.21.H01';

describe('peers in the console: register, import from a real peer, suspend, reconcile', () => {
  let a: Awaited<ReturnType<typeof startWebPlatform>>;
  let b: Awaited<ReturnType<typeof startWebPlatform>>;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let browser: Browser;
  let page: Page;
  let apiA: ApiClient;
  let apiB: ApiClient;
  /** The operator's session token at A, for the CLI. */
  let apiToken: string;
  /** A's platform system at B, and the key it calls B with. */
  let aAtB: { consumerKey: string; consumerSecret: string };
  let peerId: string;
  let importedVersionId: string;
  let outboundTxnId: string;
  let outboundE2e: string;
  const startedAt = new Date(Date.now() - 60_000).toISOString();

  before(async () => {
    upstream = await startUpstream();
    b = await startWebPlatform({ federation: { code: 'lgsp-b' } });
    await seedProvince(
      {
        registry: b.platform.registry,
        lifecycle: b.platform.lifecycle,
        gatewayUrl: b.gatewayUrl,
        recorder: b.platform.recorder,
        snapshots: b.platform.snapshots,
      },
      upstream.url,
    );
    // A may reach exactly B's gateway and B's admin API (its public catalogue); nothing wider.
    a = await startWebPlatform({
      federation: { code: 'lgsp-a' },
      egress: { allow: [new URL(b.gatewayUrl).host, new URL(b.adminUrl).host] },
    });
    // B fetches A's JWKS to verify A's signatures.
    allowEgressTo(b.platform.registry.egress, a.gatewayUrl);

    const tokenAt = async (url: string) =>
      (
        await new ApiClient(url, null).call('login', {
          body: { username: 'admin', password: WEB_ADMIN_PASSWORD },
        })
      ).token;
    const login = async (url: string) => new ApiClient(url, await tokenAt(url));
    apiToken = await tokenAt(a.adminUrl);
    apiA = new ApiClient(a.adminUrl, apiToken);
    apiB = await login(b.adminUrl);

    // ── At B: A is a peer (its JWKS; its platform system is the consumer A's calls authorize as), with a key and
    // a subscription to the citizen lookup.
    const aPeerAtB = await apiB.call('createPeer', {
      body: { code: 'lgsp-a', name: 'LGSP tỉnh A', kind: 'openlgsp', gatewayUrl: a.gatewayUrl },
    });
    aAtB = await apiB.call('issueCredential', {
      params: { id: aPeerAtB.systemId },
      body: { environment: 'production' },
    });
    const dancu = (await apiB.call('listVersions', { query: { q: 'dancu' } })).items.find(
      (v) => v.status === 'published',
    );
    assert.ok(dancu, 'B publishes the citizen lookup');
    await apiB.call('createSubscription', {
      body: { systemId: aPeerAtB.systemId, versionId: dancu.id, environment: 'production' },
    });

    browser = await launchBrowser();
    page = await openPage(browser, a.adminUrl);
    await signIn(page, 'admin', WEB_ADMIN_PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await a?.stop();
    await b?.stop();
    await upstream?.close();
  });

  test('the operator registers B through the form, and issues the key B calls A with, shown once', async () => {
    await page.getByRole('link', { name: 'Liên thông', exact: true }).click();
    await page.getByRole('heading', { name: 'Liên thông nền tảng' }).waitFor();
    await page.getByText('Chưa đăng ký nền tảng ngang hàng nào').waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-list-empty');

    await page.getByRole('button', { name: 'Đăng ký nền tảng' }).click();
    await page.getByRole('heading', { name: 'Đăng ký nền tảng ngang hàng' }).waitFor();
    await page.getByLabel('Mã nền tảng').fill('LGSP B');
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();
    await page.getByText('Chữ thường, số, . _ -').waitFor();
    await page.getByLabel('Mã nền tảng').fill('lgsp-b');
    await page.getByLabel('Tên', { exact: true }).fill('LGSP tỉnh Đồng Tháp (B)');
    await page.getByLabel('Địa chỉ cổng kết nối').fill(b.gatewayUrl);
    await page.getByLabel('Địa chỉ danh mục công khai').fill(`${b.adminUrl}/api/v1/public/services`);
    await page.getByLabel('Consumer key của ta tại đó').fill(aAtB.consumerKey);
    await page.getByLabel('Consumer secret của ta tại đó').fill(aAtB.consumerSecret);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-register');
    await page.getByRole('button', { name: 'Đăng ký', exact: true }).click();

    await page.getByText(/Đã đăng ký\. Hệ thống nền tảng sys_/).waitFor();
    peerId = new URL(page.url()).pathname.split('/').pop()!;
    assert.match(peerId, /^peer_/);
    await page.getByText('Đã lưu (niêm phong, không hiện lại)').waitFor();
    assert.equal(
      await page.getByText(aAtB.consumerSecret).count(),
      0,
      'the secret we keep for B is never shown again',
    );
    const stored = await apiA.call('getPeer', { params: { id: peerId } });
    assert.equal(stored.hasClientSecret, true);
    assert.equal(stored.gatewayUrl, b.gatewayUrl);

    await page.getByRole('button', { name: 'Cấp khoá chính thức' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('chỉ hiện một lần').first().waitFor();
    const secret = (await dialog.getByTestId('secret-once').textContent()) ?? '';
    assert.ok(secret.length >= 20, 'the new consumer secret is on screen once');
    await dialog.getByText('Tôi đã lưu khoá bí mật').click();
    await dialog.getByRole('button', { name: 'Đóng' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.getByText(secret).count(), 0, 'gone once closed');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-detail');
  });

  test("B's catalogue read live, its service imported under a local context, and listed among A's services", async () => {
    await page.getByRole('button', { name: 'Đọc danh mục' }).click();
    await page.getByRole('button', { name: 'Nhập thue 1.0' }).waitFor();
    // Searched at the peer, not in the browser: only the citizen lookup comes back.
    const search = page.getByLabel('Tìm trong danh mục của nền tảng đó');
    await search.fill('công dân');
    await search.press('Enter');
    await page.getByRole('button', { name: 'Nhập thue 1.0' }).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Nhập dancu 1.0' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nhập dịch vụ từ lgsp-b' });
    await dialog.getByLabel('Context ở đây (trống: như bên kia)').fill('dancu-dongthap');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-import');
    await dialog.getByRole('button', { name: 'Nhập và công bố' }).click();
    await page.getByRole('link', { name: '/dancu-dongthap/1.0' }).waitFor();
    await page.getByText('Đã nhập', { exact: true }).first().waitFor();

    // The peer pages its catalogue by service: one service asked, its versions answered, the total of services.
    const onePage = await apiA.call('getPeerCatalogue', { params: { id: peerId }, query: { limit: 1 } });
    assert.equal(new Set(onePage.items.map((i) => i.context)).size, 1);
    assert.ok(onePage.total >= 2, `the peer publishes dancu and thue: ${onePage.total}`);
    const home = mkdtempSync(join(tmpdir(), 'lgsp-web-peers-'));
    try {
      const cli = await runCli(
        ['peers', 'catalogue', peerId, '--limit', '1', '--search', 'thue'],
        adminEnv(a.adminUrl, apiToken, home),
      );
      assert.equal(cli.code, 0, cli.err);
      assert.match(cli.out, /thue/);
      assert.match(cli.out, /Dịch vụ \/ Services 1–1 \/ 1\n/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }

    const imports = await apiA.call('listPeerImports', { params: { id: peerId }, query: {} });
    assert.equal(imports.total, 1);
    importedVersionId = imports.items[0]!.versionId;

    await page.getByRole('link', { name: 'Dịch vụ', exact: true }).click();
    await page.getByLabel(/Tìm/).first().fill('dongthap');
    await page.getByLabel(/Tìm/).first().press('Enter');
    await page.getByText('dancu-dongthap').first().waitFor();
  });

  test('a consumer of A calls the imported service: through B, recorded with the federation block on both sides', async () => {
    const org = await apiA.call('createOrganization', {
      body: {
        code: CONSUMER_ORG,
        name: 'UBND huyện Cao Lãnh',
        contact: { name: 'Nguyễn Văn A', email: 'dau-moi@angiang.gov.vn' },
      },
    });
    const system = await apiA.call('createSystem', {
      body: { organizationId: org.id, name: 'Một cửa huyện', isConsumer: true },
    });
    await apiA.call('createSubscription', {
      body: { systemId: system.id, versionId: importedVersionId, environment: 'production' },
    });
    const key = await apiA.call('issueCredential', {
      params: { id: system.id },
      body: { environment: 'production' },
    });
    const token = await eventually(async () =>
      gatewayToken(a.gatewayUrl, key.consumerKey, key.consumerSecret).catch(() => undefined),
    );
    const answer = await eventually(async () => {
      const res = await fetch(`${a.gatewayUrl}/dancu-dongthap/1.0/congdan/012345678901`, {
        headers: { authorization: `Bearer ${token}` },
      });
      await res.arrayBuffer();
      return res.status === 200 ? res : undefined;
    });
    assert.equal(answer.status, 200);
    const atProvider = upstream.seen.at(-1)!;
    assert.equal(
      atProvider.headers['x-lgsp-represented-organization'],
      CONSUMER_ORG,
      'B’s provider sees A’s consumer',
    );

    await a.platform.recorder.flush();
    const outbound = await eventually(async () => {
      const page = await apiA.call('getFederationLedger', {
        query: { from: startedAt, to: new Date(Date.now() + 60_000).toISOString() },
      });
      return page.items.find((e) => e.status === 200);
    });
    outboundTxnId = outbound.transactionId;
    outboundE2e = outbound.endToEndId;

    await page.goto(`/transactions/${outboundTxnId}`);
    const block = page.getByText('Liên thông nền tảng', { exact: true });
    await block.waitFor();
    await page.getByText(CONSUMER_ORG).first().waitFor();
    await page.getByText(outbound.endToEndId).first().waitFor();
    await page.getByText('Ta đã ký khi chuyển đi').waitFor();
    await page.getByRole('link', { name: peerId }).waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-transaction-outbound');

    // At B, the same call: the represented party and A's signature verified.
    await b.platform.recorder.flush();
    const inbound = await eventually(async () => {
      const page = await apiB.call('getFederationLedger', {
        query: { from: startedAt, to: new Date(Date.now() + 60_000).toISOString() },
      });
      return page.items.find((e) => e.endToEndId === outbound.endToEndId);
    });
    const atB = await openPage(browser, b.adminUrl);
    await signIn(atB, 'admin', WEB_ADMIN_PASSWORD);
    await atB.goto(`/transactions/${inbound.transactionId}`);
    await atB.getByText('Đã kiểm tra, hợp lệ').waitFor();
    const hops = atB.getByRole('list', { name: 'Chuỗi chặng' });
    await hops.getByText('lgsp-a').waitFor();
    await hops.getByText('✓ đã kiểm tra').waitFor();
    assert.deepEqual(await seriousA11yViolations(atB), []);
    await screenshot(atB, 'peers-transaction-inbound');
    await atB.context().close();
  });

  test("A's ledger downloads as a file, and B's uploaded ledger reconciles: matched, only there", async () => {
    await page.getByRole('navigation').getByRole('link', { name: 'Sổ liên thông', exact: true }).click();
    await page.getByRole('heading', { name: 'Sổ liên thông và đối soát' }).waitFor();
    await page.getByRole('link', { name: outboundE2e }).waitFor();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Tải sổ cả kỳ (JSON)' }).click(),
    ]);
    const ours = JSON.parse(readFileSync(await download.path(), 'utf8')) as {
      platform: string;
      items: Array<{ transactionId: string }>;
    };
    assert.equal(ours.platform, 'lgsp-a');
    assert.ok(
      ours.items.some((e) => e.transactionId === outboundTxnId),
      'the downloaded ledger holds the call',
    );

    // B's ledger for the same period, as `lgsp peers export-ledger` writes it at B, plus one call A never made.
    const theirs = await apiB.call('exportFederationLedger', {
      query: {
        from: new Date(Date.now() - 24 * 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      },
    });
    assert.ok(theirs.items.length >= 1, 'B recorded the call');
    const file = {
      ...theirs,
      items: [...theirs.items, { ...theirs.items[0]!, endToEndId: 'e2e-chi-o-tinh-b' }],
    };
    // What the upload takes, beside it: JSON, the API's bound on entries (FEDERATION_LEDGER_MAX).
    assert.equal(await page.locator('input[type=file]').getAttribute('accept'), '.json,application/json');
    await page.getByText('Nhận: tệp JSON (.json) có "items"; tối đa 40 MiB và 100.000 dòng.').waitFor();
    await page.locator('input[type=file]').setInputFiles({
      name: 'so-lien-thong-lgsp-b.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(file)),
    });
    await page.getByText(`so-lien-thong-lgsp-b.json — ${file.items.length} dòng`).waitFor();
    await page.getByRole('button', { name: 'Đối soát', exact: true }).click();
    await page.getByText('e2e-chi-o-tinh-b').waitFor();
    await page.getByText('Chỉ bên kia có', { exact: true }).last().waitFor();
    // The call (and any attempt B answered while its snapshot caught up) is on both ledgers.
    const matched = page.locator('.ant-statistic').filter({ hasText: 'Khớp' });
    const matchedCount = Number(
      (await matched.locator('.ant-statistic-content-value').textContent())?.trim(),
    );
    assert.ok(matchedCount >= 1, `matched ${matchedCount}`);
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-reconcile');
  });

  test('the operator suspends the peer; the screens switch to English', async () => {
    await page.goto(`/peers/${peerId}`);
    await page.getByRole('button', { name: 'Tạm dừng' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Tạm dừng' }).click();
    await page.getByRole('button', { name: 'Hoạt động lại' }).waitFor();
    assert.equal((await apiA.call('getPeer', { params: { id: peerId } })).status, 'suspended');

    await page.getByRole('link', { name: 'Liên thông', exact: true }).click();
    await page.getByLabel('Lọc theo trạng thái').click();
    await page.getByTitle('Tạm dừng').click();
    await page.getByRole('link', { name: 'lgsp-b' }).waitFor();
    await page.getByText('EN', { exact: true }).click();
    await page.getByRole('heading', { name: 'Federation peers' }).waitFor();
    await page.getByText('Suspended').first().waitFor();
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-list-en');
    await page.getByText('VI', { exact: true }).click();
  });

  test('the operator resumes and edits the peer, and limits its subscription to represented organizations; dates read in Vietnam time', async () => {
    const peer = await apiA.call('getPeer', { params: { id: peerId } });
    await page.goto(`/peers/${peerId}`);
    await page.getByRole('button', { name: 'Hoạt động lại' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Hoạt động lại' }).click();
    await page.getByRole('button', { name: 'Tạm dừng' }).waitFor();
    assert.equal((await apiA.call('getPeer', { params: { id: peerId } })).status, 'active');
    // B's platform system subscribes to A's built-in category service (dmdc): the subscription a grant narrows.
    const dmdc = await apiA.call('getCategoryService');
    await apiA.call('createSubscription', {
      body: { systemId: peer.systemId, versionId: dmdc.versionId, environment: 'production' },
    });
    await page.reload();
    await page.getByRole('button', { name: 'Sửa' }).click();
    const edit = page.getByRole('dialog', { name: 'Sửa nền tảng lgsp-b' });
    await edit.getByLabel('Tên', { exact: true }).fill('LGSP tỉnh Đồng Tháp');
    await edit.getByRole('button', { name: 'Lưu' }).click();
    await page.getByRole('heading', { name: 'Nền tảng: LGSP tỉnh Đồng Tháp', exact: true }).waitFor();
    const edited = await apiA.call('getPeer', { params: { id: peerId } });
    assert.equal(edited.name, 'LGSP tỉnh Đồng Tháp');
    assert.equal(edited.hasClientSecret, true, 'an empty secret field keeps the secret');
    await page
      .getByText(`${formatVietnamDateTime(edited.createdAt, VIETNAM_OFFSET_MINUTES)} / `, { exact: false })
      .waitFor();

    await page.getByText('Mọi cơ quan', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Giới hạn', exact: true }).click();
    const limit = page.getByRole('dialog', { name: 'Giới hạn theo cơ quan được đại diện' });
    const codes = limit.getByLabel('Mã cơ quan được đại diện');
    await codes.fill(CONSUMER_ORG);
    await codes.press('Enter');
    assert.deepEqual(await seriousA11yViolations(page), []);
    await screenshot(page, 'peers-grant');
    await limit.getByRole('button', { name: 'Lưu' }).click();
    await page.getByText('Đã lưu giới hạn').waitFor();
    const grants = await apiA.call('listPeerGrants', { params: { id: peerId }, query: {} });
    assert.deepEqual(grants.items[0]?.representedOrganizations, [CONSUMER_ORG]);
  });

  for (const role of ['operator_reviewer', 'auditor'] as const) {
    test(`a ${role} reads the peers with no write button, and the API refuses the writes`, async () => {
      const username = role === 'auditor' ? 'kiemtoan' : 'xetduyet';
      const password = `mat-khau-${username}`;
      await apiA.call('createUser', {
        body: { username, displayName: username, password, role, mustChangePassword: false },
      });
      const reader = await openPage(browser, a.adminUrl);
      await signIn(reader, username, password);
      await reader.getByRole('link', { name: 'Liên thông', exact: true }).click();
      await reader.getByRole('link', { name: 'lgsp-b' }).click();
      await reader.getByText('/dancu-dongthap/1.0').waitFor();
      for (const name of [
        'Sửa',
        'Hoạt động lại',
        'Tạm dừng',
        'Đọc danh mục',
        'Cấp khoá chính thức',
        'Giới hạn',
      ]) {
        assert.equal(
          await reader.getByRole('button', { name, exact: true }).count(),
          0,
          `${role}: no "${name}"`,
        );
      }
      await reader.goto('/peers');
      await reader.getByRole('link', { name: 'lgsp-b' }).waitFor();
      assert.equal(await reader.getByRole('button', { name: 'Đăng ký nền tảng' }).count(), 0);
      await reader.goto('/peer-registration');
      await reader.getByText('Không có trang này, hoặc vai trò của bạn không được mở trang này.').waitFor();
      await reader.goto('/federation');
      await reader.getByRole('button', { name: 'Tải sổ cả kỳ (JSON)' }).waitFor();
      assert.equal(
        await reader.getByRole('button', { name: 'Đối soát', exact: true }).count(),
        role === 'auditor' ? 0 : 1,
        'reviewers reconcile; the auditor reads only',
      );

      const session = await new ApiClient(a.adminUrl, null).call('login', { body: { username, password } });
      const asReader = new ApiClient(a.adminUrl, session.token);
      for (const refused of [
        () => asReader.call('updatePeer', { params: { id: peerId }, body: { status: 'active' } }),
        () =>
          asReader.call('createPeer', {
            body: { code: 'lgsp-x', name: 'X', kind: 'other', gatewayUrl: b.gatewayUrl },
          }),
        () =>
          asReader.call('importPeerService', {
            params: { id: peerId },
            body: { remoteContext: 'thue', remoteVersion: '1.0' },
          }),
        async () => {
          const grant = (await asReader.call('listPeerGrants', { params: { id: peerId }, query: {} }))
            .items[0]!;
          return asReader.call('grantPeerSubscription', {
            params: { id: peerId },
            body: { subscriptionId: grant.subscriptionId, representedOrganizations: null },
          });
        },
      ]) {
        await assert.rejects(refused, (err: { status?: number }) => err.status === 403);
      }
      if (role === 'auditor')
        await assert.rejects(
          () =>
            asReader.call('reconcileFederation', {
              body: { from: startedAt, to: new Date().toISOString(), entries: [] },
            }),
          (err: { status?: number }) => err.status === 403,
        );
      await reader.context().close();
    });
  }
});

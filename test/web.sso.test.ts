import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, screenshot } from './helpers/browser.ts';
import { startOidcProvider } from './helpers/oidc-provider.ts';
import { freePort } from './helpers/platform-process.ts';
import { startWebPlatform } from './helpers/web-platform.ts';

/*
 * Issue 11 must-show: OIDC sign-in against a real provider, in a real browser — the console's SSO button, the
 * provider's own login page, back to the console signed in as an agency user mapped by the claim rules, who sees
 * only its organization.
 */
const ORG_A = '000.00.31.H01';
const ORG_B = '000.00.12.H01';

describe('single sign-on in Chromium against a real OpenID provider', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let browser: Browser;

  before(async () => {
    // The provider must know the console's callback before the platform starts: choose the admin port first.
    const port = await freePort();
    const consoleUrl = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      clientId: 'lgsp-console',
      clientSecret: 'bi-mat-client-kiem-thu-0123456789',
      consoleUrl,
      people: {
        'agency-a': { preferred_username: 'nguyen.van.a', name: 'Nguyễn Văn A', org_code: ORG_A },
      },
    });
    web = await startWebPlatform({
      admin: { port, password: 'mat-khau-quan-tri-web', publicUrl: consoleUrl },
      oidc: {
        issuer: provider.issuer,
        clientId: 'lgsp-console',
        clientSecret: 'bi-mat-client-kiem-thu-0123456789',
        label: 'Đăng nhập bằng SSO tỉnh',
        rules: [{ claim: 'org_code', role: 'agency', organizationFromClaim: 'org_code' }],
      },
      egress: { allow: [new URL(provider.issuer).host] },
    });
    const { registry } = web.platform;
    for (const [code, name] of [
      [ORG_A, 'Sở Tư pháp'],
      [ORG_B, 'Sở Y tế'],
    ] as const) {
      const org = await registry.createOrganization({ code, name }, 'test');
      await registry.createSystem(
        { organizationId: org.id, name: `Hệ thống của ${name}`, isProvider: false, isConsumer: true },
        'test',
      );
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
    await provider?.stop();
  });

  test('the SSO button signs an agency user in through the provider; the console and the API show only its organization', async () => {
    const page = await openPage(browser, web.adminUrl);
    await page.goto('/');
    await page.getByRole('link', { name: 'Đăng nhập bằng SSO tỉnh' }).click();
    // The provider's own pages (oidc-provider's development login and consent forms).
    await page.locator('input[name="login"]').fill('agency-a');
    await page.locator('input[name="password"]').fill('bat-ky');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click(); // consent
    await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
    await page.getByText('Nguyễn Văn A · Cơ quan').waitFor();
    await screenshot(page, 'console-after-sso');

    // The API, called by the page with its cookie, lists only the agency's own systems.
    const systems = await page.evaluate(async () => {
      const res = await fetch('/api/v1/systems');
      return (await res.json()) as { items: Array<{ name: string }> };
    });
    assert.deepEqual(
      systems.items.map((s) => s.name),
      ['Hệ thống của Sở Tư pháp'],
    );
    await page.context().close();
  });

  test('a refused single sign-on is said in words on the sign-in page, and no other text a link carries is shown', async () => {
    const page = await openPage(browser, web.adminUrl);
    await page.goto('/?signin_error=user_disabled');
    await page
      .getByRole('alert')
      .getByText(
        'Đăng nhập một lần không thành công: Tài khoản của bạn trên nền tảng đã bị khoá; liên hệ người vận hành nền tảng',
      )
      .waitFor();
    // Anyone can send a link to the console: its words on the sign-in page are only the platform's own.
    const forged = 'Tài khoản bị khoá, gọi 0900000000 để mở';
    await page.goto(`/?signin_error=${encodeURIComponent(forged)}`);
    await page.getByRole('alert').getByText('Đăng nhập một lần không thành công: Không rõ lý do').waitFor();
    assert.equal(await page.getByText(forged).count(), 0);
    await page.context().close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, screenshot, seriousA11yViolations } from './helpers/browser.ts';
import { startWebPlatform, WEB_ADMIN_PASSWORD } from './helpers/web-platform.ts';

/*
 * Passwords in the console (docs/security.md §2.11): the operator resets a user's password from the users screen
 * (confirmed, shown once with a copy button); the user, signed in with it, is sent to "Đổi mật khẩu" and nothing
 * else opens until they change it; the page is reached from the user menu.
 */
describe('changing and resetting passwords in the console', () => {
  let web: Awaited<ReturnType<typeof startWebPlatform>>;
  let browser: Browser;

  before(async () => {
    web = await startWebPlatform();
    browser = await launchBrowser();
    await web.platform.accounts.createUser(
      {
        username: 'lan',
        displayName: 'Nguyễn Thị Lan',
        password: 'mat-khau-dau-tien',
        role: 'auditor',
        organizationId: null,
      },
      'test',
    );
  });
  after(async () => {
    await browser?.close();
    await web?.stop();
  });

  async function signIn(page: Page, username: string, password: string) {
    await page.goto('/');
    await page.getByLabel('Mật khẩu').waitFor();
    await page.getByLabel('Tên đăng nhập').fill(username);
    await page.getByLabel('Mật khẩu').fill(password);
    await page.getByRole('button', { name: 'Đăng nhập' }).click();
    await page.getByRole('button', { name: 'Đăng xuất' }).waitFor();
  }

  test('in Chromium: reset by the operator, shown once; the user must change it, from the change page', {
    timeout: 180_000,
  }, async () => {
    const operator = await openPage(browser, web.adminUrl);
    await signIn(operator, 'admin', WEB_ADMIN_PASSWORD);
    await operator.goto('/users');
    const row = operator.getByRole('row', { name: /lan/ });
    await row.getByRole('button', { name: 'Đặt lại mật khẩu' }).click();
    const confirm = operator.getByRole('dialog').filter({ hasText: 'Đặt lại mật khẩu của lan?' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Đặt lại mật khẩu' }).click();
    const shown = operator.getByTestId('secret-once');
    await shown.waitFor();
    const password = (await shown.textContent())?.trim() ?? '';
    assert.ok(password.length >= 10, `a new password on screen: ${password}`);
    await operator.getByRole('button', { name: 'Sao chép bí mật' }).waitFor();
    await screenshot(operator, 'console-password-reset');
    await operator.getByRole('checkbox').check();
    await operator.getByRole('button', { name: 'Đóng' }).click();
    await operator.reload();
    await operator.getByRole('row', { name: /lan/ }).waitFor();
    assert.equal((await operator.content()).includes(password), false, 'shown once: not on the page again');

    // Another session of the user, to see it end when they change the password.
    const other = await web.platform.accounts.login('lan', password);

    const user = await openPage(browser, web.adminUrl);
    await signIn(user, 'lan', password);
    await user.getByRole('heading', { name: 'Đổi mật khẩu' }).waitFor();
    await user.getByText('Mật khẩu của bạn là mật khẩu tạm').waitFor();
    assert.equal(new URL(user.url()).pathname, '/password');
    // Nothing else opens until the password is changed: no menu of screens, only the form and the sign-out.
    const menu = user.getByRole('navigation', { name: 'Danh mục chức năng' });
    assert.equal(await menu.count(), 0, 'no menu while the reset password holds');
    await user.goto('/transactions');
    await user.getByRole('heading', { name: 'Đổi mật khẩu' }).waitFor();
    assert.equal(new URL(user.url()).pathname, '/password');
    assert.equal(await menu.count(), 0, 'no menu after trying another screen');
    assert.ok(await user.getByRole('button', { name: 'Đăng xuất' }).isVisible(), 'the sign-out is there');
    assert.deepEqual(await seriousA11yViolations(user), []);

    await user.getByLabel('Mật khẩu hiện tại').fill('khong-phai-mat-khau');
    await user.getByLabel('Mật khẩu mới (≥ 10 ký tự)').fill('mat-khau-cua-lan-moi');
    await user.getByLabel('Nhập lại mật khẩu mới').fill('mat-khau-cua-lan-moi');
    await user.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await user.getByRole('alert').filter({ hasText: 'Mật khẩu hiện tại không đúng' }).waitFor();

    await user.getByLabel('Mật khẩu hiện tại').fill(password);
    await user.getByRole('button', { name: 'Đổi mật khẩu' }).click();
    await user.getByText('Đã đổi mật khẩu. 1 phiên đăng nhập khác đã kết thúc.').waitFor();
    await screenshot(user, 'console-password-changed');
    assert.equal(await web.platform.accounts.authenticate(other.token), null, 'the other session ended');

    // The console opens again, its menu with it, and the page is reached from the user menu.
    await user.goto('/transactions');
    await menu.getByRole('link', { name: 'Giao dịch' }).waitFor();
    await user.getByRole('button', { name: /Nguyễn Thị Lan/ }).click();
    await user.getByRole('menuitem', { name: 'Đổi mật khẩu' }).click();
    await user.getByRole('heading', { name: 'Đổi mật khẩu' }).waitFor();
    assert.equal(new URL(user.url()).pathname, '/password');
    // The wrong current password typed above is among the user's own sign-ins, said for what it was (§2.14).
    const typedToChange = user
      .getByRole('region', { name: 'Các lần đăng nhập gần đây của bạn' })
      .getByRole('row')
      .filter({ hasText: 'Sai mật khẩu (khi đổi mật khẩu / while changing the password)' });
    await typedToChange.waitFor();
    assert.equal(await typedToChange.count(), 1);
    assert.match((await typedToChange.textContent()) ?? '', /Bảng điều khiển/, 'typed in the console');
    await user.getByRole('button', { name: 'Đăng xuất' }).click();
    await signIn(user, 'lan', 'mat-khau-cua-lan-moi');
    await operator.context().close();
    await user.context().close();
  });
});

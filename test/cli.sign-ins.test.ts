import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatVietnamDateTime, VIETNAM_OFFSET_MINUTES } from '../src/core/time.ts';
import { type AdminHarness, openAdminHarness, TEST_PASSWORD } from './helpers/admin-api.ts';
import { adminEnv, runCli } from './helpers/cli.ts';

/**
 * `lgsp user sign-ins` (docs/cli.md): the sign-in history in Vietnam time, filtered by user, outcome and a period
 * typed as an operator types it (readVietnamTime); --mine for one's own; a bad --outcome is a usage error.
 */
describe('lgsp user sign-ins', () => {
  let h: AdminHarness;
  let url: string;
  let configHome: string;
  let env: Record<string, string>;

  before(async () => {
    // A fixed clock at a known Vietnam time: 05/03/2026 09:30 (02:30 UTC).
    h = await openAdminHarness('pglite', { startMs: Date.parse('2026-03-05T02:30:00Z') });
    url = await h.app.listen({ port: 0, host: '127.0.0.1' });
    configHome = mkdtempSync(join(tmpdir(), 'lgsp-signins-'));
    env = adminEnv(url, h.token, configHome);
    for (const [username, password, address] of [
      ['admin', 'sai-mat-khau-1', '10.20.0.1'],
      ['nguoi.la', 'sai-mat-khau-2', '10.20.0.2'],
      // Two more names no account has from the same address, the same hour: folded into its row.
      ['nguoi.la.2', 'sai-mat-khau-3', '10.20.0.2'],
      ['nguoi.la.3', 'sai-mat-khau-4', '10.20.0.2'],
      ['admin', TEST_PASSWORD, '10.20.0.3'],
    ] as const) {
      await h.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: address,
        headers: { 'content-type': 'application/json', 'user-agent': 'curl/8.5.0' },
        payload: JSON.stringify({ username, password }),
      });
    }
  });
  after(async () => {
    await h.dispose();
    rmSync(configHome, { recursive: true, force: true });
  });

  test('lists the attempts in Vietnam time with outcome in words, address and agent; never a password', async () => {
    const run = await runCli(['user', 'sign-ins'], env);
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /05\/03\/2026 09:30/);
    assert.equal(formatVietnamDateTime(h.clock.nowMs(), VIETNAM_OFFSET_MINUTES), '05/03/2026 09:30');
    // A name no account has is not kept (it may be a password typed into the name box): the row says so.
    // Failures that name no account, folded per address and hour: one row that counts them.
    assert.match(run.out, /không có tài khoản \/ unknown user +3 +10\.20\.0\.2 .*curl\/8\.5\.0/);
    assert.match(run.out, /sai mật khẩu \/ wrong password +1 +10\.20\.0\.1/);
    assert.doesNotMatch(run.out, /nguoi\.la/);
    assert.match(run.out, /sai mật khẩu \/ wrong password .*10\.20\.0\.1/);
    assert.match(run.out, /thành công \/ success .*10\.20\.0\.3/);
    assert.doesNotMatch(run.out, /sai-mat-khau|test-password/);
  });

  test('--user, --outcome, --from/--to filter; --limit pages with a --cursor command', async () => {
    const failed = await runCli(['user', 'sign-ins', '--user', 'admin', '--outcome', 'wrong_password'], env);
    assert.equal(failed.code, 0, failed.err);
    assert.match(failed.out, /10\.20\.0\.1/);
    assert.doesNotMatch(failed.out, /10\.20\.0\.[23]/);

    const today = await runCli(
      ['user', 'sign-ins', '--from', '05/03/2026', '--to', '05/03/2026', '--json'],
      env,
    );
    assert.equal(today.code, 0, today.err);
    assert.ok(JSON.parse(today.out).items.length >= 3, 'the day holds the attempts');
    const tomorrow = await runCli(['user', 'sign-ins', '--from', '06/03/2026 00:00', '--json'], env);
    assert.deepEqual(JSON.parse(tomorrow.out).items, []);

    const first = await runCli(['user', 'sign-ins', '--limit', '1'], env);
    const cursor = /--cursor (\d+)/.exec(first.out)?.[1];
    assert.ok(cursor, `a next page: ${first.out}`);
    const second = await runCli(['user', 'sign-ins', '--limit', '1', '--cursor', cursor, '--json'], env);
    assert.equal(JSON.parse(second.out).items.length, 1);
  });

  test('--mine lists the caller’s own attempts; a bad --outcome or --from is a usage error', async () => {
    const mine = await runCli(['user', 'sign-ins', '--mine', '--json'], env);
    assert.equal(mine.code, 0, mine.err);
    const items = JSON.parse(mine.out).items as Array<{ username: string }>;
    assert.ok(items.length >= 1 && items.every((i) => i.username === 'admin'), 'the admin’s own');
    for (const args of [
      ['--outcome', 'maybe'],
      ['--from', '31/02/2026'],
      ['--mine', '--user', 'nguoi.la'],
    ]) {
      const run = await runCli(['user', 'sign-ins', ...args], env);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.err}`);
    }
  });
});

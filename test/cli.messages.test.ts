import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './helpers/cli.ts';

// What a newcomer sees from the common mistakes, without a platform running: the help's layout, a file that is not
// there, the platform not started, the CLI pointed at the gateway's port instead of the admin API.

describe('lgsp CLI messages for common mistakes', () => {
  let configHome: string;
  let gateway: Server;
  let gatewayUrl: string;
  const env = () => ({ XDG_CONFIG_HOME: configHome, LGSP_ADMIN_TOKEN: 'lgsp_test' });

  before(async () => {
    configHome = mkdtempSync(join(tmpdir(), 'lgsp-cli-messages-'));
    // Answers as the gateway does to a call without a bearer token.
    gateway = createServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/problem+json; charset=utf-8' });
      res.end(
        JSON.stringify({
          type: 'http://127.0.0.1:9080/portal/errors/GW_TOKEN_MISSING',
          title: 'Thiếu access token / No access token: send Authorization: Bearer <token>',
          status: 401,
          code: 'GW_TOKEN_MISSING',
        }),
      );
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => gateway.close(() => resolve()));
    rmSync(configHome, { recursive: true, force: true });
  });

  test('a token that cannot be one (an error page, a Vietnamese word pasted): said so, never "is the platform running?"', async () => {
    // `LGSP_ADMIN_TOKEN=$(curl … /auth/login | sed …)` after a failed login holds the problem+json text itself.
    const pasted = '{"title":"Sai tên đăng nhập hoặc mật khẩu / Wrong username or password"}';
    for (const [args, token, names] of [
      [['org', 'list', '--url', gatewayUrl], pasted, 'LGSP_ADMIN_TOKEN'],
      [['org', 'list', '--url', gatewayUrl, '--token', 'mật khẩu'], 'lgsp_test', '--token'],
    ] as const) {
      const run = await runCli([...args], { XDG_CONFIG_HOME: configHome, LGSP_ADMIN_TOKEN: token });
      assert.equal(run.code, 2, run.err);
      assert.match(
        run.err,
        /^Token không hợp lệ \(--token, LGSP_ADMIN_TOKEN hoặc phiên đã lưu\): .*\nNot a valid token /,
      );
      assert.ok(run.err.includes(names), `names ${names} among the places a token comes from`);
      assert.doesNotMatch(run.err, /Không kết nối được|Could not connect/);
      assert.doesNotMatch(
        run.err,
        /Sai tên|mật khẩu/,
        'the value itself is never echoed (it may be a secret)',
      );
    }
  });

  test('help: every command name stands apart from its summary', async () => {
    const run = await runCli(['--help'], env());
    assert.equal(run.code, 0);
    const commandLines = run.out.split('\n').filter((line) => /^ {2}[a-z][a-z-]+ /.test(line));
    assert.ok(
      commandLines.some((line) => line.startsWith('  version-change ')),
      run.out,
    );
    for (const line of commandLines) {
      assert.match(line, /^ {2}[a-z][a-z-]+ {2,}\S/, `name and summary apart: ${line}`);
    }
  });

  test('a file named on the command line that is not there: which file and why, in Vietnamese first', async () => {
    const missing = join(configHome, 'khong-co', 'openapi.json');
    // The file is read before anything is sent, so no platform is needed.
    const run = await runCli(
      ['version', 'submit', 'ver_x', '--document', missing, '--url', 'http://127.0.0.1:9'],
      env(),
    );
    assert.equal(run.code, 1);
    assert.match(run.err, /^Không mở được tệp \/ Cannot open the file: /);
    assert.ok(run.err.includes(missing), run.err);
    assert.match(run.err, /không có tệp hoặc thư mục này \/ no such file or directory/);
    assert.doesNotMatch(run.err, /Unexpected error|ENOENT/);
  });

  test('platform not running: the fix is named in Vietnamese too', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const run = await runCli(['org', 'list', '--url', `http://127.0.0.1:${port}`], env());
    assert.equal(run.code, 1);
    const [vietnamese] = run.err.split('\n');
    assert.match(
      vietnamese!,
      /Không kết nối được .* Hãy chạy `npm start`, hoặc đặt --url \(LGSP_ADMIN_URL\)/,
    );
  });

  test('--url at the gateway instead of the admin API says so', async () => {
    const run = await runCli(['org', 'list', '--url', gatewayUrl], env());
    assert.equal(run.code, 1);
    assert.match(run.err, /GW_TOKEN_MISSING/);
    assert.match(run.err, /cổng kết nối \(gateway\), không phải API quản trị/);
    assert.match(run.err, /is the gateway, not the admin API: set --url \(LGSP_ADMIN_URL\)/);
  });
});

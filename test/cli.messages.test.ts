import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './helpers/cli.ts';

// What a newcomer sees from the common mistakes, without a platform running.

describe('lgsp CLI messages for common mistakes', () => {
  let configHome: string;
  const env = () => ({ XDG_CONFIG_HOME: configHome, LGSP_ADMIN_TOKEN: 'lgsp_test' });

  before(() => {
    configHome = mkdtempSync(join(tmpdir(), 'lgsp-cli-messages-'));
  });
  after(() => {
    rmSync(configHome, { recursive: true, force: true });
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
});

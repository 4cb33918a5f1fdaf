import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './helpers/cli.ts';

// What a newcomer sees from the common mistakes, without a platform running.

describe('lgsp CLI messages for common mistakes', () => {
  test('help: every command name stands apart from its summary', async () => {
    const run = await runCli(['--help'], {});
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
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Issue 14 item 4: 10,000 held connections need ≥ 16,384 open files. Node raises its soft limit to the hard one at
 * start; the gateway warns when that is still too low. Each case runs in a child started under `prlimit` (the
 * limits are the process's own, and a test must not change the runner's).
 */
const MODULE = fileURLToPath(new URL('../src/gateway/file-limit.ts', import.meta.url));
const hasPrlimit = spawnSync('prlimit', ['--version'], { stdio: 'ignore' }).status === 0;
const skip =
  !hasPrlimit || !existsSync('/proc/self/limits') ? 'needs Linux /proc and util-linux prlimit' : false;

interface Outcome {
  result: { soft: number; hard: number } | null;
  logs: Array<{ level: string; fields: Record<string, unknown>; msg: string }>;
}

/** Runs `checkFileLimit` in a node child started with the open-files limit soft:hard. */
function underLimit(soft: number, hard: number): Outcome {
  const script = `
    import { checkFileLimit } from ${JSON.stringify(MODULE)};
    const logs = [];
    const logger = { warn: (fields, msg) => logs.push({ level: 'warn', fields, msg }) };
    const result = checkFileLimit(logger);
    checkFileLimit(logger); // a second gateway in the same process: checked once
    process.stdout.write(JSON.stringify({ result, logs }));
  `;
  const r = spawnSync(
    'prlimit',
    [`--nofile=${soft}:${hard}`, process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Outcome;
}

describe('the gateway and its open-files limit (issue 14 item 4)', { skip }, () => {
  test('Node runs with its soft limit raised to the hard one; below 16,384, one warning says what to set', () => {
    const { result, logs } = underLimit(1024, 4096);
    assert.deepEqual(result, { soft: 4096, hard: 4096 });
    assert.equal(logs.length, 1);
    assert.equal(logs[0]!.level, 'warn');
    assert.match(logs[0]!.msg, /LimitNOFILE=65536/);
    assert.deepEqual(logs[0]!.fields, { softLimit: 4096, hardLimit: 4096, wanted: 16384 });
  });

  test('a hard limit that is too low: the gateway starts and warns', () => {
    const { result, logs } = underLimit(1024, 1024);
    assert.deepEqual(result, { soft: 1024, hard: 1024 });
    assert.deepEqual(
      logs.map((l) => l.level),
      ['warn'],
    );
  });

  test('enough already: nothing changes, nothing is logged', () => {
    const { result, logs } = underLimit(16384, 16384);
    assert.deepEqual(result, { soft: 16384, hard: 16384 });
    assert.deepEqual(logs, []);
  });
});

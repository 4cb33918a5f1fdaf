import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort } from './helpers/platform-process.ts';

/**
 * Each run claims its ports in `lgsp-test-ports-<runner pid>/`, and nothing removes that directory when the run
 * ends: the first claim of a process removes those of runners that are gone, never that of a live one. First in
 * this file, because the removal happens at a process's first claim only.
 */
test('the first claim removes the claim directories of ended runs and keeps those of live ones', async () => {
  // The pid of a process that has exited: no runner of that pid is alive (unless the pid was reused at once).
  const child = spawn(process.execPath, ['-e', '']);
  const endedPid = child.pid!;
  await new Promise((resolve) => child.once('exit', resolve));
  const ended = join(tmpdir(), `lgsp-test-ports-${endedPid}`);
  // This test file's own process stands for another run's live runner.
  const live = join(tmpdir(), `lgsp-test-ports-${process.pid}`);
  for (const dir of [ended, live]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '20001'), '');
  }
  try {
    await freePort();
    assert.equal(existsSync(ended), false, 'the ended run’s claims are removed');
    assert.equal(existsSync(join(live, '20001')), true, 'the live run’s claims are kept');
    assert.equal(
      existsSync(join(tmpdir(), `lgsp-test-ports-${process.ppid}`)),
      true,
      'this run’s claims are kept',
    );
  } finally {
    rmSync(ended, { recursive: true, force: true });
    rmSync(live, { recursive: true, force: true });
  }
});

/**
 * The ports the multi-process tests give their platforms (federation, cluster, shared nodes) are chosen before the
 * processes start, so that each one's egress policy can name the others'. Chosen at random and only checked free,
 * the same port could be given twice before either platform bound it: a CI run once gave a federation test's
 * third platform the first one's gateway port, and it refused to start. Claimed for the run, none is given twice.
 */
test('freePort never gives one port twice in a test run', async () => {
  const ports = [];
  // At random among 12,000 ports, 500 draws repeat one about ten times (the birthday bound).
  for (let i = 0; i < 500; i++) ports.push(await freePort());
  assert.equal(new Set(ports).size, ports.length);
});

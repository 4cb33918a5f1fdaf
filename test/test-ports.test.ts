import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePort } from './helpers/platform-process.ts';

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

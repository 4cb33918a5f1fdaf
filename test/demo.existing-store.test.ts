import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { firstStepsLines, signInLines } from '../src/cli/start.ts';
import { startDemo } from './helpers/demo-process.ts';

/**
 * A password printed must work: `lgsp demo` on an existing LGSP_DATA_DIR keeps the store's operator password (its
 * own freshly generated one is not applied), so it must not print that one; `lgsp start` says where the password
 * came from and how a lost one is recovered (docs/security.md §2.11).
 */
describe('the operator password the banners print', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'lgsp-demo-existing-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const humanOutput = async (demo: Awaited<ReturnType<typeof startDemo>>) => {
    for (let i = 0; i < 100 && !demo.output().includes('Ctrl+C'); i++)
      await new Promise((r) => setTimeout(r, 100));
    return demo.output();
  };
  const signIn = (adminUrl: string, password: string) =>
    fetch(`${adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });

  test('lgsp demo on an existing data dir says the stored password is kept, and prints none that fails', {
    timeout: 300_000,
  }, async () => {
    const dir = join(work, 'data');
    // The two simulated peers play no part in the password (each is a whole platform more to start on a fresh
    // store: two thirds of each demo's start); demo.test.ts runs the demo with them.
    const first = await startDemo(
      { LGSP_DATA_DIR: dir, LGSP_ADMIN_PASSWORD: 'the-first-password', LGSP_KEY_ENCRYPTION_KEY: undefined },
      ['--no-federation'],
    );
    try {
      const out = await humanOutput(first);
      assert.match(out, /Operator login: admin \/ the-first-password/);
      // Without the federated call (step 4 with the peers), the steps a newcomer follows have no gap.
      assert.deepEqual(out.match(/^\d\. /gm), ['1. ', '2. ', '3. ', '4. '], out);
    } finally {
      assert.equal(await first.stop(), 0);
    }

    const again = await startDemo(
      { LGSP_DATA_DIR: dir, LGSP_ADMIN_PASSWORD: undefined, LGSP_KEY_ENCRYPTION_KEY: undefined },
      ['--no-federation'],
    );
    try {
      const out = await humanOutput(again);
      assert.match(out, /the password\s+already stored in LGSP_DATA_DIR, kept as it is/);
      assert.match(out, /lgsp user reset-password admin --offline/);
      assert.doesNotMatch(
        out,
        /Operator login: admin \/ [A-Za-z0-9_-]{16}\n/,
        'no made-up password for this store',
      );
      assert.match(out, /"password":"<mật khẩu\/password>"/);
      assert.equal(
        (await signIn(again.info.adminUrl, 'the-first-password')).status,
        200,
        'the stored one works',
      );
    } finally {
      assert.equal(await again.stop(), 0);
    }
  });

  test('lgsp start says where the password came from, and how a lost one is recovered', () => {
    const existing = signInLines('existing').join('\n');
    assert.doesNotMatch(existing, /printed above/);
    assert.match(existing, /LGSP_ADMIN_PASSWORD now does not change it/);
    assert.match(existing, /lgsp user reset-password admin --offline/);
    assert.match(
      signInLines('generated').join('\n'),
      /the password printed above \(printed this once only\)/,
    );
    assert.match(signInLines('configured').join('\n'), /the password set in LGSP_ADMIN_PASSWORD/);
  });

  test("lgsp start's first steps name the guides they are written out in, as README does", () => {
    const steps = firstStepsLines('generated').join('\n');
    // It named docs/portal.md, the public portal's reference, where none of these steps is written.
    assert.doesNotMatch(steps, /docs\/portal\.md/);
    const guides = [...steps.matchAll(/docs\/[a-z-]+\.md/g)].map((m) => m[0]);
    assert.deepEqual(guides, ['docs/console-operator.md', 'docs/agency-console.md']);
    const root = join(import.meta.dirname, '..');
    for (const guide of guides) assert.ok(existsSync(join(root, guide)), guide);
    assert.match(
      readFileSync(join(root, 'docs/console-operator.md'), 'utf8'),
      /^## Bắt đầu \/ First steps$/m,
    );
    assert.match(
      readFileSync(join(root, 'README.md'), 'utf8'),
      /docs\/console-operator\.md\), mục "Bắt đầu"/,
    );
  });
});

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PgliteStore } from '../src/store/pglite-store.ts';
import { withMigratedStore } from './helpers/stores.ts';

/**
 * PGlite writes its files 0666 whatever the umask, under directories made 0755: with the default `./data`, every
 * local user of the machine could read the password hashes and records, and write an operator account into the
 * store. The store's directory is 0700 now, as PostgreSQL insists on for its own — a new one and one made by an
 * earlier release alike.
 */
describe('the embedded store is closed to other local users', () => {
  const parent = mkdtempSync(join(tmpdir(), 'lgsp-store-mode-'));
  chmodSync(parent, 0o755);
  after(() => rmSync(parent, { recursive: true, force: true }));

  const modeOf = (path: string) => statSync(path).mode & 0o777;

  test('a new data directory and its pglite directory are 0700, whatever mode the files have', async () => {
    const dataDir = join(parent, 'data');
    const store = await PgliteStore.open(dataDir);
    await store.close();
    assert.equal(modeOf(dataDir), 0o700, 'the data directory');
    assert.equal(modeOf(join(dataDir, 'pglite')), 0o700, 'the pglite directory');
    const files = readdirSync(join(dataDir, 'pglite'));
    assert.ok(files.length > 0, 'PGlite wrote its files');
  });

  test("an earlier release's 0755 store is tightened when opened", async () => {
    // A store already there (copied migrated: no initdb), its directory left 0755 as an earlier release made it.
    const dataDir = await withMigratedStore(join(parent, 'old'));
    chmodSync(join(dataDir, 'pglite'), 0o755);
    const store = await PgliteStore.open(dataDir);
    await store.close();
    assert.equal(modeOf(join(dataDir, 'pglite')), 0o700);
  });
});

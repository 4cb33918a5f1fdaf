import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * bin/bundle.mjs: `lgsp` runs the prebuilt bundle only while it is newer than every source, and the sources
 * otherwise — a developer's edit is never served stale. Tried on a throwaway checkout with the real bin/ files and a
 * `main` that says where it runs from.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('the prebuilt bundle of the sources', () => {
  let checkout: string;
  const lgsp = (): { says: string; from: 'bundle' | 'sources'; reads: string } =>
    JSON.parse(execFileSync(process.execPath, [join(checkout, 'bin', 'lgsp.mjs')], { encoding: 'utf8' }));
  const writeMain = (says: string): void =>
    writeFileSync(
      join(checkout, 'src', 'cli', 'main.ts'),
      `import { readFileSync } from 'node:fs';
export async function main(): Promise<number> {
  const from = (new Error().stack ?? '').includes('/.bundle/app/') ? 'bundle' : 'sources';
  const reads = readFileSync(new URL('./beside.txt', import.meta.url), 'utf8');
  process.stdout.write(JSON.stringify({ says: ${JSON.stringify(says)}, from, reads }));
  return 0;
}
`,
    );
  const bundle = (): void => {
    execFileSync(process.execPath, [join(checkout, 'bin', 'bundle.mjs'), 'app']);
  };

  before(() => {
    checkout = mkdtempSync(join(tmpdir(), 'lgsp-bundle-'));
    mkdirSync(join(checkout, 'bin'));
    for (const file of ['lgsp.mjs', 'bundle.mjs'])
      cpSync(join(ROOT, 'bin', file), join(checkout, 'bin', file));
    symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'));
    writeFileSync(join(checkout, 'package.json'), '{ "type": "module" }');
    cpSync(join(ROOT, 'tsconfig.json'), join(checkout, 'tsconfig.json'));
    for (const dir of ['cli', 'gateway', 'core']) mkdirSync(join(checkout, 'src', dir), { recursive: true });
    writeFileSync(join(checkout, 'src', 'cli', 'beside.txt'), 'tệp cạnh mã nguồn');
    writeFileSync(join(checkout, 'src', 'gateway', 'worker.ts'), 'export {};\n');
    writeFileSync(join(checkout, 'src', 'core', 'errors.ts'), 'export class LgspError extends Error {}\n');
    writeMain('v1');
  });
  after(() => rmSync(checkout, { recursive: true, force: true }));

  test('without a bundle, lgsp runs the sources', () => {
    assert.deepEqual(lgsp(), { says: 'v1', from: 'sources', reads: 'tệp cạnh mã nguồn' });
  });

  test('a fresh bundle is run, and each module still reads the files beside its source', () => {
    bundle();
    assert.deepEqual(lgsp(), { says: 'v1', from: 'bundle', reads: 'tệp cạnh mã nguồn' });
  });

  test('an edited source makes the bundle stale: the edit runs at once, from the sources, until it is rebuilt', () => {
    writeMain('v2');
    assert.deepEqual(lgsp(), { says: 'v2', from: 'sources', reads: 'tệp cạnh mã nguồn' });
    bundle();
    assert.deepEqual(lgsp(), { says: 'v2', from: 'bundle', reads: 'tệp cạnh mã nguồn' });
  });

  test('a bundle made in another checkout (a moved folder) is not used', () => {
    const manifestPath = join(checkout, '.bundle', 'app', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, root: '/somewhere/else' }));
    assert.equal(lgsp().from, 'sources');
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { PgliteStore } from '../src/store/pglite-store.ts';
import { intRows } from './helpers/int-rows.ts';
import { migratedTemplate, withMigratedStore } from './helpers/stores.ts';

const STORE_MODULE = fileURLToPath(new URL('../src/store/pglite-store.ts', import.meta.url));
const INT_ROWS_MODULE = fileURLToPath(new URL('./helpers/int-rows.ts', import.meta.url));

// The embedded store on disk keeps what it answered as committed through a power cut or an OS crash: PGlite starts
// PostgreSQL with fsync off and its Node file layer had no fsync, so a commit lived in the OS's page cache only
// (src/store/pglite-worker.mjs). A power cut cannot be made in a test; that each commit reaches fsync before it
// returns can be counted, and that a killed process's store still opens with every committed row.
describe('the embedded store on disk is durable: commits are fsynced', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'lgsp-durable-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('on disk, a commit is fsynced before it returns and a read is not; in memory nothing is', async () => {
    // Stores copied migrated (no initdb: seconds of CPU each); commits after opening are what is counted.
    const disk = await PgliteStore.open(await withMigratedStore(tempDir()));
    try {
      await sql`CREATE TABLE notes (n int)`.execute(disk.db);
      const before = await disk.fsyncCount();
      await sql`INSERT INTO notes VALUES (1)`.execute(disk.db);
      const afterInsert = await disk.fsyncCount();
      assert.ok(afterInsert > before, `an INSERT's commit reached fsync (${before} → ${afterInsert})`);
      await disk.copyIn('notes (n)', intRows([2, 3]));
      const afterCopy = await disk.fsyncCount();
      assert.ok(afterCopy > afterInsert, 'a COPY (the recorder’s batches) is fsynced too');
      await sql`SELECT count(*) FROM notes`.execute(disk.db);
      assert.equal(await disk.fsyncCount(), afterCopy, 'a read writes nothing');
    } finally {
      await disk.close();
    }
    const memory = await PgliteStore.open('memory://', { loadDataDir: await migratedTemplate() });
    try {
      await sql`CREATE TABLE notes (n int)`.execute(memory.db);
      await sql`INSERT INTO notes VALUES (1)`.execute(memory.db);
      assert.equal(await memory.fsyncCount(), 0, 'a store in memory has no disk to reach');
    } finally {
      await memory.close();
    }
  });

  test('killed (SIGKILL) while committing, the store opens again holding every row it had committed', async () => {
    const dir = tempDir();
    await withMigratedStore(join(dir, 'store'));
    // A child commits rows one by one and says each; it is killed mid-flight, as a crash would.
    const script = join(dir, 'commit-rows.mjs');
    writeFileSync(
      script,
      `import { PgliteStore } from ${JSON.stringify(STORE_MODULE)};
       import { intRows } from ${JSON.stringify(INT_ROWS_MODULE)};
       const store = await PgliteStore.open(${JSON.stringify(join(dir, 'store'))});
       await store.execScript('CREATE TABLE notes (n int)');
       for (let n = 1; ; n++) {
         await store.copyIn('notes (n)', intRows([n]));
         process.stdout.write(n + '\\n');
       }`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let committed = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the child ended by itself: ${code ?? signal}`));
      });
      child.stdout.setEncoding('utf8');
      let text = '';
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        const lines = text.split('\n');
        text = lines.pop()!;
        if (lines.length > 0) committed = Number(lines.at(-1));
        if (committed >= 200 && child.exitCode === null) {
          child.kill('SIGKILL');
          child.once('exit', () => resolve());
        }
      });
    });
    const store = await PgliteStore.open(join(dir, 'store'));
    try {
      const { rows } = await sql<{
        n: number;
        top: number;
      }>`SELECT count(*)::int AS n, max(n) AS top FROM notes`.execute(store.db);
      assert.ok(rows[0]!.n >= committed, `${rows[0]!.n} rows after the crash, ${committed} said committed`);
      assert.equal(rows[0]!.n, rows[0]!.top, 'no row missing in between');
    } finally {
      await store.close();
    }
  });
});

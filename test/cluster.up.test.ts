import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { healthOf } from './helpers/cluster.ts';
import { freePort } from './helpers/platform-process.ts';
import { createTestDatabase, testDatabaseUrl } from './helpers/stores.ts';

const LGSP_BIN = fileURLToPath(new URL('../bin/lgsp.mjs', import.meta.url));
const nginxInstalled = spawnSync('nginx', ['-v'], { stdio: 'ignore' }).error === undefined;

/**
 * Issue 13 item 9: `npm run cluster` (`lgsp cluster`) starts, on this machine, gateway nodes + a control node + a
 * worker on the machine's PostgreSQL, behind nginx when it is installed (a clear line when not), and stops them all
 * on SIGTERM.
 */
describe('lgsp cluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'lgsp-cluster-up-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('without PostgreSQL: refused in one line', () => {
    const run = spawnSync(process.execPath, [LGSP_BIN, 'cluster'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /a cluster needs PostgreSQL: set LGSP_DATABASE_URL/);
  });

  test('2 gateways + control + worker, behind nginx; SIGTERM stops every node', {
    skip: testDatabaseUrl ? false : 'LGSP_TEST_DATABASE_URL not set',
    timeout: 240_000,
  }, async () => {
    const db = await createTestDatabase();
    // Consecutive ports from a free one: the balancer, then a port per gateway node.
    const port = await freePort();
    const adminPort = await freePort();
    const child = spawn(
      process.execPath,
      [LGSP_BIN, 'cluster', '--gateways', '2', '--workers', '1', '--port', String(port)],
      {
        cwd: root,
        env: {
          PATH: process.env['PATH'] ?? '',
          LGSP_DATABASE_URL: db.url,
          LGSP_DATA_DIR: join(root, 'data'),
          LGSP_ADMIN_PORT: String(adminPort),
          LGSP_ADMIN_PASSWORD: 'mat-khau-kiem-thu-cum-may',
          LGSP_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 180_000;
      while (!out.includes('cluster is running')) {
        assert.equal(child.exitCode, null, `lgsp cluster exited early:\n${out}`);
        assert.ok(Date.now() < deadline, `not running in time:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const gatewayPort of [port + 1, port + 2]) {
        const h = await healthOf(`http://127.0.0.1:${gatewayPort}`);
        assert.equal(h.body['role'], 'gateway', JSON.stringify(h.body));
      }
      assert.equal((await healthOf(`http://127.0.0.1:${adminPort}`)).body['role'], 'control');
      assert.equal((await healthOf(`http://127.0.0.1:${adminPort + 3}`)).body['role'], 'worker');
      if (nginxInstalled) {
        assert.match(out, new RegExp(`Load balancer \\(nginx\\): http://127.0.0.1:${port}`));
        // Through nginx, the load balancer's check reaches a gateway node; relayed, it says only what a
        // balancer needs, the detail being for the operator's side (src/net/operator-view.ts).
        const lb = await healthOf(`http://127.0.0.1:${port}`);
        assert.equal(lb.status, 200);
        assert.deepEqual(lb.body, { status: 'ok', ready: true });
      } else {
        assert.match(out, /nginx not installed: call the gateway nodes directly/);
      }
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      // Every node is gone with it.
      for (const p of [port + 1, port + 2, adminPort, adminPort + 3]) {
        await assert.rejects(fetch(`http://127.0.0.1:${p}/healthz`), `nothing listens on ${p} any more`);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await db.drop();
    }
  });
});

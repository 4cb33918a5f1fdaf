import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startDemo } from './helpers/demo-process.ts';

/**
 * Issue 11: `npm run demo` while `npm start` runs. The demo's preferred ports are held here by listeners standing
 * in for `npm start` (moved off 8280/9080 through LGSP_DEMO_DEFAULT_*_PORT, so the test never touches them).
 */

function hold(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('lgsp demo beside a running platform', () => {
  let gateway: { server: Server; port: number };
  let admin: { server: Server; port: number };

  before(async () => {
    gateway = await hold('0.0.0.0');
    admin = await hold('127.0.0.1');
  });
  after(() => {
    gateway.server.close();
    admin.server.close();
  });

  test('default ports busy: the demo starts on free ones, says so, and prints the console and portal', async () => {
    const demo = await startDemo({
      LGSP_GATEWAY_PORT: undefined,
      LGSP_ADMIN_PORT: undefined,
      LGSP_DEMO_DEFAULT_GATEWAY_PORT: String(gateway.port),
      LGSP_DEMO_DEFAULT_ADMIN_PORT: String(admin.port),
    });
    try {
      assert.notEqual(portOf(demo.info.gatewayUrl), gateway.port);
      assert.notEqual(portOf(demo.info.adminUrl), admin.port);
      // The human lines follow the JSON line; wait until the last of them is there.
      for (let i = 0; i < 100 && !demo.output().includes('Ctrl+C'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const out = demo.output();
      assert.match(
        out,
        new RegExp(
          `Cổng kết nối / gateway ${gateway.port} đang bận .*dùng cổng ${portOf(demo.info.gatewayUrl)}`,
        ),
      );
      assert.match(
        out,
        new RegExp(`Cổng quản trị / admin ${admin.port} đang bận .*dùng cổng ${portOf(demo.info.adminUrl)}`),
      );
      assert.ok(out.includes(`Bảng điều khiển / Console: ${demo.info.adminUrl}/`), out);
      assert.ok(out.includes(`Cổng thông tin / Portal:   ${demo.info.adminUrl}/portal`), out);
      const branding = await fetch(`${demo.info.adminUrl}/api/v1/public/branding`);
      assert.equal(branding.status, 200, 'the demo’s own admin port answers');
    } finally {
      assert.equal(await demo.stop(), 0);
    }
  });

  test('a port set explicitly and taken: the demo stops and says exactly what to do', async () => {
    await assert.rejects(
      startDemo({ LGSP_GATEWAY_PORT: '0', LGSP_ADMIN_PORT: String(admin.port) }),
      (err: Error) =>
        err.message.includes('demo exited with 1') &&
        err.message.includes(
          `Cổng quản trị / admin ${admin.port} (LGSP_ADMIN_PORT / admin.port) đang được dùng`,
        ) &&
        err.message.includes(`The admin port ${admin.port} (LGSP_ADMIN_PORT / admin.port) is in use`) &&
        err.message.includes('LGSP_ADMIN_PORT=0') &&
        err.message.includes('unset LGSP_ADMIN_PORT'),
    );
  });
});

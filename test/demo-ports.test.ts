import assert from 'node:assert/strict';
import type { Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { holdPort, startDemo } from './helpers/demo-process.ts';

/**
 * Issue 11: `npm run demo` while `npm start` runs. A preferred port taken makes the demo choose another (asserted on
 * the demo test/demo.test.ts starts that way, beside the rest of what it shows); a port set explicitly and taken
 * stops it, here.
 */
describe('lgsp demo beside a running platform', () => {
  let admin: { server: Server; port: number };

  before(async () => {
    admin = await holdPort('127.0.0.1');
  });
  after(() => {
    admin.server.close();
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

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';

/**
 * Signed-in answers carried no Cache-Control: a browser kept the credentials list, the transactions and the users in
 * its disk cache, readable on a shared computer after the sign-out (OWASP ASVS 8.2.1). Every answer behind the login
 * is `no-store` now; the public portal's stay cacheable as they were.
 */
describe('signed-in answers are never cached', () => {
  let h: AdminHarness;
  before(async () => {
    h = await openAdminHarness('pglite');
    await seedProvince(h);
  });
  after(async () => h?.dispose());

  test('every signed-in read, and its refusals, say no-store', async () => {
    for (const url of [
      '/api/v1/me',
      '/api/v1/organizations',
      '/api/v1/systems',
      '/api/v1/credentials',
      '/api/v1/subscriptions',
      '/api/v1/transactions',
      '/api/v1/users',
      '/api/v1/audit-events',
      '/api/v1/webhooks',
      '/api/v1/systems/sys_khongco',
    ]) {
      const res = await h.call('GET', url);
      assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
      assert.equal(res.headers['cache-control'], 'no-store', `${url} (${res.statusCode})`);
    }
    const anonymous = await h.call('GET', '/api/v1/credentials', undefined, { token: null });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['cache-control'], 'no-store');
  });

  test('the public portal is not changed', async () => {
    const res = await h.call('GET', '/api/v1/public/services', undefined, { token: null });
    assert.equal(res.statusCode, 200);
    assert.notEqual(res.headers['cache-control'], 'no-store');
  });
});

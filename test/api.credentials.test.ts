import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type AdminHarness, openAdminHarness, seedProvince } from './helpers/admin-api.ts';
import { storeKinds } from './helpers/stores.ts';

for (const kind of storeKinds) {
  describe(`admin API credentials: secret shown once, stored hashed, revoked at once (${kind})`, () => {
    let h: AdminHarness;
    let seed: Awaited<ReturnType<typeof seedProvince>>;
    before(async () => {
      h = await openAdminHarness(kind);
      seed = await seedProvince(h);
    });
    after(() => h.dispose());

    test('issue → the secret is in the 201 answer only, never cached, stored only as SHA-256 (R-25)', async () => {
      const res = await h.call('POST', `/api/v1/systems/${seed.consumer.id}/credentials`, {
        environment: 'sandbox',
      });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.headers['cache-control'], 'no-store');
      const issued = res.json();
      assert.match(issued.id, /^cred_/);
      assert.equal(issued.systemId, seed.consumer.id);
      assert.equal(issued.environment, 'sandbox');
      assert.equal(issued.status, 'active');
      assert.equal(typeof issued.consumerKey, 'string');
      assert.ok(issued.consumerSecret.length >= 40, 'issued.consumerSecret.length >= 40');

      const row = await h.store.db
        .selectFrom('credentials')
        .selectAll()
        .where('id', '=', issued.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.secret_sha256, createHash('sha256').update(issued.consumerSecret).digest('hex'));
      assert.ok(
        !JSON.stringify(row).includes(issued.consumerSecret),
        '!JSON.stringify(row).includes(issued.consumerSecret)',
      );

      const got = await h.call('GET', `/api/v1/credentials/${issued.id}`);
      assert.equal(got.statusCode, 200);
      const list = await h.call('GET', `/api/v1/credentials?systemId=${seed.consumer.id}`);
      assert.equal(list.statusCode, 200);
      const audit = await h.call('GET', `/api/v1/audit-events?objectId=${issued.id}`);
      for (const body of [got.body, list.body, audit.body]) {
        assert.ok(!body.includes(issued.consumerSecret), 'the secret must not appear again');
        assert.ok(!body.includes('consumerSecret'), "!body.includes('consumerSecret')");
        assert.ok(!body.includes(row.secret_sha256), 'not even its hash');
      }
      const { consumerSecret: _secret, ...withoutSecret } = issued;
      assert.deepEqual(got.json(), withoutSecret);
      assert.deepEqual(list.json().items, [withoutSecret]);
      assert.equal(audit.json().items[0].action, 'credential.issue');
    });

    test('a provider-only system cannot get credentials; an unknown system is a 404', async () => {
      const provider = await h.call('POST', `/api/v1/systems/${seed.provider.id}/credentials`, {
        environment: 'production',
      });
      assert.equal(provider.statusCode, 409);
      assert.equal(provider.json().code, 'CP_SYSTEM_NOT_CONSUMER');
      const unknown = await h.call('POST', '/api/v1/systems/sys_nope/credentials', {
        environment: 'sandbox',
      });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'CP_SYSTEM_NOT_FOUND');
      const badEnv = await h.call('POST', `/api/v1/systems/${seed.consumer.id}/credentials`, {
        environment: 'staging',
      });
      assert.equal(badEnv.statusCode, 400);
      assert.equal(badEnv.json().code, 'API_VALIDATION_FAILED');
    });

    test('revoke with a reason, then again → 409; the audit event keeps the reason (R-21)', async () => {
      const issued = (
        await h.call('POST', `/api/v1/systems/${seed.consumer.id}/credentials`, { environment: 'production' })
      ).json();
      const res = await h.call('POST', `/api/v1/credentials/${issued.id}/revoke`, {
        reason: 'Đơn vị ngừng sử dụng',
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'revoked');
      assert.ok(res.json().revokedAt, 'res.json().revokedAt');
      assert.equal(res.json().consumerSecret, undefined);
      const audit = (await h.call('GET', `/api/v1/audit-events?objectId=${issued.id}&limit=1`)).json()
        .items[0];
      assert.equal(audit.action, 'credential.revoke');
      assert.equal(audit.details.reason, 'Đơn vị ngừng sử dụng');

      const again = await h.call('POST', `/api/v1/credentials/${issued.id}/revoke`, {});
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'CP_CREDENTIAL_REVOKED');
      assert.equal((await h.call('GET', `/api/v1/credentials/${issued.id}`)).json().status, 'revoked');
    });

    test('revoke needs no body at all', async () => {
      const issued = (
        await h.call('POST', `/api/v1/systems/${seed.consumer.id}/credentials`, { environment: 'sandbox' })
      ).json();
      const res = await h.call('POST', `/api/v1/credentials/${issued.id}/revoke`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().status, 'revoked');
      const missing = await h.call('POST', '/api/v1/credentials/cred_nope/revoke');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'CP_CREDENTIAL_NOT_FOUND');
    });
  });
}

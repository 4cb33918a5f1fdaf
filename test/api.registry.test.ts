import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contactReachable, type Organization } from '../src/api/contract/index.ts';
import { listMigrations } from '../src/store/migrate.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

async function expectStatus(res: { statusCode: number; body: string }, status: number): Promise<Json> {
  assert.equal(res.statusCode, status, res.body);
  return res.body ? JSON.parse(res.body) : {};
}

for (const kind of storeKinds) {
  describe(`admin API registry round trips (${kind})`, () => {
    let h: AdminHarness;
    let userId: string;
    const ids: Json = {};

    before(async () => {
      // The provider's sandbox sits in the province's WAN: the operator lists exactly it (issue 10).
      h = await openAdminHarness(kind, { overrides: { egress: { allow: ['10.0.0.5:8080'] } } });
      userId = (await h.call('GET', '/api/v1/me')).json().id;
    });
    after(() => h.dispose());

    /** The newest audit event of an object: written in the same transaction, by this user. */
    async function lastAudit(objectId: string): Promise<Json> {
      const res = await h.call('GET', `/api/v1/audit-events?objectId=${objectId}&limit=1`);
      const { items } = await expectStatus(res, 200);
      assert.equal(items.length, 1);
      assert.equal(items[0].actor, userId);
      // The reader sees who by name, as a person knows them; the id stays beside it (audit screen, issue s13).
      assert.equal(items[0].actorUsername, 'admin');
      return items[0];
    }

    test('organizations: create, list, get, update the contact point (R-09)', async () => {
      const parent = await expectStatus(
        await h.call('POST', '/api/v1/organizations', {
          code: '000.00.00.H01',
          name: 'UBND tỉnh An Giang',
          contact: { name: 'Trần Thị B', email: 'vpubnd@angiang.gov.vn' },
        }),
        201,
      );
      const org = await expectStatus(
        await h.call('POST', '/api/v1/organizations', {
          code: '000.00.31.H01',
          name: 'Sở Tư pháp',
          parentId: parent.id,
          contact: {
            name: 'Nguyễn Văn A',
            title: 'Phó phòng',
            phone: '0296 3852 000',
            email: 'a@angiang.gov.vn',
          },
        }),
        201,
      );
      assert.match(org.id, /^org_/);
      assert.equal(org.parentId, parent.id);
      assert.equal(org.contact.name, 'Nguyễn Văn A');
      assert.equal((await lastAudit(org.id)).action, 'organization.create');

      const list = await expectStatus(await h.call('GET', '/api/v1/organizations'), 200);
      assert.deepEqual(
        list.items.map((o: Json) => o.code),
        ['000.00.00.H01', '000.00.31.H01'],
      );
      assert.deepEqual(await expectStatus(await h.call('GET', `/api/v1/organizations/${org.id}`), 200), org);

      const updated = await expectStatus(
        await h.call('PATCH', `/api/v1/organizations/${org.id}`, {
          name: 'Sở Tư pháp tỉnh An Giang',
          contact: { name: 'Trần Thị B', email: 'b@angiang.gov.vn' },
        }),
        200,
      );
      assert.equal(updated.name, 'Sở Tư pháp tỉnh An Giang');
      assert.equal(updated.code, '000.00.31.H01');
      assert.equal(updated.contact.name, 'Trần Thị B');
      assert.equal(updated.contact.title, null);
      assert.equal((await lastAudit(org.id)).action, 'organization.update');

      const missing = await h.call('GET', '/api/v1/organizations/org_nope');
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().code, 'CP_ORGANIZATION_NOT_FOUND');
      const self = await h.call('PATCH', `/api/v1/organizations/${org.id}`, { parentId: org.id });
      assert.equal(self.statusCode, 400);

      // A contact e-mail is required: notices and alerts reach an organization there.
      const fields = async (body: unknown, method = 'POST', url = '/api/v1/organizations') => {
        const res = await h.call(method, url, body);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().code, 'API_VALIDATION_FAILED');
        return (res.json().errors as Json[]).map((e) => `${e.path}: ${e.message}`);
      };
      assert.deepEqual(await fields({ code: '000.00.32.H01', name: 'Sở Y tế' }), [
        '/contact: "Cán bộ đầu mối (R-09)": bắt buộc / required',
      ]);
      assert.deepEqual(await fields({ code: '000.00.32.H01', name: 'Sở Y tế', contact: { name: 'C' } }), [
        '/contact/email: "Thư điện tử của cán bộ đầu mối, nơi nhận thông báo và cảnh báo": bắt buộc / required',
      ]);
      assert.equal(
        (await fields({ contact: { name: 'C', email: null } }, 'PATCH', `/api/v1/organizations/${org.id}`))
          .length,
        1,
        'an update keeps an e-mail',
      );
      assert.equal(
        (await fields({ contact: null }, 'PATCH', `/api/v1/organizations/${org.id}`)).length,
        1,
        'nor is the contact point removed',
      );
      // One made before the rule (straight through the control plane here) is listed as unreachable.
      const older = await h.registry.createOrganization({ code: '000.00.33.H01', name: 'Sở Nội vụ' }, 'test');
      const unreachable = await expectStatus(
        await h.call('GET', '/api/v1/organizations?contact=missing'),
        200,
      );
      assert.deepEqual(
        unreachable.items.map((o: Json) => o.id),
        [older.id],
      );
      await expectStatus(
        await h.call('PATCH', `/api/v1/organizations/${older.id}`, {
          contact: { name: 'Lê Văn C', email: 'snv@angiang.gov.vn' },
        }),
        200,
      );
      assert.equal(
        (await expectStatus(await h.call('GET', '/api/v1/organizations?contact=missing'), 200)).total,
        0,
      );
      ids.org = org;
    });

    test('systems: create, filter by organization, suspend and activate (R-07)', async () => {
      const provider = await expectStatus(
        await h.call('POST', '/api/v1/systems', {
          organizationId: ids.org.id,
          name: 'CSDL Hộ tịch',
          isProvider: true,
        }),
        201,
      );
      const consumer = await expectStatus(
        await h.call('POST', '/api/v1/systems', {
          organizationId: ids.org.id,
          name: 'Cổng dịch vụ công',
          description: 'Một cửa điện tử',
          isConsumer: true,
        }),
        201,
      );
      assert.match(provider.id, /^sys_/);
      assert.equal(provider.organizationCode, '000.00.31.H01');
      assert.equal(provider.status, 'active');
      assert.equal(consumer.isConsumer, true);
      assert.equal(consumer.isProvider, false);
      assert.equal((await lastAudit(provider.id)).action, 'system.create');

      const byOrg = await expectStatus(
        await h.call('GET', `/api/v1/systems?organizationId=${ids.org.id}`),
        200,
      );
      assert.equal(byOrg.items.length, 2);
      const none = await expectStatus(await h.call('GET', '/api/v1/systems?organizationId=org_other'), 200);
      assert.equal(none.items.length, 0);

      const suspended = await expectStatus(
        await h.call('PATCH', `/api/v1/systems/${consumer.id}`, { status: 'suspended' }),
        200,
      );
      assert.equal(suspended.status, 'suspended');
      assert.equal((await lastAudit(consumer.id)).action, 'system.suspend');
      const active = await expectStatus(
        await h.call('PATCH', `/api/v1/systems/${consumer.id}`, { status: 'active', name: 'Cổng DVC tỉnh' }),
        200,
      );
      assert.equal(active.status, 'active');
      assert.equal(active.name, 'Cổng DVC tỉnh');
      assert.equal((await lastAudit(consumer.id)).action, 'system.activate');
      assert.deepEqual(
        await expectStatus(await h.call('GET', `/api/v1/systems/${consumer.id}`), 200),
        active,
      );

      const noRole = await h.call('POST', '/api/v1/systems', { organizationId: ids.org.id, name: 'X' });
      assert.equal(noRole.statusCode, 400);
      assert.equal(noRole.json().code, 'CP_SYSTEM_ROLE_REQUIRED');
      ids.provider = provider;
      ids.consumer = consumer;
    });

    test('services: create with the R-11 description, list, get, update', async () => {
      const service = await expectStatus(
        await h.call('POST', '/api/v1/services', {
          context: 'hotich',
          name: 'Tra cứu hộ tịch',
          providerSystemId: ids.provider.id,
          description: { addressAndInterface: 'REST/JSON', dataQuality: 'Cập nhật hằng ngày' },
        }),
        201,
      );
      assert.match(service.id, /^svc_/);
      assert.equal(service.description.dataQuality, 'Cập nhật hằng ngày');
      assert.equal((await lastAudit(service.id)).action, 'service.create');
      const list = await expectStatus(await h.call('GET', '/api/v1/services'), 200);
      assert.deepEqual(
        list.items.map((s: Json) => s.id),
        [service.id],
      );
      const updated = await expectStatus(
        await h.call('PATCH', `/api/v1/services/${service.id}`, {
          description: { capacity: '100 lượt/giây' },
        }),
        200,
      );
      assert.deepEqual(updated.description, { capacity: '100 lượt/giây' });
      assert.deepEqual(
        await expectStatus(await h.call('GET', `/api/v1/services/${service.id}`), 200),
        updated,
      );

      const byConsumer = await h.call('POST', '/api/v1/services', {
        context: 'khac',
        name: 'X',
        providerSystemId: ids.consumer.id,
      });
      assert.equal(byConsumer.statusCode, 409);
      assert.equal(byConsumer.json().code, 'CP_SYSTEM_NOT_PROVIDER');
      ids.service = service;
    });

    test('versions: create under a service, list both ways, publish, change upstreams (R-18)', async () => {
      const version = await expectStatus(
        await h.call('POST', `/api/v1/services/${ids.service.id}/versions`, {
          version: '1.0',
          upstreams: { sandbox: 'http://10.0.0.5:8080/hotich/' },
          resources: [{ method: 'get', path: '/khaisinh/{soDinhDanh}' }],
        }),
        201,
      );
      assert.match(version.id, /^ver_/);
      assert.equal(version.context, 'hotich');
      assert.equal(version.protocol, 'REST');
      assert.equal(version.status, 'draft');
      assert.deepEqual(version.upstreams, { sandbox: 'http://10.0.0.5:8080/hotich', production: null });
      assert.deepEqual(version.resources, [{ method: 'GET', path: '/khaisinh/{soDinhDanh}' }]);
      assert.equal((await lastAudit(version.id)).action, 'version.create');

      const second = await expectStatus(
        await h.call('POST', `/api/v1/services/${ids.service.id}/versions`, {
          version: '2.0',
          protocol: 'SOAP',
        }),
        201,
      );
      assert.deepEqual(second.resources, [{ method: '*', path: '/*' }]);

      const underService = await expectStatus(
        await h.call('GET', `/api/v1/services/${ids.service.id}/versions`),
        200,
      );
      assert.deepEqual(
        underService.items.map((v: Json) => v.version),
        ['1.0', '2.0'],
      );
      const all = await expectStatus(
        await h.call('GET', `/api/v1/versions?serviceId=${ids.service.id}`),
        200,
      );
      assert.equal(all.items.length, 2);
      const unknown = await h.call('GET', '/api/v1/services/svc_nope/versions');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'CP_SERVICE_NOT_FOUND');

      // Publishing is a workflow step with its sandbox evidence, never a PATCH: refused, nothing changed.
      const jump = await h.call('PATCH', `/api/v1/versions/${version.id}`, {
        status: 'published',
        upstreams: { production: 'https://hotich.angiang.gov.vn/api' },
      });
      assert.equal(jump.statusCode, 409);
      assert.equal(jump.json().code, 'CP_VERSION_STATE');
      const published = await expectStatus(
        await h.call('PATCH', `/api/v1/versions/${version.id}`, {
          upstreams: { production: 'https://hotich.angiang.gov.vn/api' },
        }),
        200,
      );
      assert.equal(published.status, 'draft');
      assert.deepEqual(published.upstreams, {
        sandbox: 'http://10.0.0.5:8080/hotich',
        production: 'https://hotich.angiang.gov.vn/api',
      });
      assert.equal((await lastAudit(version.id)).action, 'version.update');
      assert.deepEqual(
        await expectStatus(await h.call('GET', `/api/v1/versions/${version.id}`), 200),
        published,
      );

      const taken = await h.call('POST', `/api/v1/services/${ids.service.id}/versions`, { version: '1.0' });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().code, 'CP_VERSION_TAKEN');
      const badUrl = await h.call('PATCH', `/api/v1/versions/${version.id}`, {
        upstreams: { sandbox: 'ftp://x' },
      });
      assert.equal(badUrl.statusCode, 400);
      assert.equal(badUrl.json().code, 'CP_UPSTREAM_URL_INVALID');
      const badResource = await h.call('PATCH', `/api/v1/versions/${version.id}`, {
        resources: [{ method: 'GET', path: 'no-slash' }],
      });
      assert.equal(badResource.statusCode, 400);
      assert.equal(badResource.json().code, 'CP_RESOURCE_TEMPLATE_INVALID');
      ids.version = published;
    });

    test('subscriptions: create with quotas and time of use, filter, suspend, clear, revoke (R-12, R-16)', async () => {
      const sub = await expectStatus(
        await h.call('POST', '/api/v1/subscriptions', {
          systemId: ids.consumer.id,
          versionId: ids.version.id,
          environment: 'sandbox',
          quotaPerMinute: 60,
          quotaPerDay: 10000,
          timeOfUse: '07:00-17:30',
        }),
        201,
      );
      assert.match(sub.id, /^sub_/);
      assert.equal(sub.status, 'active');
      assert.equal(sub.timeOfUse, '07:00-17:30');
      assert.equal(sub.quotaPerMinute, 60);
      assert.equal((await lastAudit(sub.id)).action, 'subscription.create');

      const bySystem = await expectStatus(
        await h.call('GET', `/api/v1/subscriptions?systemId=${ids.consumer.id}`),
        200,
      );
      assert.equal(bySystem.items.length, 1);
      const byVersion = await expectStatus(
        await h.call('GET', `/api/v1/subscriptions?versionId=${ids.version.id}&systemId=${ids.provider.id}`),
        200,
      );
      assert.equal(byVersion.items.length, 0);

      const suspended = await expectStatus(
        await h.call('PATCH', `/api/v1/subscriptions/${sub.id}`, { status: 'suspended' }),
        200,
      );
      assert.equal(suspended.status, 'suspended');
      assert.equal((await lastAudit(sub.id)).action, 'subscription.suspend');
      const cleared = await expectStatus(
        await h.call('PATCH', `/api/v1/subscriptions/${sub.id}`, { quotaPerDay: null, timeOfUse: null }),
        200,
      );
      assert.equal(cleared.quotaPerDay, null);
      assert.equal(cleared.timeOfUse, null);
      assert.equal(cleared.quotaPerMinute, 60);
      const revoked = await expectStatus(
        await h.call('PATCH', `/api/v1/subscriptions/${sub.id}`, { status: 'revoked' }),
        200,
      );
      assert.equal((await lastAudit(sub.id)).action, 'subscription.revoke');
      assert.deepEqual(
        await expectStatus(await h.call('GET', `/api/v1/subscriptions/${sub.id}`), 200),
        revoked,
      );

      const again = await h.call('POST', '/api/v1/subscriptions', {
        systemId: ids.consumer.id,
        versionId: ids.version.id,
        environment: 'sandbox',
      });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'CP_SUBSCRIPTION_EXISTS');
      const badWindow = await h.call('PATCH', `/api/v1/subscriptions/${sub.id}`, {
        timeOfUse: '25:00-26:00',
      });
      assert.equal(badWindow.statusCode, 400);
      assert.equal(badWindow.json().code, 'CP_TIME_WINDOW_INVALID');
      const byProvider = await h.call('POST', '/api/v1/subscriptions', {
        systemId: ids.provider.id,
        versionId: ids.version.id,
        environment: 'production',
      });
      assert.equal(byProvider.statusCode, 409);
      assert.equal(byProvider.json().code, 'CP_SYSTEM_NOT_CONSUMER');
    });

    test('every change left one audit event with its config revision, newest first', async () => {
      const { items } = await expectStatus(await h.call('GET', '/api/v1/audit-events?limit=1000'), 200);
      const mine = items.filter((e: Json) => e.actor === userId);
      // 2 orgs + 2 updates (one gives an older organization its contact e-mail), 2 systems + 2 status changes,
      // 1 service + 1 update, 2 versions + 1 publish, 1 subscription + 3 changes = 17.
      assert.equal(mine.length, 17);
      assert.deepEqual([...new Set(mine.map((e: Json) => e.actorUsername))], ['admin']);
      // The actor filter still takes the id, and the name comes with every event it finds.
      const byActor = await expectStatus(
        await h.call('GET', `/api/v1/audit-events?actor=${userId}&limit=1000`),
        200,
      );
      assert.equal(byActor.items.length, 17);
      assert.deepEqual([...new Set(byActor.items.map((e: Json) => e.actorUsername))], ['admin']);
      const revisions = items.map((e: Json) => e.revision);
      assert.deepEqual(
        revisions,
        [...revisions].sort((a: number, b: number) => b - a),
      );
      assert.equal(new Set(revisions).size, revisions.length);
      const limited = await expectStatus(await h.call('GET', '/api/v1/audit-events?limit=2'), 200);
      assert.equal(limited.items.length, 2);
    });
  });

  describe(`a peer platform's organization is no agency: not flagged for a missing contact e-mail (${kind})`, () => {
    let h: AdminHarness;
    before(async () => {
      h = await openAdminHarness(kind, { overrides: { egress: { allow: ['10.0.0.5:8080'] } } });
    });
    after(() => h.dispose());

    test('registered as a peer: kind platform, reachable, not listed by contact=missing; an agency still is', async () => {
      const peer = await expectStatus(
        await h.call('POST', '/api/v1/peers', {
          code: 'ndxp',
          name: 'Nền tảng NDXP',
          kind: 'ndxp',
          gatewayUrl: 'http://10.0.0.5:8080',
        }),
        201,
      );
      const org = (await expectStatus(
        await h.call('GET', `/api/v1/organizations/${peer.organizationId}`),
        200,
      )) as Organization;
      assert.equal(org.kind, 'platform');
      assert.equal(org.contact, null, 'no e-mail invented for it');
      assert.equal(contactReachable(org), true, 'the console and the CLI do not flag it');
      const agency = await h.registry.createOrganization(
        { code: '000.00.33.H01', name: 'Sở Nội vụ' },
        'test',
      );
      assert.equal(agency.kind, 'agency');
      assert.equal(contactReachable(agency), false);
      const missing = await expectStatus(await h.call('GET', '/api/v1/organizations?contact=missing'), 200);
      assert.deepEqual(
        missing.items.map((o: Json) => o.id),
        [agency.id],
      );
      // The operator may still give it a contact point, as any organization's.
      const edited = await expectStatus(
        await h.call('PATCH', `/api/v1/organizations/${org.id}`, {
          contact: { name: 'Trung tâm điều hành NDXP', email: 'vanhanh@ndxp.gov.vn' },
        }),
        200,
      );
      assert.equal(edited.kind, 'platform');
      assert.equal(edited.contact.email, 'vanhanh@ndxp.gov.vn');
    });

    test('migration 0048 marks the organizations of peers registered before it, and only those', async () => {
      const orgs = (await expectStatus(await h.call('GET', '/api/v1/organizations?limit=500'), 200))
        .items as Json[];
      const before = Object.fromEntries(orgs.map((o) => [o.code, o.kind]));
      assert.equal(before['ndxp'], 'platform');
      const migration = listMigrations().find((m) => m.version === '0048_organization_kind');
      assert.ok(migration, 'the migration is listed');
      await h.store.execScript('ALTER TABLE organizations DROP COLUMN kind');
      await h.store.execScript(migration.script);
      const after = (await expectStatus(await h.call('GET', '/api/v1/organizations?limit=500'), 200))
        .items as Json[];
      assert.deepEqual(Object.fromEntries(after.map((o) => [o.code, o.kind])), before);
    });
  });
}

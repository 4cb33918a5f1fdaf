import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Alerts } from '../src/telemetry/alerts.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { type AdminHarness, openAdminHarness } from './helpers/admin-api.ts';
import { storeKinds } from './helpers/stores.ts';

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies read in assertions
type Json = Record<string, any>;

/*
 * Issue 11 item 2: alerts are acknowledged, resolved and have a history. Acknowledging says "I am on it": the
 * alert stays open, its history records who said it, and it is no longer escalated (the people an escalation
 * would tell again already know).
 */
for (const kind of storeKinds) {
  describe(`acknowledging an alert (${kind})`, () => {
    let h: AdminHarness;
    let alerts: Alerts;
    const raise = (key: string) =>
      alerts.raise({
        kind: 'provider.failing',
        key,
        severity: 'warning',
        subject: 'Dịch vụ hotich 1.0 lỗi / hotich 1.0 failing',
        text: 'Bên cung cấp trả lỗi / the provider fails',
        details: { errorRate: 0.5 },
      });

    before(async () => {
      h = await openAdminHarness(kind);
      alerts = new Alerts(h.store, h.clock, h.config.alerts, silentLogger());
    });
    after(() => h?.dispose());

    test('an acknowledged alert stays open, says when, keeps the note and who in its history, and is not escalated', async () => {
      const { alert } = await raise('provider.failing:ver_a:production');
      assert.equal(alert.acknowledgedAt, null);

      h.clock.advance(60_000);
      const res = await h.call('POST', `/api/v1/alerts/${alert.id}/acknowledge`, {
        note: 'Đang liên hệ bên cung cấp',
      });
      assert.equal(res.statusCode, 200, res.body);
      const acknowledged = res.json() as Json;
      assert.equal(acknowledged['state'], 'open');
      assert.equal(acknowledged['acknowledgedAt'], new Date(h.clock.nowMs()).toISOString());

      const open = (await h.call('GET', '/api/v1/alerts?state=open')).json() as Json;
      assert.equal(open['items'][0]['id'], alert.id);
      assert.equal(open['items'][0]['acknowledgedAt'], acknowledged['acknowledgedAt']);

      // The condition still firing later neither escalates it nor forgets the acknowledgement.
      h.clock.advance(30 * 60_000);
      assert.equal(
        await alerts.escalate('provider.failing:ver_a:production', 'vẫn lỗi / still failing'),
        null,
      );
      const seenAgain = await raise('provider.failing:ver_a:production');
      assert.equal(seenAgain.opened, false);
      assert.equal(seenAgain.alert.severity, 'warning');
      assert.equal(seenAgain.alert.escalatedAt, null);
      assert.equal(seenAgain.alert.acknowledgedAt, acknowledged['acknowledgedAt']);

      // One not acknowledged escalates as before.
      await raise('provider.failing:ver_b:production');
      const escalated = await alerts.escalate('provider.failing:ver_b:production', 'vẫn lỗi / still failing');
      assert.equal(escalated?.severity, 'critical');

      const events = (await h.call('GET', `/api/v1/alerts/${alert.id}/events`)).json() as Json;
      assert.deepEqual(
        events['items'].map((e: Json) => e['state']),
        ['open', 'acknowledged'],
      );
      assert.equal(events['items'][1]['note'], 'Đang liên hệ bên cung cấp (admin)');

      // Resolving still closes it; a resolved alert is not acknowledged any more.
      const resolved = await h.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { note: 'Đã sửa' });
      assert.equal(resolved.statusCode, 200, resolved.body);
      const late = await h.call('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { note: 'muộn' });
      assert.equal(late.statusCode, 409);
      assert.equal((late.json() as Json)['code'], 'TM_ALERT_RESOLVED');
    });

    test('an unknown alert is 404, an empty note 400: nothing is recorded', async () => {
      const unknown = await h.call('POST', '/api/v1/alerts/alr_khongco/acknowledge', { note: 'x' });
      assert.equal(unknown.statusCode, 404);
      assert.equal((unknown.json() as Json)['code'], 'TM_ALERT_NOT_FOUND');

      const { alert } = await raise('provider.failing:ver_c:production');
      const empty = await h.call('POST', `/api/v1/alerts/${alert.id}/acknowledge`, { note: '' });
      assert.equal(empty.statusCode, 400);
      assert.equal((empty.json() as Json)['code'], 'API_VALIDATION_FAILED');
      const events = (await h.call('GET', `/api/v1/alerts/${alert.id}/events`)).json() as Json;
      assert.deepEqual(
        events['items'].map((e: Json) => e['state']),
        ['open'],
      );
    });
  });
}

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Registry } from '../src/control/registry/index.ts';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { ManualClock } from '../src/core/clock.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { type Notifier, retryDelayMs } from '../src/notify/notifier.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { enqueueNotice, until, webhookNotifier } from './helpers/outbox.ts';
import { openTestStore, storeKinds, type TestStore } from './helpers/stores.ts';

/** A webhook's limit here: long enough that "while the hanging receiver still holds its request" holds on a busy machine. */
const HELD_LIMIT_MS = 4_000;
const TICK_MS = 100;
/** More rows for one receiver than a lane sends at once (notifier.ts), so a batch of them would fill the lane. */
const MORE_THAN_A_LANE = 25;

/**
 * Two receivers on one server: `/treo` (hanging) holds every request until the test releases it — a receiver that
 * answers at its limit or never; `/ok` answers at once. What each saw, in order.
 */
async function startReceivers() {
  const r = {
    url: '',
    server: null as unknown as Server,
    /** Requests `/treo` holds now. */
    held: [] as ServerResponse[],
    /** Requests `/treo` received, and those the notifier gave up on (closed by the sender at its limit). */
    hangingCalls: 0,
    hangingCut: 0,
    /** The most requests `/treo` held at one time. */
    mostHeld: 0,
    /** Per `/ok` call: how many `/treo` held, and how many it had seen cut, when it came. */
    okCalls: [] as Array<{ held: number; hangingCut: number }>,
    released: false,
    release() {
      r.released = true;
      for (const res of r.held.splice(0)) res.end('ok');
    },
  };
  r.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume().on('end', () => {
      if (req.url?.startsWith('/ok')) {
        r.okCalls.push({ held: r.held.length, hangingCut: r.hangingCut });
        res.end('ok');
        return;
      }
      r.hangingCalls++;
      if (r.released) {
        res.end('ok');
        return;
      }
      r.held.push(res);
      r.mostHeld = Math.max(r.mostHeld, r.held.length);
      res.on('close', () => {
        const i = r.held.indexOf(res);
        if (i >= 0) {
          r.held.splice(i, 1);
          r.hangingCut++;
        }
      });
    });
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', () => ok()));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  return r;
}

/**
 * One organization's receiver that hangs must not hold another organization's webhooks. Before, the webhook lane
 * claimed a batch of 20 and waited for its slowest send before claiming again, and a tick found the lane busy and
 * left it: a receiver that held its requests to the 10 s limit delayed every webhook claimed after its own — 10 s per
 * batch it had rows in, and one falling due meanwhile until the batch ended. Now a lane keeps up to 20 sends in
 * flight, one per receiver, and claims again as each ends or a tick comes.
 */
for (const kind of storeKinds) {
  describe(`a hanging webhook receiver holds no other organization's webhook (${kind})`, () => {
    let ts: TestStore;
    let receivers: Awaited<ReturnType<typeof startReceivers>>;
    let clock: ManualClock;
    let egress: EgressPolicy;
    let hangingOrg: string;
    let healthyOrg: string;
    const notifiers: Notifier[] = [];
    const notifier = (pollIntervalMs = 5000) => {
      const n = webhookNotifier(ts.store, clock, egress, { webhookTimeoutMs: HELD_LIMIT_MS, pollIntervalMs });
      notifiers.push(n);
      return n;
    };
    const enqueue = (organizationId: string) => enqueueNotice(ts.store, clock, organizationId);

    before(async () => {
      ts = await openTestStore(kind);
      receivers = await startReceivers();
      egress = new EgressPolicy({ allow: [new URL(receivers.url).host] });
      clock = new ManualClock(Date.now());
      const registry = new Registry(ts.store, clock);
      hangingOrg = (await registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test'))
        .id;
      healthyOrg = (await registry.createOrganization({ code: '000.00.32.H01', name: 'Sở Y tế' }, 'test')).id;
      for (const [organizationId, path] of [
        [hangingOrg, '/treo'],
        [healthyOrg, '/ok'],
      ] as const) {
        await createWebhookEndpoint(
          ts.store,
          clock,
          TEST_KEK,
          { organizationId, url: `${receivers.url}${path}` },
          'test',
          egress,
        );
      }
    });
    after(async () => {
      receivers.release();
      for (const n of notifiers) await n.stop();
      receivers.server.closeAllConnections();
      await new Promise((ok) => receivers.server.close(ok));
      await ts.dispose();
    });
    beforeEach(async () => {
      await ts.store.db.deleteFrom('notifications').execute();
      // A test that failed may have left requests held.
      receivers.release();
      receivers.released = false;
      receivers.hangingCalls = 0;
      receivers.hangingCut = 0;
      receivers.mostHeld = 0;
      receivers.okCalls.length = 0;
    });

    test('a webhook due behind more of the hanging receiver’s rows than a lane sends at once goes out while it still holds its request', async () => {
      for (let i = 0; i < MORE_THAN_A_LANE; i++) await enqueue(hangingOrg);
      clock.advance(1);
      await enqueue(healthyOrg);

      const round = notifier().deliverDue();
      await until(
        'the healthy receiver got its webhook, the hanging one holds its request',
        () => receivers.okCalls.length === 1 && receivers.held.length >= 1,
      );
      assert.equal(
        receivers.okCalls[0]!.hangingCut,
        0,
        'it came before any send to the hanging receiver had reached its limit',
      );
      assert.equal(
        receivers.mostHeld,
        1,
        'the hanging receiver holds one place of the lane, not all of them',
      );

      // Answering again, it gets its rows one after another, in the same round.
      receivers.release();
      assert.deepEqual(await round, { sent: MORE_THAN_A_LANE + 1, failed: 0, retried: 0 });
      assert.equal(receivers.hangingCalls, MORE_THAN_A_LANE, 'each row sent once');
    });

    test('a webhook falling due while the hanging receiver holds its request goes out at the next tick, not after it', async () => {
      await enqueue(hangingOrg);
      const n = notifier(TICK_MS);
      n.start();
      await until('the hanging receiver holds its request', () => receivers.held.length === 1);

      clock.advance(1);
      await enqueue(healthyOrg);
      await until('the healthy receiver got its webhook', () => receivers.okCalls.length === 1);
      assert.deepEqual(
        receivers.okCalls[0],
        { held: 1, hangingCut: 0 },
        'it came while the hanging receiver still held its request',
      );

      // The hanging receiver's send ends at its limit, a failed attempt retried after its back-off.
      await until('the hanging send reached its limit', () => receivers.hangingCut === 1);
      await n.stop();
      const rows = await ts.store.db
        .selectFrom('notifications')
        .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'notifications.recipient')
        .select([
          'webhook_endpoints.organization_id',
          'notifications.status',
          'notifications.next_attempt_at',
        ])
        .execute();
      const hanging = rows.find((r) => r.organization_id === hangingOrg)!;
      const healthy = rows.find((r) => r.organization_id === healthyOrg)!;
      assert.equal(healthy.status, 'sent');
      assert.equal(hanging.status, 'pending', 'kept for a retry');
      assert.equal(new Date(hanging.next_attempt_at).getTime(), clock.nowMs() + retryDelayMs(1));
    });
  });
}

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from '../src/control/registry/index.ts';
import { createWebhookEndpoint } from '../src/control/webhooks.ts';
import { ManualClock } from '../src/core/clock.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { type Notifier, takeClaimTurn } from '../src/notify/notifier.ts';
import type { Store } from '../src/store/port.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { TEST_KEK } from './helpers/keys.ts';
import { enqueueNotice, until, webhookNotifier } from './helpers/outbox.ts';
import { openTestStore, type TestStore, testDatabaseUrl } from './helpers/stores.ts';

/** A webhook's limit here: long enough that "while the hanging receiver still holds its request" holds on a busy machine. */
const HELD_LIMIT_MS = 4_000;
/** A claim's lease (notifier.ts CLAIM_LEASE_MS): a dead node's claim has lapsed after it. */
const CLAIM_LEASE_MS = 5 * 60_000;

/**
 * Receivers on one server: `/treo` (hanging) holds every request until the test releases it, then answers at once;
 * `/ok/…` answers after `okDelayMs`. What `/treo` saw: the `webhook-id` of each request, how many were open at a
 * time; and the most requests any one `/ok/…` receiver had open at a time.
 */
async function startReceivers() {
  const r = {
    url: '',
    server: null as unknown as Server,
    held: [] as ServerResponse[],
    /** The `webhook-id` of each request `/treo` received, in order. */
    hangingIds: [] as string[],
    /** Requests to `/treo` open now (received, not yet answered or cut), and the most at one time. */
    hangingOpen: 0,
    mostHangingOpen: 0,
    okCalls: 0,
    okDelayMs: 0,
    okOpen: new Map<string, number>(),
    mostOkOpenOnOne: 0,
    released: false,
    release() {
      r.released = true;
      for (const res of r.held.splice(0)) res.end('ok');
    },
  };
  r.server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (!req.url?.startsWith('/treo')) {
      const path = String(req.url);
      const open = (r.okOpen.get(path) ?? 0) + 1;
      r.okOpen.set(path, open);
      r.mostOkOpenOnOne = Math.max(r.mostOkOpenOnOne, open);
      res.on('close', () => r.okOpen.set(path, r.okOpen.get(path)! - 1));
      req.resume().on('end', () => {
        r.okCalls++;
        setTimeout(() => res.end('ok'), r.okDelayMs);
      });
      return;
    }
    // Counted from the request's arrival to its answer or cut, so two sends overlapping at all are seen.
    r.hangingIds.push(String(req.headers['webhook-id']));
    r.hangingOpen++;
    r.mostHangingOpen = Math.max(r.mostHangingOpen, r.hangingOpen);
    res.on('close', () => {
      r.hangingOpen--;
      const i = r.held.indexOf(res);
      if (i >= 0) r.held.splice(i, 1);
    });
    req.resume().on('end', () => {
      if (r.released) res.end('ok');
      else r.held.push(res);
    });
  });
  await new Promise<void>((ok) => r.server.listen(0, '127.0.0.1', () => ok()));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}`;
  return r;
}

/**
 * At most one send at a time to a recipient, across every node on one PostgreSQL (migration 0051). The bound was each
 * node's memory, and a lane's round outlives the job lease that starts it (a node giving its leases back at stop, or
 * whose session was lost, goes on claiming while the new holder runs its own lanes): two nodes each had a send to one
 * hanging receiver in flight, and more as nodes were added. Each notifier here has its own pool, as a node does.
 */
describe('one send at a time per recipient across nodes (postgres)', { skip: !testDatabaseUrl }, () => {
  let ts: TestStore;
  /** The second node's pool on the same database. */
  let otherStore: Store;
  let receivers: Awaited<ReturnType<typeof startReceivers>>;
  let clock: ManualClock;
  let egress: EgressPolicy;
  let hangingOrg: string;
  let healthyOrg: string;
  /** Ten organizations of one receiver each, for many claims racing. */
  const busyOrgs: string[] = [];
  const notifiers: Notifier[] = [];
  const notifier = (store: Store) => {
    const n = webhookNotifier(store, clock, egress, { webhookTimeoutMs: HELD_LIMIT_MS });
    notifiers.push(n);
    return n;
  };
  const enqueue = (organizationId: string) => enqueueNotice(ts.store, clock, organizationId);

  before(async () => {
    ts = await openTestStore('postgres');
    otherStore = await PostgresStore.open(ts.databaseUrl);
    receivers = await startReceivers();
    egress = new EgressPolicy({ allow: [new URL(receivers.url).host] });
    clock = new ManualClock(Date.now());
    const registry = new Registry(ts.store, clock);
    hangingOrg = (await registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Tư pháp' }, 'test'))
      .id;
    healthyOrg = (await registry.createOrganization({ code: '000.00.32.H01', name: 'Sở Y tế' }, 'test')).id;
    const endpoint = (organizationId: string, path: string) =>
      createWebhookEndpoint(
        ts.store,
        clock,
        TEST_KEK,
        { organizationId, url: `${receivers.url}${path}` },
        'test',
        egress,
      );
    await endpoint(hangingOrg, '/treo');
    for (let i = 0; i < 3; i++) await endpoint(healthyOrg, `/ok/${i}`);
    for (let i = 0; i < 10; i++) {
      const org = await registry.createOrganization(
        { code: `000.00.${40 + i}.H01`, name: `Sở ${i}` },
        'test',
      );
      await endpoint(org.id, `/ok/busy/${i}`);
      busyOrgs.push(org.id);
    }
  });
  after(async () => {
    receivers.release();
    await Promise.allSettled(notifiers.map((n) => n.stop()));
    receivers.server.closeAllConnections();
    await new Promise((ok) => receivers.server.close(ok));
    await otherStore.close().catch(() => undefined);
    await ts.dispose();
  });
  beforeEach(async () => {
    await ts.store.db.deleteFrom('notifications').execute();
    receivers.release();
    receivers.released = false;
    receivers.hangingIds.length = 0;
    receivers.mostHangingOpen = 0;
    receivers.okCalls = 0;
    receivers.okDelayMs = 0;
    receivers.mostOkOpenOnOne = 0;
  });

  test('two notifiers never have two sends to a hanging receiver in flight; other receivers still get theirs', async () => {
    for (let i = 0; i < 6; i++) await enqueue(hangingOrg);
    clock.advance(1);
    for (let i = 0; i < 2; i++) await enqueue(healthyOrg);
    const a = notifier(ts.store);
    const b = notifier(otherStore);

    const rounds = Promise.all([a.deliverDue(), b.deliverDue()]);
    await until(
      'the healthy receivers got their 6 webhooks while the hanging one holds a request',
      () => receivers.okCalls === 6 && receivers.held.length >= 1,
    );
    // Ticks on both nodes: each lane claims again, and finds the hanging receiver in flight.
    for (let i = 0; i < 5; i++) {
      a.startIdleLanes();
      b.startIdleLanes();
      await sleep(50);
    }
    assert.equal(receivers.mostHangingOpen, 1, 'one send to the hanging receiver in flight, on one node');

    // Answering again, it gets its rows one after another, from whichever node claims them.
    receivers.release();
    const [ra, rb] = await rounds;
    assert.equal(ra.sent + rb.sent, 12);
    assert.equal(ra.failed + rb.failed + ra.retried + rb.retried, 0);
    assert.equal(receivers.hangingIds.length, 6, 'each row sent once');
    assert.equal(new Set(receivers.hangingIds).size, 6);
    assert.equal(receivers.mostHangingOpen, 1, 'never two at once, while it hung or after');
    const left = await ts.store.db
      .selectFrom('notifications')
      .select('id')
      .where('claimed_until', 'is not', null)
      .execute();
    assert.deepEqual(left, [], 'every outcome ended its claim');
  });

  test('claims of two notifiers racing at every send’s end never take two rows of one receiver', async () => {
    // Each send's end has its lane claim again, on both nodes at once: claims cross all the time. Two at once must
    // not each miss the other's row still uncommitted and take one of the same receiver.
    for (let n = 0; n < 5; n++) for (const org of busyOrgs) await enqueue(org);
    receivers.okDelayMs = 5;
    const [ra, rb] = await Promise.all([notifier(ts.store).deliverDue(), notifier(otherStore).deliverDue()]);
    assert.equal(ra.sent + rb.sent, 50);
    assert.equal(receivers.okCalls, 50);
    assert.equal(receivers.mostOkOpenOnOne, 1, 'one send at a time to each receiver');
  });

  test('a claim waits for the turn of another node’s claim in progress, and then sees its row in flight', async () => {
    await enqueue(hangingOrg);
    clock.advance(1);
    await enqueue(hangingOrg);
    clock.advance(1);
    await enqueue(healthyOrg);
    const [, newer] = await ts.store.db
      .selectFrom('notifications')
      .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'notifications.recipient')
      .select('notifications.id')
      .where('webhook_endpoints.organization_id', '=', hangingOrg)
      .orderBy('next_attempt_at')
      .execute();

    // Another node's claim, not yet committed, has taken one of the hanging receiver's rows (which one a claim takes
    // is its own view: two claims side by side, each blind to the other's uncommitted row, took one each).
    let commit = () => {};
    let claimed = () => {};
    const inProgress = new Promise<void>((ok) => {
      claimed = ok;
    });
    const otherClaim = ts.store.db.transaction().execute(async (trx) => {
      await takeClaimTurn(trx, 'webhook');
      const leaseEnd = new Date(clock.nowMs() + CLAIM_LEASE_MS);
      await trx
        .updateTable('notifications')
        .set({ attempts: 1, next_attempt_at: leaseEnd, claimed_until: leaseEnd })
        .where('id', '=', newer!.id)
        .execute();
      claimed();
      await new Promise<void>((ok) => {
        commit = ok;
      });
    });
    await inProgress;

    const round = notifier(otherStore).deliverDue();
    try {
      await sleep(300);
      assert.equal(receivers.okCalls, 0, 'the claim waits for its turn');
    } finally {
      // Never left holding its row lock: the next test's cleanup would wait for it.
      commit();
      await otherClaim;
    }
    assert.deepEqual(await round, { sent: 3, failed: 0, retried: 0 }, 'the other receivers get theirs');
    assert.deepEqual(receivers.hangingIds, [], 'nothing to the receiver the other node is sending to');
  });

  test('a claim does not wait past its limit for a turn another node holds (frozen mid-claim): the next round claims', async () => {
    await enqueue(healthyOrg);
    let commit = () => {};
    let turnHeld = () => {};
    const held = new Promise<void>((ok) => {
      turnHeld = ok;
    });
    const frozenClaim = ts.store.db.transaction().execute(async (trx) => {
      await takeClaimTurn(trx, 'webhook');
      turnHeld();
      await new Promise<void>((ok) => {
        commit = ok;
      });
    });
    await held;
    const n = notifier(otherStore);
    try {
      const startedAt = Date.now();
      await assert.rejects(n.deliverDue(), /lock timeout/);
      const waitedMs = Date.now() - startedAt;
      assert.ok(waitedMs >= 4_500 && waitedMs < 9_000, `waited ${waitedMs} ms for the turn`);
      assert.equal(receivers.okCalls, 0);
    } finally {
      commit();
      await frozenClaim;
    }
    assert.deepEqual(await n.deliverDue(), { sent: 3, failed: 0, retried: 0 });
  });

  test('the claim of a notifier that died mid-send holds its receiver until it lapses, then another takes the row', async () => {
    for (let i = 0; i < 3; i++) await enqueue(hangingOrg);
    // The node that dies: its own pool, closed while its send is held — its outcome is never written.
    const deadStore = await PostgresStore.open(ts.databaseUrl);
    const dead = notifier(deadStore);
    const deadRound = dead.deliverDue().catch(() => undefined);
    await until('the dying node sends to the hanging receiver', () => receivers.held.length === 1);
    const [claimedByDead] = receivers.hangingIds;
    await deadStore.close();

    clock.advance(1);
    for (let i = 0; i < 2; i++) await enqueue(healthyOrg);
    const live = notifier(ts.store);
    assert.deepEqual(
      await live.deliverDue(),
      { sent: 6, failed: 0, retried: 0 },
      'the other receivers get theirs',
    );
    assert.deepEqual(
      receivers.hangingIds,
      [claimedByDead],
      'nothing more to the hanging receiver while the dead node’s claim lasts',
    );

    // The dead node's request ends (its outcome cannot be written) and the receiver answers again.
    receivers.release();
    await deadRound;
    assert.deepEqual(await live.deliverDue(), { sent: 0, failed: 0, retried: 0 }, 'the claim has not lapsed');

    clock.advance(CLAIM_LEASE_MS);
    assert.deepEqual(await live.deliverDue(), { sent: 3, failed: 0, retried: 0 });
    assert.equal(
      receivers.hangingIds.length,
      4,
      'the dead node’s row again (at least once), and the other two',
    );
    assert.equal(receivers.hangingIds.filter((id) => id === claimedByDead).length, 2);
    assert.equal(receivers.mostHangingOpen, 1);
    const row = await ts.store.db
      .selectFrom('notifications')
      .select(['status', 'attempts', 'claimed_until'])
      .where('id', '=', claimedByDead!)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'sent', attempts: 2, claimed_until: null });
  });
});

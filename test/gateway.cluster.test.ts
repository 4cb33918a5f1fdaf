import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Registry } from '../src/control/registry/index.ts';
import { systemClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { NatsQueue } from '../src/messaging/nats-queue.ts';
import { EgressPolicy } from '../src/net/egress.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { insertServices } from './helpers/bulk.ts';
import { adminCaller } from './helpers/cluster.ts';
import { startDestination } from './helpers/destination.ts';
import { getToken, within } from './helpers/gateway-harness.ts';
import {
  agentPerWorker,
  assertEveryCallRecorded,
  assertQuotaAcrossWorkers,
  everyWorkerIssues,
  freshCall,
  keptCall,
  startWorkersPlatform,
  untilEveryWorker,
  type WorkersPlatform,
} from './helpers/gateway-workers.ts';
import { FULL_DESCRIPTION, publishThroughSandbox } from './helpers/onboard.ts';
import { testCipher } from './helpers/payload-keys.ts';
import { createTestDatabase, testDatabaseUrl } from './helpers/stores.ts';

/**
 * LGSP_GATEWAY_WORKERS=2: the gateway in two worker processes, the store and recorder in the primary; the workers
 * accept on the shared socket (`gateway.workerAccept = kernel`, the default). A test that must reach both workers
 * calls on fresh connections until each has answered (test/helpers/gateway-workers.ts).
 */
describe('gateway in worker processes', () => {
  let workers: WorkersPlatform;
  let platform: Platform;
  let seed: WorkersPlatform['seed'];
  const call = freshCall;

  before(async () => {
    workers = await startWorkersPlatform();
    ({ platform, seed } = workers);
  });
  after(() => workers.stop());

  test('the workers share the listening socket: the primary hands out nothing', () => {
    assert.equal(cluster.schedulingPolicy, cluster.SCHED_NONE);
    assert.equal(platform.gatewayWorkers?.workerCount, 2);
  });

  test('calls through the workers are answered, and every one is recorded by the primary', () =>
    assertEveryCallRecorded(workers));

  test('a revocation reaches every worker within 1 s', async () => {
    const cred = await platform.registry.issueCredential(seed.consumerSystem.id, 'production', 'test');
    await platform.snapshots.refresh();
    await within(5_000, () => everyWorkerIssues(platform.gatewayUrl, cred));
    const token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    // Every worker has verified (and cached) the token before the revocation.
    const before = await untilEveryWorker(() => call(`${platform.gatewayUrl}/dancu/1.0/congdan/1`, token));
    assert.ok(
      before.every((r) => r.status === 200),
      `every worker answers before the revocation: ${before.map((r) => r.status).join(', ')}`,
    );
    await platform.registry.revokeCredential(cred.id, 'test');
    await within(1_000, async () => {
      // Every worker must refuse, not just one.
      const answers = await untilEveryWorker(() => call(`${platform.gatewayUrl}/dancu/1.0/congdan/1`, token));
      return answers.every((r) => r.status === 401);
    });
  });

  test('an admin API revocation is answered once every worker holds it: the next call on each is refused', async () => {
    const cred = await platform.registry.issueCredential(seed.consumerSystem.id, 'production', 'test');
    await platform.snapshots.refresh();
    await within(5_000, () => everyWorkerIssues(platform.gatewayUrl, cred));
    const token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    // A kept connection to each worker: the calls after the revocation reach both at once, with no accept between.
    const agents = await agentPerWorker((agent) => keptCall(platform.gatewayUrl, token, agent));
    for (const agent of agents) assert.equal((await keptCall(platform.gatewayUrl, token, agent)).status, 200);
    // A province-sized registry (3,000 more services): the snapshot the revocation makes is several hundred KB, more
    // than a pipe holds, so it reaches the workers over several writes while the admin API answers.
    const now = new Date();
    await insertServices(
      platform.store,
      Array.from({ length: 3_000 }, (_, i) => ({
        id: `svc_bulk${i}`,
        context: `bulk${i}`,
        name: `Dịch vụ số ${i}`,
        providerSystemId: seed.providerSystem.id,
        versionId: `ver_bulk${i}`,
        status: 'published' as const,
        createdAt: now,
      })),
      now,
    );
    const admin = await adminCaller(platform.adminUrl, 'mat-khau-kiem-thu');
    const revoked = await admin('POST', `/api/v1/credentials/${cred.id}/revoke`, {
      reason: 'thu hồi / revoked',
    });
    assert.equal(revoked.status, 200, revoked.text);
    const answers = await Promise.all(agents.map((agent) => keptCall(platform.gatewayUrl, token, agent)));
    for (const agent of agents) agent.destroy();
    assert.deepEqual(
      answers.map((r) => r.status),
      [401, 401],
      'the call right after the revocation is refused by both workers',
    );
  });

  test('a quota holds across workers (within one 100 ms sync of traffic)', () =>
    assertQuotaAcrossWorkers(workers));

  test('issue 10: workers deny the admin port bound after they started; the primary records and alerts', async () => {
    // An upstream saved before the admin port was known (a registry whose policy has no own ports), as data from
    // before the egress policy would be: the connect-time check is what stops it.
    const adminPort = Number(new URL(platform.adminUrl).port);
    const unaware = new Registry(platform.store, systemClock, new EgressPolicy({ allow: ['127.0.0.0/8'] }));
    await unaware.updateVersion(
      seed.v1.id,
      { upstreams: { production: `http://127.0.0.1:${adminPort}/api/v1/public` } },
      'test',
    );
    await platform.snapshots.refresh();
    const token = await getToken(
      platform.gatewayUrl,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
    );
    await within(5_000, async () => {
      const answers = await untilEveryWorker(() => call(`${platform.gatewayUrl}/dancu/1.0/congdan/1`, token));
      return answers.every((r) => r.status === 502);
    });
    const res = await fetch(`${platform.gatewayUrl}/dancu/1.0/congdan/1`, {
      headers: { authorization: `Bearer ${token}`, connection: 'close' },
    });
    assert.equal(((await res.json()) as { code: string }).code, 'GW_EGRESS_DENIED');
    await within(5_000, async () =>
      (await platform.alerts.list({ kind: 'egress.denied' })).some(
        (a) => a.key === `egress.denied:127.0.0.1:${adminPort}`,
      ),
    );
  });
});

const natsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';
const asyncSetups = testDatabaseUrl
  ? [
      // The primary's poll is a minute away: the workers' wake-up is what gets these delivered at once.
      { name: 'PostgreSQL, embedded queue', engine: 'embedded' as const, pollIntervalMs: 60_000 },
      // The primary's NATS view of pending messages is re-read at most once a second: its poll finds them.
      ...(natsUrl
        ? [{ name: 'PostgreSQL, NATS JetStream', engine: 'nats' as const, pollIntervalMs: 200 }]
        : []),
    ]
  : [];

/**
 * Async calls through gateway workers (issue 9): on PostgreSQL each worker opens its own queue engine and takes
 * messages itself, the primary delivers them. (On PGlite only the primary owns the store: workers answer 503.)
 */
for (const setup of asyncSetups) {
  describe(`gateway workers take async messages (${setup.name})`, () => {
    let platform: Platform;
    let destination: Awaited<ReturnType<typeof startDestination>>;
    let dropDatabase = async () => {};
    let token: string;
    const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-cluster-async-'));
    const prefix = `lgsp_cluster_${randomBytes(4).toString('hex')}`;

    before(async () => {
      destination = await startDestination();
      const db = await createTestDatabase();
      dropDatabase = db.drop;
      const config = loadConfig({
        env: {},
        overrides: {
          dataDir,
          databaseUrl: db.url,
          gateway: { port: 0, host: '127.0.0.1', workers: 2 },
          admin: { port: 0, password: 'mat-khau-kiem-thu' },
          messaging: {
            engine: setup.engine,
            natsUrl,
            natsPrefix: prefix,
            pollIntervalMs: setup.pollIntervalMs,
          },
          // Issue 10: the primary's deliverer pushes to the test's destination, allowed exactly.
          egress: { allow: [new URL(destination.url).host] },
          logLevel: 'silent',
        },
      });
      platform = await startPlatform(config, { logger: silentLogger() });
      const { registry } = platform;
      const org = await registry.createOrganization({ code: '000.00.31.H01', name: 'Sở Nội vụ' }, 'test');
      const dest = await registry.createSystem(
        { organizationId: org.id, name: 'Hệ thống văn bản', isProvider: true, isConsumer: false },
        'test',
      );
      const src = await registry.createSystem(
        { organizationId: org.id, name: 'Cổng dịch vụ công', isProvider: false, isConsumer: true },
        'test',
      );
      const service = await registry.createService(
        { context: 'vanban', name: 'Văn bản', providerSystemId: dest.id, description: FULL_DESCRIPTION },
        'test',
      );
      const version = await registry.createVersion(
        service.id,
        {
          version: '1.0',
          mode: 'async',
          upstreams: { sandbox: `${destination.url}/sandbox`, production: `${destination.url}/inbound` },
          resources: [{ method: 'POST', path: '/gui' }],
        },
        'test',
      );
      // The sandbox test message itself goes through a worker, and must be delivered for the version to publish.
      await publishThroughSandbox(platform, version.id);
      await registry.createSubscription(
        { systemId: src.id, versionId: version.id, environment: 'production' },
        'test',
      );
      const cred = await registry.issueCredential(src.id, 'production', 'test');
      await platform.snapshots.refresh();
      await within(5_000, () => everyWorkerIssues(platform.gatewayUrl, cred));
      token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    });
    after(async () => {
      await platform?.stop();
      if (setup.engine === 'nats') await (await NatsQueue.open(natsUrl, testCipher(), { prefix })).destroy();
      await destination?.close();
      await dropDatabase();
      rmSync(dataDir, { recursive: true, force: true });
    });

    test('an async POST through the workers is accepted (202) and delivered by the primary', async () => {
      const ids: string[] = [];
      let i = 0;
      // Fresh connections until both workers have taken messages (at least six).
      await untilEveryWorker(
        async () => {
          const res = await fetch(`${platform.gatewayUrl}/vanban/1.0/gui`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              connection: 'close',
            },
            body: JSON.stringify({ soVanBan: i++ }),
          });
          assert.equal(res.status, 202, await res.clone().text());
          const body = (await res.json()) as { messageId: string; state: string };
          assert.match(body.messageId, /^msg_/);
          ids.push(body.messageId);
          return res;
        },
        { min: 6 },
      );
      await within(15_000, async () => ids.every((id) => destination.received.has(id)));
      const status = await fetch(`${platform.gatewayUrl}/_lgsp/messages/${ids[0]}`, {
        headers: { authorization: `Bearer ${token}`, connection: 'close' },
      });
      assert.equal(status.status, 200);
      assert.equal(((await status.json()) as { state: string }).state, 'delivered');
    });
  });
}

import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../src/platform.ts';
import { getToken, within } from './helpers/gateway-harness.ts';
import {
  assertEveryCallRecorded,
  freshCall,
  startWorkersPlatform,
  tokenStatus,
  type WorkersPlatform,
} from './helpers/gateway-workers.ts';

/**
 * Issue 14 item 5, `gateway.workerAccept = kernel`: the workers accept on the one shared socket instead of the primary
 * handing connections out. What worker mode guarantees still holds — every call recorded by the primary, a quota
 * summed across the workers. A file of its own: node:cluster freezes its scheduling policy at a
 * process's first setupPrimary, and test/gateway.cluster.test.ts runs the round-robin default.
 */
describe('gateway workers accepting on the shared socket (gateway.workerAccept = kernel)', () => {
  let workers: WorkersPlatform;
  let platform: Platform;
  let seed: WorkersPlatform['seed'];
  // A fresh connection per call: each one is accepted by whichever worker the kernel wakes.
  const call = freshCall;

  before(async () => {
    workers = await startWorkersPlatform({ workerAccept: 'kernel' });
    ({ platform, seed } = workers);
  });
  after(() => workers.stop());

  test('the workers share the listening socket: the primary hands out nothing', () => {
    assert.equal(cluster.schedulingPolicy, cluster.SCHED_NONE);
    assert.equal(platform.gatewayWorkers?.workerCount, 2);
  });

  test('calls on fresh connections are answered, and every one is recorded by the primary', () =>
    assertEveryCallRecorded(workers));

  test('a quota holds across the workers: what one counted is known to the other before the next call', async () => {
    const sys = await platform.registry.createSystem(
      { organizationId: seed.consumer.id, name: 'Hệ thống hạn mức', isProvider: false, isConsumer: true },
      'test',
    );
    await platform.registry.createSubscription(
      { systemId: sys.id, versionId: seed.v1.id, environment: 'production', quotaPerDay: 10 },
      'test',
    );
    const cred = await platform.registry.issueCredential(sys.id, 'production', 'test');
    await platform.snapshots.refresh();
    // Every worker has the new snapshot once each of them hands out a token for the new credential.
    await within(5_000, async () =>
      (await Promise.all([1, 2, 3, 4].map(() => tokenStatus(platform.gatewayUrl, cred)))).every(
        (s) => s === 200,
      ),
    );
    const token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    let allowed = 0;
    for (let i = 0; i < 24; i++) {
      if ((await call(`${platform.gatewayUrl}/dancu/1.0/congdan/${i}`, token)).status === 200) allowed++;
      await platform.gatewayWorkers!.quotaSynced();
    }
    assert.equal(allowed, 10, 'the two workers together allow the quota, not twice it');
  });
});

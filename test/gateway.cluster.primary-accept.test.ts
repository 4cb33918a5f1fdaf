import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../src/platform.ts';
import { getToken, within } from './helpers/gateway-harness.ts';
import {
  assertEveryCallRecorded,
  everyWorkerIssues,
  freshCall,
  startWorkersPlatform,
  untilEveryWorker,
  type WorkersPlatform,
} from './helpers/gateway-workers.ts';

/**
 * Issue 14 item 5, `gateway.workerAccept = primary`, the alternative to the default: the primary accepts and hands
 * each connection to the next worker instead of the workers accepting on the shared socket. What worker mode
 * guarantees still holds — every call recorded by the primary, a quota summed across the workers. A file of its
 * own: node:cluster freezes its scheduling policy at a process's first setupPrimary, and
 * test/gateway.cluster.test.ts runs the default.
 */
describe('gateway workers handed their connections by the primary (gateway.workerAccept = primary)', () => {
  let workers: WorkersPlatform;
  let platform: Platform;
  let seed: WorkersPlatform['seed'];
  const call = freshCall;

  before(async () => {
    workers = await startWorkersPlatform({ workerAccept: 'primary' });
    ({ platform, seed } = workers);
  });
  after(() => workers.stop());

  test('the primary accepts and hands the connections out in turn', () => {
    assert.equal(cluster.schedulingPolicy, cluster.SCHED_RR);
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
    await within(5_000, () => everyWorkerIssues(platform.gatewayUrl, cred));
    const token = await getToken(platform.gatewayUrl, cred.consumerKey, cred.consumerSecret);
    let i = 0;
    const answers = await untilEveryWorker(
      async () => {
        const res = await call(`${platform.gatewayUrl}/dancu/1.0/congdan/${i++}`, token);
        await platform.gatewayWorkers!.quotaSynced();
        return res;
      },
      { min: 24 },
    );
    assert.equal(
      answers.filter((r) => r.status === 200).length,
      10,
      'the two workers together allow the quota, not twice it',
    );
  });
});

import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { after, before, describe, test } from 'node:test';
import type { Platform } from '../src/platform.ts';
import {
  assertEveryCallRecorded,
  assertQuotaAcrossWorkers,
  startWorkersPlatform,
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

  before(async () => {
    workers = await startWorkersPlatform({ workerAccept: 'primary' });
    ({ platform } = workers);
  });
  after(() => workers.stop());

  test('the primary accepts and hands the connections out in turn', () => {
    assert.equal(cluster.schedulingPolicy, cluster.SCHED_RR);
    assert.equal(platform.gatewayWorkers?.workerCount, 2);
  });

  test('calls on fresh connections are answered, and every one is recorded by the primary', () =>
    assertEveryCallRecorded(workers));

  test('a quota holds across the workers: what one counted is known to the other before the next call', () =>
    assertQuotaAcrossWorkers(workers));
});

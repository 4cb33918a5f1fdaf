import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { type Config, loadConfig } from '../../src/core/config.ts';
import { type Platform, startPlatform } from '../../src/platform.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { queryTransactions } from '../../src/telemetry/transactions.ts';
import { getToken, within } from './gateway-harness.ts';
import { seedProvince } from './seed.ts';
import { migratedDataDir } from './stores.ts';
import { startUpstream } from './upstream.ts';

/** A platform whose gateway runs in two worker processes (the store and recorder in the primary), seeded. */
export interface WorkersPlatform {
  platform: Platform;
  upstream: Awaited<ReturnType<typeof startUpstream>>;
  seed: Awaited<ReturnType<typeof seedProvince>>;
  stop(): Promise<void>;
}

export async function startWorkersPlatform(
  gateway: Partial<Config['gateway']> = {},
): Promise<WorkersPlatform> {
  const dataDir = await migratedDataDir('lgsp-workers-');
  const upstream = await startUpstream();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      gateway: { port: 0, host: '127.0.0.1', workers: 2, ...gateway },
      admin: { port: 0, password: 'mat-khau-kiem-thu' },
      // Local noon now: a quota test's local day cannot end while it runs, whatever the time of the run.
      timezoneOffsetMinutes: 720 - Math.floor((Date.now() % 86_400_000) / 60_000),
      // Issue 10: the workers start with the test's upstream allowed, exactly.
      egress: { allow: [new URL(upstream.url).host] },
      logLevel: 'silent',
    },
  });
  const platform = await startPlatform(config, { logger: silentLogger() });
  const seed = await seedProvince(platform, upstream.url);
  await platform.snapshots.refresh();
  return {
    platform,
    upstream,
    seed,
    async stop() {
      await platform.stop();
      await upstream.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers as node:http gives them (or a test's copy of them). */
type AnswerHeaders = Record<string, string | string[] | undefined>;

/**
 * Which gateway worker answered: every answer of the gateway names its transaction, and a transaction id carries
 * the per-process part of the process that made it (`SequentialIds`, src/core/ids.ts: `txn_`, 9 characters of
 * time, 12 of the process, 4 of a counter).
 */
export function answeringWorker(headers: Headers | AnswerHeaders): string {
  const id =
    headers instanceof Headers ? headers.get('x-lgsp-transaction-id') : headers['x-lgsp-transaction-id'];
  assert.ok(typeof id === 'string' && id.startsWith('txn_'), `the answer names its transaction (${id})`);
  return id.slice(13, 25);
}

/**
 * Calls `call` (each on a fresh connection) until each of the `workers` gateway workers has answered at least once,
 * and at least `min` times; returns every answer in order. Which worker takes a fresh connection is the kernel's
 * choice (`gateway.workerAccept = kernel`, the default) or the primary's turn (`primary`): a test that must reach
 * every worker asks until it has, whichever hands the connections out.
 */
export async function untilEveryWorker<A extends { headers: Headers | AnswerHeaders }>(
  call: () => Promise<A>,
  { workers = 2, min = 1 }: { workers?: number; min?: number } = {},
): Promise<A[]> {
  const answers: A[] = [];
  const seen = new Set<string>();
  while (seen.size < workers || answers.length < min) {
    assert.ok(answers.length < 200, `${seen.size} of ${workers} workers answered ${answers.length} calls`);
    const answer = await call();
    seen.add(answeringWorker(answer.headers));
    answers.push(answer);
  }
  assert.equal(seen.size, workers, 'answers from more workers than the gateway runs');
  return answers;
}

/**
 * One keep-alive connection to each of the `workers` gateway workers, as node:http agents of one socket each: a
 * test sends a call to the worker it chooses by the agent it passes. `probe` makes one harmless call through an
 * agent (its answer says which worker holds that connection); connections that reach a worker already held are
 * closed, and fresh ones opened until every worker holds one.
 */
export async function agentPerWorker(
  probe: (agent: Agent) => Promise<{ headers: IncomingHttpHeaders }>,
  workers = 2,
): Promise<Agent[]> {
  const held = new Map<string, Agent>();
  for (let tries = 0; held.size < workers; tries++) {
    assert.ok(tries < 200, `${held.size} of ${workers} workers reached in ${tries} connections`);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const worker = answeringWorker((await probe(agent)).headers);
    if (held.has(worker)) agent.destroy();
    else held.set(worker, agent);
  }
  return [...held.values()];
}

/** A GET of the seeded `dancu` service on the agent's kept connection (so, to the worker that holds it), its body read. */
export function keptCall(
  gatewayUrl: string,
  token: string,
  agent: Agent,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${gatewayUrl}/dancu/1.0/congdan/1`,
      { agent, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A GET on a fresh connection (so that it may reach any worker), its body read. */
export function freshCall(url: string, token: string): Promise<Response> {
  return fetch(url, { headers: { authorization: `Bearer ${token}`, connection: 'close' } }).then(
    async (r) => {
      await r.arrayBuffer();
      return r;
    },
  );
}

/** A token request for this credential on a fresh connection (so that it may reach any worker), its body read. */
export async function tokenAnswer(
  gatewayUrl: string,
  cred: { consumerKey: string; consumerSecret: string },
): Promise<Response> {
  const r = await fetch(`${gatewayUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
    body: `grant_type=client_credentials&client_id=${cred.consumerKey}&client_secret=${cred.consumerSecret}`,
  });
  await r.arrayBuffer();
  return r;
}

/** Whether every worker hands out a token for this credential (it has the snapshot that holds it). */
export async function everyWorkerIssues(
  gatewayUrl: string,
  cred: { consumerKey: string; consumerSecret: string },
): Promise<boolean> {
  const answers = await untilEveryWorker(() => tokenAnswer(gatewayUrl, cred));
  return answers.every((r) => r.status === 200);
}

/** Calls on fresh connections until both workers have answered (at least twenty): each answered, and each recorded
 * by the primary within 3 s. */
export async function assertEveryCallRecorded(w: WorkersPlatform): Promise<void> {
  const { platform, seed } = w;
  const token = await getToken(
    platform.gatewayUrl,
    seed.credential.consumerKey,
    seed.credential.consumerSecret,
  );
  let i = 0;
  const answers = await untilEveryWorker(
    () => freshCall(`${platform.gatewayUrl}/dancu/1.0/congdan/${i++}`, token),
    { min: 20 },
  );
  for (const res of answers) assert.equal(res.status, 200);
  const ids = answers.map((res) => res.headers.get('x-lgsp-transaction-id')!);
  await within(3_000, async () => {
    await platform.recorder.flush();
    const { items } = await queryTransactions(platform.store, {
      consumerSystemId: seed.consumerSystem.id,
      limit: 1000,
    });
    return ids.every((id) => items.some((t) => t.id === id));
  });
}

/**
 * A daily quota of 10 on a new subscription, called on fresh connections (at least 24 calls, and on until both
 * workers have answered): whichever worker took which call, together they allow exactly 10. A daily quota in a local
 * day that lasts the whole test: the limit, not a window boundary, is what refuses.
 */
export async function assertQuotaAcrossWorkers(w: WorkersPlatform): Promise<void> {
  const { platform, seed } = w;
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
      const res = await freshCall(`${platform.gatewayUrl}/dancu/1.0/congdan/${i++}`, token);
      // What each worker counted reaches the other before the next call (an event, not a sleep).
      await platform.gatewayWorkers!.quotaSynced();
      return res;
    },
    { min: 24 },
  );
  const allowed = answers.filter((r) => r.status === 200).length;
  assert.equal(allowed, 10, 'the two workers together allow the quota, not twice it');
}

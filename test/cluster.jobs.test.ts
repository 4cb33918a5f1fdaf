import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { type ClusterSession, openClusterSession } from '../src/store/cluster-session.ts';
import { Leases, PeriodicJobs } from '../src/store/leases.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { type Cluster, healthOf, seedClusterDatabase, startCluster } from './helpers/cluster.ts';
import type { PlatformProcess } from './helpers/platform-process.ts';
import { seedProvince } from './helpers/seed.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from './helpers/smtp.ts';
import { createTestDatabase, openTestStore, testDatabaseUrl } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';

const ADMIN_PASSWORD = 'mat-khau-kiem-thu-viec';
/** The health rules are evaluated every second: one evaluator counts about one occurrence a second. */
const EVALUATE_EVERY_S = 1;

/**
 * Issue 13 item 4, with real processes on real PostgreSQL: three worker nodes (and a control node). A credential
 * about to expire keeps the `credential.expiring` alert firing, so every health round counts one more occurrence
 * of it: one evaluator in the cluster counts one a second, three would count three. The alert opens once and is
 * e-mailed once. Then the node that holds the health job is killed (SIGKILL): another takes the job over within a
 * minute, and the count goes on at one evaluator's pace.
 */
describe('periodic jobs run once across the cluster', {
  skip: testDatabaseUrl ? false : 'LGSP_TEST_DATABASE_URL not set',
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'lgsp-jobs-'));
  const dataDir = join(root, 'data');
  let drop = async () => {};
  let databaseUrl = '';
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let cluster: Cluster | null = null;
  let credentialId = '';

  const occurrences = async (): Promise<number> => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ occurrences: number; n: string }>(
        `SELECT coalesce(sum(occurrences), 0)::int AS occurrences, count(*)::text AS n FROM alerts WHERE key = $1`,
        [`credential.expiring:${credentialId}`],
      );
      assert.ok(Number(rows[0]!.n) <= 1, `one alert for the condition, not ${rows[0]!.n}`);
      return rows[0]!.occurrences;
    } finally {
      await client.end();
    }
  };
  /** Which running worker holds the health job's lease (asked of each at /healthz). */
  const holdersOf = async (job: string): Promise<PlatformProcess[]> => {
    const holders: PlatformProcess[] = [];
    for (const w of cluster!.workers) {
      if (!w.running) continue;
      const h = await healthOf(w.adminUrl);
      if (h.body['jobs']?.[job]?.held === true) holders.push(w);
    }
    return holders;
  };

  before(async () => {
    const db = await createTestDatabase();
    databaseUrl = db.url;
    drop = db.drop;
    upstream = await startUpstream();
    smtp = await startSmtp();
    await seedClusterDatabase(
      { databaseUrl, dataDir, upstreamUrl: upstream.url, adminPassword: ADMIN_PASSWORD },
      async (seeding) => {
        const seed = await seedProvince(seeding, upstream.url);
        credentialId = seed.credential.id;
        // Ends in two days: inside the 7-day warning, so the rule fires on every round.
        await seeding.store.db
          .updateTable('credentials')
          .set({ expires_at: new Date(Date.now() + 2 * 86_400_000) })
          .where('id', '=', credentialId)
          .execute();
      },
    );
    cluster = await startCluster({
      databaseUrl,
      dataDir,
      keyFile: `${dataDir}.kek`,
      cwd: root,
      gateways: 0,
      workers: 3,
      adminPassword: ADMIN_PASSWORD,
      env: {
        LGSP_ALERT_INTERVAL_SECONDS: String(EVALUATE_EVERY_S),
        LGSP_ALERT_EMAILS: 'vanhanh@stttt.angiang.gov.vn',
        LGSP_SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
        LGSP_NOTIFY_POLL_INTERVAL_MS: '200',
        LGSP_EGRESS_ALLOW: `${new URL(upstream.url).host},127.0.0.1:${smtp.port}`,
      },
    });
  });

  after(async () => {
    await cluster?.killAll();
    await upstream?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
    await drop();
    rmSync(root, { recursive: true, force: true });
  });

  test('each job has one holder; kill -9 of the holder → another within a minute; no duplicate alert or e-mail', {
    timeout: 300_000,
  }, async () => {
    const c = cluster!;
    for (const job of ['health-monitor', 'notification-outbox', 'lifecycle-due', 'async-expiry']) {
      assert.equal((await holdersOf(job)).length, 1, `exactly one worker holds ${job}: ${c.output()}`);
    }
    // The alert opens on the first round, then counts one occurrence a round.
    const deadline = Date.now() + 30_000;
    while ((await occurrences()) === 0 && Date.now() < deadline) await sleep(200);
    const rate = async (what: string) => {
      const from = await occurrences();
      const startedAt = Date.now();
      await sleep(10_000);
      const counted = (await occurrences()) - from;
      const rounds = (Date.now() - startedAt) / 1000 / EVALUATE_EVERY_S;
      console.log(`${what}: ${counted} occurrences in ${rounds.toFixed(1)} rounds of one evaluator`);
      assert.ok(counted >= 1, `${what}: the health job runs (${counted} occurrences)`);
      assert.ok(
        counted <= rounds + 2,
        `${what}: one evaluator, not several: ${counted} in ${rounds.toFixed(1)} rounds`,
      );
    };
    await rate('three workers');

    const [holder] = await holdersOf('health-monitor');
    assert.ok(holder, 'a worker holds the health job');
    await holder.kill();
    const killedAt = Date.now();
    let taken: PlatformProcess[] = [];
    while (taken.length === 0 && Date.now() - killedAt < 60_000) {
      taken = await holdersOf('health-monitor');
      if (taken.length === 0) await sleep(250);
    }
    const takeoverMs = Date.now() - killedAt;
    console.log(`health job taken over ${takeoverMs} ms after kill -9 of its holder`);
    assert.equal(taken.length, 1, `one worker takes the health job over within a minute (${takeoverMs} ms)`);
    await rate('after the takeover');

    // Opened once, e-mailed once, whoever ran the rounds.
    const mails = smtp.mails.filter((m) => m.subject.includes('sắp hết hạn / credential expiring'));
    assert.equal(
      mails.length,
      1,
      `one e-mail for the opened alert: ${mails.map((m) => m.subject).join(' | ')}`,
    );
  });
});

describe('a job taken over runs at once', {
  skip: testDatabaseUrl ? false : 'LGSP_TEST_DATABASE_URL not set',
}, () => {
  test('its lease freed, the next node runs the job within its lease round, not at its next tick', async () => {
    const t = await openTestStore('postgres');
    const logger = silentLogger();
    const [first, second] = await Promise.all([
      openClusterSession(t.store, t.databaseUrl, logger),
      openClusterSession(t.store, t.databaseUrl, logger),
    ]);
    const runs = { first: 0, second: 0 };
    const node = (session: ClusterSession, name: 'first' | 'second') => {
      const leases = new Leases(session, logger, 100);
      const jobs = new PeriodicJobs(leases, logger);
      // A job of the minute, as lifecycle due dates are: its first tick a minute after start, as on every node.
      jobs.every('due-dates', { everyMs: 60_000 }, async () => {
        runs[name]++;
      });
      return { leases, jobs };
    };
    const a = node(first, 'first');
    const b = node(second, 'second');
    try {
      await a.leases.start();
      await b.leases.start();
      assert.deepEqual(
        [a.leases.holding(), b.leases.holding()],
        [['due-dates'], []],
        'the first node holds it',
      );
      // The first node's session ends (its process died): PostgreSQL frees its advisory locks.
      const freedAt = Date.now();
      await first.close();
      await waitFor(() => runs.second === 1, {
        what: 'the second node runs the job it took over',
        timeoutMs: 10_000,
      });
      const ranAfterMs = Date.now() - freedAt;
      assert.ok(ranAfterMs < 10_000, `run ${ranAfterMs} ms after the lease was freed`);
      assert.equal(runs.first, 0, 'the first node never reached its first tick');
    } finally {
      await a.jobs.stop();
      await b.jobs.stop();
      await b.leases.stop();
      await second.close();
      await t.dispose();
    }
  });
});

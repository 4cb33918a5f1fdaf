import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { adminCaller, type Cluster, healthOf, seedClusterDatabase, startCluster } from './helpers/cluster.ts';
import { getToken } from './helpers/gateway-harness.ts';
import type { PlatformProcess } from './helpers/platform-process.ts';
import { testRedisPrefix, testRedisUrl } from './helpers/redis.ts';
import { seedProvince } from './helpers/seed.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from './helpers/smtp.ts';
import { createTestDatabase, testDatabaseUrl } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';
import { waitFor } from './helpers/wait.ts';

const ADMIN_PASSWORD = 'mat-khau-kiem-thu-chuyen-doi';
const natsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';
/** The jobs the worker runs, each under its lease; the standby must hold every one after the takeover. */
const JOBS = ['health-monitor', 'lifecycle-due', 'notification-outbox', 'scheduled-backup'];
/** Callers per gateway node: many at once, so the kill lands on calls in flight. */
const CALLERS_PER_GATEWAY = 8;

const missing = [
  testDatabaseUrl ? null : 'LGSP_TEST_DATABASE_URL',
  natsUrl ? null : 'LGSP_TEST_NATS_URL',
  testRedisUrl ? null : 'LGSP_TEST_REDIS_URL',
].filter((v) => v !== null);

/**
 * Issue 13's must-show, with real processes on real PostgreSQL, NATS JetStream (the queue engine, its own stream
 * prefix) and Redis (the shared counters, its own key prefix): 3 gateway nodes, 1 control, 1 worker and a standby
 * worker, strict records.
 * A quota of 100/min called on the three gateways at once allows exactly 100 (Redis).
 * (a) Load on the three gateways, kill -9 of one mid-load: the other two keep answering every call, and every call
 *     any client received a complete answer for has exactly one record in the store.
 * (b) kill -9 of the worker that holds the job leases: the standby takes every job over within a minute, and no job
 *     result is doubled — one `version.retire` audit event, one alert and one e-mail for it, one maintenance notice
 *     and one e-mail per address, one scheduled backup.
 */
describe('failover: kill -9 of a gateway under load and of the worker', {
  skip: missing.length > 0 ? `${missing.join(', ')} not set` : false,
}, () => {
  const root = mkdtempSync(join(tmpdir(), 'lgsp-failover-'));
  const dataDir = join(root, 'data');
  let databaseUrl = '';
  let drop = async () => {};
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let cluster: Cluster | null = null;
  let credential = { id: '', consumerKey: '', consumerSecret: '' };
  let sunsetVersionId = '';
  let serviceId = '';
  /** A consumer subscribed with a quota of 100 calls a minute. */
  let quotaCredential = { consumerKey: '', consumerSecret: '' };

  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const jobsOf = async (node: PlatformProcess) =>
    (await healthOf(node.adminUrl)).body['jobs'] as Record<string, { held: boolean; runs: number }>;

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
        credential = seed.credential;
        serviceId = seed.dancu.id;
        const quotaSystem = await seeding.registry.createSystem(
          {
            organizationId: seed.consumer.id,
            name: 'Cổng dịch vụ công',
            isProvider: false,
            isConsumer: true,
          },
          'test',
        );
        await seeding.registry.createSubscription(
          { systemId: quotaSystem.id, versionId: seed.v1.id, environment: 'production', quotaPerMinute: 100 },
          'test',
        );
        quotaCredential = await seeding.registry.issueCredential(quotaSystem.id, 'production', 'test');
        // Ends in two days: `credential.expiring` fires on every health round (one alert, one e-mail).
        await seeding.store.db
          .updateTable('credentials')
          .set({ expires_at: new Date(Date.now() + 2 * 86_400_000) })
          .where('id', '=', credential.id)
          .execute();
        // A version whose sunset has passed: the lifecycle job retires it, once, whichever worker runs it.
        const sunset = await seeding.registry.createVersion(
          seed.thue.id,
          { version: '0.9', upstreams: {} },
          'test',
        );
        sunsetVersionId = sunset.id;
        await seeding.store.db
          .updateTable('service_versions')
          .set({ status: 'deprecated', sunset_at: new Date(Date.now() - 86_400_000) })
          .where('id', '=', sunset.id)
          .execute();
      },
    );
    cluster = await startCluster({
      databaseUrl,
      dataDir,
      keyFile: `${dataDir}.kek`,
      cwd: root,
      gateways: 3,
      workers: 1,
      adminPassword: ADMIN_PASSWORD,
      env: {
        LGSP_RECORDER_DURABILITY: 'strict',
        LGSP_MESSAGING_ENGINE: 'nats',
        LGSP_NATS_URL: natsUrl,
        LGSP_NATS_PREFIX: `failover${randomBytes(4).toString('hex')}`,
        LGSP_REDIS_URL: testRedisUrl,
        LGSP_REDIS_KEY_PREFIX: testRedisPrefix(),
        LGSP_ALERT_INTERVAL_SECONDS: '1',
        LGSP_ALERT_EMAILS: 'vanhanh@stttt.angiang.gov.vn',
        LGSP_SMTP_URL: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
        LGSP_NOTIFY_POLL_INTERVAL_MS: '200',
        LGSP_BACKUP_SCHEDULE: '1h',
        LGSP_EGRESS_ALLOW: `${new URL(upstream.url).host},127.0.0.1:${smtp.port}`,
      },
    });
    // The standby starts once the first worker holds every lease: it waits for them.
    await waitFor(() => heldBy(cluster!.workers[0]!), {
      what: 'the first worker holds every job',
    });
    await cluster.addNode('worker');
  });

  const heldBy = async (node: PlatformProcess) => {
    const jobs = await jobsOf(node);
    return JOBS.every((job) => jobs[job]?.held === true);
  };

  after(async () => {
    await cluster?.killAll();
    await upstream?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.server.close(() => resolve()) : resolve()));
    await drop();
    rmSync(root, { recursive: true, force: true });
  });

  test('a quota of 100/min called on the three gateways at once allows exactly 100', {
    timeout: 60_000,
  }, async () => {
    const c = cluster!;
    const token = await getToken(
      c.gateways[0]!.gatewayUrl,
      quotaCredential.consumerKey,
      quotaCredential.consumerSecret,
    );
    // One minute's window for the whole burst: not in its last 15 s.
    while (new Date().getUTCSeconds() >= 45) await sleep(500);
    const statuses = await Promise.all(
      Array.from({ length: 180 }, async (_, i) => {
        const res = await fetch(`${c.gateways[i % 3]!.gatewayUrl}/dancu/1.0/congdan/q${i}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    const allowed = statuses.filter((st) => st === 200).length;
    const refused = statuses.filter((st) => st === 429).length;
    console.log(
      `quota 100/min over 3 gateways, 180 calls at once: ${allowed} allowed, ${refused} refused (429)`,
    );
    assert.equal(allowed, 100, 'exactly the quota across the nodes');
    assert.equal(refused, 80, 'the rest refused');
  });

  test('(a) kill -9 of one gateway under load: the others answer every call; every answered call has one record', {
    timeout: 120_000,
  }, async () => {
    const c = cluster!;
    const token = await getToken(
      c.gateways[0]!.gatewayUrl,
      credential.consumerKey,
      credential.consumerSecret,
    );
    const perNode = c.gateways.map(() => ({ answered: [] as string[], failures: 0, afterKill: 0 }));
    let killed = false;
    let stop = false;
    const caller = async (node: number, n: number) => {
      const url = c.gateways[node]!.gatewayUrl;
      const seen = perNode[node]!;
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${url}/dancu/1.0/congdan/${node}-${n}-${i}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await res.arrayBuffer();
          // A complete answer: its status, and the id its record must have.
          if (res.status !== 200) seen.failures++;
          const id = res.headers.get('x-lgsp-transaction-id');
          if (id) seen.answered.push(id);
          if (killed) seen.afterKill++;
        } catch {
          // The killed node's connections break: expected there only, counted for the others.
          if (node !== 0) seen.failures++;
          if (node === 0 && killed) return;
          await sleep(20);
        }
      }
    };
    const callers = perNode.flatMap((_, node) =>
      Array.from({ length: CALLERS_PER_GATEWAY }, (_, n) => caller(node, n)),
    );
    await waitFor(() => perNode.every((s) => s.answered.length >= 100), { what: 'load on every gateway' });
    await c.gateways[0]!.kill();
    killed = true;
    const killedAt = Date.now();
    // The two left keep serving the same callers for a while after the kill.
    await waitFor(() => perNode[1]!.afterKill >= 200 && perNode[2]!.afterKill >= 200, {
      what: 'calls served after the kill',
    });
    stop = true;
    await Promise.all(callers);
    const servedForMs = Date.now() - killedAt;

    const answered = perNode.flatMap((s) => s.answered);
    const rows = await query<{ id: string; n: string }>(
      'SELECT id, count(*) AS n FROM transactions WHERE id = ANY($1) GROUP BY id',
      [answered],
    );
    const stored = new Map(rows.map((r) => [r.id, Number(r.n)]));
    const unrecorded = answered.filter((id) => !stored.has(id));
    const twice = rows.filter((r) => Number(r.n) > 1);
    console.log(
      `gateway kill -9 under load: ${answered.length} calls answered (${perNode.map((s) => s.answered.length).join(' + ')} per node), ` +
        `${perNode[1]!.afterKill + perNode[2]!.afterKill} served by the other two in ${servedForMs} ms after the kill, ` +
        `${stored.size} of ${answered.length} answered calls recorded, ${unrecorded.length} missing, ${twice.length} twice`,
    );
    assert.equal(perNode[1]!.failures + perNode[2]!.failures, 0, 'the two gateways left answered every call');
    assert.deepEqual(unrecorded, [], 'every answered call has its record');
    assert.deepEqual(twice, [], 'no record twice');
  });

  test('(b) kill -9 of the worker: the standby takes every job within a minute; no job result doubled', {
    timeout: 240_000,
  }, async () => {
    const c = cluster!;
    const [first, standby] = c.workers as [PlatformProcess, PlatformProcess];
    const mails = () => smtp.mails.filter((m) => m.subject.includes('sắp hết hạn / credential expiring'));
    // What the first worker did before it dies: the alert e-mailed, the version retired, the backup written.
    await waitFor(() => mails().length >= 1, { what: 'the alert e-mailed by the first worker' });
    await waitFor(
      async () => {
        const jobs = await jobsOf(first);
        return (jobs['lifecycle-due']?.runs ?? 0) >= 1 && (jobs['scheduled-backup']?.runs ?? 0) >= 1;
      },
      { what: 'the first worker ran the lifecycle and backup jobs', timeoutMs: 120_000 },
    );
    assert.ok(!(await heldBy(standby)), 'the standby holds nothing while the first worker lives');
    // A notice through the control node: its e-mails go out through the outbox job the first worker holds.
    const title = `Bảo trì thử chuyển đổi ${randomBytes(3).toString('hex')}`;
    const call = await adminCaller(c.control.adminUrl, ADMIN_PASSWORD);
    const announced = await call('POST', '/api/v1/maintenance', {
      serviceId,
      startsAt: new Date(Date.now() + 48 * 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 50 * 3_600_000).toISOString(),
      title,
      body: 'Nâng cấp máy chủ',
    });
    assert.ok(announced.status === 200 || announced.status === 201, announced.text);
    const noticeMails = () => smtp.mails.filter((m) => m.subject.includes(title) || m.text.includes(title));
    const outboxOf = async () =>
      (await query<{ n: string }>(`SELECT count(*) AS n FROM notifications WHERE status = 'pending'`))[0]!.n;
    await waitFor(async () => noticeMails().length >= 1 && (await outboxOf()) === '0', {
      what: "the notice's e-mails sent by the first worker",
    });

    await first.kill();
    const killedAt = Date.now();
    await waitFor(() => heldBy(standby), { what: 'the standby holds every job', timeoutMs: 60_000 });
    const takeoverMs = Date.now() - killedAt;
    // The standby runs them: its own lifecycle and backup rounds, and its health rounds count the alert on.
    const occurrences = async () =>
      Number(
        (
          await query<{ n: number }>(
            'SELECT coalesce(sum(occurrences), 0)::int AS n FROM alerts WHERE key = $1',
            [`credential.expiring:${credential.id}`],
          )
        )[0]!.n,
      );
    const before = await occurrences();
    await waitFor(
      async () => {
        const jobs = await jobsOf(standby);
        return (jobs['lifecycle-due']?.runs ?? 0) >= 1 && (jobs['scheduled-backup']?.runs ?? 0) >= 1;
      },
      { what: 'the standby ran the lifecycle and backup jobs', timeoutMs: 120_000 },
    );
    // The jobs taken over run at once (lifecycle and backup within seconds); its health rounds go on each second.
    await waitFor(async () => (await occurrences()) > before, {
      what: "the standby's health rounds count the alert on",
    });

    const retired = await query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_events WHERE action = 'version.retire' AND object_id = $1`,
      [sunsetVersionId],
    );
    const alerts = await query<{ n: string }>('SELECT count(*) AS n FROM alerts WHERE key = $1', [
      `credential.expiring:${credential.id}`,
    ]);
    const notices = await query<{ n: string }>('SELECT count(*) AS n FROM notices WHERE title = $1', [title]);
    const recipients = noticeMails().flatMap((m) => m.envelopeTo);
    const backups = readdirSync(join(dataDir, 'backups')).filter((f) => f.startsWith('lgsp-backup-'));
    console.log(
      `worker kill -9: every job taken over ${takeoverMs} ms after the kill; ` +
        `${retired[0]!.n} version.retire event, ${alerts[0]!.n} alert, ${mails().length} alert e-mail, ` +
        `${notices[0]!.n} notice, ${noticeMails().length} notice e-mail(s) to ${new Set(recipients).size} address(es), ${backups.length} scheduled backup`,
    );
    assert.ok(takeoverMs < 60_000, `taken over within a minute (${takeoverMs} ms)`);
    assert.equal(Number(retired[0]!.n), 1, 'the sunset version retired once: one audit event');
    assert.equal(Number(alerts[0]!.n), 1, 'one alert for the condition');
    assert.equal(mails().length, 1, 'one e-mail for the alert');
    assert.equal(Number(notices[0]!.n), 1, 'one notice');
    assert.equal(
      recipients.length,
      new Set(recipients).size,
      `each address e-mailed once: ${recipients.join(', ')}`,
    );
    assert.equal(backups.length, 1, `one scheduled backup in the hour: ${backups.join(', ')}`);
  });
});

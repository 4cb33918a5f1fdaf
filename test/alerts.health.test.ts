import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { SWEEP_MS } from '../src/net/deadlines.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertTransactions } from '../src/telemetry/record-copy.ts';
import { runRollups } from '../src/telemetry/rollups.ts';
import { within } from './helpers/gateway-harness.ts';
import { FULL_DESCRIPTION, testInSandbox } from './helpers/onboard.ts';
import { callRecord } from './helpers/records.ts';
import { SMTP_PASSWORD, SMTP_USER, startSmtp } from './helpers/smtp.ts';
import { withMigratedStore } from './helpers/stores.ts';
import { type Flood, flood, TRICKLES, type Trickle, trickle } from './helpers/trickle.ts';

const OPERATOR_EMAIL = 'giamsat@stttt.angiang.gov.vn';
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const T0 = Date.parse('2026-11-24T01:00:00Z');
/** The probes' whole-answer limit here (5 s by default): short, for the trickling health endpoint. */
const PROBE_LIMIT_MS = 1_000;

/**
 * Issue 5's must-show for alerts (R-06, R-22): with a controllable clock and generated history, a failing provider
 * raises an alert within 60 s, the e-mail reaches a real SMTP server, the alert escalates while it keeps failing
 * and resolves when the provider recovers; an active health probe does the same for a provider whose /health
 * fails; a credential about to end raises a warning that clears once it has ended.
 */
describe('health rules and alerts', () => {
  const clock = new ManualClock(T0);
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-health-'));
  let platform: Platform;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let probeTarget: Server;
  let probeUp = true;
  /** When set, /health answers this way instead (trickling, every read within the probe's per-read timeout). */
  let probeTrickles: Trickle | null = null;
  /** When true, /health answers 200 with a body without end; each such answer's flood is kept here. */
  let probeFloods = false;
  const floods: Array<Promise<Flood>> = [];
  let probeUrl: string;
  let version: { id: string; serviceId: string };
  let providerSystemId: string;
  let consumerSystemId: string;

  /** One recorded sync call of the seeded version at `atMs`, answered `status` by the provider (null: none). */
  const call = (atMs: number, status: number | null): TransactionRecord =>
    callRecord(atMs, {
      consumerSystemId,
      consumerOrgCode: '000.00.12.H01',
      providerSystemId,
      providerOrgCode: '000.00.31.H01',
      serviceId: version.serviceId,
      serviceContext: 'dangkydatdai',
      versionId: version.id,
      version: '1.0',
      resourceTemplate: '/thuadat/{so}',
      providerStatus: status,
      consumerStatus: status ?? 502,
      errorCode: status === null ? 'GW_UPSTREAM_UNREACHABLE' : null,
      responseBytes: 120,
      responseInAt: status === null ? null : atMs + 40,
      responseOutAt: atMs + 41,
    });
  /** Calls every `everyMs` in [fromMs, toMs). */
  const history = async (fromMs: number, toMs: number, everyMs: number, status: number | null) => {
    const batch: TransactionRecord[] = [];
    for (let at = fromMs; at < toMs; at += everyMs) batch.push(call(at, status));
    await insertTransactions(platform.store, batch);
  };
  const alertsByKind = async (kind: string) =>
    (await platform.alerts.list({ kind })).filter((a) => a.kind === kind);

  before(async () => {
    smtp = await startSmtp();
    await withMigratedStore(dataDir);
    probeTarget = createServer((_req, res) => {
      if (probeTrickles) trickle(res, probeTrickles);
      else if (probeFloods) floods.push(flood(res, Number.POSITIVE_INFINITY));
      else res.writeHead(probeUp ? 200 : 503).end();
    });
    await new Promise<void>((r) => probeTarget.listen(0, '127.0.0.1', r));
    probeUrl = `http://127.0.0.1:${(probeTarget.address() as AddressInfo).port}`;
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1' },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        notifications: {
          smtpUrl: `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
          pollIntervalMs: 100,
        },
        // The test runs each round itself, at the clock times it chooses; the timer's rounds would race it.
        alerts: {
          emails: [OPERATOR_EMAIL],
          evaluateIntervalSeconds: 3600,
          escalateAfterMinutes: 10,
          probeFailures: 2,
          probeTimeoutMs: PROBE_LIMIT_MS,
        },
        // Issue 10: the probed provider is this test's server, allowed exactly.
        egress: { allow: [new URL(probeUrl).host] },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { clock, logger: silentLogger() });
    const { registry } = platform;
    const provider = await registry.createOrganization(
      {
        code: '000.00.31.H01',
        name: 'Sở Tài nguyên và Môi trường',
        contact: { name: 'A', email: 'tnmt@x.vn' },
      },
      'test',
    );
    const consumer = await registry.createOrganization(
      { code: '000.00.12.H01', name: 'UBND huyện', contact: { name: 'B', email: 'ubnd@x.vn' } },
      'test',
    );
    const providerSystem = await registry.createSystem(
      { organizationId: provider.id, name: 'CSDL đất đai', isProvider: true, isConsumer: false },
      'test',
    );
    const consumerSystem = await registry.createSystem(
      { organizationId: consumer.id, name: 'Một cửa huyện', isProvider: false, isConsumer: true },
      'test',
    );
    providerSystemId = providerSystem.id;
    consumerSystemId = consumerSystem.id;
    const service = await registry.createService(
      { context: 'dangkydatdai', name: 'Đăng ký đất đai', providerSystemId, description: FULL_DESCRIPTION },
      'test',
    );
    const v = await registry.createVersion(
      service.id,
      {
        version: '1.0',
        upstreams: { sandbox: `${probeUrl}/sandbox`, production: `${probeUrl}/api` },
        healthCheck: { path: '/health', intervalSeconds: 30 },
      },
      'test',
    );
    version = { id: v.id, serviceId: service.id };
    // In its sandbox test the version is in the snapshot, and its health check runs.
    await testInSandbox(platform, v.id);
    await platform.snapshots.refresh();
  });

  after(async () => {
    await platform?.stop();
    smtp?.server.close();
    probeTarget?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('a failing provider: alert within 60 s, e-mail at the SMTP server, escalated, resolved on recovery', async () => {
    // Half an hour of healthy traffic, then from T the provider fails every call.
    const T = T0 + 30 * MINUTE;
    await history(T0, T, 10 * SECOND, 200);
    await history(T, T + 20 * MINUTE, 5 * SECOND, null);

    // The monitor's rounds, every 15 s of clock time from T on, until the alert is open.
    let openedAfterMs = -1;
    for (let at = T; at <= T + 2 * MINUTE; at += 15 * SECOND) {
      clock.set(at);
      await platform.health.evaluate();
      if ((await alertsByKind('provider.failing')).some((a) => a.state === 'open')) {
        openedAfterMs = at - T;
        break;
      }
    }
    assert.ok(openedAfterMs >= 0 && openedAfterMs <= 60 * SECOND, `alert after ${openedAfterMs} ms`);
    const [alert] = await alertsByKind('provider.failing');
    assert.equal(alert?.key, `provider.failing:${version.id}:production`);
    assert.equal(alert?.severity, 'critical');

    await within(10_000, async () =>
      smtp.mails.some((m) => m.envelopeTo.includes(OPERATOR_EMAIL) && /dangkydatdai/.test(m.subject)),
    );
    const opened = smtp.mails.find((m) => /dangkydatdai/.test(m.subject))!;
    assert.match(opened.subject, /MỞ \/ OPEN/);
    assert.match(opened.text, /thất bại/);

    // Still failing 10 minutes later: escalated once, not opened twice.
    clock.set(T + 11 * MINUTE);
    await platform.health.evaluate();
    await platform.health.evaluate();
    const failing = await alertsByKind('provider.failing');
    assert.equal(failing.length, 1, 'one alert per condition');
    assert.ok(failing[0]?.escalatedAt, 'escalated');
    assert.ok(failing[0]!.occurrences >= 3, 'failing[0]!.occurrences >= 3');

    // Recovery: successful answers from T + 20 min; once the window holds only them, the alert resolves.
    await history(T + 20 * MINUTE, T + 30 * MINUTE, 5 * SECOND, 200);
    clock.set(T + 26 * MINUTE);
    await platform.health.evaluate();
    const [resolved] = await alertsByKind('provider.failing');
    assert.equal(resolved?.state, 'resolved');
    await within(10_000, async () => smtp.mails.some((m) => /ĐÃ XỬ LÝ \/ RESOLVED/.test(m.subject)));

    // The state history, through the admin API as the operator reads it.
    const login = await fetch(`${platform.adminUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'mat-khau-kiem-thu' }),
    });
    const { token } = (await login.json()) as { token: string };
    const events = await fetch(`${platform.adminUrl}/api/v1/alerts/${resolved!.id}/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(events.status, 200);
    const { items } = (await events.json()) as { items: Array<{ state: string }> };
    assert.deepEqual(
      items.map((e) => e.state),
      ['open', 'escalated', 'resolved'],
    );
  });

  test('an active health probe: failing /health opens an alert, recovery resolves it', async () => {
    probeUp = false;
    const start = clock.nowMs() + 10 * MINUTE;
    for (let i = 0; i < 3; i++) {
      clock.set(start + i * 31 * SECOND);
      await platform.health.evaluate();
    }
    const [probe] = (await alertsByKind('provider.probe')).filter((a) => a.state === 'open');
    assert.ok(probe, 'probe alert open');
    assert.equal(probe.details['lastError'], 'HTTP 503');
    probeUp = true;
    clock.set(start + 4 * 31 * SECOND);
    await platform.health.evaluate();
    assert.equal((await alertsByKind('provider.probe'))[0]?.state, 'resolved');
  });

  test('a /health that trickles its answer, or sends 103 Early Hints again and again: down at probeTimeoutMs, the round not held (R-03)', {
    timeout: 60_000,
  }, async () => {
    for (const how of TRICKLES) {
      probeTrickles = how;
      const start = clock.nowMs() + 10 * MINUTE;
      for (let i = 0; i < 2; i++) {
        clock.set(start + i * 31 * SECOND);
        const t0 = performance.now();
        await platform.health.evaluate();
        const elapsedMs = performance.now() - t0;
        // Both environments are probed at once; the round's other rules read the store.
        assert.ok(elapsedMs < PROBE_LIMIT_MS + SWEEP_MS + 2_000, `${how}: the round took ${elapsedMs} ms`);
      }
      const [probe] = (await alertsByKind('provider.probe')).filter((a) => a.state === 'open');
      assert.ok(probe, `${how}: probe alert open`);
      assert.equal(
        probe.details['lastError'],
        `quá thời gian ${PROBE_LIMIT_MS} ms / timed out after ${PROBE_LIMIT_MS} ms`,
        how,
      );
      probeTrickles = null;
      clock.set(start + 2 * 31 * SECOND);
      await platform.health.evaluate();
      assert.deepEqual(
        (await alertsByKind('provider.probe')).filter((a) => a.state === 'open'),
        [],
        `${how}: resolved once /health answers`,
      );
    }
  });

  test('a /health that answers 200 without end: down at 256 KiB, "answer larger than", its connection closed', {
    timeout: 60_000,
  }, async () => {
    probeFloods = true;
    const start = clock.nowMs() + 10 * MINUTE;
    for (let i = 0; i < 2; i++) {
      clock.set(start + i * 31 * SECOND);
      const t0 = performance.now();
      await platform.health.evaluate();
      // Stopped by its size, not by the time limit: the alert's error below says which. The time only bounds the
      // round (a loaded CI machine once took 1,064 ms over a limit of 1,000 for a round stopped by size).
      const elapsedMs = performance.now() - t0;
      assert.ok(elapsedMs < PROBE_LIMIT_MS + 2_000, `the round took ${elapsedMs} ms`);
    }
    const [probe] = (await alertsByKind('provider.probe')).filter((a) => a.state === 'open');
    assert.ok(probe, 'probe alert open');
    assert.equal(
      probe.details['lastError'],
      'câu trả lời dài hơn 262144 byte / answer larger than 262144 bytes',
    );
    assert.ok(floods.length >= 2, `${floods.length} probes answered`);
    for (const sent of await Promise.all(floods)) {
      assert.equal(sent.complete, false);
      await sent.connectionClosed;
      assert.ok(sent.sentBytes < 16 * 1024 * 1024, `${sent.sentBytes} bytes sent`);
    }
    probeFloods = false;
    clock.set(start + 2 * 31 * SECOND);
    await platform.health.evaluate();
    assert.deepEqual(
      (await alertsByKind('provider.probe')).filter((a) => a.state === 'open'),
      [],
      'resolved once /health answers',
    );
  });

  test('a credential about to end raises a warning; it clears once the credential has ended', async () => {
    const issued = await platform.registry.issueCredential(consumerSystemId, 'production', 'test');
    await platform.lifecycle.rotateCredential(issued.id, 72, 'test');
    await platform.health.evaluate();
    const [expiring] = (await alertsByKind('credential.expiring')).filter((a) => a.state === 'open');
    assert.equal(expiring?.details['credentialId'], issued.id);
    assert.equal(expiring?.severity, 'warning');
    clock.advance(4 * 24 * 60 * MINUTE);
    await platform.health.evaluate();
    assert.equal((await alertsByKind('credential.expiring'))[0]?.state, 'resolved');
  });

  test('a provider called rarely: its last 5 calls failed over 40 minutes — alerted, and kept open while no call succeeds (R-06)', async () => {
    const key = `provider.failing:${version.id}:production`;
    const openFailing = async () =>
      (await alertsByKind('provider.failing')).filter((a) => a.state === 'open' && a.key === key);
    const now = clock.nowMs();
    // One call every 10 minutes, none answered: never 5 in one 5-minute window.
    await insertTransactions(
      platform.store,
      [40, 30, 20, 10, 1].map((minutesAgo) => call(now - minutesAgo * MINUTE, null)),
    );
    await platform.health.evaluate();
    const [opened] = await openFailing();
    assert.ok(opened, 'the last 5 calls all failed, as docs/monitoring.md says');
    assert.equal(opened.severity, 'critical');
    await within(10_000, async () =>
      smtp.mails.some((m) => /dangkydatdai/.test(m.subject) && /5 lời gọi gần nhất/.test(m.text)),
    );

    // Nobody calls for 20 minutes: the provider has not recovered, so the alert stays open.
    clock.advance(20 * MINUTE);
    await platform.health.evaluate();
    assert.equal((await openFailing()).length, 1, 'no call is no recovery');

    // One answered call: recovered.
    await insertTransactions(platform.store, [call(clock.nowMs() - SECOND, 200)]);
    await platform.health.evaluate();
    assert.deepEqual(await openFailing(), []);
  });

  test('a consumer still calling a service that ends within 30 days is alerted; it clears when it stops calling (R-21, R-22)', async () => {
    const DAY = 24 * 60 * MINUTE;
    await platform.lifecycle.publishVersion(version.id, {}, 'test');
    const endsAt = clock.nowMs() + 61 * DAY;
    await platform.lifecycle.scheduleDecommission(
      version.serviceId,
      { at: new Date(endsAt).toISOString(), reason: 'Chuyển sang CSDL quốc gia' },
      'test',
    );
    /** Calls of the past hours, rolled up as the platform's job does every 5 minutes. */
    const calledLately = async () => {
      await history(clock.nowMs() - 3 * 60 * MINUTE, clock.nowMs() - 2 * 60 * MINUTE, 5 * MINUTE, 200);
      await runRollups(platform.store, clock.nowMs());
    };
    await calledLately();
    await platform.health.evaluate();
    assert.deepEqual(await alertsByKind('consumer.cutoff'), [], '61 days ahead: nothing yet');

    clock.advance(35 * DAY);
    await calledLately();
    await platform.health.evaluate();
    const [cutoff] = (await alertsByKind('consumer.cutoff')).filter((a) => a.state === 'open');
    assert.ok(cutoff, 'the consumer still calls 26 days before the end');
    assert.equal(cutoff.severity, 'warning');
    assert.equal(cutoff.key, `consumer.cutoff:${version.id}:${consumerSystemId}`);
    assert.equal(cutoff.details['consumerSystemId'], consumerSystemId);
    assert.equal(cutoff.details['reason'], 'decommission');
    assert.equal(cutoff.details['endsAt'], new Date(endsAt).toISOString());
    assert.equal(cutoff.details['callsLast7Days'], 12);
    assert.match(
      cutoff.subject,
      /^Hệ thống Một cửa huyện \(000\.00\.12\.H01\) vẫn gọi dangkydatdai 1\.0 sắp ngừng \/ /,
    );
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Asia/Ho_Chi_Minh',
      dateStyle: 'short',
      timeStyle: 'short',
    })
      .format(endsAt)
      .replace(',', '');
    await within(10_000, async () =>
      smtp.mails.some((m) => m.envelopeTo.includes(OPERATOR_EMAIL) && /vẫn gọi dangkydatdai/.test(m.subject)),
    );
    const mail = smtp.mails.find((m) => /vẫn gọi dangkydatdai/.test(m.subject))!;
    assert.ok(mail.text.includes(`${local} (UTC+07:00)`), `${mail.text} names ${local}, Vietnam time`);

    // It stopped calling: a week later the alert clears by itself.
    clock.advance(8 * DAY);
    await runRollups(platform.store, clock.nowMs());
    await platform.health.evaluate();
    assert.equal((await alertsByKind('consumer.cutoff'))[0]?.state, 'resolved');
  });
});

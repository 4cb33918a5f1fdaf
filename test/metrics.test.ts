import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAdminApi, registeredRoutes } from '../src/api/server.ts';
import { systemClock } from '../src/core/clock.ts';
import { loadConfig } from '../src/core/config.ts';
import { type Platform, requestWorkflows, startPlatform } from '../src/platform.ts';
import type { Store } from '../src/store/port.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { statusClass, TelemetryMetrics } from '../src/telemetry/metrics.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { Recorder } from '../src/telemetry/recorder.ts';
import { getToken, within } from './helpers/gateway-harness.ts';
import { callRecord } from './helpers/records.ts';
import { seedProvince } from './helpers/seed.ts';
import { withMigratedStore } from './helpers/stores.ts';
import { startUpstream } from './helpers/upstream.ts';

/** Issue 5, item 4: Prometheus metrics at GET /metrics on the admin port, with bounded labels. */

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Scrape {
  samples: Sample[];
  /** Metric families by name, from the `# TYPE` lines (a labelled metric with no child yet has no sample). */
  types: Map<string, string>;
}

function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

/** The sum of the samples named `name` whose labels include `labels`. */
function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  return s.samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((sum, x) => sum + x.value, 0);
}

const METRICS_TOKEN = 'bi-mat-cua-prometheus-0123456789';

describe('Prometheus /metrics on the admin port', () => {
  let platform: Platform;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let seed: Awaited<ReturnType<typeof seedProvince>>;
  let token: string;
  let before0: Scrape;
  let after1: Scrape;
  let afterText: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'lgsp-metrics-'));

  const scrape = async (headers: Record<string, string> = {}) => {
    const res = await fetch(`${platform.adminUrl}/metrics`, { headers });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  const call = async (path: string, bearer: string | null) => {
    const res = await fetch(`${platform.gatewayUrl}${path}`, {
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    await res.arrayBuffer();
    return res.status;
  };

  before(async () => {
    upstream = await startUpstream();
    await withMigratedStore(dataDir);
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        gateway: { port: 0, host: '127.0.0.1', upstreamTimeoutMs: 300 },
        admin: { port: 0, password: 'mat-khau-kiem-thu' },
        recorder: { flushIntervalMs: 20 },
        logLevel: 'silent',
      },
    });
    platform = await startPlatform(config, { logger: silentLogger() });
    seed = await seedProvince(platform, upstream.url);
    await platform.snapshots.refresh();
    token = await getToken(platform.gatewayUrl, seed.credential.consumerKey, seed.credential.consumerSecret);
    // The seed's sandbox tests went through the gateway too: count from here on.
    await platform.recorder.flush();
    before0 = parseExposition(await scrape());

    for (let i = 0; i < 3; i++) assert.equal(await call(`/dancu/1.0/congdan/00109${i}000123`, token), 200);
    assert.equal(await call('/thue/1.0/masothue/0101', token), 403, 'not subscribed');
    assert.equal(await call('/khongco/1.0/x', token), 404, 'no such service');
    assert.equal(await call('/dancu/1.0/congdan/1', null), 401, 'no token');
    assert.equal(await call('/dancu/1.0/cham', token), 504, 'provider too slow');
    await within(3_000, async () => {
      await platform.recorder.flush();
      return platform.recorder.backlog === 0;
    });
    afterText = await scrape();
    after1 = parseExposition(afterText);
  });
  after(async () => {
    await platform?.stop();
    await upstream?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const delta = (name: string, labels: Record<string, string>) =>
    value(after1, name, labels) - value(before0, name, labels);

  test('counts every transaction by service, version, environment and status class', () => {
    const T = 'lgsp_gateway_transactions_total';
    const dancu = { service: 'dancu', version: '1.0', environment: 'production' };
    assert.equal(delta(T, { ...dancu, status_class: '2xx' }), 3);
    assert.equal(delta(T, { ...dancu, status_class: '5xx' }), 1);
    assert.equal(
      delta(T, { service: 'thue', version: '1.0', environment: 'production', status_class: '4xx' }),
      1,
    );
    // No route matched: the service is "none"; with a valid token the environment is still known.
    assert.equal(
      delta(T, { service: 'none', version: 'none', environment: 'production', status_class: '4xx' }),
      1,
    );
    assert.equal(delta(T, { service: 'none', version: 'none', environment: 'none', status_class: '4xx' }), 1);
    assert.equal(delta(T, {}), 7, 'seven calls, seven transactions');
  });

  test('times each transaction in the duration histogram', () => {
    const H = 'lgsp_gateway_request_duration_seconds';
    const ok = { service: 'dancu', status_class: '2xx' };
    assert.equal(delta(`${H}_count`, ok), 3);
    assert.equal(delta(`${H}_bucket`, { ...ok, le: '+Inf' }), 3);
    const slow = { service: 'dancu', status_class: '5xx' };
    assert.equal(delta(`${H}_count`, slow), 1);
    // The timed-out call took at least the 300 ms upstream limit.
    assert.ok(delta(`${H}_sum`, slow) >= 0.29, `sum ${delta(`${H}_sum`, slow)}`);
    assert.equal(delta(`${H}_bucket`, { ...slow, le: '0.25' }), 0);
    assert.equal(delta(`${H}_bucket`, { ...slow, le: '30' }), 1);
    const buckets = after1.samples
      .filter((s) => s.name === `${H}_bucket` && s.labels['service'] === 'dancu')
      .map((s) => s.labels['le']);
    for (const le of ['0.005', '0.1', '1', '30', '+Inf']) assert.ok(buckets.includes(le), `bucket ${le}`);
  });

  test('shows the notification outbox by channel, read at scrape time (its figures: test/notify.backlog)', () => {
    for (const name of ['lgsp_notifications_pending', 'lgsp_notifications_oldest_due_seconds']) {
      assert.equal(after1.types.get(name), 'gauge', `${name} is a gauge`);
      for (const channel of ['email', 'webhook']) {
        const sample = after1.samples.find((x) => x.name === name && x.labels['channel'] === channel);
        assert.ok(sample && Number.isFinite(sample.value), `${name}{channel="${channel}"} is read`);
      }
    }
  });

  test('shows the recorder and the snapshot, read at scrape time', () => {
    assert.equal(value(after1, 'lgsp_recorder_backlog'), 0);
    assert.equal(value(after1, 'lgsp_recorder_overloaded'), 0);
    assert.ok(
      delta('lgsp_recorder_records_written_total', {}) >= 7,
      "delta('lgsp_recorder_records_written_total', {}) >= 7",
    );
    assert.equal(value(after1, 'lgsp_recorder_records_written_total'), platform.recorder.written);
    assert.equal(value(after1, 'lgsp_recorder_failed_batches_total'), 0);
    assert.equal(value(after1, 'lgsp_snapshot_revision'), platform.snapshots.revision);
    assert.ok(platform.snapshots.revision > 0, 'platform.snapshots.revision > 0');
    const age = value(after1, 'lgsp_snapshot_age_seconds');
    assert.ok(age >= 0 && age < 600, `age ${age}`);
    assert.equal(after1.types.get('lgsp_recorder_records_written_total'), 'counter');
    assert.equal(after1.types.get('lgsp_snapshot_age_seconds'), 'gauge');
    // Sign-ins naming no account beyond the history's hourly bound (security.md §2.14): none here.
    assert.equal(after1.types.get('lgsp_sign_ins_overflow_total'), 'counter');
    assert.equal(value(after1, 'lgsp_sign_ins_overflow_total'), platform.accounts.signInsOverflowed);
  });

  test('includes the Node process metrics, and every metric name starts with lgsp_', () => {
    for (const name of [
      'lgsp_process_cpu_seconds_total',
      'lgsp_process_resident_memory_bytes',
      'lgsp_nodejs_heap_size_used_bytes',
      'lgsp_nodejs_eventloop_lag_p99_seconds',
    ]) {
      assert.ok(
        after1.samples.some((s) => s.name === name),
        name,
      );
    }
    const names = [...after1.types.keys(), ...after1.samples.map((s) => s.name)];
    assert.deepEqual(
      names.filter((n) => !n.startsWith('lgsp_')),
      [],
    );
  });

  test('labels are bounded: no consumer, credential, token or raw path in any label value', () => {
    const secrets = [
      seed.consumerSystem.id,
      seed.consumer.id,
      seed.consumer.code,
      seed.credential.id,
      seed.credential.consumerKey,
      seed.credential.consumerSecret,
      token,
    ];
    for (const secret of secrets) assert.ok(!afterText.includes(secret), `the scrape carries ${secret}`);
    const values = new Set(after1.samples.flatMap((s) => Object.values(s.labels)));
    for (const v of values) {
      for (const bad of [...secrets, '00109', 'congdan', 'masothue', 'khongco']) {
        assert.ok(!v.includes(bad), `label value ${v} carries ${bad}`);
      }
      assert.doesNotMatch(v, /^(sys|cred|org|sub|txn|svc|ver)_/, `label value ${v} is an id`);
    }
    const allowed = new Set(['service', 'version', 'environment', 'status_class', 'leg', 'le']);
    const gatewayLabels = after1.samples
      .filter((s) => /^lgsp_(gateway|async)_/.test(s.name))
      .flatMap((s) => Object.keys(s.labels));
    assert.deepEqual(
      gatewayLabels.filter((l) => !allowed.has(l)),
      [],
    );
  });

  test('is hidden from the OpenAPI document, and open without a session by default', async () => {
    const route = registeredRoutes(platform.admin).find((r) => r.url === '/metrics');
    assert.deepEqual(route, { method: 'GET', url: '/metrics', hidden: true });
    const doc = (await (await fetch(`${platform.adminUrl}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    assert.equal(doc.paths['/metrics'], undefined);
    assert.ok(doc.paths['/healthz'], "doc.paths['/healthz']");
  });

  test('with admin.metricsToken set, a scraper must send it as a bearer token', async () => {
    const config = loadConfig({ env: { LGSP_ADMIN_METRICS_TOKEN: METRICS_TOKEN } });
    assert.equal(config.admin.metricsToken, METRICS_TOKEN);
    assert.equal(loadConfig({ env: {} }).admin.metricsToken, '');
    const app = await createAdminApi({
      config,
      store: platform.store,
      registry: platform.registry,
      lifecycle: platform.lifecycle,
      accounts: platform.accounts,
      ...requestWorkflows(platform.store, platform.registry, systemClock, config),
      alerts: platform.alerts,
      logger: silentLogger(),
      clock: { nowMs: () => Date.now() },
      health: () => ({ status: 'ok' }),
      jwks: async () => ({ keys: [] }),
      kek: platform.kek,
      signingKeys: platform.signingKeys,
      metrics: platform.metrics,
    });
    try {
      const get = (authorization?: string) =>
        app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
      for (const refused of [
        undefined,
        'Bearer wrong',
        `Bearer ${METRICS_TOKEN}x`,
        `Basic ${METRICS_TOKEN}`,
      ]) {
        const res = await get(refused);
        assert.equal(res.statusCode, 401, String(refused));
        assert.equal(res.json().code, 'API_UNAUTHORIZED');
        assert.ok(!res.body.includes('lgsp_'), "!res.body.includes('lgsp_')");
      }
      // A signed-in operator's session token is not the metrics token.
      const session = await platform.accounts.login('admin', 'mat-khau-kiem-thu');
      assert.equal((await get(`Bearer ${session.token}`)).statusCode, 401);
      const ok = await get(`Bearer ${METRICS_TOKEN}`);
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /^# HELP lgsp_/m);
    } finally {
      await app.close();
    }
  });

  test('every metric in docs/grafana/openlgsp.json exists in a real scrape', () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../docs/grafana/openlgsp.json', import.meta.url), 'utf8'),
    );
    const expressions: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if ((k === 'expr' || k === 'definition') && typeof v === 'string') expressions.push(v);
          else if (k === 'query' && typeof v === 'string' && v.includes('lgsp_')) expressions.push(v);
          else walk(v);
        }
      }
    };
    walk(dashboard);
    assert.ok(expressions.length >= 10, `only ${expressions.length} expressions`);
    const used = new Set(expressions.flatMap((e) => e.match(/lgsp_[a-z0-9_]+/g) ?? []));
    const sampled = new Set(after1.samples.map((s) => s.name));
    const missing = [...used].filter((name) => {
      if (sampled.has(name) || after1.types.has(name)) return false;
      // A histogram's series: the family is declared once, its _bucket/_sum/_count are what queries use.
      const family = name.replace(/_(bucket|sum|count)$/, '');
      return after1.types.get(family) !== 'histogram';
    });
    assert.deepEqual(missing, [], 'metrics the dashboard uses that the platform does not expose');
    for (const name of [
      'lgsp_gateway_transactions_total',
      'lgsp_gateway_request_duration_seconds_bucket',
      'lgsp_recorder_backlog',
      'lgsp_snapshot_revision',
      'lgsp_snapshot_age_seconds',
      'lgsp_process_resident_memory_bytes',
      'lgsp_process_cpu_seconds_total',
      'lgsp_notifications_pending',
      'lgsp_notifications_oldest_due_seconds',
    ]) {
      assert.ok(used.has(name), `the dashboard shows ${name}`);
    }
    // Every panel reads the data source chosen in the dashboard's variable, and is titled in both languages.
    const variable = dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource');
    assert.equal(variable?.query, 'prometheus');
    // biome-ignore lint/suspicious/noExplicitAny: JSON read in assertions
    for (const panel of dashboard.panels as Array<Record<string, any>>) {
      assert.match(panel['title'], / \/ /, `panel ${panel['title']}: "Tiếng Việt / English"`);
      if (panel['type'] === 'row') continue;
      assert.equal(panel['datasource']?.uid, `\${${variable.name}}`, panel['title']);
    }
  });
});

describe('TelemetryMetrics', () => {
  const record = (over: Partial<TransactionRecord>): TransactionRecord =>
    callRecord(1_000, {
      id: 'txn_x',
      consumerSystemId: 'sys_consumer',
      consumerOrgCode: '000.00.12.H01',
      credentialId: 'cred_x',
      providerSystemId: 'sys_provider',
      providerOrgCode: '000.00.31.H01',
      serviceId: 'svc_x',
      serviceContext: 'dancu',
      versionId: 'ver_x',
      version: '1.0',
      resourceTemplate: '/congdan/{soDinhDanh}',
      responseInAt: 1_040,
      responseOutAt: 1_042,
      ...over,
    });

  test('records sent by gateway workers (recordMany) are counted like local ones; async legs apart', async () => {
    const metrics = new TelemetryMetrics({ defaultMetrics: false });
    // Never started or flushed: only what the recorder tells its observer matters here.
    const recorder = new Recorder(
      {} as Store,
      { flushIntervalMs: 1000, batchSize: 1000, maxBacklog: 1000 },
      silentLogger(),
      metrics,
    );
    recorder.record(record({}));
    recorder.recordMany([
      record({ consumerStatus: 502 }),
      record({ consumerStatus: 200 }),
      record({ leg: 'delivery', messageId: 'msg_x', consumerStatus: 200 }),
    ]);
    const s = parseExposition(await metrics.scrape());
    const dancu = { service: 'dancu', version: '1.0', environment: 'production' };
    assert.equal(value(s, 'lgsp_gateway_transactions_total', { ...dancu, status_class: '2xx' }), 2);
    assert.equal(value(s, 'lgsp_gateway_transactions_total', { ...dancu, status_class: '5xx' }), 1);
    assert.equal(value(s, 'lgsp_gateway_request_duration_seconds_count', {}), 3);
    assert.equal(value(s, 'lgsp_gateway_request_duration_seconds_sum', { status_class: '2xx' }), 0.084);
    assert.equal(value(s, 'lgsp_async_legs_total', { leg: 'delivery', status_class: '2xx' }), 1);
    assert.equal(recorder.backlog, 4);
    assert.ok(!s.samples.some((x) => x.name.startsWith('lgsp_process_')), 'default metrics off');
  });

  test('addGauge and addCollectedCounter read at scrape time; names must start with lgsp_', async () => {
    const metrics = new TelemetryMetrics({ defaultMetrics: false });
    let pending = 5;
    let delivered = 10;
    metrics.addGauge('lgsp_messages_pending', 'Messages waiting', async () => pending);
    metrics.addCollectedCounter('lgsp_messages_delivered_total', 'Messages delivered', () => delivered);
    let s = parseExposition(await metrics.scrape());
    assert.equal(value(s, 'lgsp_messages_pending'), 5);
    assert.equal(value(s, 'lgsp_messages_delivered_total'), 10);
    pending = 2;
    delivered = 13;
    s = parseExposition(await metrics.scrape());
    assert.equal(value(s, 'lgsp_messages_pending'), 2);
    assert.equal(value(s, 'lgsp_messages_delivered_total'), 13);
    assert.equal(s.types.get('lgsp_messages_delivered_total'), 'counter');
    assert.throws(() => metrics.addGauge('messages_pending', 'x', () => 1), /lgsp_/);
    assert.throws(() => metrics.addGauge('lgsp_Bad-Name', 'x', () => 1), /lgsp_/);
    assert.throws(() => metrics.addCollectedCounter('lgsp_delivered', 'x', () => 1), /_total/);
  });

  test('status classes', () => {
    assert.deepEqual([200, 204, 301, 401, 429, 499, 502, 504, 0].map(statusClass), [
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
      'other',
    ]);
  });
});

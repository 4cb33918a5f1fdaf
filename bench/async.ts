// `npm run bench:async`: asynchronous store-and-forward, end to end (issue 4). For each queue engine — `embedded`
// (the default: the queue table on the embedded PGlite store) and `nats` (NATS JetStream) — a platform is started in
// this process on a fresh data dir, one async push service is seeded and published the regulated way (sandbox test,
// then publish: R-11), a source system subscribes and gets a token, and N small messages are POSTed through the
// gateway. The figure is messages per second from the first send to the moment the destination has received the
// last message AND no payload is left in the queue: accepted → delivered → deleted (R-02). Beside it, in the same
// invocation, the same client load POSTed straight to the destination (no LGSP): the cost of store-and-forward.
// The intake rate alone (202 Accepted/s) and the latencies (send → 202, send → delivered) are printed too.
//
// Every run is checked, and the benchmark fails (exit code 1, no figure for that engine) unless every message was
// answered 202, reached the destination exactly once and intact (its Repr-Digest), and is `delivered` with no
// payload left in the store or the stream.
//
// The destination and the load client run as child processes by default, so that neither takes the platform's
// event loop (the platform — gateway, deliverer, recorder — is one process, as `npm start` is; PGlite has its own
// worker thread). The output ends with one line per engine that ran: `<engine>: <N> msg/s · end to end = <R>×
// direct`. An engine that cannot run (NATS unreachable) is skipped, and why is said on stderr.
//
// Arguments: --quick (smoke run: 500/1,000 messages, 50 warm-up), --profile (where the time goes: queries or NATS
// operations per message and phase; see async-profile.ts), --try=<experiments> (candidate optimisations applied at
// run time, to measure them before changing src/; see async-experiments.ts — every figure then says so),
// --engines=embedded,nats, --messages=N (both engines), --payload-bytes=N.
// Environment: BENCH_ENGINES, BENCH_MESSAGES (both engines), BENCH_MESSAGES_EMBEDDED (5,000), BENCH_MESSAGES_NATS
// (20,000), BENCH_PAYLOAD_BYTES (1,024), BENCH_CLIENT_CONCURRENCY (64 in flight), BENCH_DELIVERY_CONCURRENCY (128:
// the version's deliveryConcurrency, 1–256), BENCH_POLL_INTERVAL_MS (20: the deliverer's poll), BENCH_WARMUP (200
// messages, not measured), BENCH_IDEMPOTENCY_KEY (1: each message carries an Idempotency-Key, as the guide
// recommends; 0: none), BENCH_DESTINATION and BENCH_CLIENT (child | inline: run it in this process instead),
// BENCH_STALL_S (60: fail when no message arrives for this long), BENCH_TIMEOUT_S (900: fail when a measured run
// takes longer, saying the rate reached so far), BENCH_TRY, LGSP_BENCH_NATS_URL (nats://127.0.0.1:4222).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { TechnicalDescription } from '../src/api/contract/index.ts';
import { publishThroughSandbox, type SandboxTester } from '../src/cli/onboarding.ts';
import { loadConfig } from '../src/core/config.ts';
import { NatsQueue } from '../src/messaging/nats-queue.ts';
import { PayloadCipher } from '../src/messaging/payload-cipher.ts';
import { PayloadKeys } from '../src/messaging/payload-keys.ts';
import { type Platform, startPlatform } from '../src/platform.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import { getToken } from '../test/helpers/gateway-harness.ts';
import { applyExperiments, EXPERIMENTS, type Experiment, isExperiment } from './async-experiments.ts';
import { instrument, type Profiler, threadTimes } from './async-profile.ts';
import { type LoadOptions, type LoadResult, runLoad } from './fixtures/async-client.ts';
import { createAsyncDestination, type DestinationStats } from './fixtures/async-destination.ts';
import { listen } from './fixtures/serve.ts';
import { type Child, killAllSync, lastLines, spawnChild, stopChild, stopOnSignals } from './procs.ts';
import { table } from './text-table.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');

type EngineName = 'embedded' | 'nats';
type Placement = 'child' | 'inline';

// ---------------------------------------------------------------- settings: arguments over environment

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}
function count(name: string, envName: string, fallback: number): number {
  const raw = arg(name) ?? process.env[envName];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v <= 0)
    throw new Error(`${arg(name) ? `--${name}` : envName}: not a positive integer: ${raw}`);
  return v;
}
function placement(envName: string): Placement {
  const v = (process.env[envName] ?? 'child').trim();
  if (v !== 'child' && v !== 'inline') throw new Error(`${envName}: child or inline, not ${v}`);
  return v;
}

const quick = flag('quick');
const profile = flag('profile');
const engines = (arg('engines') ?? process.env['BENCH_ENGINES'] ?? 'embedded,nats')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is EngineName => {
    if (s === 'embedded' || s === 'nats') return true;
    if (s !== '') throw new Error(`unknown engine ${s}: embedded or nats`);
    return false;
  });
const bothMessages = arg('messages') ?? process.env['BENCH_MESSAGES'];
const messagesOf: Record<EngineName, number> = {
  embedded: count(
    'messages',
    bothMessages ? 'BENCH_MESSAGES' : 'BENCH_MESSAGES_EMBEDDED',
    quick ? 500 : 5_000,
  ),
  nats: count('messages', bothMessages ? 'BENCH_MESSAGES' : 'BENCH_MESSAGES_NATS', quick ? 1_000 : 20_000),
};
const payloadBytes = count('payload-bytes', 'BENCH_PAYLOAD_BYTES', 1024);
const clientConcurrency = count('client-concurrency', 'BENCH_CLIENT_CONCURRENCY', 64);
const deliveryConcurrency = count('delivery-concurrency', 'BENCH_DELIVERY_CONCURRENCY', 128);
const pollIntervalMs = count('poll-interval-ms', 'BENCH_POLL_INTERVAL_MS', 20);
const warmup = count('warmup', 'BENCH_WARMUP', quick ? 50 : 200);
const stallMs = count('stall-s', 'BENCH_STALL_S', 60) * 1000;
const timeoutMs = count('timeout-s', 'BENCH_TIMEOUT_S', 900) * 1000;
const idempotencyKey = (process.env['BENCH_IDEMPOTENCY_KEY'] ?? '1').trim() !== '0';
const destinationPlacement = placement('BENCH_DESTINATION');
const clientPlacement = placement('BENCH_CLIENT');
const natsUrl = process.env['LGSP_BENCH_NATS_URL']?.trim() || 'nats://127.0.0.1:4222';
const experiments: Experiment[] = (arg('try') ?? process.env['BENCH_TRY'] ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '')
  .map((s) => {
    if (!isExperiment(s)) throw new Error(`unknown experiment ${s}: ${EXPERIMENTS.join(', ')}`);
    return s;
  });
/** Said after every figure taken with experiments applied: they are not the platform as shipped. */
const tried =
  experiments.length > 0 ? ` (with --try=${experiments.join(',')}, NOT the platform as shipped)` : '';

// ---------------------------------------------------------------- output

const say = (line = ''): void => console.log(line);
/** Progress and skip reasons: on stderr, not part of the results. */
const progress = (line: string): void => void process.stderr.write(`  … ${line}\n`);
const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
function latencies(values: number[]): { p50: number; p99: number } {
  const sorted = values.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- children and cleanup

const stoppers: Array<() => Promise<void>> = [];
const tmpDirs: string[] = [];

async function cleanup(): Promise<void> {
  for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => undefined);
  killAllSync();
  for (const dir of tmpDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const signals = stopOnSignals(cleanup, {
  announce: () => process.stderr.write('interrupted: stopping the platform and the children …\n'),
});

function tmpDir(prefix: string): string {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  tmpDirs.push(dir);
  return dir;
}

// ---------------------------------------------------------------- the destination

interface DestinationHandle {
  url: string;
  stats(): Promise<DestinationStats>;
  arrivals(): Promise<Map<string, number>>;
  reset(): Promise<void>;
}

/** The same control endpoints wherever it runs, so the benchmark has one code path for both placements. */
async function startDestinationHandle(where: Placement): Promise<DestinationHandle> {
  let url: string;
  if (where === 'inline') {
    const server = createAsyncDestination();
    url = await listen(server);
    stoppers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
  } else {
    const child = spawnChild(
      'destination',
      process.execPath,
      ['--import', 'tsx', join(BENCH_DIR, 'fixtures', 'async-destination.ts')],
      { cwd: ROOT },
    );
    stoppers.push(() => stopChild(child));
    url = (JSON.parse(await child.firstLine(30_000)) as { url: string }).url;
  }
  const control = async <T>(path: string, method = 'GET'): Promise<T> => {
    const res = await fetch(`${url}/_bench/${path}`, { method });
    if (res.status !== 200) throw new Error(`destination ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  return {
    url,
    stats: () => control<DestinationStats>('stats'),
    async arrivals() {
      const { ids, atMs } = await control<{ ids: string[]; atMs: number[] }>('arrivals');
      return new Map(ids.map((id, i) => [id, atMs[i]!]));
    },
    reset: () => control<unknown>('reset', 'POST').then(() => undefined),
  };
}

// ---------------------------------------------------------------- the load client

interface RunningLoad {
  /** Settles when the client has every answer. */
  done: Promise<LoadResult>;
  /** The client's failure or error count, as soon as it is known (so a wait for deliveries can stop early). */
  failed(): string | null;
}

function startLoad(options: LoadOptions): RunningLoad {
  let failure: string | null = null;
  let done: Promise<LoadResult>;
  if (clientPlacement === 'inline') {
    done = runLoad(options);
  } else {
    const { token, ...rest } = options;
    const resultFile = join(tmpDir('lgsp-bench-client-'), 'result.json');
    const child: Child = spawnChild(
      'client',
      process.execPath,
      ['--import', 'tsx', join(BENCH_DIR, 'fixtures', 'async-client.ts'), JSON.stringify(rest), resultFile],
      // The token travels in the environment, not on a command line anyone on the machine can read.
      { cwd: ROOT, env: { ...process.env, BENCH_CLIENT_TOKEN: token ?? '' } },
    );
    done = child.exited.then((code) => {
      if (code !== 0) throw new Error(`load client exited (${code}): ${lastLines(child)}`);
      return JSON.parse(readFileSync(resultFile, 'utf8')) as LoadResult;
    });
  }
  done = done.then((r) => {
    if (r.errors > 0) failure = `${r.errors} sends failed: ${r.errorSamples.join(' | ')}`;
    return r;
  });
  done.catch((err: Error) => {
    failure = err.message;
  });
  return { done, failed: () => failure };
}

// ---------------------------------------------------------------- one platform per engine

interface EngineSetup {
  platform: Platform;
  token: string;
  path: string;
  /** Payloads still in the queue: rows with has_payload (embedded), work-queue messages (nats). */
  pending(): Promise<number>;
  /** Payload bytes still stored anywhere: payload rows (embedded), work-queue messages and object chunks (nats). */
  leftoverPayloads(): Promise<number>;
  stop(): Promise<void>;
}

const DESCRIPTION: TechnicalDescription = {
  addressAndInterface: 'REST qua LGSP, thông điệp bất đồng bộ',
  communicationStandards: 'HTTP/1.1',
  encryptionAndSecurity: 'TLS 1.2+, OAuth 2.0 client credentials',
  capacity: 'đo hiệu năng / benchmark',
  connectionProcedure: 'Đăng ký khai thác → sandbox → chính thức',
  dataQuality: 'Dữ liệu mẫu',
  dataPresentation: 'application/octet-stream',
};
const DOCUMENT = {
  technicalDocument: JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Đo hiệu năng thông điệp', version: '1.0' },
    paths: {},
  }),
  documentType: 'openapi' as const,
};

/** Why NATS cannot be used, or null when it answers and has JetStream. */
async function natsProblem(url: string): Promise<string | null> {
  try {
    const nc = await connect({ servers: url, timeout: 2000, reconnect: false });
    try {
      await (await jetstreamManager(nc)).getAccountInfo();
      return null;
    } finally {
      await nc.close();
    }
  } catch (err) {
    return `${url}: ${(err as Error).message}`;
  }
}

async function startEngine(engine: EngineName, destination: DestinationHandle): Promise<EngineSetup> {
  const dataDir = tmpDir(`lgsp-bench-${engine}-`);
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    env: {},
    cwd: dataDir,
    overrides: {
      dataDir,
      // Every sender is on 127.0.0.1: the per-address connection cap (issue 10) is lifted for the bench.
      gateway: { port: 0, host: '127.0.0.1', maxConnectionsPerAddress: 100000 },
      admin: { port: 0, host: '127.0.0.1', password: 'mat-khau-do-hieu-nang' },
      messaging: { engine, natsUrl, natsPrefix: prefix, pollIntervalMs },
      // Issue 10: the bench's destination, exactly.
      egress: { allow: [new URL(destination.url).host] },
      logLevel: 'silent',
    },
  });
  const platform = await startPlatform(config, { logger: silentLogger() });
  const queue = platform.messaging.queue;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await platform.stop();
    if (engine === 'nats') {
      const cleanupQueue = await NatsQueue.open(
        natsUrl,
        new PayloadCipher(PayloadKeys.ephemeral(Date.now())),
        {
          prefix,
        },
      );
      await cleanupQueue.destroy();
    }
  };
  stoppers.push(stop);

  const { registry } = platform;
  const actor = 'bench';
  const provider = await registry.createOrganization(
    { code: '000.00.31.H01', name: 'Sở Tài nguyên và Môi trường', contact: { name: 'A', email: 'a@x.vn' } },
    actor,
  );
  const consumer = await registry.createOrganization(
    {
      code: '000.00.12.H01',
      name: 'Trung tâm Phục vụ hành chính công',
      contact: { name: 'B', email: 'b@x.vn' },
    },
    actor,
  );
  const operatorOrg = await registry.createOrganization(
    { code: '000.00.17.H01', name: 'Sở Thông tin và Truyền thông' },
    actor,
  );
  const dest = await registry.createSystem(
    { organizationId: provider.id, name: 'Hệ thống một cửa', isProvider: true, isConsumer: false },
    actor,
  );
  const src = await registry.createSystem(
    { organizationId: consumer.id, name: 'Cổng dịch vụ công', isProvider: false, isConsumer: true },
    actor,
  );
  const testerSystem = await registry.createSystem(
    { organizationId: operatorOrg.id, name: 'Công cụ kiểm thử LGSP', isProvider: false, isConsumer: true },
    actor,
  );
  const tester: SandboxTester = {
    systemId: testerSystem.id,
    credential: await registry.issueCredential(testerSystem.id, 'sandbox', actor),
  };
  const service = await registry.createService(
    { context: 'hoso', name: 'Tiếp nhận hồ sơ', providerSystemId: dest.id, description: DESCRIPTION },
    actor,
  );
  const version = await registry.createVersion(
    service.id,
    {
      version: '1.0',
      mode: 'async',
      deliveryConcurrency,
      upstreams: { sandbox: `${destination.url}/sandbox`, production: `${destination.url}/inbound` },
      resources: [{ method: 'POST', path: '/nop' }],
    },
    actor,
  );
  // The regulated way to production (R-11): submitted, a test message pushed in the sandbox, then published.
  await publishThroughSandbox(platform, tester, version.id, DOCUMENT, actor);
  await registry.createSubscription(
    { systemId: src.id, versionId: version.id, environment: 'production' },
    actor,
  );
  const credential = await registry.issueCredential(src.id, 'production', actor);
  await platform.snapshots.refresh();
  const token = await getToken(platform.gatewayUrl, credential.consumerKey, credential.consumerSecret);

  const countOf = async (q: { executeTakeFirst(): Promise<{ n: number | string | bigint } | undefined> }) =>
    Number((await q.executeTakeFirst())?.n ?? 0);
  let pending: () => Promise<number>;
  let leftoverPayloads: () => Promise<number>;
  if (queue instanceof NatsQueue) {
    const subjects = async (stream: string, filter: string) => {
      const info = await queue.manager.streams.info(stream, { subjects_filter: filter });
      return Object.keys(info.state.subjects ?? {}).length;
    };
    // The work queue's messages are the pending ones, and carry the small payloads; large ones are object chunks.
    pending = () => queue.pendingCount();
    leftoverPayloads = async () =>
      (await queue.pendingCount()) + (await subjects(queue.streams.objects, `$O.${queue.objectBucket}.C.>`));
  } else {
    const db = platform.store.db;
    pending = () =>
      countOf(
        db
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('has_payload', '=', true),
      );
    leftoverPayloads = () =>
      countOf(db.selectFrom('message_payloads').select((eb) => eb.fn.countAll().as('n')));
  }
  return { platform, token, path: '/hoso/1.0/nop', pending, leftoverPayloads, stop };
}

// ---------------------------------------------------------------- runs

/**
 * Waits until the destination has `expected` distinct messages and the queue holds no payload; returns that moment
 * (ms since the epoch). Fails when the client failed, or when nothing new arrives for `stallMs`.
 */
async function waitDelivered(
  destination: DestinationHandle,
  expected: number,
  setup: EngineSetup,
  load: RunningLoad,
  poll: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<number> {
  let seen = -1;
  const startMs = Date.now();
  let lastProgressMs = startMs;
  for (;;) {
    const failure = load.failed();
    if (failure) throw new Error(`load client: ${failure}`);
    const stats = await destination.stats();
    if (stats.distinct >= expected && (await poll(setup.pending)) === 0) return Date.now();
    if (stats.distinct !== seen) {
      seen = stats.distinct;
      lastProgressMs = Date.now();
    }
    if (Date.now() - startMs > timeoutMs) {
      const s = (Date.now() - startMs) / 1000;
      throw new Error(
        `not finished within ${timeoutMs / 1000} s: ${stats.distinct} of ${expected} messages at the destination ` +
          `(≈ ${fmtInt(stats.distinct / s)} msg/s delivered so far)`,
      );
    }
    if (Date.now() - lastProgressMs > stallMs) {
      const pending = await poll(setup.pending);
      throw new Error(
        `stalled: ${stats.distinct} of ${expected} messages at the destination, ${pending} payloads still ` +
          `queued, nothing new for ${stallMs / 1000} s`,
      );
    }
    await sleep(20);
  }
}

interface DirectFigures {
  rate: number;
  p50: number;
  p99: number;
  /** CPU per message (µs) of the load client and of the destination; null where it runs inline. */
  clientUs: number | null;
  destinationUs: number | null;
}

/**
 * CPU per message (µs) during an engine's measured run, by where it was spent: what bounds the rate on a machine
 * whose cores the platform shares with the client and the destination. Threads from /proc (Linux; null elsewhere):
 * the main thread (gateway, deliverer, recorder), the PGlite worker (the thread at niceness 10), the rest (libuv
 * pool, GC helpers, NATS I/O).
 */
interface CpuPerMessage {
  platformUs: number;
  mainUs: number | null;
  pgliteUs: number | null;
  otherUs: number | null;
  clientUs: number | null;
  destinationUs: number | null;
}

function loadOptions(origin: string, path: string, n: number, label: string, token?: string): LoadOptions {
  return {
    origin,
    path,
    ...(token ? { token } : {}),
    count: n,
    concurrency: clientConcurrency,
    payloadBytes,
    idempotencyKey,
    direct: token === undefined,
    label,
  };
}

/** The baseline: the same client load POSTed straight to the destination, answered synchronously. */
async function runDirect(destination: DestinationHandle, n: number, label: string): Promise<DirectFigures> {
  for (const [size, tag] of [
    [warmup, 'warm'],
    [n, 'run'],
  ] as const) {
    await destination.reset();
    const destinationCpu0 = (await destination.stats()).cpuMs;
    const load = startLoad(loadOptions(destination.url, '/inbound', size, `${label}-${tag}`));
    const result = await load.done;
    if (result.errors > 0)
      throw new Error(`direct: ${result.errors} sends failed: ${result.errorSamples.join(' | ')}`);
    const stats = await destination.stats();
    if (stats.distinct !== size || stats.duplicates || stats.digestMismatches)
      throw new Error(`direct: destination saw ${JSON.stringify(stats)} for ${size} messages`);
    if (tag === 'run') {
      const { p50, p99 } = latencies(result.answeredAtMs.map((t, i) => t - result.sentAtMs[i]!));
      return {
        rate: (n * 1000) / (result.lastAnswerMs - result.firstSendMs),
        p50,
        p99,
        clientUs: clientPlacement === 'child' ? (1000 * result.cpuMs) / n : null,
        destinationUs: destinationPlacement === 'child' ? (1000 * (stats.cpuMs - destinationCpu0)) / n : null,
      };
    }
  }
  throw new Error('unreachable');
}

interface EngineFigures {
  endToEnd: number;
  intake: number;
  intakeLatency: { p50: number; p99: number };
  deliveryLatency: { p50: number; p99: number };
  /** From the last arrival at the destination to the moment no payload was left. */
  tailMs: number;
  wallMs: number;
  cpuCores: number;
  cpu: CpuPerMessage;
  elu: number;
  retried: number;
  profile: string[];
}

async function runEngine(
  engine: EngineName,
  destination: DestinationHandle,
  n: number,
): Promise<EngineFigures> {
  progress(`${engine}: starting a platform, seeding and publishing an async push service …`);
  const setup = await startEngine(engine, destination);
  try {
    applyExperiments(setup.platform, experiments);
    const profiler: Profiler | null = profile ? instrument(setup.platform) : null;
    const poll = <T>(fn: () => Promise<T>): Promise<T> =>
      profiler ? profiler.within('bench: completion polls', fn) : fn();
    const origin = setup.platform.gatewayUrl;

    progress(`${engine}: warm-up, ${fmtInt(warmup)} messages …`);
    await destination.reset();
    const warm = startLoad(loadOptions(origin, setup.path, warmup, `${engine}-warm`, setup.token));
    await waitDelivered(destination, warmup, setup, warm, poll);
    await warm.done;
    await destination.reset();
    profiler?.reset();

    progress(`${engine}: ${fmtInt(n)} messages …`);
    const destinationCpu0 = (await destination.stats()).cpuMs;
    const threads0 = threadTimes();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const load = startLoad(loadOptions(origin, setup.path, n, `${engine}-run`, setup.token));
    const doneAtMs = await waitDelivered(destination, n, setup, load, poll);
    const wallMsNow = performance.now() - t0;
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const cpu = process.cpuUsage(cpu0);
    const threads1 = threadTimes();
    const destinationCpu1 = (await destination.stats()).cpuMs;
    const result = await load.done;
    const profileLines = profiler?.report(n, wallMsNow) ?? [];

    progress(`${engine}: checking every message …`);
    const arrivals = await destination.arrivals();
    const retried = await verify(engine, setup, destination, result, arrivals, n);

    const wallMs = doneAtMs - result.firstSendMs;
    const lastArrival = [...arrivals.values()].reduce((a, b) => Math.max(a, b), 0);
    return {
      endToEnd: (n * 1000) / wallMs,
      intake: (n * 1000) / (result.lastAnswerMs - result.firstSendMs),
      intakeLatency: latencies(result.answeredAtMs.map((t, i) => t - result.sentAtMs[i]!)),
      deliveryLatency: latencies(result.ids.map((id, i) => arrivals.get(id)! - result.sentAtMs[i]!)),
      tailMs: doneAtMs - lastArrival,
      wallMs,
      cpuCores: (cpu.user + cpu.system) / 1000 / wallMsNow,
      cpu: cpuPerMessage(
        n,
        (cpu.user + cpu.system) / 1000,
        threads0,
        threads1,
        clientPlacement === 'child' ? result.cpuMs : null,
        destinationPlacement === 'child' ? destinationCpu1 - destinationCpu0 : null,
      ),
      elu,
      retried,
      profile: profileLines,
    };
  } finally {
    await setup.stop();
  }
}

function cpuPerMessage(
  n: number,
  platformMs: number,
  before: ReturnType<typeof threadTimes>,
  after: ReturnType<typeof threadTimes>,
  clientMs: number | null,
  destinationMs: number | null,
): CpuPerMessage {
  const us = (ms: number) => (1000 * ms) / n;
  let main: number | null = null;
  let pglite: number | null = null;
  let other: number | null = null;
  for (const [tid, a] of after) {
    const b = before.get(tid);
    const ms = a.cpuMs - (b?.cpuMs ?? 0);
    if (tid === String(process.pid)) main = ms;
    else if (a.nice === 10) pglite = (pglite ?? 0) + ms;
    else other = (other ?? 0) + ms;
  }
  return {
    platformUs: us(platformMs),
    mainUs: main === null ? null : us(main),
    pgliteUs: pglite === null ? null : us(pglite),
    otherUs: other === null ? null : us(other),
    clientUs: clientMs === null ? null : us(clientMs),
    destinationUs: destinationMs === null ? null : us(destinationMs),
  };
}

/** Fails loudly unless every message was accepted, delivered once and intact, and left no payload behind. */
async function verify(
  engine: EngineName,
  setup: EngineSetup,
  destination: DestinationHandle,
  result: LoadResult,
  arrivals: Map<string, number>,
  n: number,
): Promise<number> {
  const problems: string[] = [];
  if (result.errors > 0) problems.push(`${result.errors} sends failed: ${result.errorSamples.join(' | ')}`);
  const ids = new Set(result.ids.filter((id) => id !== ''));
  if (ids.size !== n) problems.push(`${ids.size} distinct message ids for ${n} messages`);
  const stats = await destination.stats();
  if (stats.distinct !== n)
    problems.push(`the destination received ${stats.distinct} distinct messages, not ${n}`);
  if (stats.duplicates > 0) problems.push(`${stats.duplicates} messages pushed more than once`);
  if (stats.withoutId > 0) problems.push(`${stats.withoutId} pushes without x-lgsp-message-id`);
  if (stats.digestMismatches > 0)
    problems.push(`${stats.digestMismatches} payloads differ from their Repr-Digest`);
  const missing = [...ids].filter((id) => !arrivals.has(id));
  if (missing.length > 0) problems.push(`${missing.length} accepted messages never reached the destination`);

  const queue = setup.platform.messaging.queue;
  const notDelivered: string[] = [];
  let retried = 0;
  const list = [...ids];
  for (let i = 0; i < list.length; i += 64) {
    const metas = await Promise.all(list.slice(i, i + 64).map((id) => queue.get(id)));
    metas.forEach((meta, j) => {
      if (meta?.state !== 'delivered' || meta.hasPayload)
        notDelivered.push(
          `${list[i + j]}: ${meta ? `${meta.state}, hasPayload ${meta.hasPayload}` : 'unknown'}`,
        );
      else if (meta.attempts > 1) retried++;
    });
  }
  if (notDelivered.length > 0)
    problems.push(
      `${notDelivered.length} messages not delivered-and-deleted, e.g. ${notDelivered.slice(0, 3).join('; ')}`,
    );
  const pending = await setup.pending();
  if (pending > 0) problems.push(`${pending} payloads still pending in the queue`);
  const leftovers = await setup.leftoverPayloads();
  if (leftovers > 0)
    problems.push(
      `${leftovers} payload ${engine === 'nats' ? 'chunk subjects' : 'rows'} left in the ${engine} queue`,
    );
  if (problems.length > 0)
    throw new Error(`${engine}: CORRECTNESS CHECK FAILED:\n  - ${problems.join('\n  - ')}`);
  return retried;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const [l1, l5] = os.loadavg();
  say('OpenLGSP async benchmark — accepted → delivered → deleted, messages per second');
  say(
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${l1?.toFixed(2)} / ${l5?.toFixed(2)}, ` +
      `Node ${process.version}`,
  );
  say(
    `load: ${fmtInt(payloadBytes)} B messages, ${clientConcurrency} in flight over keep-alive (client: ${clientPlacement}), ` +
      `${idempotencyKey ? 'each with an Idempotency-Key' : 'no Idempotency-Key'}, ${fmtInt(warmup)} warm-up messages first`,
  );
  say(
    `platform: one process, deliveryConcurrency ${deliveryConcurrency}, deliverer poll ${pollIntervalMs} ms; ` +
      `destination: ${destinationPlacement === 'child' ? 'a child process' : 'in the platform process'}`,
  );
  if (tried) say(`EXPERIMENTS APPLIED${tried}: see bench/async-experiments.ts`);
  say('');

  const destination = await startDestinationHandle(destinationPlacement);
  const ran: Array<{ engine: EngineName; rate: number; ratio: number }> = [];
  let failed = false;

  for (const engine of engines) {
    const n = messagesOf[engine];
    if (engine === 'nats') {
      const problem = await natsProblem(natsUrl);
      if (problem) {
        progress(`nats: SKIPPED — NATS JetStream not reachable (${problem}); set LGSP_BENCH_NATS_URL`);
        continue;
      }
    }
    const title =
      engine === 'embedded'
        ? 'embedded — the queue table on the embedded PGlite store'
        : `nats — NATS JetStream at ${natsUrl}`;
    try {
      progress(`${engine}: direct baseline, ${fmtInt(n)} messages …`);
      const direct = await runDirect(destination, n, `${engine}-direct`);
      const f = await runEngine(engine, destination, n);
      say(`${title}: ${fmtInt(n)} messages${tried}`);
      const rows = [
        ['path', 'msg/s', 'p50 ms', 'p99 ms', 'measured'],
        [
          'direct (no LGSP)',
          fmtInt(direct.rate),
          fmtMs(direct.p50),
          fmtMs(direct.p99),
          'POST straight to the destination: send → 2xx',
        ],
        [
          'intake',
          fmtInt(f.intake),
          fmtMs(f.intakeLatency.p50),
          fmtMs(f.intakeLatency.p99),
          'through the gateway: send → 202 Accepted (durable)',
        ],
        [
          'end to end',
          fmtInt(f.endToEnd),
          fmtMs(f.deliveryLatency.p50),
          fmtMs(f.deliveryLatency.p99),
          'first send → last delivered and its payload deleted; latency: send → at the destination',
        ],
      ];
      for (const line of table(rows)) say(`  ${line}`);
      say(
        `  → end to end = ${(f.endToEnd / direct.rate).toFixed(2)}× direct; ${(f.wallMs / 1000).toFixed(1)} s; ` +
          `last arrival → no payload left ${fmtMs(f.tailMs)} ms; platform process ${f.cpuCores.toFixed(2)} CPU cores, ` +
          `main-thread event loop ${Math.round(f.elu * 100)}% busy; ${f.retried} messages needed a retry; ` +
          'verified: each delivered once, intact, no payload left',
      );
      const micro = (v: number | null) => (v === null ? '—' : fmtInt(v));
      say(
        `  CPU per message (µs): platform ${micro(f.cpu.platformUs)} = main thread ${micro(f.cpu.mainUs)} + PGlite ` +
          `thread ${micro(f.cpu.pgliteUs)} + other threads ${micro(f.cpu.otherUs)}; load client ${micro(f.cpu.clientUs)}, ` +
          `destination ${micro(f.cpu.destinationUs)} — direct: load client ${micro(direct.clientUs)}, destination ` +
          `${micro(direct.destinationUs)}`,
      );
      if (f.profile.length > 0) {
        say('  profile (measured run, instrumented):');
        for (const line of f.profile) say(line);
      }
      say('');
      ran.push({ engine, rate: f.endToEnd, ratio: f.endToEnd / direct.rate });
    } catch (err) {
      failed = true;
      say(`${engine}: FAILED — ${(err as Error).message}`);
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      say('');
    }
  }

  // The closing lines, one per engine that ran, are what scripts and the issue read: `<engine>: <N> msg/s · end to
  // end = <R>× direct` — the rate and its ratio to the direct baseline of the same run (one machine, one moment).
  for (const { engine, rate, ratio } of ran)
    say(`${engine}: ${Math.round(rate)} msg/s · end to end = ${ratio.toFixed(2)}× direct${tried}`);
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  console.log(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  if (!signals.interrupted) await cleanup();
}

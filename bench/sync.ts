// `npm run bench`: the synchronous data path, side by side. Targets in front of the provider upstream — direct,
// nginx (the reference proxy), a bare node:http + undici proxy (the floor of our stack) and the real OpenLGSP
// gateway with every policy on, in two configurations: `gateway` (LGSP_GATEWAY_WORKERS=1, one process) and
// `gateway×2` (LGSP_GATEWAY_WORKERS=2: a primary and two gateway workers accepting on the shared socket, or
// handed their connections by the primary with LGSP_GATEWAY_WORKER_ACCEPT=primary) — under three load shapes: 100
// and 1,000 saturating connections, and 1,000 connections pacing themselves at ≈ 2,000 req/s (regulation R-04: hold at least 1,000 concurrent connections). It ends with the
// issue's bars as PASS/FAIL lines, one per gateway row; they inform, the exit code does not depend on them. If a
// demo exits mid-way (a crash takes its upstream with it), it (and nginx and the bare proxy, which stand on its
// upstream) is started again before the next load shape, and the crash is reported in the table and fails the bar.
// Under each load table, the CPU per request of every target — main thread, other threads, its upstream's and wrk's
// (bench/cpu.ts); `--profile` adds a CPU profile of the one-process gateway under wrk -c100, summarised (docs/benchmarks.md).
//
// The two gateway configurations are measured one after the other, each by its own demo (see `main`): they cannot
// run side by side (the demo listens on the fixed ports 8280/9080), and an idle second platform would only take
// memory and timer wake-ups from the first one's measurements.
//
// Environment: BENCH_DURATION_S (10), BENCH_WARMUP_S (2), BENCH_THREADS (2), BENCH_TIMEOUT_S (wrk --timeout, 10:
// with 1,000 saturating connections on 2 cores shared with wrk even the direct upstream leaves calls unanswered for
// 2 s; 10 s is the bar issue 14 states, and what a client holding one of R-04's 1,000 connections waits),
// BENCH_SHAPES (100,1000,paced,storm,10k — storm: 1,000 fresh connections at once, connect→first byte; 10k: 10,000
// keep-alive connections paced to ≈ 2,000 req/s; both issue 14 item 4, bench/connections.ts), LGSP_GATEWAY_WORKERS (when set, only that configuration is measured, as one
// `gateway` row; unset, both 1 and 2), BENCH_ROWS (only the gateway rows named, e.g. gateway-strict,gateway-strict-pg,
// each in every shape of BENCH_SHAPES; the references stand on the first one's demo),
// BARE_POOL_CONNECTIONS (undici pool size of the bare proxy; 1024 unless set, the gateway's
// gateway.upstreamConnectionsPerOrigin default; 0 = unlimited),
// BENCH_DEMO_CMD (replace `node bin/lgsp.mjs demo --json`, only to test this script against a stand-in),
// BENCH_TLS (1: after the plain rows, `nginx-tls` and `gateway-tls` — both serving HTTPS with one throwaway
// certificate made by openssl, TLS 1.2+ with the same ciphers, in front of the same upstream; 0: skip them).
//
// Issue 13 item 8 (bench/throughput.ts): while the first demo runs, after its load shapes, the token issue rate
// (`POST /token`) beside the bare signature's; after every gateway row, the record ingest rate through the recorder
// into PGlite and (BENCH_POSTGRES_URL) PostgreSQL. BENCH_POSTGRES_URL (a database in which the bench may create
// and drop throwaway databases, e.g. postgres://postgres@127.0.0.1:5432/postgres) also adds two gateway rows on
// PostgreSQL, each a demo on a fresh database of its own, measured at 100 connections only (the shape of the
// issue's cost goal): `gateway-pg` (records batched) and `gateway-strict-pg` (strict, PostgreSQL's default) —
// strict records' cost is gateway-strict-pg against gateway-pg (goal ≤ 10 %).
// `npm run bench -- --only=token,ingest` (any of sync, token, ingest; default all three) runs only those parts:
// without `sync`, no load shapes, and only the first demo (for the token figure).
//
// To measure without taking the default ports (8280/9080), set LGSP_GATEWAY_PORT=0 LGSP_ADMIN_PORT=0: the demo
// reads them like any LGSP_* setting and prints the addresses it got.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, setGlobalDispatcher } from 'undici';
import type { DemoInfo } from '../src/cli/demo.ts';
import { TLS_CIPHERS } from '../src/net/tls.ts';
import { selfSignedCertificate } from '../test/helpers/certificates.ts';
import { runStorm, stormAsWrk, stormBar, tenKBar, tenKDelayMs } from './connections.ts';
import {
  type CpuPerRequest,
  cpuMeter,
  demoUpstreamPids,
  diffProfiles,
  mainThreadProfile,
  profileClockUs,
  profileCosts,
  summariseProfile,
  targetProcesses,
} from './cpu.ts';
import { type NginxTls, startNginx } from './nginx.ts';
import {
  type Child,
  killAllSync,
  lastLines,
  spawnChild,
  stopChild,
  stopOnSignals,
  waitForHttp,
} from './procs.ts';
import { table } from './text-table.ts';
import {
  measureRecordIngest,
  measureTokenIssue,
  postgresAdminUrl,
  throwawayDatabase,
  tokenIssueLines,
} from './throughput.ts';
import { ensureTool, type ToolResult, toolVersion } from './tools.ts';
import { type DelayMs, runWrk, type WrkResult, writeLua } from './wrk.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(BENCH_DIR, '..');

type GatewayName =
  | 'gateway'
  | 'gateway×2'
  | 'gateway-batched'
  | 'gateway-strict-redis'
  | 'gateway-pg'
  | 'gateway-strict-pg'
  | 'gateway-tls';
type TargetName = 'direct' | 'nginx' | 'bare' | 'nginx-tls' | GatewayName;
const REFERENCES = ['direct', 'nginx', 'bare'] as const;
const TARGETS: readonly TargetName[] = [
  ...REFERENCES,
  'gateway',
  'gateway×2',
  'gateway-batched',
  'gateway-strict-redis',
  'gateway-pg',
  'gateway-strict-pg',
  'nginx-tls',
  'gateway-tls',
];

/** One gateway configuration: a row of the tables, and the LGSP_GATEWAY_WORKERS its demo is started with. */
interface GatewayConfig {
  name: GatewayName;
  workers: string;
  /** HTTPS on the gateway with this certificate (the `gateway-tls` row, beside `nginx-tls`). */
  tls?: NginxTls;
  /** More LGSP_* settings of its demo (the durability and Redis rows, issue 13). */
  env?: Record<string, string>;
  /** On PostgreSQL: each start of its demo gets a fresh throwaway database (LGSP_DATABASE_URL). */
  postgres?: boolean;
  /** Only these load shapes (keys of ALL_SHAPES); all when unset. */
  shapes?: readonly string[];
}

interface Shape {
  key: string;
  label: string;
  connections: number;
  /** Each connection's think time between its requests (wrk's `delay()`); saturating when unset. */
  delayMs?: DelayMs;
  /** Not wrk: `connections` fresh connections at once, one request each (bench/connections.ts). */
  storm?: true;
}
const ALL_SHAPES: readonly Shape[] = [
  { key: '100', label: '100 conns', connections: 100 },
  { key: '1000', label: '1000 conns', connections: 1000 },
  { key: 'paced', label: '1000 paced', connections: 1000, delayMs: { min: 250, max: 750 } },
  { key: 'storm', label: '1000 storm', connections: 1000, storm: true },
  { key: '10k', label: '10k paced', connections: 10_000, delayMs: tenKDelayMs },
];

interface Target {
  name: TargetName;
  url?: string;
  skip?: string;
  child?: Child;
  /** Request headers for one run; the gateway's fetches a fresh token so a long run never outlives it. */
  headers: () => Promise<Record<string, string>>;
}

/** `died`: the target's process exited during the run (its figures are then those of a crash). */
type Cell =
  | { ok: true; r: WrkResult; died?: string; cpu?: CpuPerRequest }
  | { ok: false; skip: string; crashed?: boolean };

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const durationS = envNumber('BENCH_DURATION_S', 10);
const warmupS = envNumber('BENCH_WARMUP_S', 2);
const threads = envNumber('BENCH_THREADS', 2);
const timeoutS = envNumber('BENCH_TIMEOUT_S', 10);
const shapeKeys = (process.env['BENCH_SHAPES'] ?? '100,1000,paced,storm,10k').split(',').map((s) => s.trim());
const shapes = ALL_SHAPES.filter((s) => shapeKeys.includes(s.key));
const workersFromEnv = process.env['LGSP_GATEWAY_WORKERS']?.trim() || undefined;
// Unset: the gateway as one process (the like-for-like match of nginx worker_processes 1 and the bare proxy) and
// with two workers (what the worker mode buys on this machine). Set: that configuration only.
// Issue 13: beside `gateway` (strict records, the default: each call's record durable before its answer's last
// byte, in the journal first on PGlite), `gateway-batched` — one process, records written in batches
// (LGSP_RECORDER_DURABILITY=batched): what strict costs — and, when BENCH_REDIS_URL is set, `gateway-strict-redis` —
// one process, strict records AND the subscription quota counted in Redis: issue 13's bar (≥ 0.35× nginx with both
// on) in one row, and Redis's cost against gateway. BENCH_DURABILITY=0 leaves both out.
const redisUrl = process.env['BENCH_REDIS_URL']?.trim() || undefined;
const issue13Configs: GatewayConfig[] =
  process.env['BENCH_DURABILITY'] === '0'
    ? []
    : [
        { name: 'gateway-batched', workers: '1', env: { LGSP_RECORDER_DURABILITY: 'batched' } },
        ...(redisUrl
          ? [
              {
                name: 'gateway-strict-redis' as const,
                workers: '1',
                env: {
                  LGSP_RECORDER_DURABILITY: 'strict',
                  LGSP_REDIS_URL: redisUrl,
                  LGSP_REDIS_KEY_PREFIX: `lgsp-bench-${process.pid}:`,
                },
              },
            ]
          : []),
      ];
const pgConfigs: GatewayConfig[] =
  process.env['BENCH_DURABILITY'] === '0' || !postgresAdminUrl
    ? []
    : [
        {
          name: 'gateway-pg',
          workers: '1',
          postgres: true,
          shapes: ['100'],
          env: { LGSP_RECORDER_DURABILITY: 'batched' },
        },
        {
          name: 'gateway-strict-pg',
          workers: '1',
          postgres: true,
          shapes: ['100'],
          env: { LGSP_RECORDER_DURABILITY: 'strict' },
        },
      ];
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const parts = new Set(
  (onlyArg?.slice('--only='.length) ?? 'sync,token,ingest').split(',').map((s) => s.trim()),
);
// `--profile` (issue 14 item 1): also a CPU profile of the one-process gateway at 100 connections (profilePart).
if (process.argv.includes('--profile')) parts.add('profile');
// BENCH_ROWS (gateway row names, comma-separated): only those rows — e.g. the strict ones while tuning the recorder.
// A row named there is measured in every shape of BENCH_SHAPES, the PostgreSQL rows too (their paced p99).
const rowNames = process.env['BENCH_ROWS']
  ?.split(',')
  .map((s) => s.trim())
  .filter((s) => s.length > 0);
const configuredRows: readonly GatewayConfig[] = workersFromEnv
  ? [{ name: 'gateway', workers: workersFromEnv }, ...issue13Configs, ...pgConfigs]
  : [{ name: 'gateway', workers: '1' }, { name: 'gateway×2', workers: '2' }, ...issue13Configs, ...pgConfigs];
const allGatewayConfigs: readonly GatewayConfig[] = rowNames
  ? configuredRows.filter((g) => rowNames.includes(g.name)).map(({ shapes: _all, ...g }) => g)
  : configuredRows;
if (rowNames && allGatewayConfigs.length === 0) {
  throw new Error(`BENCH_ROWS names none of ${configuredRows.map((g) => g.name).join(', ')}`);
}
// Without the load shapes, only the first demo (the token figure is measured on it).
const gatewayConfigs = parts.has('sync') ? allGatewayConfigs : allGatewayConfigs.slice(0, 1);
const demoOverride = process.env['BENCH_DEMO_CMD']?.trim();
const withTls = process.env['BENCH_TLS'] !== '0';

// ---------------------------------------------------------------- output: console + results file

const report: string[] = [];
const appendix: string[] = [];
function say(line = ''): void {
  console.log(line);
  report.push(line);
}
/** Progress chatter: on stderr, not part of the results. */
function progress(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
/** Skip reasons are printed in full once, above the tables; the tables and bars repeat only their start. */
const short = (reason: string): string => (reason.length > 70 ? `${reason.slice(0, 69)}…` : reason);
const skipText = (c: { skip: string; crashed?: boolean }): string =>
  c.crashed ? `CRASHED (${short(c.skip)})` : `skipped (${short(c.skip)})`;
const fmtRatio = (n: number): string => `${n.toFixed(2)}×`;

// ---------------------------------------------------------------- children and cleanup

let tmpDir = '';
const stoppers: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await Promise.allSettled(stoppers.splice(0).map((stop) => stop()));
    killAllSync();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
  })();
  return cleaning;
}

function writeResults(): string {
  const dir = join(BENCH_DIR, 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d{3}Z$/, 'Z');
  const file = join(dir, `sync-${stamp}.txt`);
  const body = [...report, '', '==== raw wrk output (measured runs) ====', ...appendix, ''].join('\n');
  writeFileSync(file, body);
  return file;
}

const signals = stopOnSignals(cleanup, {
  announce: () => {
    say('');
    say('interrupted: stopping all children …');
  },
  afterCleanup: () => console.log(`partial results: ${relative(ROOT, writeResults())}`),
});

// ---------------------------------------------------------------- the four targets

/** Accepts only loopback URLs (the bench never leaves this machine); `localhost` is pinned to 127.0.0.1. */
function loopback(raw: string, what: string): string {
  const u = new URL(raw);
  if (u.hostname === 'localhost') u.hostname = '127.0.0.1';
  if (u.hostname !== '127.0.0.1') throw new Error(`${what} is not on 127.0.0.1: ${raw}`);
  return u.href;
}

function parseDemoLine(line: string): DemoInfo {
  let j: unknown;
  try {
    j = JSON.parse(line);
  } catch {
    throw new Error(`first stdout line is not JSON: ${line.slice(0, 120)}`);
  }
  const o = j as Record<string, unknown>;
  const keys = [
    'gatewayUrl',
    'adminUrl',
    'consumerKey',
    'consumerSecret',
    'allowedPath',
    'forbiddenPath',
    'directUrl',
  ] as const;
  for (const k of keys) {
    if (typeof o[k] !== 'string' || o[k] === '') throw new Error(`demo JSON lacks "${k}"`);
  }
  const info = o as unknown as DemoInfo;
  return {
    ...info,
    gatewayUrl: loopback(info.gatewayUrl, 'gatewayUrl').replace(/\/$/, ''),
    directUrl: loopback(info.directUrl, 'directUrl'),
  };
}

async function startDemo(
  workers: string,
  tls?: NginxTls,
  extraEnv: Record<string, string> = {},
  nodeFlags: readonly string[] = [],
): Promise<{ child: Child; info: DemoInfo } | { skip: string }> {
  const [cmd, ...args] = demoOverride
    ? demoOverride.split(/\s+/)
    : // One platform as deployed: without the two peer platforms the demo otherwise runs in its process.
      ['node', ...nodeFlags, 'bin/lgsp.mjs', 'demo', '--json', '--no-federation'];
  if (!demoOverride && !existsSync(join(ROOT, 'bin', 'lgsp.mjs'))) {
    return { skip: 'bin/lgsp.mjs not found — the demo command is not built yet' };
  }
  progress(`starting the demo: LGSP_GATEWAY_WORKERS=${workers} ${[cmd, ...args].join(' ')}`);
  const child = spawnChild('demo', cmd!, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      LGSP_GATEWAY_WORKERS: workers,
      // wrk opens all its 1,000 connections from 127.0.0.1: the per-address cap (256 by default, issue 10) is
      // lifted for the bench, as an operator would for a known high-volume client.
      LGSP_CONNECTIONS_PER_ADDRESS: '100000',
      ...extraEnv,
      // The demo calls its own gateway (the sandbox test before publishing): it must trust the throwaway certificate.
      ...(tls
        ? {
            LGSP_GATEWAY_TLS_CERT_FILE: tls.certFile,
            LGSP_GATEWAY_TLS_KEY_FILE: tls.keyFile,
            NODE_EXTRA_CA_CERTS: tls.certFile,
          }
        : {}),
    },
  });
  // Registered at once so that a Ctrl-C during start-up stops it too; SIGINT is how a user stops the demo.
  stoppers.push(() => stopChild(child, 'SIGINT', 5000));
  try {
    // The contract of `demo --json`: the first stdout line is the JSON object (logs go to stderr).
    return { child, info: parseDemoLine(await child.firstLine(90_000)) };
  } catch (err) {
    await stopChild(child, 'SIGINT', 5000);
    return { skip: (err as Error).message.slice(0, 300) };
  }
}

async function gatewayToken(info: DemoInfo): Promise<string> {
  const basic = Buffer.from(`${info.consumerKey}:${info.consumerSecret}`).toString('base64');
  const res = await fetch(`${info.gatewayUrl}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /token → ${res.status} ${text.slice(0, 160)}`);
  const token = (JSON.parse(text) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string' || token === '') throw new Error('POST /token answered no access_token');
  return token;
}

/** Starts a node child that prints {"url": …} as its first line (bare proxy, stand-in upstream). */
async function startNodeChild(
  name: string,
  script: string,
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<Child> {
  const child = spawnChild(
    name,
    process.execPath,
    [...nodeFlags, '--import', 'tsx', join(BENCH_DIR, script)],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
    },
  );
  stoppers.push(() => stopChild(child, 'SIGTERM', 3000));
  try {
    const line = await child.firstLine(30_000);
    (child as Child & { url?: string }).url = (JSON.parse(line) as { url: string }).url;
    return child;
  } catch (err) {
    await stopChild(child, 'SIGTERM', 2000);
    throw err;
  }
}

function childUrl(child: Child): string {
  return (child as Child & { url?: string }).url!;
}

/** One request before the load, so that a target answering 401/404/502 is reported, not benchmarked. */
async function probe(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; bytes: number }> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const body = await res.arrayBuffer();
  return { status: res.status, bytes: body.byteLength };
}

// ---------------------------------------------------------------- main

interface Stack {
  targets: Map<TargetName, Target>;
  /** The upstream the targets of this stack stand on; undefined when there is none (a gateway-only stack whose
   * demo did not start). */
  directUrl: string | undefined;
  demo: Child | undefined;
  /** What the demo printed, when it started. */
  info: DemoInfo | undefined;
  stop(): Promise<void>;
}

/**
 * Starts the demo with the gateway configuration `gw` and probes its gateway. With `withReferences`, it also
 * stands direct, nginx and the bare proxy on the demo's upstream (or, without the demo, on a stand-in upstream)
 * and probes them. Called again when the demo has exited, since its upstream goes with it.
 */
async function startStack(nginxTool: ToolResult, gw: GatewayConfig, withReferences: boolean): Promise<Stack> {
  // -- the demo (gateway + provider upstream)
  const targets = new Map<TargetName, Target>();
  const noHeaders = async (): Promise<Record<string, string>> => ({});
  // A PostgreSQL row: a fresh database for this demo, dropped once it has stopped.
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  try {
    database = gw.postgres ? await throwawayDatabase(postgresAdminUrl!, 'gateway') : undefined;
    if (database) stoppers.push(database.drop);
    demo = await startDemo(gw.workers, gw.tls, {
      ...gw.env,
      ...(database ? { LGSP_DATABASE_URL: database.url } : {}),
    });
  } catch (err) {
    demo = { skip: `PostgreSQL: ${(err as Error).message.slice(0, 200)}` };
  }
  const own: Child[] = 'child' in demo ? [demo.child] : [];
  const stack = (directUrl: string | undefined): Stack => ({
    targets,
    directUrl,
    demo: 'child' in demo ? demo.child : undefined,
    info: 'info' in demo ? demo.info : undefined,
    async stop() {
      // The demo is stopped the way a user stops it (Ctrl-C); the others are ours.
      await Promise.allSettled(
        own.map((c) => stopChild(c, c === own[0] && 'child' in demo ? 'SIGINT' : 'SIGTERM', 5000)),
      );
      await database?.drop().catch(() => undefined);
    },
  });
  let directUrl: string | undefined;
  if ('info' in demo) {
    const { info } = demo;
    directUrl = info.directUrl;
    say(
      `${gw.name}: ${demoOverride ? `BENCH_DEMO_CMD override (${demoOverride}) — NOT the real gateway` : 'node bin/lgsp.mjs demo --json --no-federation'}` +
        ` with LGSP_GATEWAY_WORKERS=${gw.workers} · ${info.gatewayUrl}${info.allowedPath} → upstream ` +
        new URL(info.directUrl).origin +
        (database
          ? ` · store: a fresh PostgreSQL database (${new URL(database.url).pathname.slice(1)})`
          : ''),
    );
    const t: Target = {
      name: gw.name,
      url: `${info.gatewayUrl}${info.allowedPath}`,
      child: demo.child,
      headers: async () => ({ Authorization: `Bearer ${await gatewayToken(info)}` }),
    };
    try {
      const auth = await t.headers();
      const allowed = await probe(t.url!, auth);
      const forbidden = await probe(`${info.gatewayUrl}${info.forbiddenPath}`, auth);
      const anonymous = await probe(t.url!, {});
      say(
        `${gw.name} checks: token ok · allowedPath ${allowed.status} (${fmtInt(allowed.bytes)} B) · ` +
          `forbiddenPath ${forbidden.status} · no token ${anonymous.status}`,
      );
      if (allowed.status < 200 || allowed.status >= 400) t.skip = `allowedPath answered ${allowed.status}`;
    } catch (err) {
      t.skip = (err as Error).message.slice(0, 200);
    }
    if (t.skip) say(`${gw.name}: skipped (${t.skip})`);
    targets.set(gw.name, t);
  } else {
    say(`${gw.name}: skipped (${demo.skip})`);
    targets.set(gw.name, { name: gw.name, skip: demo.skip, headers: noHeaders });
    if (!withReferences || gw.tls) return stack(undefined);
    // Without the demo there is no provider upstream: a stand-in keeps the three other columns measurable.
    const up = await startNodeChild('upstream', 'fixtures/upstream.ts', {});
    own.push(up);
    directUrl = `${childUrl(up)}/data`;
    say(`upstream: stand-in bench/fixtures/upstream.ts (≈ 1 KB JSON), because the demo is unavailable`);
  }
  if (gw.tls) {
    // nginx with TLS on the same certificate, in front of the same upstream as gateway-tls.
    await startNginxTarget(targets, own, nginxTool, new URL(directUrl), gw.tls);
    await probeTargets(targets, ['nginx-tls']);
    return stack(directUrl);
  }
  if (!withReferences) return stack(directUrl);

  const upstream = new URL(directUrl);
  const upstreamPath = `${upstream.pathname}${upstream.search}`;
  targets.set('direct', { name: 'direct', url: directUrl, headers: noHeaders });

  // -- nginx
  await startNginxTarget(targets, own, nginxTool, upstream);

  // -- bare node proxy
  try {
    const bare = await startNodeChild('bare proxy', 'bare-proxy.ts', {
      UPSTREAM_URL: upstream.origin,
      // The gateway's default cap on sockets to one provider (gateway.upstreamConnectionsPerOrigin): like for like.
      BARE_POOL_CONNECTIONS: process.env['BARE_POOL_CONNECTIONS'] ?? '1024',
      PORT: '0',
    });
    own.push(bare);
    const poolNote = Number(process.env['BARE_POOL_CONNECTIONS'] ?? '1024') || 'unlimited';
    targets.set('bare', {
      name: 'bare',
      url: `${childUrl(bare)}${upstreamPath}`,
      child: bare,
      headers: noHeaders,
    });
    say(
      `bare proxy: ${childUrl(bare)} → ${upstream.origin} (node:http + undici Pool, connections ${poolNote})`,
    );
  } catch (err) {
    const reason = (err as Error).message.slice(0, 200);
    say(`bare proxy: skipped (${reason})`);
    targets.set('bare', { name: 'bare', skip: reason, headers: noHeaders });
  }

  // -- probe the three plain targets (the gateway was probed above)
  await probeTargets(targets, REFERENCES);

  return stack(directUrl);
}

/** Starts nginx (with TLS for the `nginx-tls` row) in front of `upstream` and adds it to `targets`. */
async function startNginxTarget(
  targets: Map<TargetName, Target>,
  own: Child[],
  nginxTool: ToolResult,
  upstream: URL,
  tls?: NginxTls,
): Promise<void> {
  const name: TargetName = tls ? 'nginx-tls' : 'nginx';
  const noHeaders = async (): Promise<Record<string, string>> => ({});
  if (!nginxTool.ok) {
    say(`${name}: skipped (cannot install: ${nginxTool.reason})`);
    targets.set(name, { name, skip: `cannot install: ${nginxTool.reason}`, headers: noHeaders });
    return;
  }
  try {
    const ng = await startNginx(
      nginxTool.path,
      tmpDir,
      upstream.origin,
      tls ? { ...tls, ciphers: TLS_CIPHERS } : undefined,
    );
    stoppers.push(() => stopChild(ng.child, 'SIGTERM', 3000));
    own.push(ng.child);
    targets.set(name, {
      name,
      url: `${ng.origin}${upstream.pathname}${upstream.search}`,
      child: ng.child,
      headers: noHeaders,
    });
    say(
      `${name}: ${ng.origin} → ${upstream.origin} (worker_processes 1, upstream keepalive 256` +
        `${tls ? ', TLS 1.2+ with the gateway’s ciphers and certificate' : ''})`,
    );
  } catch (err) {
    const reason = `cannot start: ${(err as Error).message}`;
    say(`${name}: skipped (${reason})`);
    targets.set(name, { name, skip: reason, headers: noHeaders });
  }
}

/** One plain request to each target before the load: a target that does not answer 2xx/3xx is skipped. */
async function probeTargets(targets: Map<TargetName, Target>, names: readonly TargetName[]): Promise<void> {
  for (const name of names) {
    const t = targets.get(name)!;
    if (t.skip || !t.url) continue;
    try {
      await waitForHttp(t.url, 10_000);
      const p = await probe(t.url, {});
      if (p.status < 200 || p.status >= 400) t.skip = `answered ${p.status}`;
      else say(`${name}: GET ${t.url} → ${p.status}, ${fmtInt(p.bytes)} B`);
    } catch (err) {
      t.skip = (err as Error).message.slice(0, 200);
    }
    if (t.skip) say(`${name}: skipped (${t.skip})`);
  }
}

/**
 * A throwaway self-signed certificate for 127.0.0.1 (EC P-256, two days), made with openssl in the temp dir; this
 * process trusts it for its own requests (token, probes), and wrk does not verify certificates.
 */
function throwawayCertificate(dir: string): NginxTls {
  const { certFile, keyFile } = selfSignedCertificate(dir, 'bench-tls', {
    subject: '/CN=127.0.0.1',
    days: 2,
    subjectAltName: 'IP:127.0.0.1,DNS:localhost',
  });
  setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(certFile) } }));
  return { certFile, keyFile };
}

type Results = Map<string, Map<TargetName, Cell>>;

/**
 * One phase: starts a stack (one demo, with or without the reference targets), measures `names` under every
 * load shape, fills `results`, and stops the stack. A demo that exited is started again before the next shape.
 */
async function runPhase(
  wrkPath: string,
  start: () => Promise<Stack>,
  names: readonly TargetName[],
  results: Results,
  o: { shapes?: readonly string[]; after?: (stack: Stack) => Promise<void> } = {},
): Promise<void> {
  let stack = await start();
  try {
    for (const shape of shapes.filter((s) => !o.shapes || o.shapes.includes(s.key))) {
      if (signals.interrupted) return;
      if (stack.demo?.hasExited()) {
        // A crashed gateway takes its upstream with it: start everything again so the next shapes still measure.
        const what = names.length > 1 ? 'the demo, nginx and the bare proxy' : 'the demo';
        say(`demo: exited (${lastLines(stack.demo, 2)}) — restarting ${what} before ${shape.label}`);
        await stack.stop();
        stack = await start();
      }
      const { targets, directUrl } = stack;
      let row = results.get(shape.key);
      if (!row) {
        row = new Map();
        results.set(shape.key, row);
      }
      for (const name of names) {
        if (signals.interrupted) return;
        row.set(name, await measure(wrkPath, shape, name, targets.get(name), stack, directUrl));
        // Let the closed sockets of 1,000 connections drain before the next target is measured.
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (o.after && !signals.interrupted) {
      if (stack.demo?.hasExited()) {
        await stack.stop();
        stack = await start();
      }
      await o.after(stack);
    }
  } finally {
    await stack.stop();
  }
}

/**
 * `--profile`: the one-process gateway (a demo of its own, LGSP_GATEWAY_WORKERS=1) under `wrk -c100` with
 * `node --cpu-prof` — the sampler's cost makes its req/s no figure to compare, so it is not a row of the tables —
 * then the bare proxy the same way on the demo's upstream, and where the gateway spends what the bare proxy does
 * not (µs/request by function, self and inclusive). The profiles of both main threads are kept in bench/results,
 * and summarised over their measured runs (bench/cpu.ts).
 */
async function profilePart(wrkPath: string): Promise<string[]> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const dir = join(BENCH_DIR, 'results', `profile-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const cpuProf = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  // Node flags, not NODE_OPTIONS (which refuses --cpu-prof); the demo's forked upstream inherits them.
  const demo = await startDemo('1', undefined, {}, cpuProf);
  if ('skip' in demo) return [`profile: skipped (${demo.skip})`];
  type Run = { pid: number; from: number; to: number; r: WrkResult };
  const measured = async (url: string, headers: Record<string, string>, pid: number): Promise<Run> => {
    const lua = writeLua(tmpDir, 'profile', headers, false);
    const base = { wrkPath, url, connections: 100, threads, timeoutS, luaPath: lua };
    await runWrk({ ...base, durationS: warmupS });
    const from = profileClockUs();
    const r = await runWrk({ ...base, durationS });
    return { pid, from, to: profileClockUs(), r };
  };
  let gateway: Run;
  let bare: Run | undefined;
  let bareChild: Child | undefined;
  try {
    progress(`profile · gateway under --cpu-prof: warm-up ${warmupS} s, then ${durationS} s`);
    const auth = { Authorization: `Bearer ${await gatewayToken(demo.info)}` };
    gateway = await measured(`${demo.info.gatewayUrl}${demo.info.allowedPath}`, auth, demo.child.proc.pid!);
    progress(`profile · bare proxy under --cpu-prof: warm-up ${warmupS} s, then ${durationS} s`);
    const upstream = new URL(demo.info.directUrl);
    try {
      bareChild = await startNodeChild(
        'bare proxy',
        'bare-proxy.ts',
        { UPSTREAM_URL: upstream.origin, BARE_POOL_CONNECTIONS: '1024', PORT: '0' },
        cpuProf,
      );
      const url = `${childUrl(bareChild)}${upstream.pathname}${upstream.search}`;
      bare = await measured(url, {}, bareChild.proc.pid!);
    } catch (err) {
      progress(`profile · bare proxy failed: ${(err as Error).message.slice(0, 200)}`);
    }
  } catch (err) {
    return [`profile: failed (${(err as Error).message.slice(0, 200)})`];
  } finally {
    // The profiles are written when the processes exit; a SIGKILL after the grace would lose them.
    if (bareChild) await stopChild(bareChild, 'SIGTERM', 30_000);
    await stopChild(demo.child, 'SIGINT', 30_000);
  }
  const costs = (run: Run): { file: string; c: ReturnType<typeof profileCosts> } | undefined => {
    const file = mainThreadProfile(dir, run.pid);
    return file === undefined
      ? undefined
      : { file, c: profileCosts(file, run.from, run.to, ROOT, run.r.requests) };
  };
  const g = costs(gateway);
  if (!g)
    return [`profile: no profile of the demo's main thread (pid ${gateway.pid}) in ${relative(ROOT, dir)}`];
  const heading = (what: string, run: Run, file: string): string =>
    `── CPU profile of the ${what}'s main thread (node --cpu-prof, wrk -c100, ${durationS} s: ` +
    `${fmtInt(run.r.rps)} req/s under the sampler) · ${relative(ROOT, file)} (open in Chrome DevTools)`;
  const lines = [heading('gateway', gateway, g.file), ...summariseProfile(g.c)];
  const b = bare && costs(bare);
  if (!bare || !b) return [...lines, '  bare proxy: no profile'];
  return [
    ...lines,
    heading('bare proxy', bare, b.file),
    ...summariseProfile(b.c),
    '── what the gateway spends that the bare proxy does not (µs/request, gateway − bare)',
    ...diffProfiles(g.c, b.c),
  ];
}

/** Issue 13 item 8: the token issue rate on the first demo, after its load shapes (bench/throughput.ts). */
async function tokenPart(wrkPath: string, stack: Stack): Promise<string[]> {
  if (!stack.info) return ['token issue: skipped (the demo did not start)'];
  const connections = envNumber('BENCH_TOKEN_CONNECTIONS', 50);
  progress(`token issue: POST /token, wrk -c${connections}, ${durationS} s`);
  try {
    const r = await measureTokenIssue({
      wrkPath,
      gatewayUrl: stack.info.gatewayUrl,
      consumerKey: stack.info.consumerKey,
      consumerSecret: stack.info.consumerSecret,
      dir: tmpDir,
      connections,
      threads,
      durationS,
      warmupS,
      timeoutS,
      processes: targetProcesses(stack.demo?.proc.pid, demoUpstreamPids(stack.demo?.proc.pid)),
    });
    appendix.push('', `--- token issue · POST ${stack.info.gatewayUrl}/token`, r.wrk.raw);
    return tokenIssueLines(r, connections);
  } catch (err) {
    return [`token issue: failed (${(err as Error).message.slice(0, 200)})`];
  }
}

async function measure(
  wrkPath: string,
  shape: Shape,
  name: TargetName,
  t: Target | undefined,
  stack: Stack,
  directUrl: string | undefined,
): Promise<Cell> {
  if (!t) return { ok: false, skip: 'not started' };
  if (!t.skip && t.child?.hasExited()) t.skip = `process exited: ${lastLines(t.child, 2)}`;
  if (t.skip || !t.url) return { ok: false, skip: t.skip ?? 'no URL' };
  // Every target of a stack stands on its upstream; if it is gone (the demo owns it), a run would only
  // measure 502s.
  const upstreamGone = directUrl
    ? await probe(directUrl, {}).then(
        (p) => (p.status >= 500 ? `answers ${p.status}` : undefined),
        (err: Error) => err.message,
      )
    : 'none';
  if (upstreamGone) {
    const demoNote = stack.demo?.hasExited() ? `; the demo exited: ${lastLines(stack.demo, 2)}` : '';
    return { ok: false, skip: `upstream unreachable (${upstreamGone})${demoNote}` };
  }
  try {
    const headers = await t.headers();
    if (shape.storm) {
      // A first storm warms the target (JIT, pools) as wrk's warm-up does; the second is measured.
      progress(`${shape.label} · ${name}: warm-up storm`);
      await runStorm(t.url, shape.connections, timeoutS * 1000, headers);
      await new Promise((r) => setTimeout(r, 1000));
      const r = stormAsWrk(await runStorm(t.url, shape.connections, timeoutS * 1000, headers));
      appendix.push('', `--- ${shape.label} · ${name} · ${t.url}`, r.raw);
      progress(`${shape.label} · ${name}: connect→first byte p99 ${fmtMs(r.p99Ms)} ms, ${r.errors} errors`);
      const died = t.child?.hasExited() ? lastLines(t.child, 2) : undefined;
      return died ? { ok: true, r, died } : { ok: true, r };
    }
    const lua = writeLua(tmpDir, `${shape.key}-${name}`, headers, shape.delayMs ?? false);
    const base = { wrkPath, url: t.url, connections: shape.connections, threads, timeoutS };
    progress(`${shape.label} · ${name}: warm-up ${warmupS} s`);
    await runWrk({ ...base, durationS: warmupS, luaPath: lua });
    await new Promise((r) => setTimeout(r, 500));
    if (t.child?.hasExited()) {
      const reason = `its process EXITED during the warm-up — ${lastLines(t.child, 2)}`;
      return { ok: false, skip: reason, crashed: true };
    }
    progress(`${shape.label} · ${name}: ${durationS} s`);
    // CPU per request (bench/cpu.ts): the target's threads, its upstream's and wrk's, over the measured run only.
    const meter = cpuMeter(targetProcesses(t.child?.proc.pid, demoUpstreamPids(stack.demo?.proc.pid)));
    const r = await runWrk({ ...base, durationS, luaPath: lua });
    const cpu = meter.stop(r.requests, durationS);
    // A process that crashes on wrk's closing of 1,000 sockets does so a moment after wrk exits.
    await new Promise((r) => setTimeout(r, 1000));
    const died = t.child?.hasExited() ? lastLines(t.child, 2) : undefined;
    appendix.push('', `--- ${shape.label} · ${name} · ${t.url}`, r.raw);
    progress(
      `${shape.label} · ${name}: ${fmtInt(r.rps)} req/s, p99 ${fmtMs(r.p99Ms)} ms, ${r.errors} errors`,
    );
    return died ? { ok: true, r, died, cpu } : { ok: true, r, cpu };
  } catch (err) {
    return { ok: false, skip: `run failed: ${(err as Error).message.slice(0, 200)}` };
  }
}

async function main(): Promise<void> {
  const t0 = Date.now();
  tmpDir = mkdtempSync(join(os.tmpdir(), 'lgsp-bench-'));

  const wrk = ensureTool('wrk', ['wrk'], progress);
  if (!wrk.ok) {
    say(`wrk: cannot install (${wrk.reason}) — nothing to measure with`);
    process.exitCode = 1;
    return;
  }
  const nginxTool = ensureTool('nginx', ['nginx-light', 'nginx'], progress);

  say(`OpenLGSP sync benchmark — ${new Date().toISOString()}`);
  say(
    `node ${process.version} · os.cpus().length = ${os.cpus().length} · ${os.platform()} ${os.arch()} · ` +
      `${toolVersion(wrk.path, ['--version']).split(' Copyright')[0]}` +
      (nginxTool.ok ? ` · ${toolVersion(nginxTool.path, ['-v']).replace('nginx version: ', '')}` : ''),
  );
  say(
    `load: wrk -t${threads} --latency --timeout ${timeoutS}s, ${durationS} s per run after a ${warmupS} s ` +
      'warm-up (not counted)',
  );
  say(
    'errors = socket errors (connect, read, write, timeout) + non-2xx/3xx responses; a timeout is a request ' +
      `unanswered after ${timeoutS} s, counted again at each of wrk's 2 s checks`,
  );
  say('nginx worker_processes 1 · bare proxy 1 node process');
  for (const gw of gatewayConfigs) {
    const shape =
      gw.workers === '1'
        ? 'one process'
        : `a primary and ${gw.workers} gateway workers, gateway.workerAccept ` +
          (process.env['LGSP_GATEWAY_WORKER_ACCEPT'] ||
            'kernel (the default: the workers accept on one socket)');
    const extra = Object.entries(gw.env ?? {})
      .filter(([k]) => k !== 'LGSP_REDIS_URL' && k !== 'LGSP_REDIS_KEY_PREFIX')
      .map(([k, v]) => ` ${k}=${v}`)
      .join('');
    say(
      `${gw.name} = LGSP_GATEWAY_WORKERS=${gw.workers}${extra}: ${shape}` +
        (gw.env?.['LGSP_REDIS_URL'] ? ', the subscription quota counted in Redis (BENCH_REDIS_URL)' : '') +
        (workersFromEnv && gw.name === 'gateway'
          ? ' (from the environment; unset it to measure 1 and 2 workers)'
          : ''),
    );
  }
  if (!redisUrl && issue13Configs.length > 0)
    say('gateway-strict-redis: skipped (set BENCH_REDIS_URL to measure it)');
  if (gatewayConfigs.length > 1) {
    say(
      `each gateway row has its own demo, measured one after the other: direct, nginx, bare and ` +
        `${gatewayConfigs[0]!.name} stand on the first demo's upstream; ${gatewayConfigs
          .slice(1)
          .map((g) => g.name)
          .join(', ')} forwards to the second demo's upstream (same program, a new process)`,
    );
  }
  say(
    `wrk, the target and the upstream share the ${os.cpus().length} cores: compare rows with each other, ` +
      'not with other machines',
  );
  const load = os.loadavg()[0] ?? 0;
  say(
    `load average (1 min) before start: ${load.toFixed(2)}` +
      (load > 0.5 ? ' — other work is running on this machine and will skew every figure' : ''),
  );
  say('');

  // -- the runs. Phase 1: the first demo, with direct, nginx and the bare proxy standing on its upstream. Then
  // each further gateway configuration with a demo of its own, alone: the first demo (whose ports it needs) and
  // the reference targets are stopped first, so every row is measured on a machine that runs only it, its
  // upstream and wrk. Running the phases one after the other rather than interleaving them per shape costs the
  // figures only the drift of a few minutes, and spares restarting nginx and the bare proxy for each shape.
  const results: Results = new Map();
  const [first, ...others] = gatewayConfigs;
  let tlsConfig: GatewayConfig | undefined;
  if (withTls) {
    try {
      tlsConfig = { name: 'gateway-tls', workers: '1', tls: throwawayCertificate(tmpDir) };
      say(
        'gateway-tls and nginx-tls: HTTPS with one throwaway certificate (openssl, EC P-256), TLS 1.2+ and the ' +
          'same ciphers, one process each, in front of the same upstream (a demo of its own, measured last)',
      );
    } catch (err) {
      say(`gateway-tls, nginx-tls: skipped (openssl: ${(err as Error).message.slice(0, 160)})`);
    }
  }
  let tokenLines: string[] = [];
  const tokenAfter = parts.has('token')
    ? async (stack: Stack) => {
        tokenLines = await tokenPart(wrk.path, stack);
      }
    : undefined;
  if (parts.has('sync')) {
    await runPhase(
      wrk.path,
      () => startStack(nginxTool, first!, true),
      [...REFERENCES, first!.name],
      results,
      { after: tokenAfter },
    );
  } else if (tokenAfter) {
    await runPhase(wrk.path, () => startStack(nginxTool, first!, false), [], results, { after: tokenAfter });
  }
  for (const gw of others) {
    if (signals.interrupted) return;
    // Let the sockets of the stopped stack close and the CPU settle.
    await new Promise((r) => setTimeout(r, 1000));
    await runPhase(wrk.path, () => startStack(nginxTool, gw, false), [gw.name], results, {
      shapes: gw.shapes,
    });
  }
  if (tlsConfig && parts.has('sync')) {
    if (signals.interrupted) return;
    await new Promise((r) => setTimeout(r, 1000));
    await runPhase(
      wrk.path,
      () => startStack(nginxTool, tlsConfig, false),
      ['nginx-tls', tlsConfig.name],
      results,
    );
  }
  if (signals.interrupted) return;
  const profileLines = parts.has('profile') ? await profilePart(wrk.path) : [];
  if (signals.interrupted) return;
  // Last, on a machine the demos have left: the recorder's write path, in this process.
  let ingestLines: string[] = [];
  if (parts.has('ingest')) {
    try {
      ingestLines = await measureRecordIngest(postgresAdminUrl, progress);
    } catch (err) {
      ingestLines = [`record ingest: failed (${(err as Error).message.slice(0, 200)})`];
    }
  }
  if (signals.interrupted) return;

  say('');
  if (parts.has('sync')) {
    for (const shape of shapes) printShape(shape, results.get(shape.key) ?? new Map());
  }
  say('── throughput (issue 13 item 8; the machine is shared: read the ratios, not the absolute figures)');
  for (const line of tokenLines) say(line);
  for (const line of ingestLines) say(line);
  if (!postgresAdminUrl)
    say('gateway-pg, gateway-strict-pg: skipped (set BENCH_POSTGRES_URL to measure them)');
  say('');
  for (const line of profileLines) say(line);
  if (profileLines.length > 0) say('');
  if (parts.has('sync')) printBars(results);
  say('');
  say(`total ${Math.round((Date.now() - t0) / 1000)} s`);
}

function printShape(shape: Shape, row: Map<TargetName, Cell>): void {
  const pacing = shape.delayMs
    ? `, each waiting ${fmtInt(shape.delayMs.min)}–${fmtInt(shape.delayMs.max)} ms between requests (≈ ${fmtInt(
        (2 * shape.connections * 1000) / (shape.delayMs.min + shape.delayMs.max),
      )} req/s offered)`
    : ', saturating';
  say(
    shape.storm
      ? `── ${shape.label}: ${shape.connections} fresh connections opened at once, one GET each (bench/connections.ts); ` +
          'p50/p99 = connect() → first byte of the answer, req/s = answers per second of the whole storm'
      : `── ${shape.label}: wrk -c${shape.connections}${pacing}`,
  );
  const rps = (n: TargetName): number | undefined => {
    const c = row.get(n);
    return c?.ok ? c.r.rps : undefined;
  };
  const ratio = (mine: number, base: number | undefined): string =>
    base === undefined || base === 0 ? '—' : fmtRatio(mine / base);
  const rows: string[][] = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', '×direct', '×nginx', '×bare', ''],
  ];
  const notes: string[] = [];
  for (const name of TARGETS) {
    const c = row.get(name);
    if (!c) continue;
    if (!c.ok) {
      rows.push([name, '—', '—', '—', '—', '—', '—', '—', skipText(c)]);
      continue;
    }
    const r = c.r;
    rows.push([
      name,
      fmtInt(r.rps),
      fmtMs(r.p50Ms),
      fmtMs(r.p99Ms),
      fmtInt(r.errors),
      ratio(r.rps, rps('direct')),
      ratio(r.rps, rps('nginx')),
      ratio(r.rps, rps('bare')),
      '',
    ]);
    if (c.died) notes.push(`  ${name}: its process EXITED during this run — ${c.died}`);
    if (r.errors > 0) notes.push(`  errors of ${name}: ${r.errorDetail} (max latency ${fmtMs(r.maxMs)} ms)`);
  }
  for (const line of table(rows)) say(`  ${line}`);
  for (const n of notes) say(n);
  printCpu(row);

  const parts = TARGETS.filter((n) => rps(n) !== undefined).map((n) => `${n} ${fmtInt(rps(n)!)}`);
  say(`summary ${shape.label}: ${parts.join(' · ') || 'nothing measured'} req/s`);
  const gwTls = row.get('gateway-tls');
  const ngTls = rps('nginx-tls');
  if (gwTls?.ok && ngTls !== undefined) {
    say(
      `  → gateway-tls = ${fmtRatio(gwTls.r.rps / ngTls)} nginx-tls, p99 ${fmtMs(gwTls.r.p99Ms)} ms, ${gwTls.r.errors} errors`,
    );
  }
  for (const { name } of gatewayConfigs) {
    const gw = row.get(name);
    let verdict = 'not measured';
    if (gw?.ok) {
      const vs = (['nginx', 'bare', 'direct'] as const)
        .filter((n) => rps(n) !== undefined)
        .map((n) => `${fmtRatio(gw.r.rps / rps(n)!)} ${n}`);
      verdict = `${vs.join(', ') || 'no reference'}, p99 ${fmtMs(gw.r.p99Ms)} ms, ${gw.r.errors} errors`;
    }
    say(`  → ${name} = ${verdict}`);
  }
  say('');
}

/**
 * CPU per request of each target (issue 14 item 1, bench/cpu.ts): its main thread(s) and its other threads (the
 * embedded store's PGlite thread, libuv's pool, V8's helpers; the costliest named), beside what the upstream and wrk
 * spent on the same requests — the whole budget of the run's cores. Figures from /proc at 10 ms resolution.
 */
function printCpu(row: Map<TargetName, Cell>): void {
  const fmtUs = (n: number): string => n.toFixed(1);
  const rows: string[][] = [
    [
      'CPU µs/request',
      'main',
      'other threads',
      'target',
      'upstream',
      'wrk',
      'target cores',
      'main syscalls/req',
      'other threads by name',
    ],
  ];
  for (const name of TARGETS) {
    const c = row.get(name);
    if (!c?.ok || !c.cpu) continue;
    const u = c.cpu;
    const own = name !== 'direct';
    rows.push([
      name,
      own ? fmtUs(u.mainUs) : '—',
      own ? fmtUs(u.otherUs) : '—',
      own ? fmtUs(u.mainUs + u.otherUs) : '—',
      fmtUs(u.upstreamUs),
      fmtUs(u.wrkUs),
      own ? u.cores.toFixed(2) : '—',
      own ? u.mainSyscalls.toFixed(2) : '—',
      u.otherTop.map((t) => `${t.name} ${fmtUs(t.us)}`).join(', '),
    ]);
  }
  if (rows.length === 1) return;
  for (const line of table(rows)) say(`  ${line}`);
  const gw = row.get('gateway');
  const bare = row.get('bare');
  if (gw?.ok && gw.cpu && bare?.ok && bare.cpu) {
    const g = gw.cpu.mainUs + gw.cpu.otherUs;
    const b = bare.cpu.mainUs + bare.cpu.otherUs;
    say(
      `  → gateway CPU per request = ${fmtRatio(g / b)} bare (${fmtUs(g)} vs ${fmtUs(b)} µs; main thread ` +
        `${fmtUs(gw.cpu.mainUs)} vs ${fmtUs(bare.cpu.mainUs)} µs)`,
    );
  }
}

/**
 * Issue 13's costs at 100 connections: strict records against batched ones on the same store (goal ≤ 10 %) —
 * gateway (strict by default) against gateway-batched (PGlite), gateway-strict-pg against gateway-pg — and Redis
 * quotas against gateway.
 */
function printIssue13Costs(results: Results): void {
  const pairs = [
    ['gateway', 'gateway-batched', true],
    ['gateway-strict-redis', 'gateway', false],
    ['gateway-strict-pg', 'gateway-pg', true],
    ['gateway-pg', 'gateway-batched', false],
  ] as const;
  for (const [name, baseName, strictCost] of pairs) {
    const base = results.get('100')?.get(baseName);
    const row = results.get('100')?.get(name);
    if (!base?.ok || !row?.ok) continue;
    const k = row.r.rps / base.r.rps;
    const goal = strictCost ? ' (goal ≥ 0.90×: strict records cost ≤ 10 %)' : '';
    say(`  ${name} = ${fmtRatio(k)} ${baseName} at 100 connections${goal}, p99 ${fmtMs(row.r.p99Ms)} ms`);
  }
}

function printBars(results: Results): void {
  printIssue13Costs(results);
  say('bars (informational; the exit code does not depend on them), for each gateway row:');
  const cell = (shape: string, name: TargetName): Cell | undefined => results.get(shape)?.get(name);
  // A gateway that crashed during a run fails its bar whatever the figures it left behind.
  const crashed = (c: Cell): boolean => (c.ok ? c.died !== undefined : c.crashed === true);
  const crashNote = (c: Cell): string => (crashed(c) ? '; the gateway process EXITED during the run' : '');
  const width = Math.max(...gatewayConfigs.map((g) => g.name.length));

  for (const { name, shapes: only } of gatewayConfigs) {
    const line = (ok: boolean | undefined, text: string, detail: string): void =>
      say(
        `  ${ok === undefined ? 'SKIP' : ok ? 'PASS' : 'FAIL'}  [${name}]${''.padEnd(width - name.length)} ${text} — ${detail}`,
      );
    const notRun = (text: string, gw: Extract<Cell, { ok: false }> | undefined): void =>
      line(
        gw && crashed(gw) ? false : undefined,
        text,
        `${name} ${gw ? skipText(gw) : only ? `measured at ${only.join(', ')} connections only` : 'not run'}`,
      );
    // At 100 connections against a reference: issue 13's (nginx, 0.35×) and issue 14's (bare 0.85×, nginx 0.4×).
    const against = (reference: 'nginx' | 'bare', bar: number, issue: string): void => {
      const text = `req/s ≥ ${bar}× ${reference} at 100 connections (${issue})`;
      const gw = cell('100', name);
      const ref = cell('100', reference);
      if (!results.has('100')) line(undefined, text, 'shape not run');
      else if (!gw?.ok) notRun(text, gw);
      else if (!ref?.ok) line(undefined, text, `${reference} ${ref ? skipText(ref) : 'not run'}`);
      else {
        const k = gw.r.rps / ref.r.rps;
        const detail = `${fmtRatio(k)} (${fmtInt(gw.r.rps)} vs ${fmtInt(ref.r.rps)} req/s)${crashNote(gw)}`;
        line(k >= bar && !crashed(gw), text, detail);
      }
    };
    against('nginx', 0.35, 'issue 13');
    against('bare', 0.85, 'issue 14');
    against('nginx', 0.4, 'issue 14');
    {
      const text = '0 errors at 1,000 saturating connections (issues 13, 14)';
      const gw = cell('1000', name);
      if (!results.has('1000')) line(undefined, text, 'shape not run');
      else if (!gw?.ok) notRun(text, gw);
      else {
        const detail = gw.r.errors === 0 ? '0 errors' : `${gw.r.errors} (${gw.r.errorDetail})`;
        line(gw.r.errors === 0 && !crashed(gw), text, `${detail}${crashNote(gw)}`);
      }
    }
    {
      // Issue 14's bar; R-04's own is p99 < 100 ms.
      const text = '1,000 paced: 0 errors and p99 ≤ 10 ms (issue 14)';
      const gw = cell('paced', name);
      if (!results.has('paced')) line(undefined, text, 'shape not run');
      else if (!gw?.ok) notRun(text, gw);
      else {
        const ok = gw.r.errors === 0 && gw.r.p99Ms <= 10 && !crashed(gw);
        const detail = `${gw.r.errors} errors, p99 ${fmtMs(gw.r.p99Ms)} ms, ${fmtInt(gw.r.rps)} req/s`;
        line(ok, text, `${detail}${crashNote(gw)}`);
      }
    }
    // Issue 14 item 4: a storm of fresh connections, and 10,000 held (bench/connections.ts).
    for (const bar of [stormBar, tenKBar]) {
      const { key, text, pass } = bar;
      const gw = cell(key, name);
      if (!results.has(key)) line(undefined, text, 'shape not run');
      else if (!gw?.ok) notRun(text, gw);
      else {
        const ng = cell(key, 'nginx');
        const detail = `${gw.r.errors === 0 ? '0 errors' : `${gw.r.errors} errors (${gw.r.errorDetail})`}, p99 ${fmtMs(gw.r.p99Ms)} ms${ng?.ok ? ` (nginx ${fmtMs(ng.r.p99Ms)} ms)` : ''}`;
        line(pass(gw.r) && !crashed(gw), text, `${detail}${crashNote(gw)}`);
      }
    }
  }
}

try {
  await main();
} catch (err) {
  say(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  if (!signals.interrupted) {
    await cleanup();
    const file = writeResults();
    console.log(`results: ${relative(ROOT, file)}`);
  }
}

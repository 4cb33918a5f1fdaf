// Throughput figures (issue 13 item 8, issue 14 item 3), each beside its baseline measured in the same run:
//
// · token issue/s — `POST /token` (client credentials, HTTP Basic) against the demo's gateway under wrk, beside the
//   in-process rate of the gateway's own `issueToken` (claims, then the ES256 signature by node:crypto's `sign` on
//   libuv's thread pool, beside the event loop): that is what every token must pay; what the endpoint adds on top
//   (HTTP, form, constant-time secret check, brute-force counters, the token_request record) is the difference.
//   Goal ≥ 5,000 tokens/s. Where to sign, measured: node:crypto's synchronous `sign` (04/12/2026) costs less CPU
//   than jose's WebCrypto (≈ 45 vs 64 µs per token) but all of it on the event loop, and the endpoint fell to ≈ 0.3×
//   jose's rate with a p99 of 2 s; `sign` with a callback (05/12/2026) keeps the signature on the thread pool and
//   costs 39 µs, 6 of them on the event loop (jose: 25) — the endpoint went from 5,984–8,286 to 12,523–13,496
//   tokens/s, 172/137 → 123/91 µs of gateway CPU per token (A/B, tokens.ts).
// · record ingest — transaction records through the recorder's real write path (`Recorder` → insertTransactions,
//   batches of 1,000) into PGlite and into a throwaway PostgreSQL database, counted after (no loss), each beside
//   what it replaced: on PGlite the recorder's binary COPY (each record one tuple of PostgreSQL's binary copy format,
//   the batch's buffer transferred to PGlite's thread) beside the INSERT … SELECT FROM unnest it used before COPY —
//   the COPY text lines in between are gone (docs/benchmarks.md has them beside binary, measured from the commit
//   before); on PostgreSQL the recorder (binary COPY, up to 3 writes in flight) beside the same one write at a time,
//   the INSERT, and one binary COPY of all the rows in one statement. CPU per row = this process's CPU (building the
//   batch; PGlite runs in a worker of this process) + the PostgreSQL backends' (read from /proc, so only when the
//   server runs on this machine). Goal ≥ 50,000 rows/s on PostgreSQL.
//
// `npm run bench` prints both (measureTokenIssue on the first demo, measureRecordIngest after the load shapes);
// `npm run bench -- --only=token,ingest` runs only these two (one demo, no wrk shapes). This file run alone —
// `node --import tsx bench/throughput.ts` — measures the record ingest only (no demo needed).
//
// Environment: BENCH_POSTGRES_URL (a database on the server in which the bench may CREATE and DROP its own
// throwaway databases, e.g. postgres://postgres@127.0.0.1:5432/postgres; unset, the PostgreSQL figures are skipped),
// BENCH_INGEST_ROWS (100000 on PostgreSQL; PGlite gets a quarter), BENCH_TOKEN_CONNECTIONS (50).
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, generateKeyPair } from 'jose';
import { sql } from 'kysely';
import pg from 'pg';
import { newId } from '../src/core/ids.ts';
import type { CompiledSnapshot } from '../src/gateway/compiled-snapshot.ts';
import { issueToken } from '../src/gateway/tokens.ts';
import { migrate } from '../src/store/migrate.ts';
import { PgliteStore } from '../src/store/pglite-store.ts';
import type { Store } from '../src/store/port.ts';
import { PostgresStore } from '../src/store/postgres-store.ts';
import { silentLogger } from '../src/telemetry/logger.ts';
import type { TransactionRecord } from '../src/telemetry/record.ts';
import { insertByUnnest, insertTransactions } from '../src/telemetry/record-copy.ts';
import { Recorder } from '../src/telemetry/recorder.ts';
import { callRecord } from '../test/helpers/records.ts';
import { type CpuPerRequest, cpuMeter, type TargetProcesses } from './cpu.ts';
import { runWrk, type WrkResult, writeLua } from './wrk.ts';

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

export const postgresAdminUrl = process.env['BENCH_POSTGRES_URL']?.trim() || undefined;

/** A throwaway database on the server of `adminUrl`: its URL, and how to drop it. */
export async function throwawayDatabase(
  adminUrl: string,
  purpose: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `lgsp_bench_${purpose}_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string): Promise<void> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

// ---------------------------------------------------------------- token issue

export interface TokenIssueResult {
  wrk: WrkResult;
  /** The gateway's CPU per token during the measured run (its processes, from /proc). */
  cpu: CpuPerRequest;
  /** `issueToken` alone, in this process: tokens minted per second on one core. */
  signPerS: number;
  algorithm: string;
}

/** One token from the gateway, as a client asks for it; its header names the algorithm. */
async function oneToken(gatewayUrl: string, basic: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`POST /token → ${res.status}`);
  return body.access_token;
}

/**
 * Tokens minted per second in this process by the gateway's own `issueToken` (claims, JWS, signature; no HTTP,
 * no client authentication, no record), for `ms`, one at a time.
 */
async function mintedPerSecond(algorithm: string, ms: number): Promise<number> {
  const { privateKey } = await generateKeyPair(algorithm);
  const snapshot = { signing: { kid: 'bench', algorithm, privateKey } } as unknown as CompiledSnapshot;
  const credential = {
    id: 'cred_bench',
    systemId: 'sys_bench',
    environment: 'production',
    consumerKey: 'ck',
  } as const;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 50; i++, n++) await issueToken(snapshot, credential, 3600, Date.now());
  }
  return n / ((performance.now() - t0) / 1000);
}

/**
 * `POST /token` per second under wrk (`connections` saturating connections), every answer a 200 with a token,
 * then the signature alone in this process (after wrk, so the two do not share the cores).
 */
export async function measureTokenIssue(o: {
  wrkPath: string;
  gatewayUrl: string;
  consumerKey: string;
  consumerSecret: string;
  dir: string;
  connections: number;
  threads: number;
  durationS: number;
  warmupS: number;
  timeoutS: number;
  /** The demo's processes (bench/cpu.ts), for the CPU per token. */
  processes: TargetProcesses;
}): Promise<TokenIssueResult> {
  const basic = Buffer.from(`${o.consumerKey}:${o.consumerSecret}`).toString('base64');
  const algorithm = decodeProtectedHeader(await oneToken(o.gatewayUrl, basic)).alg ?? 'ES256';
  const lua = writeLua(
    o.dir,
    'token',
    { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    false,
  );
  appendFileSync(lua, 'wrk.method = "POST"\nwrk.body = "grant_type=client_credentials"\n');
  const base = {
    wrkPath: o.wrkPath,
    url: `${o.gatewayUrl}/token`,
    connections: o.connections,
    threads: o.threads,
    timeoutS: o.timeoutS,
    luaPath: lua,
  };
  await runWrk({ ...base, durationS: o.warmupS });
  const meter = cpuMeter(o.processes);
  const wrk = await runWrk({ ...base, durationS: o.durationS });
  const cpu = meter.stop(wrk.requests, o.durationS);
  return { wrk, cpu, signPerS: await mintedPerSecond(algorithm, 2000), algorithm };
}

export function tokenIssueLines(r: TokenIssueResult, connections: number): string[] {
  const k = r.wrk.rps / r.signPerS;
  return [
    `token issue: POST /token (client credentials, HTTP Basic), wrk -c${connections}: ${fmtInt(r.wrk.rps)} tokens/s, ` +
      `p99 ${r.wrk.p99Ms.toFixed(1)} ms, ${r.wrk.errors} errors${r.wrk.errors ? ` (${r.wrk.errorDetail})` : ''}`,
    `  gateway CPU per token: ${(r.cpu.mainUs + r.cpu.otherUs).toFixed(1)} µs (main thread ` +
      `${r.cpu.mainUs.toFixed(1)}, other threads ${r.cpu.otherUs.toFixed(1)}: the signature on libuv's pool, the recorder)`,
    `  baseline: the gateway's issueToken alone (${r.algorithm}, in process, one at a time, no HTTP): ` +
      `${fmtInt(r.signPerS)} tokens/s → the endpoint = ${k.toFixed(2)}× it`,
    `  ${r.wrk.rps >= 5000 && r.wrk.errors === 0 ? 'PASS' : 'FAIL'}  token issue ≥ 5,000/s with 0 errors`,
  ];
}

// ---------------------------------------------------------------- record ingest

/** CPU time (user + system) of processes, in µs, from /proc (clock ticks); 0 for one that is gone. */
function processCpuUs(pids: number[]): number {
  const tick = 1e6 / 100;
  let total = 0;
  for (const pid of pids) {
    try {
      // The fields after the command (which may hold spaces) start after its closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // Not on this machine, or ended.
    }
  }
  return total;
}

async function backendPids(store: Store): Promise<number[]> {
  const r = await sql<{ pid: number }>`SELECT pid FROM pg_stat_activity
    WHERE datname = current_database()`.execute(store.db);
  return r.rows.map((x) => x.pid);
}

/** `n` records as the gateway writes them: a handful of services and consumers, varied text, one day of times. */
function makeRecords(n: number, run: string): TransactionRecord[] {
  const start = Date.now() - 86_400_000;
  return Array.from({ length: n }, (_, i) => {
    const at = start + Math.floor((i * 86_400_000) / n);
    return callRecord(at, {
      id: `${newId('txn', at)}${run}`,
      consumerSystemId: `sys_c${i % 40}`,
      consumerOrgCode: `000.00.${10 + (i % 40)}.H01`,
      credentialId: `cred_${i % 40}`,
      providerSystemId: `sys_p${i % 12}`,
      providerOrgCode: `000.00.${60 + (i % 12)}.H01`,
      serviceId: `svc_${i % 30}`,
      serviceContext: `dichvu${i % 30}`,
      versionId: `ver_${i % 60}`,
      version: i % 2 ? '2.0' : '1.0',
      resourceTemplate: '/congdan/{soDinhDanh}',
      providerStatus: i % 50 === 0 ? 502 : 200,
      consumerStatus: i % 50 === 0 ? 502 : 200,
      errorCode: i % 50 === 0 ? 'GW_UPSTREAM_UNAVAILABLE' : null,
      requestBytes: 200 + (i % 300),
      responseBytes: 1000 + (i % 5000),
      responseSha256: 'ab'.repeat(32),
      clientAddress: `10.0.${i % 256}.${(i >> 8) % 256}`,
      clientTranCode: `TRAN-${i}`,
      authMethod: 'bearer',
    });
  });
}

interface IngestRun {
  label: string;
  rows: number;
  seconds: number;
  /** µs of this process's CPU per row, and of the PostgreSQL backends' (null: not measurable here). */
  clientUsPerRow: number;
  serverUsPerRow: number | null;
  counted: number;
}

/** How a run writes its records: through the recorder, by the INSERT it used before, or as one binary COPY of all. */
type IngestWay =
  | { via: 'recorder'; writesInFlight?: number }
  | { via: 'insert-unnest' }
  | { via: 'one-copy' };

/**
 * Writes `n` records into `store` (whose table is empty) the way `way` says — the recorder (batches of 1,000, as
 * the gateway's), the INSERT … SELECT FROM unnest it used before (batches of 1,000, one at a time), or one binary
 * COPY of all of them — and counts them after.
 */
async function ingest(
  store: Store,
  label: string,
  n: number,
  way: IngestWay,
  o: { serverCpu: boolean },
): Promise<IngestRun> {
  const records = makeRecords(n, label.replace(/\W/g, '').slice(0, 8));
  const recorder = new Recorder(
    store,
    {
      flushIntervalMs: 50,
      batchSize: 1000,
      maxBacklog: Number.MAX_SAFE_INTEGER,
      durability: 'batched',
      ...(way.via === 'recorder' && way.writesInFlight ? { writesInFlight: way.writesInFlight } : {}),
    },
    silentLogger(),
  );
  // One write before the clock, so that the pool's connections are open and counted among the backends.
  await Promise.all([1, 2, 3].map((k) => insertTransactions(store, makeRecords(10, `warm${k}`))));
  const pids = o.serverCpu ? await backendPids(store) : [];
  const server0 = processCpuUs(pids);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (way.via === 'one-copy') {
    await insertTransactions(store, records);
  } else if (way.via === 'insert-unnest') {
    for (let i = 0; i < n; i += 1000) await insertByUnnest(store, records.slice(i, i + 1000));
  } else {
    for (const r of records) recorder.record(r);
    await recorder.close(600_000);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverUs = o.serverCpu ? processCpuUs(pids) - server0 : null;
  const counted = await sql<{ n: number }>`SELECT count(*)::int AS n FROM transactions`
    .execute(store.db)
    .then((r) => r.rows[0]!.n - 30);
  await sql`TRUNCATE transactions`.execute(store.db);
  return {
    label,
    rows: n,
    seconds,
    clientUsPerRow: (cpu.user + cpu.system) / n,
    serverUsPerRow: serverUs === null ? null : serverUs / n,
    counted,
  };
}

/**
 * PGlite always (the recorder's binary COPY beside the INSERT it replaced); PostgreSQL (the recorder, with its writes
 * in flight and one at a time, the INSERT, one binary COPY of everything) when `adminUrl` is given.
 */
export async function measureRecordIngest(
  adminUrl: string | undefined,
  progress: (line: string) => void,
): Promise<string[]> {
  const rows = Number(process.env['BENCH_INGEST_ROWS']) || 100_000;
  const runs: IngestRun[] = [];
  const dataDir = mkdtempSync(join(os.tmpdir(), 'lgsp-bench-ingest-'));
  try {
    progress(`record ingest: PGlite (${join(dataDir, 'store')}), ${fmtInt(rows / 4)} records`);
    const lite = await PgliteStore.open(join(dataDir, 'store'));
    try {
      await migrate(lite);
      for (const [label, way] of [
        [LABEL.pgliteRecorder, { via: 'recorder' }],
        ['PGlite · INSERT … unnest (before)', { via: 'insert-unnest' }],
      ] as const) {
        runs.push(await ingest(lite, label, rows / 4, way, { serverCpu: false }));
      }
    } finally {
      await lite.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  let skipped: string | null = 'set BENCH_POSTGRES_URL to measure PostgreSQL';
  if (adminUrl) {
    skipped = null;
    const db = await throwawayDatabase(adminUrl, 'ingest');
    try {
      const store = await PostgresStore.open(db.url);
      try {
        await migrate(store);
        const local = processCpuUs(await backendPids(store)) > 0;
        for (const [label, way] of [
          [LABEL.postgresRecorder, { via: 'recorder' }],
          ['PostgreSQL · recorder, one write at a time (before)', { via: 'recorder', writesInFlight: 1 }],
          ['PostgreSQL · INSERT … unnest (before COPY)', { via: 'insert-unnest' }],
          [LABEL.ceiling, { via: 'one-copy' }],
        ] as const) {
          progress(`record ingest: ${label}, ${fmtInt(rows)} records`);
          runs.push(await ingest(store, label, rows, way, { serverCpu: local }));
        }
      } finally {
        await store.close();
      }
    } catch (err) {
      skipped = (err as Error).message.slice(0, 200);
    } finally {
      await db.drop().catch(() => undefined);
    }
  }
  return ingestLines(runs, skipped);
}

const LABEL = {
  pgliteRecorder: 'PGlite · recorder (binary COPY from a transferred buffer)',
  postgresRecorder: 'PostgreSQL · recorder (binary COPY, 3 writes in flight)',
  ceiling: 'PostgreSQL · one binary COPY of all rows',
} as const;

function ingestLines(runs: IngestRun[], skipped: string | null): string[] {
  const lines = [
    'record ingest: transaction records written in batches of 1,000, counted after; CPU/row = this process ' +
      '(building the batches; PGlite runs on a thread of it) + the PostgreSQL backends (from /proc)',
  ];
  const width = Math.max(...runs.map((r) => r.label.length));
  const copy = runs.find((r) => r.label === LABEL.postgresRecorder);
  const ceiling = runs.find((r) => r.label === LABEL.ceiling);
  for (const r of runs) {
    const rps = r.rows / r.seconds;
    const server = r.serverUsPerRow === null ? '' : ` + ${r.serverUsPerRow.toFixed(1)} µs server`;
    // What one core would write if the CPU were all it waited for (the machine is shared: wall time is not).
    const perCore = 1e6 / (r.clientUsPerRow + (r.serverUsPerRow ?? 0));
    const vsCeiling =
      ceiling && r !== ceiling && r.label.startsWith('PostgreSQL')
        ? ` · ${(rps / (ceiling.rows / ceiling.seconds)).toFixed(2)}× one binary COPY`
        : '';
    const lost = r.counted === r.rows ? 'none lost' : `COUNTED ${fmtInt(r.counted)} OF ${fmtInt(r.rows)}`;
    lines.push(
      `  ${r.label.padEnd(width)}  ${fmtInt(rps).padStart(8)} rows/s  CPU/row ${r.clientUsPerRow.toFixed(1)} µs node${server}` +
        ` ≈ ${fmtInt(perCore)} rows per CPU-second  (${fmtInt(r.rows)} rows in ${r.seconds.toFixed(2)} s, ${lost})${vsCeiling}`,
    );
  }
  if (skipped) lines.push(`  PostgreSQL: skipped (${skipped})`);
  if (copy) {
    const ok = copy.rows / copy.seconds >= 50_000 && copy.counted === copy.rows;
    lines.push(`  ${ok ? 'PASS' : 'FAIL'}  PostgreSQL ingest through the recorder ≥ 50,000 rows/s, no loss`);
  }
  return lines;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await measureRecordIngest(postgresAdminUrl, (l) => process.stderr.write(`  … ${l}\n`))) {
    console.log(line);
  }
}

// Issue 14 item 4: connections. Two measures beside `npm run bench`'s wrk shapes:
//
// - the storm: N fresh TCP connections (1,000) opened at once, each sending one request; for each, the time from
//   its connect() call to the first byte of the answer. What a gateway costs here is its accept path (listen
//   backlog, the `connection` listeners, the per-connection HTTP state), not its request path: the bar is p99 ≤
//   0.5 s (nginx ≈ 0.1 s). wrk cannot measure it — its latency clock starts when the request is written, after
//   the connect — so this is a small client of its own, run as a child process (its own event loop and file
//   limit, away from the bench's), the same client for every target so that its own cost is in every row.
// - the 10k shape (BENCH_SHAPES=10k): wrk with 10,000 keep-alive connections, each pacing itself so the whole
//   offers ≈ 2,000 req/s like the `paced` shape: what R-04's "hold the connections" means at 10× its floor.
//   `tenKDelayMs` is its pacing; the run itself is bench/sync.ts's (wrk.ts).
//
// As a child: node --import tsx bench/connections.ts <url> <connections> <timeoutMs> [header: value]…
// prints one JSON line (StormResult) on stdout.
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './procs.ts';
import type { WrkResult } from './wrk.ts';

export interface StormResult {
  connections: number;
  /** Answered with a 2xx/3xx status line within the timeout. */
  answered: number;
  /** connect() call → first byte of the answer, over the answered connections. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * connect() call → connected (TCP, and TLS for https): the accept queue's share — a SYN dropped by a full
   * backlog costs ≥ 1 s.
   */
  connectP99Ms: number;
  /** From the first connect() call to the last answer (or timeout). */
  totalMs: number;
  errors: number;
  /** e.g. "connect 12, timeout 3, status 401×5"; empty when there were none. */
  errorDetail: string;
}

/** 10k shape: each connection waits 2.5–7.5 s between its requests — 10,000 / 5 s ≈ 2,000 req/s offered, as `paced`
 * offers with 1,000 connections; below wrk's 10 s timeout, which counts from the last request written. */
export const tenKDelayMs = { min: 2500, max: 7500 } as const;

/** A PASS/FAIL line of bench/sync.ts for each gateway row: the shape it reads and its bar. */
export interface ConnectionBar {
  key: string;
  text: string;
  pass(r: WrkResult): boolean;
}
export const stormBar: ConnectionBar = {
  key: 'storm',
  text: '1,000 fresh connections at once: connect→first byte p99 ≤ 0.5 s, 0 errors',
  pass: (r) => r.errors === 0 && r.p99Ms <= 500,
};
export const tenKBar: ConnectionBar = {
  key: '10k',
  text: '10,000 paced keep-alive connections held: 0 errors',
  pass: (r) => r.errors === 0,
};

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * Opens `connections` sockets to `url` in one synchronous burst and sends each one GET. One connection's life:
 * connect() → 'connect' → write → first 'data' (the status line) → destroy. Runs in the calling process.
 */
export function storm(
  url: string,
  connections: number,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<StormResult> {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const port = Number(u.port || (https ? 443 : 80));
  const head =
    `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n` +
    Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    '\r\n';
  const firstByte: number[] = [];
  const connected: number[] = [];
  const errors = new Map<string, number>();
  const fail = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
  let left = connections;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const done = () => {
      if (--left > 0) return;
      const sorted = firstByte.sort((a, b) => a - b);
      const connSorted = connected.sort((a, b) => a - b);
      let errorCount = 0;
      for (const n of errors.values()) errorCount += n;
      resolve({
        connections,
        answered: sorted.length,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.at(-1) ?? 0,
        connectP99Ms: percentile(connSorted, 99),
        totalMs: performance.now() - t0,
        errors: errorCount,
        errorDetail: [...errors].map(([k, n]) => `${k} ${n}`).join(', '),
      });
    };
    for (let i = 0; i < connections; i++) {
      const start = performance.now();
      let settled = false;
      // HTTPS (the -tls rows): the handshake is part of what a fresh connection costs; the bench's throwaway
      // certificate is not verified, as wrk does not.
      const socket = https
        ? tls.connect({ host: u.hostname, port, rejectUnauthorized: false })
        : net.connect({ host: u.hostname, port });
      const settle = (kind: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (kind) fail(kind);
        socket.destroy();
        done();
      };
      const timer = setTimeout(() => settle('timeout'), timeoutMs);
      socket.once(https ? 'secureConnect' : 'connect', () => {
        connected.push(performance.now() - start);
        socket.write(head);
      });
      socket.once('data', (chunk: Buffer) => {
        const at = performance.now() - start;
        // "HTTP/1.1 200 …": the status is bytes 9–11 of the first chunk.
        const status = Number(chunk.subarray(9, 12).toString('latin1'));
        if (status >= 200 && status < 400) {
          firstByte.push(at);
          settle(null);
        } else settle(`status ${status || '?'}`);
      });
      socket.once('error', (err: NodeJS.ErrnoException) =>
        settle(connected.length > 0 && socket.bytesWritten > 0 ? 'read' : `connect ${err.code ?? ''}`.trim()),
      );
      socket.once('close', () => settle('closed'));
    }
  });
}

/** Runs the storm in a child process (its own event loop and raised file limit) and reads its JSON line. */
export async function runStorm(
  url: string,
  connections: number,
  timeoutMs: number,
  headers: Record<string, string>,
): Promise<StormResult> {
  const args = [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    url,
    String(connections),
    String(timeoutMs),
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  const child = spawnChild('storm', process.execPath, args);
  const line = await child.firstLine(timeoutMs + 30_000);
  await child.exited;
  return JSON.parse(line) as StormResult;
}

/** The storm as a row of bench/sync.ts's tables: req/s = connections answered per second of the whole storm. */
export function stormAsWrk(r: StormResult): WrkResult {
  return {
    requests: r.answered,
    rps: r.totalMs > 0 ? r.answered / (r.totalMs / 1000) : 0,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    maxMs: r.maxMs,
    errors: r.errors,
    errorDetail: r.errorDetail,
    raw: `storm: ${JSON.stringify(r)}`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [url, n, timeout, ...headerArgs] = process.argv.slice(2);
  const headers: Record<string, string> = {};
  for (const h of headerArgs) {
    const colon = h.indexOf(':');
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  const r = await storm(url!, Number(n), Number(timeout), headers);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

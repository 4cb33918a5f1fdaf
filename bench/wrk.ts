// Drives wrk and reads its figures. wrk's own `done()` hook prints them as one JSON line, which is exact (micro-
// seconds, raw counters) where the human summary is rounded; the human summary is kept for the results file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnChild, stopChild } from './procs.ts';

export interface WrkOptions {
  wrkPath: string;
  url: string;
  connections: number;
  threads: number;
  durationS: number;
  timeoutS: number;
  luaPath: string;
}

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** e.g. "timeout 12, non-2xx/3xx 3"; empty when there were none. */
  errorDetail: string;
  raw: string;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
}

/** A paced shape's think time before each request, drawn uniformly from [min, max]. */
export interface DelayMs {
  min: number;
  max: number;
}

/**
 * Writes the wrk Lua script: request headers, and for a paced shape a per-request think time.
 * wrk starts its latency clock when a request is written, after `delay()`, so the think time is not counted
 * as latency; wrk's timeout check looks at that same clock (the last request written), so `max` plus an answer's
 * time must stay below --timeout.
 */
export function writeLua(
  dir: string,
  name: string,
  headers: Record<string, string>,
  /** false: no think time (saturating). */
  delayMs: DelayMs | false,
): string {
  const lines: string[] = [
    'local counter = 0',
    'function setup(thread)',
    '  counter = counter + 1',
    '  thread:set("tid", counter)',
    'end',
    'function init(args)',
    // Each wrk thread has its own Lua state: seed each differently so the threads do not pace in lockstep.
    '  math.randomseed(os.time() * 1000 + (tid or 0))',
    'end',
  ];
  for (const [k, v] of Object.entries(headers)) {
    lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  }
  if (delayMs) lines.push('function delay()', `  return math.random(${delayMs.min}, ${delayMs.max})`, 'end');
  lines.push(
    'function done(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'BENCH_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,' +
      '"write":%d,"status":%d,"timeout":%d,"p50_us":%d,"p99_us":%d,"max_us":%d}\\n\',',
    '    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(99), latency.max))',
    'end',
    '',
  );
  const path = join(dir, `${name}.lua`);
  writeFileSync(path, lines.join('\n'));
  return path;
}

export async function runWrk(o: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${Math.min(o.threads, o.connections)}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    '--timeout',
    `${o.timeoutS}s`,
    '--latency',
    '-s',
    o.luaPath,
    o.url,
  ];
  const child = spawnChild('wrk', o.wrkPath, args, { keepChars: 256 * 1024 });
  // wrk stops by itself after -d; the guard only covers a wedged run (e.g. stuck connects at 1,000 sockets).
  const guard = setTimeout(
    () => void stopChild(child, 'SIGINT', 3000),
    (o.durationS + o.timeoutS + 20) * 1000,
  );
  const code = await child.exited;
  clearTimeout(guard);
  const raw = child.output();
  const line = raw.split('\n').find((l) => l.startsWith('BENCH_JSON '));
  if (!line) {
    throw new Error(`wrk exited (${code}) without results: ${raw.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const j = JSON.parse(line.slice('BENCH_JSON '.length)) as WrkJson;
  const socketErrors = j.connect + j.read + j.write + j.timeout;
  const parts: string[] = [];
  for (const [label, n] of [
    ['connect', j.connect],
    ['read', j.read],
    ['write', j.write],
    ['timeout', j.timeout],
    ['non-2xx/3xx', j.status],
  ] as const) {
    if (n > 0) parts.push(`${label} ${n}`);
  }
  return {
    requests: j.requests,
    rps: j.duration_us > 0 ? j.requests / (j.duration_us / 1e6) : 0,
    p50Ms: j.p50_us / 1000,
    p99Ms: j.p99_us / 1000,
    maxMs: j.max_us / 1000,
    errors: socketErrors + j.status,
    errorDetail: parts.join(', '),
    raw: raw.replace(/^BENCH_JSON .*\n?/m, '').trimEnd(),
  };
}

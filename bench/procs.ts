// Child-process helpers for the benchmark: every child runs in its own process group so that one signal reaches
// it and anything it forked (nginx workers, cluster workers), and every child is remembered so that a Ctrl-C or
// a crash of the benchmark never leaves a server or a load generator running behind it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

const live = new Set<ChildProcess>();

// bash is only a launcher here: it raises the soft open-files limit (1,000 client sockets plus as many to the
// upstream do not fit in the usual 1,024) and then `exec`s the real program, so the pid we hold is the program's.
const RAISE_NOFILE = 'ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  /** Resolves with the first line the child writes to stdout, rejects if it exits or times out first. */
  firstLine(timeoutMs: number): Promise<string>;
  /**
   * Resolves with the first stdout line (among the first 1,000) that `match` accepts, and its 0-based index,
   * so that a caller can say when the line it wanted was not the first one.
   */
  lineMatching(match: (line: string) => boolean, timeoutMs: number): Promise<{ line: string; index: number }>;
  /** The child's n-th stdout line (0-based, among the first 1,000), if it printed that many. */
  stdoutLine(n: number): string | undefined;
  /** Everything the child printed so far (bounded), stdout and stderr interleaved. */
  output(): string;
  /** Resolves with the exit code (or the signal name) once the child has exited. */
  readonly exited: Promise<number | string>;
  hasExited(): boolean;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Keep at most this many characters of output (the newest). */
  keepChars?: number;
}

export function spawnChild(
  name: string,
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions = {},
): Child {
  const proc = spawn('bash', ['-c', RAISE_NOFILE, 'bash', cmd, ...args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  const keep = opts.keepChars ?? 64 * 1024;
  let out = '';
  let stdoutBuf = '';
  const lines: string[] = [];
  const MAX_LINES = 1000;
  const lineWaiters = new Set<(line: string, index: number) => void>();
  let exitedFlag = false;

  const append = (text: string): void => {
    out += text;
    if (out.length > keep) out = out.slice(out.length - keep);
  };
  // Both pipes are always drained: a chatty child (pino logs on stdout) would otherwise block once the pipe fills.
  proc.stdout?.setEncoding('utf8');
  proc.stderr?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    append(chunk);
    if (lines.length >= MAX_LINES) return;
    stdoutBuf += chunk;
    for (
      let nl = stdoutBuf.indexOf('\n');
      nl >= 0 && lines.length < MAX_LINES;
      nl = stdoutBuf.indexOf('\n')
    ) {
      const line = stdoutBuf.slice(0, nl).replace(/\r$/, '');
      stdoutBuf = stdoutBuf.slice(nl + 1);
      lines.push(line);
      for (const w of lineWaiters) w(line, lines.length - 1);
    }
  });
  proc.stderr?.on('data', append);

  const exited = new Promise<number | string>((resolve) => {
    proc.on('exit', (code, signal) => {
      exitedFlag = true;
      live.delete(proc);
      resolve(code ?? signal ?? 'unknown');
    });
    proc.on('error', (err) => {
      exitedFlag = true;
      live.delete(proc);
      append(`\n[spawn error] ${err.message}\n`);
      resolve('spawn-error');
    });
  });

  function lineMatching(
    match: (line: string) => boolean,
    timeoutMs: number,
  ): Promise<{ line: string; index: number }> {
    const seen = lines.findIndex(match);
    if (seen >= 0) return Promise.resolve({ line: lines[seen]!, index: seen });
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        lineWaiters.delete(waiter);
      };
      const waiter = (line: string, index: number): void => {
        if (!match(line)) return;
        done();
        resolve({ line, index });
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${name}: no expected output line within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      lineWaiters.add(waiter);
      void exited.then((code) => {
        done();
        reject(new Error(`${name}: exited (${code}) before printing the expected line${tailNote(out)}`));
      });
    });
  }

  return {
    name,
    proc,
    exited,
    hasExited: () => exitedFlag,
    output: () => out,
    firstLine(timeoutMs: number): Promise<string> {
      return lineMatching(() => true, timeoutMs).then((r) => r.line);
    },
    lineMatching,
    stdoutLine: (n: number) => lines[n],
  };
}

function tailNote(out: string): string {
  const reason = failureReason(out);
  return reason ? `: ${reason}` : '';
}

/**
 * One line that says why a child failed: its first error line if it printed one (a Node stack trace ends with
 * "Node.js v20…", which says nothing), otherwise its last lines.
 */
export function failureReason(out: string, n = 3): string {
  const lines = out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^Node\.js v\d/.test(l) && !/^[{}^]+$/.test(l));
  const error = lines.find((l) => /^(\w*Error\b|Error \[)|\berror:/i.test(l));
  return (error ?? lines.slice(-n).join(' | ')).slice(0, 300);
}

/** The last few output lines of a child (or its error line), for one-line failure reasons. */
export function lastLines(child: Child, n = 3): string {
  return failureReason(child.output(), n);
}

function signalGroup(proc: ChildProcess, signal: NodeJS.Signals): void {
  if (proc.pid === undefined) return;
  try {
    process.kill(-proc.pid, signal);
  } catch {
    try {
      proc.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

/** Sends `signal` to the child's group, then SIGKILL if it is still running after `graceMs`. */
export async function stopChild(
  child: Child,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.hasExited()) return;
  signalGroup(child.proc, signal);
  const timer = setTimeout(() => signalGroup(child.proc, 'SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
  // The leader may exit before what it forked; make sure nothing of the group is left.
  signalGroup(child.proc, 'SIGKILL');
}

/** Last resort on process exit: synchronous, so it also works from an 'exit' handler. */
export function killAllSync(): void {
  for (const proc of live) signalGroup(proc, 'SIGKILL');
  live.clear();
}

export function liveChildren(): number {
  return live.size;
}

/** A port that was free a moment ago on 127.0.0.1 (for nginx, which cannot report the port it picked). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  await once(srv, 'close');
  if (addr === null || typeof addr === 'string') throw new Error('could not get a free port');
  return addr.port;
}

/** Polls `url` until it answers with a status below 500, or throws after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs: number, headers: Record<string, string> = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return res.status;
      last = `status ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${Math.round(timeoutMs / 1000)} s (${last})`);
}

/** Runs a short command synchronously; used for tool discovery and Debian installs (bounded by `timeoutMs`). */
export function run(cmd: string, args: readonly string[], timeoutMs: number) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return { ok: r.status === 0, status: r.status, out, error: r.error?.message };
}

/**
 * How a benchmark stops when told to: a first Ctrl-C says so (`announce`), runs `cleanup`, then `afterCleanup`
 * (e.g. writing the partial results) and exits 130; a second Ctrl-C kills every child at once; SIGTERM cleans up
 * and exits 143; and whatever the exit, no child is left behind. The answer tells whether a Ctrl-C came.
 */
export function stopOnSignals(
  cleanup: () => Promise<void>,
  hooks: { announce: () => void; afterCleanup?: () => void },
): { readonly interrupted: boolean } {
  const signals = { interrupted: false };
  process.on('SIGINT', () => {
    if (signals.interrupted) {
      // Second Ctrl-C: no more patience.
      killAllSync();
      process.exit(130);
    }
    signals.interrupted = true;
    hooks.announce();
    void cleanup().then(() => {
      hooks.afterCleanup?.();
      process.exit(130);
    });
  });
  process.on('SIGTERM', () => void cleanup().then(() => process.exit(143)));
  process.on('exit', killAllSync);
  return signals;
}

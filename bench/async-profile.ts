// `npm run bench:async -- --profile`: where the time of one message goes, measured on the running platform without
// changing it. The queue engine's methods (and the deliverer's push, the gateway's intake, the delivered callback)
// are wrapped to time each call and to name the phase any store query or NATS request they make belongs to
// (AsyncLocalStorage follows the call through its awaits). On the embedded store every query's round trip to the
// PGlite worker is timed; PGlite has one session, so queries never overlap and their sum is the time the store was
// busy. On NATS every request and publish on the queue's connection is counted.
//
// The wrappers reach into private fields (the store's worker, the queue's connection, the deliverer's push): this is
// a diagnostic that is allowed to know the insides; nothing in src/ depends on it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Platform } from '../src/platform.ts';

type AnyFn = (...args: unknown[]) => unknown;

interface PhaseFigures {
  /** Ops by kind: SQL verb and table (embedded), JetStream API or subject family (nats). */
  kinds: Map<string, number>;
  calls: number;
  /** Wall time of the calls, waiting for the store's session included. */
  wallMs: number;
  /** Store queries (embedded) or NATS requests/publishes (nats) made within the phase. */
  ops: number;
  /** Their round trips (embedded only: PGlite serves one query at a time). */
  opMs: number;
  /** Extra counts: rows claimed, pending entries scanned. */
  items: number;
}

export interface Profiler {
  /** Starts a fresh measurement (after the warm-up). */
  reset(): void;
  /** Runs `fn` with its store queries / NATS requests counted under `phase`. */
  within<T>(phase: string, fn: () => Promise<T>): Promise<T>;
  report(messages: number, wallMs: number): string[];
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function instrument(platform: Platform): Profiler {
  const als = new AsyncLocalStorage<string>();
  let phases = new Map<string, PhaseFigures>();
  /** Time spent waiting for PGlite's single session (queued behind another query or transaction). */
  let sessionWaitMs = 0;
  let sessionWaits = 0;
  const engine = platform.messaging.queue.engine;
  let threads0 = threadTimes();

  const figures = (phase: string): PhaseFigures => {
    let f = phases.get(phase);
    if (!f) {
      f = { kinds: new Map(), calls: 0, wallMs: 0, ops: 0, opMs: 0, items: 0 };
      phases.set(phase, f);
    }
    return f;
  };
  const countKind = (phase: string, kind: string): void => {
    const kinds = figures(phase).kinds;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  };
  const current = (): string => als.getStore() ?? 'other (recorder batches, sweeps, polls)';

  /** Replaces `target[name]` by a wrapper that times each call and runs it under `phase`. */
  function wrap(
    target: object,
    name: string,
    phase: string,
    count?: (result: unknown, args: unknown[]) => number,
  ): void {
    const t = target as Record<string, AnyFn>;
    const original = t[name];
    // A private method renamed since this was written: that phase is simply not shown (its ops count elsewhere).
    if (typeof original !== 'function') {
      process.stderr.write(`  … profile: no method ${name} to wrap, phase "${phase}" not measured\n`);
      return;
    }
    t[name] = function (this: unknown, ...args: unknown[]) {
      const f = figures(phase);
      f.calls++;
      const start = performance.now();
      return als.run(phase, async () => {
        try {
          const result = await original.apply(this, args);
          if (count) f.items += count(result, args);
          return result;
        } finally {
          f.wallMs += performance.now() - start;
        }
      });
    };
  }

  const queue = platform.messaging.queue as unknown as Record<string, unknown>;
  // The outer phases first: a push reads the payload stream inside undici, outside openPayload's own call.
  wrap(platform.deliverer, 'push', 'push (payload read, HTTP, record)');
  wrap(platform.messaging, 'accept', 'intake (accept)');
  wrap(platform.messaging, 'delivered', 'delivered callback (webhook lookup)');
  wrap(queue, 'enqueue', 'queue.enqueue');
  wrap(queue, 'claim', 'queue.claim', (r) => (r as unknown[]).length);
  wrap(queue, 'openPayload', 'queue.openPayload');
  wrap(queue, 'ack', 'queue.ack');
  wrap(queue, 'get', 'queue.get');

  if (engine === 'embedded') {
    const store = platform.store as unknown as { worker: Worker; acquire: () => Promise<void> };
    const worker = store.worker;
    const started = new Map<number, { atMs: number; phase: string }>();
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (msg: { id?: number; op?: string; sql?: string }) => {
      if (msg.op === 'query' && typeof msg.id === 'number') {
        const phase = current();
        started.set(msg.id, { atMs: performance.now(), phase });
        countKind(phase, sqlKind(msg.sql ?? ''));
      }
      post(msg);
    };
    worker.on('message', (msg: { id?: number }) => {
      if (typeof msg.id !== 'number') return;
      const s = started.get(msg.id);
      if (!s) return;
      started.delete(msg.id);
      const f = figures(s.phase);
      f.ops++;
      f.opMs += performance.now() - s.atMs;
    });
    const acquire = store.acquire.bind(store);
    store.acquire = () => {
      const start = performance.now();
      return acquire().then(() => {
        sessionWaits++;
        sessionWaitMs += performance.now() - start;
      });
    };
  } else {
    // Every JetStream/KV/object-store operation of the queue is a request or a publish on its connection.
    const nc = (queue as { nc: Record<string, AnyFn> }).nc;
    // A request publishes too: that publish is not counted again.
    let inRequest = false;
    const count = (subject: unknown) => {
      const phase = current();
      figures(phase).ops++;
      countKind(phase, subjectKind(String(subject)));
    };
    const request = nc['request']!.bind(nc);
    nc['request'] = (...args: unknown[]) => {
      count(args[0]);
      inRequest = true;
      try {
        return request(...args);
      } finally {
        inRequest = false;
      }
    };
    const publish = nc['publish']!.bind(nc);
    nc['publish'] = (...args: unknown[]) => {
      if (!inRequest) count(args[0]);
      return publish(...args);
    };
    wrap(queue, 'pendingEntries', 'queue.claim: pending scan', (r) => (r as unknown[]).length);
  }

  return {
    reset() {
      threads0 = threadTimes();
      phases = new Map();
      sessionWaitMs = 0;
      sessionWaits = 0;
    },
    within: (phase, fn) => als.run(phase, fn),
    report(messages, wallMs) {
      const rows: string[][] = [
        [
          'phase',
          'calls',
          'ms/call',
          engine === 'embedded' ? 'queries' : 'NATS ops',
          'ops/msg',
          ...(engine === 'embedded' ? ['store ms/msg'] : []),
          'items',
        ],
      ];
      const sorted = [...phases.entries()].sort((a, b) => b[1].ops - a[1].ops);
      let ops = 0;
      let opMs = 0;
      for (const [phase, f] of sorted) {
        ops += f.ops;
        opMs += f.opMs;
        rows.push([
          phase,
          fmt(f.calls),
          f.calls ? fmt(f.wallMs / f.calls, 2) : '—',
          fmt(f.ops),
          fmt(f.ops / messages, 2),
          ...(engine === 'embedded' ? [fmt(f.opMs / messages, 3)] : []),
          f.items ? fmt(f.items) : '',
        ]);
      }
      const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
      const lines = rows.map(
        (r) =>
          `    ${r
            .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
            .join('  ')
            .trimEnd()}`,
      );
      lines.push('    per message, by kind:');
      for (const [phase, f] of sorted) {
        if (f.ops === 0) continue;
        const kinds = [...f.kinds.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([kind, n]) => `${fmt(n / messages, 2)} ${kind}`);
        lines.push(`      ${phase}: ${kinds.join(', ')}`);
      }
      lines.push(
        `    phases overlap (a push contains its openPayload and ack); ops are counted once, in the innermost phase`,
      );
      lines.push(
        `    total: ${fmt(ops / messages, 1)} ${engine === 'embedded' ? 'queries' : 'NATS ops'} per message`,
      );
      if (engine === 'embedded') {
        lines.push(
          `    PGlite session busy ${fmt((100 * opMs) / wallMs)}% of the run (${fmt(opMs)} ms of ${fmt(wallMs)} ms), ` +
            `${fmt((1000 * opMs) / Math.max(ops, 1))} µs per query round trip; ` +
            `${fmt(sessionWaits)} session checkouts waited ${fmt(sessionWaitMs / Math.max(sessionWaits, 1), 2)} ms on average`,
        );
      }
      lines.push(`    ${threadReport(threads0, threadTimes(), wallMs)}`);
      return lines;
    },
  };
}

export interface ThreadTime {
  nice: number;
  /** On a CPU, and runnable but waiting for one (Linux schedstat), in ms. */
  cpuMs: number;
  waitMs: number;
}

/** This process's threads by id (Linux only; empty elsewhere). */
export function threadTimes(): Map<string, ThreadTime> {
  const times = new Map<string, ThreadTime>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const [cpuNs, waitNs] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ');
        times.set(tid, {
          nice: Number(fields[16]),
          cpuMs: Number(cpuNs) / 1e6,
          waitMs: Number(waitNs) / 1e6,
        });
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return times;
}

/**
 * CPU and run-queue wait of the main thread and of the PGlite worker (the thread at niceness 10) over the run: a
 * thread that waits for a CPU much longer than it runs was starved by other processes, not slow itself.
 */
function threadReport(
  before: Map<string, ThreadTime>,
  after: Map<string, ThreadTime>,
  wallMs: number,
): string {
  if (after.size === 0) return 'threads: no /proc on this system';
  const delta = (tid: string): ThreadTime | null => {
    const b = before.get(tid);
    const a = after.get(tid);
    return a && b ? { nice: a.nice, cpuMs: a.cpuMs - b.cpuMs, waitMs: a.waitMs - b.waitMs } : null;
  };
  const describe = (name: string, t: ThreadTime | null) =>
    t
      ? `${name} on a CPU ${fmt((100 * t.cpuMs) / wallMs)}% of the run, waiting for one ${fmt((100 * t.waitMs) / wallMs)}%`
      : `${name}: not found`;
  const main = delta(String(process.pid));
  // The PGlite worker runs at niceness 10 (unless an experiment raised it): else name the busiest other thread.
  const others = [...after.keys()].filter((tid) => tid !== String(process.pid) && before.has(tid));
  const pgliteTid = others.find((tid) => after.get(tid)!.nice === 10);
  const busiest = others.sort((a, b) => (delta(b)?.cpuMs ?? 0) - (delta(a)?.cpuMs ?? 0))[0];
  const parts = [describe('main thread', main)];
  if (pgliteTid) parts.push(describe('PGlite worker (nice 10)', delta(pgliteTid)));
  else if (busiest)
    parts.push(describe(`busiest other thread (nice ${after.get(busiest)!.nice})`, delta(busiest)));
  return `threads: ${parts.join('; ')}`;
}

/** `insert messages`, `select message_payloads`, `begin` … from a Kysely statement. */
function sqlKind(sql: string): string {
  const text = sql.trim().toLowerCase();
  const verb = text.split(/\s+/, 1)[0] ?? '?';
  const table = /(?:from|into|update)\s+"?([a-z_]+)"?/.exec(text)?.[1];
  const claim = text.includes('skip locked') ? ' (claim)' : '';
  return table ? `${verb} ${table}${claim}` : verb;
}

/** A JetStream API call (`$JS.API.DIRECT.GET KV`) or a publish's subject family (`$KV m.`, `$O C.`), without ids. */
function subjectKind(subject: string): string {
  const t = subject.split('.');
  if (t[0] === '$JS' && t[1] === 'API') {
    const api = t
      .slice(2)
      .filter((x) => /^[A-Z]+$/.test(x))
      .join('.');
    const stream = t.find((x) => x.startsWith('KV_') || x.startsWith('OBJ_'));
    return `API ${api}${stream ? ` ${stream.startsWith('KV_') ? 'KV' : 'OBJ'}` : ''}`;
  }
  if (t[0] === '$KV' || t[0] === '$O') return `publish ${t[0]}.${t[2]}`;
  return subject.slice(0, 40);
}

// Where the CPU of a benchmark run goes (issue 14 item 1), for `npm run bench` (bench/sync.ts):
//
// - CPU per request: the user+system time of every thread of the measured process tree, read from
//   /proc/<pid>/task/<tid>/stat before and after the measured run and divided by the requests wrk counted — the main
//   thread apart from the others (the embedded store's PGlite worker thread, libuv's pool, V8's helpers), beside the
//   upstream's and wrk's own, so that the whole CPU budget of the run is visible. wrk is the bench's direct child
//   (procs.ts `exec`s it): once reaped, its time is in this process's cutime/cstime.
// - A CPU profile (`--profile`): the demo started with `node --cpu-prof` (NODE_OPTIONS, so its upstream is profiled
//   too, into its own file), its main thread's profile cut to the measured window (a profile's timestamps are the
//   monotonic clock of `process.hrtime`), summarised as the top self and inclusive costs by function and file:line.
//
// Linux only (/proc); elsewhere the figures are simply absent.
import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Ticks per second of /proc's utime/stime (USER_HZ): 100 on every Linux the bench runs on. */
const TICKS_PER_S = 100;

/** CPU seconds by thread of one process: tid → { name, seconds, read and write system calls so far }. */
type ThreadTimes = Map<number, { name: string; s: number; syscalls: number }>;

/** /proc/<pid>/stat (or a task's): comm, ppid and utime+stime in seconds; null when it is gone. */
function statOf(path: string): { comm: string; ppid: number; s: number; cs: number } | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  // comm is in parentheses and may hold spaces or parentheses itself: the fields start after the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text
    .slice(close + 2)
    .split(' ')
    .map(Number);
  // After comm: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  return { comm, ppid: f[1]!, s: (f[11]! + f[12]!) / TICKS_PER_S, cs: (f[13]! + f[14]!) / TICKS_PER_S };
}

function threadTimes(pid: number): ThreadTimes {
  const out: ThreadTimes = new Map();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const st = statOf(`/proc/${pid}/task/${tid}/stat`);
    if (st)
      out.set(Number(tid), { name: st.comm, s: st.s, syscalls: syscallsOf(`/proc/${pid}/task/${tid}/io`) });
  }
  return out;
}

/**
 * The read and write system calls (`syscr` + `syscw`: read, write, readv, writev, sendmsg…) a thread has made, from
 * /proc/…/io; 0 when unreadable. Per request they say whether a target writes its answers in more pieces.
 */
function syscallsOf(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 0;
  }
  const count = (field: string): number => Number(new RegExp(`^${field}: (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return count('syscr') + count('syscw');
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Every descendant of `pid` (children, their children…), from /proc's ppid fields. */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = statOf(`/proc/${e}/stat`);
    if (st) parentOf.set(Number(e), st.ppid);
  }
  const out: number[] = [];
  const frontier = [pid];
  while (frontier.length > 0) {
    const p = frontier.pop()!;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        out.push(child);
        frontier.push(child);
      }
    }
  }
  return out;
}

/** The processes of one measured target: its own (gateway, cluster workers, nginx workers) and its upstream's. */
export interface TargetProcesses {
  own: number[];
  upstream: number[];
}

/**
 * The demo's processes: the demo itself and its cluster workers are the gateway; its forked `demo-upstream.mjs` is
 * the provider. Other targets (bare proxy, nginx) are their process and its children, on the demo's upstream.
 */
export function targetProcesses(pid: number | undefined, upstreamPids: number[]): TargetProcesses {
  if (pid === undefined) return { own: [], upstream: upstreamPids };
  const own = [pid, ...descendants(pid)].filter((p) => !upstreamPids.includes(p));
  return { own, upstream: upstreamPids };
}

/** The demo's upstream: its descendant that runs `demo-upstream`. */
export function demoUpstreamPids(demoPid: number | undefined): number[] {
  if (demoPid === undefined) return [];
  return descendants(demoPid).filter((p) => cmdline(p).includes('demo-upstream'));
}

interface Sample {
  /** pid → its threads' times. */
  own: Map<number, ThreadTimes>;
  upstream: number;
  /** This process's reaped children (wrk): cutime + cstime. */
  children: number;
}

function sample(p: TargetProcesses): Sample {
  const own = new Map<number, ThreadTimes>();
  for (const pid of p.own) own.set(pid, threadTimes(pid));
  let upstream = 0;
  for (const pid of p.upstream) for (const t of threadTimes(pid).values()) upstream += t.s;
  return { own, upstream, children: statOf('/proc/self/stat')?.cs ?? 0 };
}

/** CPU µs per request of one measured run. */
export interface CpuPerRequest {
  /** The target's main threads (one per process: the gateway, each cluster worker). */
  mainUs: number;
  /** Their read and write system calls per request (socket reads and writes, mostly). */
  mainSyscalls: number;
  /** Its other threads, and the costliest of them by name (e.g. `node` for the PGlite worker). */
  otherUs: number;
  otherTop: Array<{ name: string; us: number }>;
  upstreamUs: number;
  wrkUs: number;
  /** Cores the target kept busy on average during the run. */
  cores: number;
}

/** Starts counting a run's CPU; `stop(requests, seconds)` gives the figures per request. */
export function cpuMeter(p: TargetProcesses): { stop(requests: number, seconds: number): CpuPerRequest } {
  const before = sample(p);
  return {
    stop(requests: number, seconds: number): CpuPerRequest {
      const after = sample(p);
      let main = 0;
      let mainSyscalls = 0;
      const others = new Map<string, number>();
      for (const [pid, threads] of after.own) {
        const was: ThreadTimes = before.own.get(pid) ?? new Map();
        for (const [tid, t] of threads) {
          const d = t.s - (was.get(tid)?.s ?? 0);
          if (tid === pid) {
            main += d;
            mainSyscalls += t.syscalls - (was.get(tid)?.syscalls ?? 0);
          } else others.set(t.name, (others.get(t.name) ?? 0) + d);
        }
      }
      const n = Math.max(1, requests);
      const us = (s: number): number => (s * 1e6) / n;
      const other = [...others.values()].reduce((a, b) => a + b, 0);
      return {
        mainUs: us(main),
        mainSyscalls: mainSyscalls / n,
        otherUs: us(other),
        otherTop: [...others]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 2)
          .filter(([, s]) => s > 0)
          .map(([name, s]) => ({ name, us: us(s) })),
        upstreamUs: us(after.upstream - before.upstream),
        wrkUs: us(after.children - before.children),
        cores: seconds > 0 ? (main + other) / seconds : 0,
      };
    },
  };
}

// ---------------------------------------------------------------- CPU profiles

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The `--cpu-prof` file of `pid`'s main thread in `dir` (Node names them CPU.<date>.<time>.<pid>.<thread>.<n>). */
export function mainThreadProfile(dir: string, pid: number): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.0.`));
  return files.length > 0 ? `${dir}/${files.sort().at(-1)}` : undefined;
}

/** Microseconds on the clock of a CPU profile's timestamps (`process.hrtime`'s monotonic clock). */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A profile's costs over a window: sample counts by label (self and inclusive), and what one sample is worth. */
export interface ProfileCosts {
  self: Map<string, number>;
  inclusive: Map<string, number>;
  total: number;
  idle: number;
  /** Whether samples fell in the window (otherwise the whole life is counted). */
  windowed: boolean;
  /** µs of the measured run per sample per request (0 without a window or requests). */
  usPerSample: number;
}

/**
 * The self and inclusive costs of a profile's samples within [fromUs, toUs] (all samples when none fall in it), by
 * function and file:line. Inclusive counts a function once per sample however often it recurs on the stack. Idle
 * ("(idle)") samples are counted in the total, so the shares are of wall time, and the busy share says how saturated
 * the thread was.
 */
export function profileCosts(
  file: string,
  fromUs: number,
  toUs: number,
  root: string,
  requests: number,
): ProfileCosts {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const label = (n: ProfileNode): string => {
    const f = n.callFrame;
    const name = f.functionName || '(anonymous)';
    if (!f.url) return name;
    const path = f.url.startsWith('file://') ? relative(root, new URL(f.url).pathname) : f.url;
    return `${name} ${path}:${f.lineNumber + 1}`;
  };
  // Each sample stands for the time until the next one (the sampler's interval, stretched when the thread is busy).
  let t = p.startTime;
  const inWindow: number[] = [];
  let windowUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t >= fromUs && t <= toUs) {
      inWindow.push(p.samples[i]!);
      windowUs += p.timeDeltas[i + 1] ?? 0;
    }
  }
  const samples = inWindow.length > 0 ? inWindow : p.samples;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idle = 0;
  for (const id of samples) {
    const leafLabel = label(byId.get(id)!);
    if (leafLabel === '(idle)') idle++;
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + 1);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const l = label(byId.get(n)!);
      if (l === '(root)' || seen.has(l)) continue;
      seen.add(l);
      inclusive.set(l, (inclusive.get(l) ?? 0) + 1);
    }
  }
  return {
    self,
    inclusive,
    total: samples.length,
    idle,
    windowed: inWindow.length > 0,
    // µs per request of the measured run: the window's time shared by the samples, over the requests wrk counted.
    usPerSample: inWindow.length > 0 && requests > 0 ? windowUs / inWindow.length / requests : 0,
  };
}

const NOT_CODE = new Set(['(idle)', '(program)', '(garbage collector)']);

/** The top self and inclusive costs of a profile (`profileCosts`), as percentages of its samples and µs/request. */
export function summariseProfile(c: ProfileCosts, top = 15): string[] {
  const pct = (k: number): string =>
    `${((100 * k) / c.total).toFixed(1).padStart(5)} %` +
    (c.usPerSample > 0 ? ` ${(k * c.usPerSample).toFixed(2).padStart(6)} µs/req` : '');
  const rows = (m: Map<string, number>): string[] =>
    [...m]
      .filter(([l]) => !NOT_CODE.has(l))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([l, k]) => `    ${pct(k)}  ${l}`);
  const special = (l: string): string => pct(c.self.get(l) ?? 0);
  return [
    `  ${c.total} samples${c.windowed ? ' in the measured run' : ' (whole life: no sample in the measured window)'}` +
      ` · busy ${pct(c.total - c.idle).trim()} · GC ${special('(garbage collector)').trim()}` +
      ` · (program) ${special('(program)').trim()}`,
    '  top self:',
    ...rows(c.self),
    '  top inclusive:',
    ...rows(c.inclusive),
  ];
}

/**
 * Where one profile spends what another does not: by label, µs/request of `mine` minus `base`'s (both measured
 * runs), the largest differences first, self and inclusive. Labels of node's own code (node:…) match across the
 * two; a function only one of them has is its whole cost.
 */
export function diffProfiles(mine: ProfileCosts, base: ProfileCosts, top = 20): string[] {
  if (mine.usPerSample === 0 || base.usPerSample === 0)
    return ['  (no measured window in one of the profiles)'];
  const rows = (a: Map<string, number>, b: Map<string, number>): string[] => {
    const d = new Map<string, { mine: number; base: number }>();
    for (const [l, k] of a) d.set(l, { mine: k * mine.usPerSample, base: 0 });
    for (const [l, k] of b) {
      const e = d.get(l) ?? { mine: 0, base: 0 };
      e.base = k * base.usPerSample;
      d.set(l, e);
    }
    return [...d]
      .filter(([l]) => l !== '(idle)')
      .sort((x, y) => Math.abs(y[1].mine - y[1].base) - Math.abs(x[1].mine - x[1].base))
      .slice(0, top)
      .map(
        ([l, e]) =>
          `    ${(e.mine - e.base >= 0 ? '+' : '') + (e.mine - e.base).toFixed(2).padStart(6)} µs/req ` +
          `(${e.mine.toFixed(2).padStart(6)} vs ${e.base.toFixed(2).padStart(6)})  ${l}`,
      );
  };
  const busy = (c: ProfileCosts): number => (c.total - c.idle) * c.usPerSample;
  return [
    `  busy: ${busy(mine).toFixed(1)} vs ${busy(base).toFixed(1)} µs/req`,
    '  self, largest differences:',
    ...rows(mine.self, base.self),
    '  inclusive, largest differences:',
    ...rows(mine.inclusive, base.inclusive),
  ];
}

import cluster, { type Worker } from 'node:cluster';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { TokenRevocation } from '../control/snapshot.ts';
import { systemClock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { problemTypeOrigin } from '../core/errors.ts';
import type { EgressPolicy } from '../net/egress.ts';
import { resolveLogFormat } from '../telemetry/logger.ts';
import type { GatewayCounterStates } from '../telemetry/metrics.ts';
import type { Recorder } from '../telemetry/recorder.ts';
import { SYNC_INTERVAL_MS, type ToPrimary, type ToWorker } from './cluster-messages.ts';
import { sumCounts, type WindowCounts } from './quota.ts';
import { LocalSignatureMemory } from './signature-memory.ts';
import type { SnapshotHolder } from './snapshot-holder.ts';
import { TokenThrottle } from './token-throttle.ts';

export interface GatewayWorkers {
  url: string;
  readonly workerCount: number;
  /**
   * Resolves once every worker has reported its quota counts and `/token` failures after this call and the primary
   * has passed the sums on to every worker: what any worker counted before now is known to all (for tests: an
   * event, not a sleep).
   */
  quotaSynced(): Promise<void>;
  /**
   * Resolves once every live worker serves `revision` or a newer snapshot, or after `CAUGHT_UP_LIMIT_MS` (a worker
   * that stalls must not hold the admin API's answers; it gets the snapshot all the same). An admin write waits for
   * this, so that a revocation answered is refused by the very next call on any worker.
   */
  caughtUp(revision: number): Promise<void>;
  /** Each live worker's shared counters as it last reported them (its Redis state), by worker id. */
  counters(): ReadonlyMap<string, GatewayCounterStates>;
  /** Tells every worker where problems' `type` pages are (core/errors.ts); a worker forked later gets it at init. */
  setProblemTypeOrigin(origin: string): void;
  stop(): Promise<void>;
}

/**
 * Runs the gateway in `config.gateway.workers` processes (node:cluster). This process stays the primary: the workers
 * accept on the shared socket, or it accepts connections and hands them to the workers round-robin
 * (`gateway.workerAccept`) — Node 20 accepts one connection per event-loop turn (strace: one accept4 per
 * epoll_pwait), so a saturated process admits new connections only at the pace of its turns (~35/s, DESIGN.md),
 * whichever accepts — and it keeps the store, the recorder and the snapshot, pushing each new snapshot to every
 * worker. Workers that die are replaced.
 */
/** The longest an admin write waits for the workers to install its snapshot: the 1 s worst case of issue 13. */
const CAUGHT_UP_LIMIT_MS = 1_000;

export async function startGatewayWorkers(
  config: Config,
  deps: {
    snapshots: SnapshotHolder;
    recorder: Recorder;
    logger: Logger;
    /** A worker accepted an async message (it opens its own queue engine on PostgreSQL). */
    onMessageAccepted?: () => void;
    /** The primary's egress policy: its own ports go to the workers, the workers' refusals come back to it. */
    egress: EgressPolicy;
    /** Revokes an access token and resolves once the primary's snapshot has it (RFC 7009, issue 12 item 8). */
    revokeToken?: (revocation: TokenRevocation) => Promise<void>;
  },
): Promise<GatewayWorkers> {
  const { snapshots, recorder, logger } = deps;
  if (!snapshots.currentData) throw new Error('gateway workers need a loaded snapshot');
  // Issue 14 item 5. `kernel` (SCHED_NONE, the default): every worker accepts on the one listening socket (Node 20
  // has no SO_REUSEPORT), so a connection costs the primary nothing; which worker gets a fresh connection is the
  // kernel's choice. `primary` (SCHED_RR): this process accepts and hands each connection to the next worker over
  // IPC, waiting for that worker's acknowledgement before handing it another — fresh connections alternate
  // strictly, and a storm waits in this process's queue. Measured A/B twice (docs/scaling.md): a storm of 1,000
  // fresh connections p99 215–221 ms with `kernel`, 520–563 ms with `primary`; the same CPU per request on kept
  // connections. Node freezes the policy at the first setupPrimary: one policy per process.
  cluster.schedulingPolicy = config.gateway.workerAccept === 'kernel' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./worker-entry.mjs', import.meta.url)),
    args: [],
    serialization: 'advanced',
    silent: false,
  });

  // Resolved here once: the workers inherit this process's stderr, and all of them log as it does.
  const logFormat = resolveLogFormat(config.logFormat);
  const quotaReports = new Map<number, Record<string, WindowCounts>>();
  const counterReports = new Map<string, GatewayCounterStates>();
  // The sum of every worker's `/token` failures: blocks are decided here and sent to all (issue 10 item 5).
  const tokenThrottle = new TokenThrottle(config.limits);
  // Without Redis, the hop signatures every worker accepted: a replay to a sibling is refused (docs/security.md §2.12).
  const signatures = new LocalSignatureMemory();
  const workers = new Set<Worker>();
  /**
   * Waiters of `quotaSynced`, each with how many more reports it needs per worker: two, because a report sent just
   * before the call may still be unread in the pipe when the waiter starts; the second was surely sent after it.
   */
  let syncWaiters: Array<{ reports: Map<number, number>; resolve: () => void }> = [];
  /** The snapshot revision each worker serves (it reports each install), and who waits for all to reach one. */
  const installed = new Map<number, number>();
  const revisionWaiters = new Set<{ revision: number; resolve: () => void }>();
  const everyWorkerServes = (revision: number) =>
    [...workers].every((w) => !w.isConnected() || (installed.get(w.id) ?? 0) >= revision);
  const settleRevisionWaiters = () => {
    for (const waiter of revisionWaiters) {
      if (!everyWorkerServes(waiter.revision)) continue;
      revisionWaiters.delete(waiter);
      waiter.resolve();
    }
  };
  let stopping = false;

  const sendTo = (w: Worker, m: ToWorker) => {
    if (w.isConnected()) w.send(m);
  };

  function fork(): Promise<string> {
    const w = cluster.fork();
    workers.add(w);
    return new Promise((resolve, reject) => {
      w.on('message', (m: ToPrimary) => {
        if (m.type === 'ready')
          sendTo(w, {
            type: 'init',
            config,
            snapshot: snapshots.currentData!,
            problemTypeOrigin: problemTypeOrigin(),
            logFormat,
          });
        else if (m.type === 'records') {
          const durable = recorder.recordMany(m.batch);
          // Strict: the worker releases those answers once they are durable. A primary that dies first takes its
          // workers with it (they exit on disconnect), so no answer goes out without its record.
          const ackId = m.ackId;
          if (ackId !== undefined && durable) {
            durable.then(
              () => sendTo(w, { type: 'records-durable', ackId }),
              () => {},
            );
          }
        } else if (m.type === 'quota') {
          quotaReports.set(w.id, m.counts);
          counterReports.set(String(w.id), m.counters);
          if (m.tokenFailures) tokenThrottle.apply(m.tokenFailures);
          for (const waiter of syncWaiters) {
            const left = (waiter.reports.get(w.id) ?? 1) - 1;
            if (left > 0) waiter.reports.set(w.id, left);
            else waiter.reports.delete(w.id);
          }
        } else if (m.type === 'replay-check') {
          const seen = signatures.firstSeen(m.signatures, systemClock.nowMs());
          sendTo(w, { type: 'replay-checked', requestId: m.requestId, seen });
        } else if (m.type === 'snapshot-installed') {
          installed.set(w.id, m.revision);
          settleRevisionWaiters();
        } else if (m.type === 'accepted') deps.onMessageAccepted?.();
        else if (m.type === 'egress-denied') deps.egress.reportDenied(m.denial);
        else if (m.type === 'revoke-token') {
          // The new snapshot goes to every worker (onInstall) before this answer, on the same ordered channel.
          const revoke = deps.revokeToken ?? (() => Promise.reject(new Error('no token revocation here')));
          revoke(m.revocation).then(
            () =>
              sendTo(w, {
                type: 'token-revoked',
                requestId: m.requestId,
                revision: snapshots.revision,
                ok: true,
              }),
            (err: unknown) => {
              logger.error({ err }, 'không thu hồi được token / token revocation failed');
              sendTo(w, { type: 'token-revoked', requestId: m.requestId, revision: 0, ok: false });
            },
          );
        } else if (m.type === 'listening') resolve(m.url);
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        installed.delete(w.id);
        settleRevisionWaiters();
        quotaReports.delete(w.id);
        counterReports.delete(String(w.id));
        reject(new Error(`gateway worker exited (${code ?? signal}) before listening`));
        if (!stopping) {
          logger.error(
            { code, signal },
            'tiến trình worker của cổng kết nối đã dừng đột ngột; đang khởi động tiến trình khác / gateway worker died; starting another',
          );
          setTimeout(
            () =>
              void fork().catch((err) =>
                logger.error(
                  { err },
                  'không khởi động lại được tiến trình worker của cổng kết nối / gateway worker restart failed',
                ),
              ),
            1_000,
          );
        }
      });
    });
  }

  const urls = await Promise.all(Array.from({ length: config.gateway.workers }, fork));
  snapshots.onInstall((snapshot) => {
    for (const w of workers) sendTo(w, { type: 'snapshot', snapshot });
  });
  const status = setInterval(() => {
    const reported = syncWaiters.filter((waiter) => waiter.reports.size === 0);
    const tokenBlocks = tokenThrottle.blocks(systemClock.nowMs());
    for (const w of workers) {
      const others = [...quotaReports].filter(([id]) => id !== w.id).map(([, r]) => r);
      sendTo(w, {
        type: 'status',
        recorderOverloaded: recorder.overloaded,
        quotaOthers: sumCounts(others),
        egress: deps.egress.shared,
        tokenBlocks,
      });
    }
    // The status went out before any later connection: handed by the primary, on the same channel behind it; accepted
    // by the worker itself (`kernel`), its request is read at the earliest one event-loop turn after the accept, by
    // which time the status, already in the IPC pipe, has been read.
    syncWaiters = syncWaiters.filter((waiter) => !reported.includes(waiter));
    for (const waiter of reported) waiter.resolve();
  }, SYNC_INTERVAL_MS);
  status.unref();
  // SIGHUP goes to the primary's pid: the workers serving the certificate are told to read it again.
  const reloadTls = () => {
    for (const w of workers) sendTo(w, { type: 'reload-tls' });
  };
  if (config.gateway.tls.certFile) process.on('SIGHUP', reloadTls);

  return {
    url: urls[0]!,
    get workerCount() {
      return workers.size;
    },
    counters: () => counterReports,
    setProblemTypeOrigin(origin) {
      for (const w of workers) sendTo(w, { type: 'problem-type-origin', origin });
    },
    caughtUp(revision) {
      if (everyWorkerServes(revision)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const waiter = {
          revision,
          resolve: () => {
            clearTimeout(limit);
            resolve();
          },
        };
        const limit = setTimeout(() => {
          revisionWaiters.delete(waiter);
          logger.warn(
            { revision },
            'một worker của cổng chưa nhận bản cấu hình mới sau 1 s / a gateway worker has not installed the new snapshot after 1 s',
          );
          resolve();
        }, CAUGHT_UP_LIMIT_MS);
        revisionWaiters.add(waiter);
      });
    },
    quotaSynced() {
      return new Promise<void>((resolve) => {
        syncWaiters.push({ reports: new Map([...workers].map((w) => [w.id, 2])), resolve });
      });
    },
    async stop() {
      stopping = true;
      clearInterval(status);
      process.off('SIGHUP', reloadTls);
      await Promise.all(
        [...workers].map(
          (w) =>
            new Promise<void>((resolve) => {
              const kill = setTimeout(() => w.process.kill('SIGKILL'), 10_000);
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              sendTo(w, { type: 'shutdown' });
            }),
        ),
      );
    },
  };
}

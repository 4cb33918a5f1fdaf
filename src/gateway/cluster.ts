import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from '../core/config.ts';
import type { Recorder } from '../telemetry/recorder.ts';
import { SYNC_INTERVAL_MS, type ToPrimary, type ToWorker } from './cluster-messages.ts';
import { sumCounts, type WindowCounts } from './quota.ts';
import type { SnapshotHolder } from './snapshot-holder.ts';

export interface GatewayWorkers {
  url: string;
  readonly workerCount: number;
  stop(): Promise<void>;
}

/**
 * Runs the gateway in `config.gateway.workers` processes (node:cluster). This process stays the primary: it
 * accepts connections and hands them to the workers round-robin — Node 20 accepts one connection per event-loop
 * turn, so a busy gateway process would admit only ~35 new connections/s (DESIGN.md) — and it keeps the store,
 * the recorder and the snapshot, pushing each new snapshot to every worker. Workers that die are replaced.
 */
export async function startGatewayWorkers(
  config: Config,
  deps: { snapshots: SnapshotHolder; recorder: Recorder; logger: Logger },
): Promise<GatewayWorkers> {
  const { snapshots, recorder, logger } = deps;
  if (!snapshots.currentData) throw new Error('gateway workers need a loaded snapshot');
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./worker-entry.mjs', import.meta.url)),
    args: [],
    serialization: 'advanced',
    silent: false,
  });
  if (cluster.schedulingPolicy !== cluster.SCHED_RR) cluster.schedulingPolicy = cluster.SCHED_RR;

  const quotaReports = new Map<number, Record<string, WindowCounts>>();
  const workers = new Set<Worker>();
  let stopping = false;

  const sendTo = (w: Worker, m: ToWorker) => {
    if (w.isConnected()) w.send(m);
  };

  function fork(): Promise<string> {
    const w = cluster.fork();
    workers.add(w);
    return new Promise((resolve, reject) => {
      w.on('message', (m: ToPrimary) => {
        if (m.type === 'ready') sendTo(w, { type: 'init', config, snapshot: snapshots.currentData! });
        else if (m.type === 'records') recorder.recordMany(m.batch);
        else if (m.type === 'quota') quotaReports.set(w.id, m.counts);
        else if (m.type === 'listening') resolve(m.url);
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        quotaReports.delete(w.id);
        reject(new Error(`gateway worker exited (${code ?? signal}) before listening`));
        if (!stopping) {
          logger.error({ code, signal }, 'gateway worker died; starting another');
          setTimeout(
            () => void fork().catch((err) => logger.error({ err }, 'gateway worker restart failed')),
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
    for (const w of workers) {
      const others = [...quotaReports].filter(([id]) => id !== w.id).map(([, r]) => r);
      sendTo(w, { type: 'status', recorderOverloaded: recorder.overloaded, quotaOthers: sumCounts(others) });
    }
  }, SYNC_INTERVAL_MS);
  status.unref();

  return {
    url: urls[0]!,
    get workerCount() {
      return workers.size;
    },
    async stop() {
      stopping = true;
      clearInterval(status);
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

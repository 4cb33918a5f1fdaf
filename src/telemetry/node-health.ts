import { sql } from 'kysely';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import type { TelemetryMetrics } from './metrics.ts';
import type { Recorder } from './recorder.ts';

export type Role = Config['role'];

/** What node health reads of the gateway's snapshot holder (src/gateway/snapshot-holder.ts). */
export interface SnapshotState {
  readonly revision: number;
  readonly current: object | null;
  lag(nowMs: number): Record<string, unknown> & { behindRevisions: number };
}

/** How often a node asks each engine whether it answers, and how long an answer may take. */
const PROBE_EVERY_MS = 2_000;
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Whether an engine answers, asked every {@link PROBE_EVERY_MS} in the background so `/healthz` never waits on a
 * dead engine: `ok`, `unreachable` (since when), or `unknown` before the first answer.
 */
export class EngineProbe {
  state: 'ok' | 'unreachable' | 'unknown' = 'unknown';
  private sinceMs: number | null = null;
  private lastError = '';
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly ask: () => Promise<unknown>,
    private readonly clock: Clock,
  ) {}

  start(): Promise<void> {
    this.timer = setInterval(() => void this.check(), PROBE_EVERY_MS);
    this.timer.unref();
    return this.check();
  }

  check(): Promise<void> {
    this.inFlight ??= (async () => {
      let timeout: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          this.ask(),
          new Promise((_, reject) => {
            timeout = setTimeout(
              () => reject(new Error(`no answer in ${PROBE_TIMEOUT_MS} ms`)),
              PROBE_TIMEOUT_MS,
            );
          }),
        ]);
        this.state = 'ok';
        this.sinceMs = null;
      } catch (err) {
        if (this.state !== 'unreachable') this.sinceMs = this.clock.nowMs();
        this.state = 'unreachable';
        // The message only: a driver's error may carry the connection string.
        this.lastError = (err as Error).message?.replace(/\w+:\/\/[^\s]*@/g, '***@') ?? 'error';
      } finally {
        clearTimeout(timeout);
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  describe(nowMs: number): Record<string, unknown> {
    return this.state === 'unreachable'
      ? { state: this.state, forMs: nowMs - (this.sinceMs ?? nowMs), error: this.lastError }
      : { state: this.state };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export interface NodeHealthSources {
  role: Role;
  clock: Clock;
  store: Store;
  storeProbe: EngineProbe;
  queueEngine: string;
  queueProbe: EngineProbe;
  /**
   * The queue's copies where the engine keeps several (NATS replicas: `MessageQueue.replication`), as its probe
   * last saw them; null for one copy. Shown as it is, judged by `holding` against `replicas`.
   */
  queueReplication: () => (Record<string, unknown> & { replicas: number; holding: number }) | null;
  snapshots: SnapshotState;
  recorder: Recorder;
  /** The periodic jobs this node runs and whether it holds each one's lease. */
  jobs: () => Record<string, unknown>;
}

/**
 * What every node says at `/healthz` and `/readyz` (issue 13 item 1): its role, snapshot revision and lag, and its
 * engines' state. `ready` is what a load balancer needs: a gateway is ready once it has a snapshot — and stays so
 * while the store is away, serving from that snapshot (`status: degraded`); control and worker nodes need their
 * store to do anything.
 */
export function nodeHealth(s: NodeHealthSources): Record<string, unknown> {
  const nowMs = s.clock.nowMs();
  const storeUp = s.storeProbe.state !== 'unreachable';
  const hasSnapshot = s.snapshots.current !== null;
  const needsStore = s.role === 'control' || s.role === 'worker';
  const ready = needsStore ? storeUp : hasSnapshot;
  // A queue server lost is redundancy lost: messages still flow, one more loss may stop them (or lose them).
  const replication = s.queueReplication();
  const queueWhole = replication === null || replication.holding >= replication.replicas;
  return {
    status:
      !hasSnapshot && !needsStore
        ? 'not_ready'
        : storeUp && s.queueProbe.state !== 'unreachable' && queueWhole
          ? 'ok'
          : 'degraded',
    ready,
    role: s.role,
    // When the store is unreachable, a gateway answers from this snapshot (R-04: the data plane keeps going).
    servingFromSnapshot: !storeUp && hasSnapshot,
    store: s.store.kind,
    revision: s.snapshots.revision,
    snapshot: { revision: s.snapshots.revision, ...s.snapshots.lag(nowMs) },
    engines: {
      store: { kind: s.store.kind, ...s.storeProbe.describe(nowMs) },
      queue: {
        engine: s.queueEngine,
        ...s.queueProbe.describe(nowMs),
        ...(replication === null ? {} : { replication }),
      },
    },
    jobs: s.jobs(),
    recorderBacklog: s.recorder.backlog,
    recordDurability: s.recorder.strict ? 'strict' : 'batched',
    recordsWritten: s.recorder.written,
  };
}

/** A probe of the store: the lightest query that needs a live connection. */
export function storeProbe(store: Store, clock: Clock): EngineProbe {
  return new EngineProbe(() => sql`SELECT 1`.execute(store.db), clock);
}

/** Gauges of the engines and the lag (issue 13 items 1 and 7): what /healthz says, for Prometheus. */
export function addNodeGauges(metrics: TelemetryMetrics, s: NodeHealthSources): void {
  metrics.addGauge(
    'lgsp_store_reachable',
    'Kho dữ liệu trả lời (1) hay không (0; cổng phục vụ từ bản cấu hình đang có) / Store answers (1) or not (0; the gateway serves from its snapshot)',
    () => (s.storeProbe.state === 'unreachable' ? 0 : 1),
  );
  metrics.addGauge(
    'lgsp_queue_engine_reachable',
    'Bộ máy hàng đợi trả lời (1) hay không (0) / Queue engine answers (1) or not (0)',
    () => (s.queueProbe.state === 'unreachable' ? 0 : 1),
  );
  metrics.addGauge(
    'lgsp_queue_replicas_missing',
    'Số máy chủ lẽ ra giữ hàng đợi mà đang thiếu (NATS, messaging.natsReplicas > 1; 0 khi đủ hoặc chỉ một bản) / Queue servers missing of those that should hold it (NATS replicas; 0 when whole or with one copy)',
    () => {
      const r = s.queueReplication();
      return r === null ? 0 : Math.max(0, r.replicas - r.holding);
    },
  );
  metrics.addGauge(
    'lgsp_snapshot_behind_revisions',
    'Số phiên bản cấu hình đã có mà nút chưa nạp / Config revisions known but not yet loaded on this node',
    () => s.snapshots.lag(s.clock.nowMs()).behindRevisions,
  );
}

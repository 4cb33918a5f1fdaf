import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import type { TransactionObserver, TransactionRecord } from './record.ts';

/** Every metric this platform exposes starts with this, so it is easy to select and never collides. */
export const METRIC_PREFIX = 'lgsp_';

/**
 * Seconds, for an API gateway whose provider answers may take up to the 30 s limit: fine steps where most
 * calls fall (5 ms … 1 s), coarse ones up to the limit.
 */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The label value for "no such thing": a refused call matched no route, or had no valid token. */
const NONE = 'none';

type TransactionLabels = 'service' | 'version' | 'environment' | 'status_class';
type DurationLabels = 'service' | 'status_class';
type LegLabels = 'service' | 'version' | 'environment' | 'leg' | 'status_class';

/** 2xx, 4xx…; `other` for anything outside 100–599 (there should be none). */
export function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

export interface TelemetryMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop, GC) as `lgsp_process_*` / `lgsp_nodejs_*`; on by default. */
  defaultMetrics?: boolean;
}

/**
 * Prometheus metrics of one platform process, scraped at `GET /metrics` on the admin port (issue 5, item 4).
 *
 * Labels are bounded on purpose: service context, version, environment and status class only. Their values come
 * from the registry (a call that matched no route is `service="none"`), so their number is bounded by what the
 * operator registered. Consumer systems, credentials, tokens and raw paths are never labels — they are unbounded,
 * would let a caller grow the server's memory, and are personal or secret; per-consumer figures are in the
 * transaction records and reports instead.
 *
 * The registry is this object's own, not prom-client's global one, so several platforms in one process (tests)
 * do not collide.
 *
 * To add a figure read when Prometheus scrapes (e.g. the async message backlog), one call is enough:
 *   `platform.metrics.addGauge('lgsp_messages_pending', 'Messages waiting for delivery', () => queue.pending())`
 * `collect` may be async; it runs once per scrape. Use `addCollectedCounter` for a number that only grows.
 * Anything else prom-client offers can be registered on `metrics.registry` directly.
 */
export class TelemetryMetrics implements TransactionObserver {
  readonly registry = new Registry();
  private readonly transactions: Counter<TransactionLabels>;
  private readonly duration: Histogram<DurationLabels>;
  private readonly legs: Counter<LegLabels>;
  /** Label children resolved once per label tuple: the hot path is one string join and one Map lookup. */
  private readonly children = new Map<
    string,
    { count: Counter.Internal; duration: Histogram.Internal<DurationLabels> }
  >();
  private readonly legChildren = new Map<string, Counter.Internal>();

  constructor(options: TelemetryMetricsOptions = {}) {
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    }
    this.transactions = new Counter({
      name: 'lgsp_gateway_transactions_total',
      help: 'Giao dịch qua cổng kết nối / Gateway transactions, by service, version, environment, status class',
      labelNames: ['service', 'version', 'environment', 'status_class'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'lgsp_gateway_request_duration_seconds',
      help: 'Thời gian xử lý giao dịch (nhận yêu cầu → trả lời xong) / Transaction time, request in → response out',
      labelNames: ['service', 'status_class'],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [this.registry],
    });
    this.legs = new Counter({
      name: 'lgsp_async_legs_total',
      help: 'Chặng của thông điệp bất đồng bộ (nhận, chuyển, xác nhận) / Async message legs: intake, delivery, ack',
      labelNames: ['service', 'version', 'environment', 'leg', 'status_class'],
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format, for `GET /metrics`; runs every scrape-time `collect`. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Counts one transaction record; the recorder calls it for every record, from this process or a worker. A sync
   * call counts as a gateway transaction and its time goes to the histogram; each leg of an async message
   * is counted apart, since a delivery attempt's time says nothing about the gateway's latency.
   */
  observe(txn: TransactionRecord): void {
    const service = txn.serviceContext ?? NONE;
    const version = txn.version ?? NONE;
    const environment = txn.environment ?? NONE;
    const status = statusClass(txn.consumerStatus);
    const leg = txn.leg ?? 'sync';
    if (leg !== 'sync') {
      const key = `${service}\u0000${version}\u0000${environment}\u0000${leg}\u0000${status}`;
      let child = this.legChildren.get(key);
      if (!child) {
        child = this.legs.labels(service, version, environment, leg, status);
        this.legChildren.set(key, child);
      }
      child.inc();
      return;
    }
    const key = `${service}\u0000${version}\u0000${environment}\u0000${status}`;
    let child = this.children.get(key);
    if (!child) {
      child = {
        count: this.transactions.labels(service, version, environment, status),
        duration: this.duration.labels(service, status),
      };
      this.children.set(key, child);
    }
    child.count.inc();
    child.duration.observe(Math.max(0, txn.responseOutAt - txn.requestInAt) / 1000);
  }

  /** A gauge whose value is read at scrape time; `name` must start with `lgsp_`. */
  addGauge(name: string, help: string, collect: () => number | Promise<number>): void {
    checkName(name);
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        // A figure that cannot be read now (its store away, issue 13 item 7) is NaN; the rest of the scrape stands.
        this.set(
          await Promise.resolve()
            .then(collect)
            .catch(() => Number.NaN),
        );
      },
    });
  }

  /**
   * A counter whose running total is kept elsewhere (e.g. `recorder.written`) and read at scrape time; `name`
   * must start with `lgsp_` and end with `_total`. A total that went down (a restart of its owner) starts again.
   */
  addCollectedCounter(name: string, help: string, collect: () => number | Promise<number>): void {
    checkName(name);
    if (!name.endsWith('_total')) throw new Error(`counter ${name} must end with _total`);
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [this.registry],
      async collect() {
        const total = await collect();
        if (total < seen) {
          this.reset();
          seen = 0;
        }
        if (total > seen) this.inc(total - seen);
        seen = total;
      },
    });
  }
}

function checkName(name: string): void {
  if (!name.startsWith(METRIC_PREFIX) || !/^[a-z_][a-z0-9_]*$/.test(name)) {
    throw new Error(`metric ${name} must be snake_case and start with ${METRIC_PREFIX}`);
  }
}

/** What the platform's own gauges read: the recorder and the config snapshot (DESIGN.md "Shape"). */
export interface PlatformGaugeSources {
  recorder: {
    readonly backlog: number;
    readonly overloaded: boolean;
    readonly written: number;
    readonly failedBatches: number;
  };
  snapshots: { readonly revision: number; readonly current: { loadedAtMs: number } | null };
  clock: Clock;
}

/** Registers the scrape-time gauges of the recorder and the snapshot. */
export function addPlatformGauges(metrics: TelemetryMetrics, s: PlatformGaugeSources): void {
  metrics.addGauge(
    'lgsp_recorder_backlog',
    'Bản ghi giao dịch chờ ghi vào kho / Transaction records queued, not yet written',
    () => s.recorder.backlog,
  );
  metrics.addGauge(
    'lgsp_recorder_overloaded',
    'Hàng đợi bản ghi đầy, cổng từ chối lời gọi (1) / Recorder backlog full: the gateway refuses calls (1)',
    () => (s.recorder.overloaded ? 1 : 0),
  );
  metrics.addCollectedCounter(
    'lgsp_recorder_records_written_total',
    'Bản ghi giao dịch đã ghi vào kho / Transaction records written to the store',
    () => s.recorder.written,
  );
  metrics.addCollectedCounter(
    'lgsp_recorder_failed_batches_total',
    'Lần ghi lô bản ghi thất bại (sẽ thử lại) / Record batches that failed to write (retried)',
    () => s.recorder.failedBatches,
  );
  metrics.addGauge(
    'lgsp_snapshot_revision',
    'Phiên bản cấu hình nút này đang dùng / Config snapshot revision in use on this node',
    () => s.snapshots.revision,
  );
  metrics.addGauge(
    'lgsp_snapshot_age_seconds',
    'Thời gian từ khi nạp bản cấu hình đang dùng / Seconds since the snapshot in use was loaded',
    () => {
      const current = s.snapshots.current;
      return current ? Math.max(0, (s.clock.nowMs() - current.loadedAtMs) / 1000) : 0;
    },
  );
}

/** Where one kind of counter of a gateway process lives now, and its decisions taken without Redis. */
export interface SharedCounterState {
  readonly state: 'in-process' | 'redis' | 'redis-unavailable';
  readonly unavailableDecisions: number;
}

/** The counters a gateway process shares through Redis (issue 13 item 3): quotas and `/token` failures. */
export interface GatewayCounterStates {
  quota: SharedCounterState;
  bruteForce: SharedCounterState;
}

/**
 * The shared counters' metrics ("says so in metrics", issue 13 item 3), over every gateway process of this node:
 * `lgsp_{quota,bruteforce}_redis_up` is 1 when every process reaches Redis, `…_decisions_without_redis_total` sums
 * their decisions taken without it (per `redis.onUnavailable`). With `gateway.workers` > 1 the primary also shows
 * each worker, as each last reported (every 100 ms): `lgsp_gateway_worker_redis_up{worker,counters}` and
 * `lgsp_gateway_worker_decisions_without_redis{worker,counters}` (a worker's running total; a new worker starts at 0).
 */
export function addSharedCounterMetrics(
  metrics: TelemetryMetrics,
  processes: () => ReadonlyMap<string, GatewayCounterStates>,
  perWorker: boolean,
): void {
  const kinds = [
    ['quota', 'quota', 'bộ đếm hạn mức / quota counters'],
    ['bruteForce', 'bruteforce', 'bộ đếm xác thực sai tại /token / /token failure counters'],
  ] as const;
  for (const [kind, name, what] of kinds) {
    metrics.addGauge(
      `lgsp_${name}_redis_up`,
      `Redis của ${what} dùng chung truy cập được từ mọi tiến trình (1) / reachable from every process (1)`,
      () => ([...processes().values()].every((p) => p[kind].state === 'redis') ? 1 : 0),
    );
    metrics.addCollectedCounter(
      `lgsp_${name}_decisions_without_redis_total`,
      `Quyết định của ${what} khi không truy cập được Redis (theo redis.onUnavailable) / decisions taken while Redis was unreachable`,
      () => [...processes().values()].reduce((sum, p) => sum + p[kind].unavailableDecisions, 0),
    );
  }
  if (!perWorker) return;
  const byWorker = (read: (s: SharedCounterState) => number) =>
    function (this: Gauge<'worker' | 'counters'>) {
      this.reset();
      for (const [worker, p] of processes()) {
        for (const [kind, name] of kinds) this.set({ worker, counters: name }, read(p[kind]));
      }
    };
  new Gauge({
    name: 'lgsp_gateway_worker_redis_up',
    help: 'Redis truy cập được từ tiến trình worker của cổng (1), theo loại bộ đếm / Redis reachable from each gateway worker (1), by counters',
    labelNames: ['worker', 'counters'],
    registers: [metrics.registry],
    collect: byWorker((s) => (s.state === 'redis' ? 1 : 0)),
  });
  new Gauge({
    name: 'lgsp_gateway_worker_decisions_without_redis',
    help: 'Quyết định không có Redis của từng worker từ khi nó chạy / each gateway worker’s decisions without Redis since it started',
    labelNames: ['worker', 'counters'],
    registers: [metrics.registry],
    collect: byWorker((s) => s.unavailableDecisions),
  });
}

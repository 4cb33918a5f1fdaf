import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import type { DeliveryRound, OutboxBacklog } from '../notify/notifier.ts';
import type { NotificationChannel } from '../notify/outbox.ts';
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
  private readonly legs: Counter<LegLabels>;
  private readonly notifications: Counter<'channel' | 'outcome'>;
  /**
   * Sync transactions counted in plain fields per label tuple, folded into the exposition when Prometheus scrapes
   * (issue 14 item 2): prom-client's `inc`/`observe` cost a label hash and several objects per call, measured
   * ≈ 3 µs per request on the gateway's main thread; here a call is one string join, one Map lookup, a few adds.
   */
  private readonly sync = new Map<string, SyncFigures>();
  private readonly legChildren = new Map<string, Counter.Internal>();

  constructor(options: TelemetryMetricsOptions = {}) {
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    }
    const sync = this.sync;
    new Counter<TransactionLabels>({
      name: 'lgsp_gateway_transactions_total',
      help: 'Giao dịch qua cổng kết nối / Gateway transactions, by service, version, environment, status class',
      labelNames: ['service', 'version', 'environment', 'status_class'],
      registers: [this.registry],
      collect() {
        for (const f of sync.values()) {
          if (f.uncountedCalls === 0) continue;
          this.inc(
            { service: f.service, version: f.version, environment: f.environment, status_class: f.status },
            f.uncountedCalls,
          );
          f.uncountedCalls = 0;
        }
      },
    });
    this.registry.registerMetric(new DurationHistogram(sync) as never);
    this.legs = new Counter({
      name: 'lgsp_async_legs_total',
      help: 'Chặng của thông điệp bất đồng bộ (nhận, chuyển, xác nhận) / Async message legs: intake, delivery, ack',
      labelNames: ['service', 'version', 'environment', 'leg', 'status_class'],
      registers: [this.registry],
    });
    this.notifications = new Counter({
      name: 'lgsp_notifications_total',
      help: 'Lần gửi thông báo (e-mail, webhook) theo kết quả: đã gửi, sẽ gửi lại, bỏ / Notification sends (e-mail, webhook) by outcome: sent, retried, failed',
      labelNames: ['channel', 'outcome'],
      registers: [this.registry],
    });
  }

  /**
   * One notification's send ended (notify/notifier.ts): `sent`, `retried` (failed this time, tried again after its
   * back-off) or `failed` (given up). A rising `retried` for one channel is its relay or receivers not answering.
   */
  notificationSent(channel: NotificationChannel, outcome: keyof DeliveryRound): void {
    this.notifications.inc({ channel, outcome });
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
    let f = this.sync.get(key);
    if (!f) {
      f = {
        service,
        version,
        environment,
        status,
        uncountedCalls: 0,
        buckets: new Array<number>(DURATION_BUCKETS_SECONDS.length + 1).fill(0),
        sumSeconds: 0,
      };
      this.sync.set(key, f);
    }
    f.uncountedCalls++;
    const seconds = Math.max(0, txn.responseOutAt - txn.requestInAt) / 1000;
    let b = 0;
    while (b < DURATION_BUCKETS_SECONDS.length && seconds > DURATION_BUCKETS_SECONDS[b]!) b++;
    f.buckets[b]!++;
    f.sumSeconds += seconds;
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

/** One label tuple's sync transactions (`TelemetryMetrics.observe`). */
interface SyncFigures {
  readonly service: string;
  readonly version: string;
  readonly environment: string;
  readonly status: string;
  /** Calls not yet folded into the prom-client counter (at the next scrape). */
  uncountedCalls: number;
  /** Calls by duration bucket, not cumulative: index i counts (bucket i-1, bucket i]; the last one is > 30 s. */
  readonly buckets: number[];
  sumSeconds: number;
}

/**
 * `lgsp_gateway_request_duration_seconds` by service and status class, read from the plain per-tuple figures at
 * scrape time: the series prom-client's Histogram would write (`_bucket` cumulative with `le`, `_sum`, `_count`),
 * registered on the registry as any metric (its `get`), without prom-client's cost per observation.
 */
class DurationHistogram {
  readonly name = 'lgsp_gateway_request_duration_seconds';
  readonly help =
    'Thời gian xử lý giao dịch (nhận yêu cầu → trả lời xong) / Transaction time, request in → response out';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly sync: ReadonlyMap<string, SyncFigures>) {}

  get() {
    // The histogram's labels are service and status class: the tuples of other versions and environments add up.
    const byLabels = new Map<string, { service: string; status: string; buckets: number[]; sum: number }>();
    for (const f of this.sync.values()) {
      const key = `${f.service}\u0000${f.status}`;
      let h = byLabels.get(key);
      if (!h) {
        h = { service: f.service, status: f.status, buckets: f.buckets.map(() => 0), sum: 0 };
        byLabels.set(key, h);
      }
      for (let i = 0; i < f.buckets.length; i++) h.buckets[i]! += f.buckets[i]!;
      h.sum += f.sumSeconds;
    }
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const h of byLabels.values()) {
      const labels = { service: h.service, status_class: h.status };
      let cumulative = 0;
      DURATION_BUCKETS_SECONDS.forEach((le, i) => {
        cumulative += h.buckets[i]!;
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      cumulative += h.buckets[DURATION_BUCKETS_SECONDS.length]!;
      values.push({
        labels: { ...labels, le: '+Inf' },
        value: cumulative,
        metricName: `${this.name}_bucket`,
      });
      values.push({ labels, value: h.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: cumulative, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {}
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

/**
 * The notification outbox's backlog by channel (e-mail, webhook), read from the store when Prometheus scrapes:
 * `lgsp_notifications_pending{channel}` and `lgsp_notifications_oldest_due_seconds{channel}`. The two gauges share one
 * read per scrape (prom-client collects every metric at once). The outbox is the cluster's, so every node shows the
 * same figures. A store that cannot be read now gives NaN, as `addGauge`.
 */
export function addNotificationGauges(
  metrics: TelemetryMetrics,
  read: () => Promise<Record<NotificationChannel, OutboxBacklog>>,
): void {
  let reading: Promise<Record<NotificationChannel, OutboxBacklog> | null> | null = null;
  const readOnce = () => {
    reading ??= read()
      .catch(() => null)
      .finally(() => {
        reading = null;
      });
    return reading;
  };
  const gauge = (name: string, help: string, figure: (b: OutboxBacklog) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['channel'],
      registers: [metrics.registry],
      async collect() {
        const backlog = await readOnce();
        for (const channel of ['email', 'webhook'] as const) {
          this.set({ channel }, backlog ? figure(backlog[channel]) : Number.NaN);
        }
      },
    });
  gauge(
    'lgsp_notifications_pending',
    'Thông báo chưa gửi xong theo kênh (đến hạn, chờ gửi lại, đang gửi) / Notifications not yet sent nor given up, by channel (due, awaiting a retry, in flight)',
    (b) => b.pending,
  );
  gauge(
    'lgsp_notifications_oldest_due_seconds',
    'Thông báo đến hạn chờ lâu nhất đã chờ bao nhiêu giây (0 khi không có) / Seconds the longest-waiting due notification has waited (0 when none)',
    (b) => b.oldestDueSeconds,
  );
}

/** Where one kind of counter of a gateway process lives now, and its decisions taken without Redis. */
export interface SharedCounterState {
  readonly state: 'in-process' | 'redis' | 'redis-unavailable';
  readonly unavailableDecisions: number;
}

/**
 * What a gateway process shares through Redis (issue 13 item 3): quotas, `/token` failures, and the federation hop
 * signatures it accepted (replays refused, docs/security.md §2.12).
 */
export interface GatewayCounterStates {
  quota: SharedCounterState;
  bruteForce: SharedCounterState;
  replay: SharedCounterState;
}

/**
 * The shared counters' metrics ("says so in metrics", issue 13 item 3), over every gateway process of this node:
 * `lgsp_{quota,bruteforce,replay}_redis_up` is 1 when every process reaches Redis, `…_decisions_without_redis_total` sums
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
    ['replay', 'replay', 'bộ nhớ chữ ký liên nền tảng đã dùng / used federation signatures'],
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

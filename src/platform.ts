import type { FastifyInstance } from 'fastify';
import { nodeHealthServer } from './api/node-health-server.ts';
import { createAdminApi } from './api/server.ts';
import { Accounts } from './control/accounts.ts';
import { sealUnchainedAuditEvents } from './control/audit.ts';
import { Categories } from './control/categories/index.ts';
import { ConnectionRequests } from './control/connection-requests/index.ts';
import { Lifecycle } from './control/lifecycle/index.ts';
import { Registry } from './control/registry/index.ts';
import type { SandboxGateway } from './control/sandbox-try.ts';
import { unlockSecrets } from './control/secrets.ts';
import { ensureSigningKey, SigningKeys } from './control/signing-keys.ts';
import { storeSnapshotSource, type TokenRevocation } from './control/snapshot.ts';
import { SubscriptionRequests } from './control/subscription-requests/index.ts';
import { revokeAccessToken } from './control/token-revocations.ts';
import { VersionChanges } from './control/version-changes/index.ts';
import { type Clock, systemClock } from './core/clock.ts';
import type { Config } from './core/config.ts';
import { problemTypeOrigin, setProblemTypeOrigin } from './core/errors.ts';
import { formatVietnamDateTime, utcOffsetLabel } from './core/time.ts';
import { PeerClients } from './federation/peer-clients.ts';
import { type GatewayWorkers, startGatewayWorkers } from './gateway/cluster.ts';
import { openQuotaCounter } from './gateway/quota-redis.ts';
import { createGateway, type Gateway } from './gateway/server.ts';
import { openSignatureMemory } from './gateway/signature-memory.ts';
import { SnapshotHolder } from './gateway/snapshot-holder.ts';
import { openTokenThrottle } from './gateway/token-throttle.ts';
import type { KeyEncryptionKey } from './keys/index.ts';
import { Deliverer } from './messaging/delivery.ts';
import { openDestinationSlots } from './messaging/destination-slots.ts';
import type { Messaging } from './messaging/messaging.ts';
import { openMessaging } from './messaging/open.ts';
import { EgressPolicy, type LookupAll } from './net/egress.ts';
import { plainHttpWarning } from './net/tls.ts';
import { Notifier, outboxBacklog } from './notify/notifier.ts';
import { type ClusterSession, openClusterSession } from './store/cluster-session.ts';
import { Leases, PeriodicJobs } from './store/leases.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/port.ts';
import {
  backupDirOf,
  backupIntervalMs,
  backupOffWarning,
  runScheduledBackup,
} from './store/scheduled-backup.ts';
import { Alerts, alertOnEgressDenied } from './telemetry/alerts.ts';
import { HealthMonitor } from './telemetry/health.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import {
  addNotificationGauges,
  addPlatformGauges,
  addSharedCounterMetrics,
  TelemetryMetrics,
} from './telemetry/metrics.ts';
import {
  addNodeGauges,
  EngineProbe,
  type NodeHealthSources,
  nodeHealth,
  storeProbe,
} from './telemetry/node-health.ts';
import { awaitRecordDurable, Recorder, recordDurability, recordJournalDir } from './telemetry/recorder.ts';
import { startRetentionJobs } from './telemetry/retention-jobs.ts';

export interface PlatformOptions {
  clock?: Clock;
  logger?: Logger;
  /** Told once, on first start, when the operator account got a generated password. */
  onGeneratedPassword?: (username: string, password: string) => void;
  /**
   * Told at start on the node that serves the admin API where the operator's password came from: generated now
   * (and printed), configured (`LGSP_ADMIN_PASSWORD`, first start), or already in the store (set at an earlier
   * first start or changed since — a configured password does not change it).
   */
  onOperatorAccount?: (origin: OperatorAccountOrigin) => void;
  /** Told once, on first start, when the key-encryption key file was generated (the operator must keep it apart). */
  onGeneratedKeyFile?: (path: string) => void;
  /** Name resolution of the egress policy (default: the system resolver); a test stages a DNS rebinding with it. */
  lookup?: LookupAll;
  /**
   * Whether the node says at start what its settings leave off — e-mail notifications, scheduled backups (default
   * true). The demo's simulated peer platforms say nothing: they run in the demo's process, and one warning of each
   * on its stderr is enough.
   */
  announceSettings?: boolean;
}

/** Where the operator's password of this start came from (see `PlatformOptions.onOperatorAccount`). */
export type OperatorAccountOrigin = 'generated' | 'configured' | 'existing';

export interface Platform {
  config: Config;
  /** Where the platform may connect (issue 10): checked when URLs are saved and on every new connection. */
  egress: EgressPolicy;
  store: Store;
  /** Seals the secrets kept in the store (issue 10 item 4): signing keys, webhook secrets, message data keys. */
  kek: KeyEncryptionKey;
  signingKeys: SigningKeys;
  registry: Registry;
  /** Shared category lists and their built-in service `/dmdc/1.0` (issue 12 item 7). */
  categories: Categories;
  lifecycle: Lifecycle;
  accounts: Accounts;
  alerts: Alerts;
  health: HealthMonitor;
  messaging: Messaging;
  deliverer: Deliverer;
  recorder: Recorder;
  /** Prometheus metrics at GET /metrics; `metrics.addGauge(…)` adds a figure read at scrape time. */
  metrics: TelemetryMetrics;
  snapshots: SnapshotHolder;
  /** What this node runs (issue 13 item 1): `all` is every role in one process. */
  role: Config['role'];
  /** The node's database session for job leases and change announcements (issue 13 items 2 and 4). */
  session: ClusterSession;
  /** The periodic jobs; each runs while this node holds its lease (none on gateway and control nodes). */
  jobs: PeriodicJobs;
  /** `/healthz` and `/readyz` of this node: role, snapshot revision and lag, engines. */
  nodeHealth: () => Record<string, unknown>;
  /** The in-process gateway; null when it runs in `gateway.workers` worker processes or on a control or worker node. */
  gateway: Gateway | null;
  /** The gateway's worker processes when `gateway.workers` > 1, else null. */
  gatewayWorkers: GatewayWorkers | null;
  /** The admin API (roles all and control), or the node's health server on the admin port (gateway, worker). */
  admin: FastifyInstance;
  /** '' on control and worker nodes: they serve no gateway. */
  gatewayUrl: string;
  adminUrl: string;
  logger: Logger;
  /** This node's gateway as the sandbox "try it" reaches it (issue 11). */
  sandboxGateway: SandboxGateway;
  stop(): Promise<void>;
}

/**
 * The composition root (DESIGN.md "Modules", "Scaling out"): config → store → control plane → gateway and admin
 * API. Role `all` (the default) runs everything in one process, on the embedded store by default; on PostgreSQL
 * the same code runs by role (issue 13 item 1): `gateway` nodes are data planes (snapshot, records, async intake,
 * /token), `control` serves the admin API, console and portal, `worker` delivers messages and runs every periodic
 * job — each job on one node of the cluster at a time, by its lease. Stops cleanly: gateway first (no new calls),
 * then the records still queued are written, then the store closes.
 */
export async function startPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config);
  const role = config.role;
  const serves = {
    gateway: role === 'all' || role === 'gateway',
    control: role === 'all' || role === 'control',
    worker: role === 'all' || role === 'worker',
  };
  // Every problem's `type` is its code's page on the portal (core/errors.ts, api/error-pages.ts): at the public
  // address when the operator set `admin.publicUrl` (a gateway-only node has no other way to know it), else at
  // this node's admin listener, once it listens (below).
  setProblemTypeOrigin(config.admin.publicUrl);
  const store = await openStore(config);
  const stops: Array<() => Promise<void>> = [() => store.close()];
  const stop = async () => {
    for (const s of stops.reverse())
      await s().catch((err) => logger.error({ err }, 'không dừng được một thành phần / stop failed'));
    stops.length = 0;
  };
  try {
    // Events written before the audit chain existed are chained once, before anything else can change (R-20).
    if (serves.control) await sealUnchainedAuditEvents(store);
    // The key-encryption key before anything reads a secret: a wrong or missing key stops the start here.
    const secrets = await unlockSecrets(store, config);
    const kek = secrets.kek;
    if (secrets.generatedFile) {
      if (options.onGeneratedKeyFile) options.onGeneratedKeyFile(secrets.generatedFile);
      else
        logger.warn(
          { keyFile: secrets.generatedFile },
          'đã tạo khoá mã hoá khoá (KEK): cất riêng khỏi bản sao lưu / key-encryption key generated: keep it apart from backups',
        );
    }
    if (secrets.sealed > 0) {
      logger.warn(
        { sealed: secrets.sealed },
        'đã niêm phong các bí mật còn dạng rõ của kho dữ liệu cũ: hãy đổi khoá ký (lgsp keys rotate) và secret của webhook, vì bản sao lưu cũ và WAL vẫn còn giữ chúng / plaintext secrets of an older store sealed: rotate the signing key (lgsp keys rotate) and webhook secrets, older backups and WAL still hold them',
      );
    }
    // R-13: a port the network reaches over plain HTTP carries secrets in the clear: said once, at start.
    const plainHttp = [
      serves.gateway ? plainHttpWarning('gateway', config.gateway) : null,
      serves.control ? plainHttpWarning('admin', config.admin) : null,
    ];
    for (const warning of plainHttp) if (warning) logger.warn(warning);
    // One egress policy for every plane (issue 10): the registry checks URLs when saved, the gateway, probes,
    // webhooks and pushes on each new connection; the ports this platform binds are added as it binds them.
    const egress = EgressPolicy.forPlatform(config, options.lookup ? { lookup: options.lookup } : {});
    const registry = new Registry(store, clock, egress);
    const signingKeys = new SigningKeys(registry.changes, kek, config.gateway.tokenTtlSeconds);
    const accounts = new Accounts(store, clock, config.admin.sessionTtlHours, config.limits, kek);
    // What a fresh store needs before anyone signs in or calls: written by the node that serves the admin API.
    if (serves.control) {
      await ensureSigningKey(store, kek, clock.nowMs());
      const first = await accounts.ensureOperator(config.admin.password);
      if (first?.generatedPassword) options.onGeneratedPassword?.(first.username, first.generatedPassword);
      options.onOperatorAccount?.(
        first ? (first.generatedPassword ? 'generated' : 'configured') : 'existing',
      );
    }

    // The node's own database session: its job leases and the change announcements it listens to.
    const session = await openClusterSession(store, config.databaseUrl, logger);
    stops.push(() => session.close());
    const leases = new Leases(session, logger);
    const jobs = new PeriodicJobs(leases, logger);
    // Gateway and control nodes run no periodic job; `stop` still waits for nothing.
    const runsJobs = serves.worker ? jobs : null;

    // Every transaction record passes the recorder, those of gateway workers too: counted there, once.
    const metrics = new TelemetryMetrics();
    // Strict (the default on PostgreSQL): a call's record is durable before its answer's last byte (issue 13 item 5).
    const durability = recordDurability(config);
    // Strict records outlive a PostgreSQL outage in this node's journal (issue 13 items 5 and 7).
    const recorder = new Recorder(
      store,
      { ...config.recorder, durability, journalDir: recordJournalDir(config) },
      logger,
      metrics,
    );
    recorder.start();
    stops.push(() => recorder.close());

    // Retention (issue 5, R-20): monthly partitions ahead, hourly rollups, archiving of months past retention.
    await startRetentionJobs(store, clock, config, logger, runsJobs);
    // E-mails and webhooks of the outbox (notices, decisions).
    const notifier = new Notifier(store, clock, config.notifications, logger, kek, { egress, metrics });
    stops.push(() => notifier.stop());
    // The outbox's backlog by channel, read at scrape time: a relay or receivers not keeping up show as an age.
    addNotificationGauges(metrics, () => outboxBacklog(store.db, clock.nowMs()));
    if (runsJobs && options.announceSettings !== false) notifier.announceMailSetting();
    // The tick waits for no lane: a job still running is not ticked again, and a slow mail relay would then hold
    // the webhooks' next round (notifier.ts).
    runsJobs?.every('notification-outbox', { everyMs: config.notifications.pollIntervalMs }, async () =>
      notifier.startIdleLanes(),
    );

    // Dates that have passed (sunsets, decommissions, rotation overlaps) are carried out every minute; the
    // gateway already enforces them from its snapshot at the due time, this makes the registry say so too.
    // Retired signing keys whose last token has expired are deleted on the same beat.
    const lifecycle = new Lifecycle(store, registry, clock, {
      timezoneOffsetMinutes: config.timezoneOffsetMinutes,
      maintenanceMinNoticeHours: config.lifecycle.maintenanceMinNoticeHours,
    });
    runsJobs?.every('lifecycle-due', { everyMs: 60_000 }, () => lifecycle.runDue());
    runsJobs?.every('signing-key-purge', { everyMs: 60_000 }, () => signingKeys.purgeExpired());

    // The request workflows and the shared category lists; the lists' built-in service `/dmdc/1.0` is made once,
    // before the first snapshot, so the gateway serves it from the start (issue 12 item 7).
    const workflows = requestWorkflows(store, registry, clock, config);
    if (serves.control && (await workflows.categories.ensureService()) === null) {
      logger.warn(
        'context dmdc đã thuộc về một dịch vụ khác: không phục vụ danh mục dùng chung / the dmdc context belongs to another service: the shared category lists are not served',
      );
    }

    // Where this node's gateway listens, once it does (below).
    let gatewayUrl = '';
    // Where consumers call the gateway, as the published documents name it (api/routes/public.ts `gatewayAddress`):
    // the sandbox mocks' examples name a version there. Without `gateway.publicUrl`, where this node's gateway
    // listens — unknown until it does, so the snapshot is built again then (below).
    const consumersGateway = () =>
      config.gateway.publicUrl.replace(/\/+$/, '') || (gatewayUrl ? localUrl(gatewayUrl) : '');
    const snapshots = new SnapshotHolder(
      storeSnapshotSource(store, kek, clock, consumersGateway),
      clock,
      logger,
    );
    await snapshots.refresh();
    if (!snapshots.current) throw new Error('could not load the first configuration snapshot');
    // In-process changes reload at once; changes made by other nodes on a shared PostgreSQL are announced on the
    // session (LISTEN/NOTIFY, issue 13 item 2) and the poll catches whatever an announcement missed.
    registry.onChange(() => void snapshots.refresh());
    session.onChange((revision) => void snapshots.heard(revision));
    snapshots.startPolling(config.snapshot.pollIntervalMs);
    stops.push(async () => snapshots.stop());
    addPlatformGauges(metrics, { recorder, snapshots, clock });
    metrics.addCollectedCounter(
      'lgsp_sign_ins_overflow_total',
      'Lần đăng nhập thất bại không gọi tên tài khoản nào vượt giới hạn dòng mỗi giờ, chỉ được đếm trong dòng tổng hợp (docs/security.md §2.14) / failed sign-ins naming no account beyond the hourly bound of rows, only counted in the summary row',
      () => accounts.signInsOverflowed,
    );

    // Async store-and-forward (issue 4): the queue engine, the pushes to destinations, the operator's alerts.
    const alerts = new Alerts(store, clock, config.alerts, logger);
    alertOnEgressDenied(egress, alerts, clock, logger);
    // R-24's periodic backup (issue 13): asked every minute (at most the interval), written when the newest is due;
    // a run that fails is the operator's alert, not only a log line (resolved by the next good run).
    const backupEveryMs = backupIntervalMs(config.backup.schedule);
    if (backupEveryMs !== null) {
      const job = scheduledBackupJob({ store, clock, logger, alerts, config, intervalMs: backupEveryMs });
      runsJobs?.every('scheduled-backup', { everyMs: Math.min(60_000, backupEveryMs) }, job);
    } else if (runsJobs && options.announceSettings !== false) {
      logger.warn(backupOffWarning(config.backup.schedule));
    }
    // The message data keys are created and destroyed by one node of the cluster at a time — the worker holding the
    // `async-expiry` lease, which destroys spent keys after its expiry sweep; every other node reads the key file.
    const keysOwnedNow = serves.worker ? () => leases.isHeld('async-expiry') : () => false;
    const messaging = await openMessaging({ config, store, clock, logger, alerts, kek, keysOwnedNow });
    const queue = messaging.queue;
    stops.push(() => messaging.close());
    const deliveryPeers = new PeerClients(egress, clock, config.messaging.pushTimeoutMs);
    stops.push(() => deliveryPeers.close());
    if (serves.worker) {
      leases.want('async-expiry');
      leases.want('receipt-sweep');
    }
    // Only a worker node pushes: another node opens no shared slots.
    const deliverySlots = openDestinationSlots(
      { redisUrl: serves.worker ? config.redisUrl : '', redis: config.redis },
      logger,
    );
    if (deliverySlots.state !== 'in-process') {
      metrics.addGauge(
        'lgsp_delivery_slots_redis_up',
        'Redis của giới hạn đẩy đồng thời dùng chung truy cập được (1) / the shared delivery concurrency’s Redis is reachable (1)',
        () => (deliverySlots.state === 'redis' ? 1 : 0),
      );
      metrics.addCollectedCounter(
        'lgsp_delivery_decisions_without_redis_total',
        'Quyết định đẩy thông điệp khi không truy cập được Redis (theo redis.onUnavailable) / delivery concurrency decisions taken while Redis was unreachable',
        () => deliverySlots.unavailableDecisions,
      );
    }
    const deliverer = new Deliverer({
      messaging,
      clock,
      logger,
      records: recorder,
      destinations: () => snapshots.current,
      egress,
      // Messages for versions imported from a peer are handed on to it (issue 12 item 10b).
      peers: { clients: deliveryPeers, code: config.federation.code },
      // Expired messages are swept (alert, record) by the one node holding the lease; every worker delivers.
      sweepsExpiry: () => leases.isHeld('async-expiry'),
      // Receipts of handed-on messages are looked for by one node too: a final receipt settles its message once.
      sweepsReceipts: () => leases.isHeld('receipt-sweep'),
      // Each destination's deliveryConcurrency bounds the whole cluster's pushes when Redis is set (issue 13 item 3).
      slots: deliverySlots,
    });
    if (serves.worker) {
      deliverer.start();
      stops.push(() => deliverer.stop());
    }
    metrics.addGauge(
      'lgsp_messages_pending',
      'Thông điệp bất đồng bộ chờ chuyển / Async messages waiting for delivery',
      () => queue.pendingCount(),
    );
    // Health rules and active probes (R-06, R-22): alerts open, escalate and resolve as conditions hold or clear.
    const health = new HealthMonitor({
      store,
      clock,
      config,
      alerts,
      logger,
      routes: () => snapshots.current,
      pendingMessages: () => queue.pendingCount(),
      egress,
    });
    runsJobs?.every('health-monitor', { everyMs: config.alerts.evaluateIntervalSeconds * 1000 }, () =>
      health.evaluate(),
    );
    stops.push(() => health.stop());
    metrics.addGauge(
      'lgsp_alerts_open',
      'Cảnh báo vận hành đang mở / Open operator alerts',
      async () => (await alerts.list({ state: 'open', limit: 1000 })).length,
    );
    // The leases are asked for once every job is registered, so each job's first tick finds its lease settled.
    await leases.start();
    stops.push(() => leases.stop());
    // The key lease's holder writes this epoch's and the next one's message keys before anyone may seal with them.
    messaging.keys.ensureAhead(clock.nowMs());
    stops.push(() => jobs.stop());

    // What /healthz and /readyz say on every node (issue 13 item 1), and the same as gauges.
    const storeProbeOfNode = storeProbe(store, clock);
    const queueProbe = new EngineProbe(() => queue.pendingCount(), clock);
    await Promise.all([storeProbeOfNode.start(), queueProbe.start()]);
    stops.push(async () => {
      storeProbeOfNode.stop();
      queueProbe.stop();
    });
    const healthSources: NodeHealthSources = {
      role,
      clock,
      store,
      storeProbe: storeProbeOfNode,
      queueEngine: queue.engine,
      queueProbe,
      queueReplication: () => queue.replication?.() ?? null,
      snapshots,
      recorder,
      jobs: () => jobs.describe(),
    };
    const describeNode = () => nodeHealth(healthSources);
    addNodeGauges(metrics, healthSources);

    // RFC 7009 (issue 12 item 8): a revocation is a change; its answer waits until this node's snapshot has it.
    const revokeToken = async (revocation: TokenRevocation) => {
      await revokeAccessToken(registry.changes, revocation);
      await snapshots.refresh();
    };
    let gateway: Gateway | null = null;
    let gatewayWorkers: GatewayWorkers | null = null;
    if (serves.gateway && config.gateway.workers > 1) {
      // Workers take async calls themselves on PostgreSQL (their own connection); the primary delivers them.
      const workers = await startGatewayWorkers(config, {
        snapshots,
        recorder,
        logger,
        onMessageAccepted: () => deliverer.wake(),
        egress,
        revokeToken,
      });
      gatewayWorkers = workers;
      gatewayUrl = workers.url;
      // Each worker's Redis state in this node's /metrics (issue 13 item 3), as the workers report it.
      if (config.redisUrl) addSharedCounterMetrics(metrics, () => workers.counters(), true);
      egress.addOwnPort(Number(new URL(workers.url).port));
      stops.push(() => workers.stop());
    } else if (serves.gateway) {
      // Quotas, `/token` failures and accepted federation signatures shared in Redis when `redisUrl` is set (issue 13
      // item 3, docs/security.md §2.12), shown in /metrics.
      const quotas = openQuotaCounter(config, logger, clock);
      const tokenThrottle = openTokenThrottle(config, logger);
      const signatures = openSignatureMemory(config, logger);
      const counters = new Map([['0', { quota: quotas, bruteForce: tokenThrottle, replay: signatures }]]);
      if (config.redisUrl) addSharedCounterMetrics(metrics, () => counters, false);
      const inProcess = createGateway({
        config,
        clock,
        logger,
        snapshots,
        records: recorder,
        quotas,
        tokenThrottle,
        signatures,
        messaging,
        // A gateway node delivers nothing itself: a worker's poll (or its wake-up on PostgreSQL) pushes the message.
        onMessageAccepted: serves.worker ? () => deliverer.wake() : () => {},
        egress,
        revokeToken,
        nodeHealth: describeNode,
      });
      gatewayUrl = await inProcess.listen();
      stops.push(() => inProcess.close());
      gateway = inProcess;
    }
    // The mocks' address was not known before the gateway listened: the same revision, built with it.
    if (gatewayUrl && !config.gateway.publicUrl) await snapshots.reload();

    // The sandbox "try it" calls this node's gateway and answers once the call's record is durable (issue 11); the
    // admin API's try and `lgsp demo`'s onboarding (src/cli/onboarding.ts) use this same one. A control node has
    // no gateway of its own: it calls the cluster's, at `gateway.publicUrl` (the load balancer).
    const sandboxGateway: SandboxGateway = {
      url: gatewayUrl ? localUrl(gatewayUrl) : config.gateway.publicUrl.replace(/\/+$/, ''),
      refresh: () => snapshots.refresh(),
      recordDurable: (id, timeoutMs) => awaitRecordDurable(store, recorder, id, timeoutMs),
    };
    const admin = serves.control
      ? await createAdminApi({
          config,
          store,
          registry,
          lifecycle,
          accounts,
          ...workflows,
          alerts,
          logger,
          clock,
          health: describeNode,
          jwks: async () => snapshots.current?.jwks ?? { keys: [] },
          kek,
          signingKeys,
          metrics,
          pendingMessages: () => queue.pendingCount(),
          sandboxGateway,
          ...(serves.gateway
            ? {
                gatewayCaughtUp: async () => {
                  await snapshots.refresh();
                  await gatewayWorkers?.caughtUp(snapshots.revision);
                },
              }
            : {}),
          gatewayUrl: sandboxGateway.url,
        })
      : await nodeHealthServer(config, describeNode, metrics);
    // Fastify writes its own start-up line, one per address (on 0.0.0.0 every interface, which the start banner
    // does not list); it has no switch to drop it short of silencing the admin API's info lines, so it is bilingual.
    await admin.listen({
      port: config.admin.port,
      host: config.admin.host,
      listenTextResolver: (address) =>
        `cổng quản trị đang lắng nghe tại ${address} / admin server listening at ${address}`,
    });
    stops.push(() => admin.close());
    const a = admin.server.address();
    egress.addOwnListener(a);
    const adminUrl =
      typeof a === 'object' && a
        ? `${config.admin.tls.certFile && serves.control ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
        : '';
    if (!config.admin.publicUrl && adminUrl) {
      setProblemTypeOrigin(localUrl(adminUrl));
      gatewayWorkers?.setProblemTypeOrigin(problemTypeOrigin());
    }

    return {
      config,
      egress,
      store,
      kek,
      signingKeys,
      registry,
      categories: workflows.categories,
      lifecycle,
      accounts,
      alerts,
      health,
      messaging,
      deliverer,
      recorder,
      metrics,
      snapshots,
      role,
      session,
      jobs,
      nodeHealth: describeNode,
      gateway,
      gatewayWorkers,
      admin,
      gatewayUrl,
      adminUrl,
      logger,
      sandboxGateway,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The request workflows the admin API drives (R-08, R-12, issue 10's version changes), built here and handed to it in `AdminDeps`, never by a
 * route; test harnesses build theirs with this same function.
 */
export function requestWorkflows(
  store: Store,
  registry: Registry,
  clock: Clock,
  config: Config,
): {
  connectionRequests: ConnectionRequests;
  subscriptionRequests: SubscriptionRequests;
  versionChanges: VersionChanges;
  categories: Categories;
} {
  return {
    connectionRequests: new ConnectionRequests(store, registry),
    subscriptionRequests: new SubscriptionRequests(store, registry, clock, {
      timezoneOffsetMinutes: config.timezoneOffsetMinutes,
      holidays: config.workflow.holidays,
      responseDeadlineWorkingDays: config.workflow.responseDeadlineWorkingDays,
    }),
    versionChanges: new VersionChanges(store, registry, clock, {
      snapshotPollIntervalMs: config.snapshot.pollIntervalMs,
      defaultRequestBodyLimitBytes: config.gateway.maxRequestBodyBytes,
    }),
    // Shared category lists (issue 12 item 7): changes audited and revisioned like the registry's own.
    categories: new Categories(store.db, registry.changes),
  };
}

/** A URL others on this machine can use: 0.0.0.0 / :: become 127.0.0.1. */
/** The key of the one alert a failing scheduled backup keeps open (R-24). */
export const BACKUP_FAILED_ALERT_KEY = 'backup.failed';

/**
 * One run of the scheduled backup (R-24): writes and verifies the file when due; a failure (disk full, directory
 * not writable, a file that does not verify) opens the critical `backup.failed` alert — e-mailed and sent by
 * webhook like every alert — and the next good run resolves it. The error is thrown on for the job's log line.
 */
export function scheduledBackupJob(deps: {
  store: Store;
  clock: Clock;
  logger: Logger;
  alerts: Alerts;
  config: Pick<Config, 'dataDir' | 'backup' | 'timezoneOffsetMinutes'>;
  intervalMs: number;
}): () => Promise<void> {
  const { store, clock, logger, alerts, config, intervalMs } = deps;
  const dir = backupDirOf(config);
  return async () => {
    const nowMs = clock.nowMs();
    let result: Awaited<ReturnType<typeof runScheduledBackup>>;
    try {
      result = await runScheduledBackup(store, {
        dir,
        intervalMs,
        keep: config.backup.keep,
        now: new Date(nowMs),
      });
    } catch (err) {
      const message = (err as Error).message;
      const at = `${formatVietnamDateTime(nowMs, config.timezoneOffsetMinutes)} (${utcOffsetLabel(config.timezoneOffsetMinutes)})`;
      await alerts.raise({
        kind: 'backup.failed',
        key: BACKUP_FAILED_ALERT_KEY,
        severity: 'critical',
        subject: 'Sao lưu tự động thất bại / Scheduled backup failed',
        text:
          `Bản sao lưu tự động lúc ${at} vào ${dir} không ghi được hoặc không kiểm tra được: ${message}. ` +
          'Các bản sao lưu trước vẫn giữ nguyên; kiểm tra thư mục, dung lượng đĩa, rồi chạy `lgsp backup` để có bản mới.\n' +
          `The scheduled backup at ${at} into ${dir} could not be written or verified: ${message}. ` +
          'Earlier copies are kept; check the directory and free disk space, then run `lgsp backup` for a fresh copy.',
        details: { dir, error: message, at: new Date(nowMs).toISOString() },
      });
      throw err;
    }
    if (result.written) {
      logger.info(
        { ...result },
        'đã ghi và kiểm tra bản sao lưu tự động / scheduled backup written and verified',
      );
      await alerts.resolve(
        BACKUP_FAILED_ALERT_KEY,
        'Bản sao lưu tự động đã ghi lại được / a scheduled backup succeeded',
      );
    }
  };
}

export function localUrl(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
}

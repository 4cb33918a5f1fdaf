import type { FastifyInstance } from 'fastify';
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
import { type GatewayWorkers, startGatewayWorkers } from './gateway/cluster.ts';
import { addQuotaMetrics, openQuotaCounter } from './gateway/quota-redis.ts';
import { createGateway, type Gateway } from './gateway/server.ts';
import { SnapshotHolder } from './gateway/snapshot-holder.ts';
import type { KeyEncryptionKey } from './keys/index.ts';
import { Deliverer } from './messaging/delivery.ts';
import type { Messaging } from './messaging/messaging.ts';
import { openMessaging } from './messaging/open.ts';
import { EgressPolicy, type LookupAll } from './net/egress.ts';
import { Notifier } from './notify/notifier.ts';
import { openStore } from './store/open.ts';
import type { Store } from './store/port.ts';
import { Alerts, alertOnEgressDenied } from './telemetry/alerts.ts';
import { HealthMonitor } from './telemetry/health.ts';
import { createLogger, type Logger } from './telemetry/logger.ts';
import { addPlatformGauges, TelemetryMetrics } from './telemetry/metrics.ts';
import { awaitRecordDurable, Recorder, recordDurability } from './telemetry/recorder.ts';
import { startRetentionJobs } from './telemetry/retention-jobs.ts';

export interface PlatformOptions {
  clock?: Clock;
  logger?: Logger;
  /** Told once, on first start, when the operator account got a generated password. */
  onGeneratedPassword?: (username: string, password: string) => void;
  /** Told once, on first start, when the key-encryption key file was generated (the operator must keep it apart). */
  onGeneratedKeyFile?: (path: string) => void;
  /** Name resolution of the egress policy (default: the system resolver); a test stages a DNS rebinding with it. */
  lookup?: LookupAll;
}

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
  /** The in-process gateway; null when it runs in `gateway.workers` worker processes. */
  gateway: Gateway | null;
  /** The gateway's worker processes when `gateway.workers` > 1, else null. */
  gatewayWorkers: GatewayWorkers | null;
  admin: FastifyInstance;
  gatewayUrl: string;
  adminUrl: string;
  logger: Logger;
  /** This node's gateway as the sandbox "try it" reaches it (issue 11). */
  sandboxGateway: SandboxGateway;
  stop(): Promise<void>;
}

/**
 * The composition root (DESIGN.md "Modules"): config → store → control plane → gateway and admin API, all in one
 * process on the embedded store by default. Stops cleanly: gateway first (no new calls), then the records still
 * queued are written, then the store closes.
 */
export async function startPlatform(config: Config, options: PlatformOptions = {}): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = await openStore(config);
  const stops: Array<() => Promise<void>> = [() => store.close()];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((err) => logger.error({ err }, 'stop failed'));
    stops.length = 0;
  };
  try {
    // Events written before the audit chain existed are chained once, before anything else can change (R-20).
    await sealUnchainedAuditEvents(store);
    // The key-encryption key before anything reads a secret: a wrong or missing key stops the start here.
    const secrets = await unlockSecrets(store, config);
    const kek = secrets.kek;
    if (secrets.generatedFile) {
      if (options.onGeneratedKeyFile) options.onGeneratedKeyFile(secrets.generatedFile);
      else
        logger.warn(
          { keyFile: secrets.generatedFile },
          'key-encryption key generated: keep it apart from backups',
        );
    }
    if (secrets.sealed > 0) {
      logger.warn(
        { sealed: secrets.sealed },
        'plaintext secrets of an older store sealed: rotate the signing key (lgsp keys rotate) and webhook secrets, older backups and WAL still hold them',
      );
    }
    await ensureSigningKey(store, kek, clock.nowMs());
    // One egress policy for every plane (issue 10): the registry checks URLs when saved, the gateway, probes,
    // webhooks and pushes on each new connection; the ports this platform binds are added as it binds them.
    const egress = EgressPolicy.forPlatform(config, options.lookup ? { lookup: options.lookup } : {});
    const registry = new Registry(store, clock, egress);
    const signingKeys = new SigningKeys(registry.changes, kek, config.gateway.tokenTtlSeconds);
    const accounts = new Accounts(store, clock, config.admin.sessionTtlHours, config.limits);
    const first = await accounts.ensureOperator(config.admin.password);
    if (first?.generatedPassword) options.onGeneratedPassword?.(first.username, first.generatedPassword);

    // Every transaction record passes the recorder, those of gateway workers too: counted there, once.
    const metrics = new TelemetryMetrics();
    // Strict (the default on PostgreSQL): a call's record is durable before its answer's last byte (issue 13 item 5).
    const durability = recordDurability(config);
    const recorder = new Recorder(store, { ...config.recorder, durability }, logger, metrics);
    recorder.start();
    stops.push(() => recorder.close());

    // Retention (issue 5, R-20): monthly partitions ahead, hourly rollups, archiving of months past retention.
    stops.push(await startRetentionJobs(store, clock, config, logger));

    // E-mails and webhooks of the outbox (notices, decisions); safe to run on several nodes at once.
    const notifier = new Notifier(store, clock, config.notifications, logger, kek, { egress });
    notifier.start();
    stops.push(() => notifier.stop());

    // Dates that have passed (sunsets, decommissions, rotation overlaps) are carried out every minute; the
    // gateway already enforces them from its snapshot at the due time, this makes the registry say so too.
    // Retired signing keys whose last token has expired are deleted on the same beat.
    const lifecycle = new Lifecycle(store, registry, clock, {
      timezoneOffsetMinutes: config.timezoneOffsetMinutes,
      maintenanceMinNoticeHours: config.lifecycle.maintenanceMinNoticeHours,
    });
    const dueTimer = setInterval(() => {
      lifecycle.runDue().catch((err) => logger.error({ err }, 'lifecycle due jobs failed'));
      signingKeys.purgeExpired().catch((err) => logger.error({ err }, 'signing key expiry failed'));
    }, 60_000);
    dueTimer.unref();
    stops.push(async () => clearInterval(dueTimer));

    // The request workflows and the shared category lists; the lists' built-in service `/dmdc/1.0` is made once,
    // before the first snapshot, so the gateway serves it from the start (issue 12 item 7).
    const workflows = requestWorkflows(store, registry, clock, config);
    if ((await workflows.categories.ensureService()) === null) {
      logger.warn('the dmdc context belongs to another service: the shared category lists are not served');
    }

    const snapshots = new SnapshotHolder(storeSnapshotSource(store, kek), clock, logger);
    await snapshots.refresh();
    if (!snapshots.current) throw new Error('could not load the first configuration snapshot');
    // In-process changes reload at once; the poll catches changes made by other nodes on a shared PostgreSQL.
    registry.onChange(() => void snapshots.refresh());
    snapshots.startPolling(config.snapshot.pollIntervalMs);
    stops.push(async () => snapshots.stop());
    addPlatformGauges(metrics, { recorder, snapshots, clock });

    // Async store-and-forward (issue 4): the queue engine, the pushes to destinations, the operator's alerts.
    const alerts = new Alerts(store, clock, config.alerts, logger);
    alertOnEgressDenied(egress, alerts, clock, logger);
    const messaging = await openMessaging({ config, store, clock, logger, alerts, kek });
    const queue = messaging.queue;
    stops.push(() => messaging.close());
    const deliverer = new Deliverer({
      messaging,
      clock,
      logger,
      records: recorder,
      destinations: () => snapshots.current,
      egress,
    });
    deliverer.start();
    stops.push(() => deliverer.stop());
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
    health.start();
    stops.push(() => health.stop());
    metrics.addGauge(
      'lgsp_alerts_open',
      'Cảnh báo vận hành đang mở / Open operator alerts',
      async () => (await alerts.list({ state: 'open', limit: 1000 })).length,
    );

    // RFC 7009 (issue 12 item 8): a revocation is a change; its answer waits until this node's snapshot has it.
    const revokeToken = async (revocation: TokenRevocation) => {
      await revokeAccessToken(registry.changes, revocation);
      await snapshots.refresh();
    };
    let gateway: Gateway | null = null;
    let gatewayWorkers: GatewayWorkers | null = null;
    let gatewayUrl: string;
    if (config.gateway.workers > 1) {
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
      egress.addOwnPort(Number(new URL(workers.url).port));
      stops.push(() => workers.stop());
    } else {
      // Quotas shared in Redis when `redisUrl` is set (issue 13 item 3), reported in /metrics.
      const quotas = openQuotaCounter(config, logger);
      addQuotaMetrics(metrics, quotas);
      const inProcess = createGateway({
        config,
        clock,
        logger,
        snapshots,
        records: recorder,
        quotas,
        messaging,
        onMessageAccepted: () => deliverer.wake(),
        egress,
        revokeToken,
      });
      gatewayUrl = await inProcess.listen();
      stops.push(() => inProcess.close());
      gateway = inProcess;
    }

    // The sandbox "try it" calls this node's gateway and answers once the call's record is durable (issue 11); the
    // admin API's try and `lgsp demo`'s onboarding (src/cli/onboarding.ts) use this same one.
    const sandboxGateway: SandboxGateway = {
      url: localUrl(gatewayUrl),
      refresh: () => snapshots.refresh(),
      recordDurable: (id, timeoutMs) => awaitRecordDurable(store, recorder, id, timeoutMs),
    };
    const admin = await createAdminApi({
      config,
      store,
      registry,
      lifecycle,
      accounts,
      ...workflows,
      alerts,
      logger,
      clock,
      health: () => ({
        status: 'ok',
        store: store.kind,
        revision: snapshots.revision,
        recorderBacklog: recorder.backlog,
        recordDurability: durability,
        recordsWritten: recorder.written,
      }),
      jwks: async () => snapshots.current?.jwks ?? { keys: [] },
      kek,
      signingKeys,
      metrics,
      pendingMessages: () => queue.pendingCount(),
      sandboxGateway,
      gatewayUrl: localUrl(gatewayUrl),
    });
    await admin.listen({ port: config.admin.port, host: config.admin.host });
    stops.push(() => admin.close());
    const a = admin.server.address();
    egress.addOwnListener(a);
    const adminUrl =
      typeof a === 'object' && a
        ? `${config.admin.tls.certFile ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
        : '';

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
    }),
    // Shared category lists (issue 12 item 7): changes audited and revisioned like the registry's own.
    categories: new Categories(store.db, registry.changes),
  };
}

/** A URL others on this machine can use: 0.0.0.0 / :: become 127.0.0.1. */
export function localUrl(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//127.0.0.1:');
}

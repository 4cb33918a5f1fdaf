import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { ENVIRONMENTS, type Environment } from '../api/contract/index.ts';
import { THROTTLE_SUBJECT } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { formatVietnamDateTime, utcOffsetLabel } from '../core/time.ts';
import { deadlineOf } from '../core/working-days.ts';
import { isTimeout, timedOutReason, withinDeadline } from '../net/deadlines.ts';
import type { EgressPolicy } from '../net/egress.ts';
import { readAtMost, tooLargeReason } from '../net/read-limit.ts';
import { type CertificateInfo, certificateInfo, tlsEnabled } from '../net/tls.ts';
import type { Store } from '../store/port.ts';
import type { AlertInput, Alerts } from './alerts.ts';
import { PROVIDER_FAILED } from './transactions.ts';

/** What the monitor needs to know of the configured services (the gateway's compiled snapshot is one). */
export interface MonitoredRoutes {
  routesByVersion: ReadonlyMap<
    string,
    {
      context: string;
      version: string;
      versionId: string;
      status: string;
      providerSystemId: string;
      providerOrgCode: string;
      upstreams: Record<Environment, { origin: string; basePath: string } | null>;
      healthCheck: { path: string; intervalSeconds: number } | null;
    }
  >;
}

/** The kinds this monitor raises and therefore resolves when their condition clears. */
const MONITORED_KINDS = new Set([
  'provider.failing',
  'provider.slow',
  'provider.silent',
  'provider.probe',
  'messages.backlog',
  'credential.expiring',
  'consumer.cutoff',
  'certificate.expiring',
  'request.overdue',
  'auth.bruteforce',
]);
/** The token endpoint's failed client authentications, refused or blocked (issue 10 item 5). */
const TOKEN_FAILURE_CODES = ['GW_TOKEN_CLIENT_INVALID', 'GW_TOKEN_THROTTLED'];
/** The silent-provider rule reads days of records: it runs at most this often. */
const SILENCE_CHECK_MS = 10 * 60_000;
/**
 * The most of a health answer that is read: a health endpoint says "ok" in a few hundred bytes, and a health path
 * that is an ordinary resource still answers a small page. Past it the probe fails, its connection closed: every
 * version's probe runs at once, so each must cost little memory (undici's `dump`, used before, stopped at 128 KiB
 * and called the probe healthy).
 */
const PROBE_ANSWER_MAX_BYTES = 256 * 1024;

export interface HealthMonitorDeps {
  store: Store;
  clock: Clock;
  config: Config;
  alerts: Alerts;
  logger: Logger;
  routes: () => MonitoredRoutes | null;
  pendingMessages: () => Promise<number>;
  /** The platform's egress policy (issue 10): every probe connection passes it (a refusal is a failed probe). */
  egress: EgressPolicy;
}

/**
 * Health and alert rules (R-06, R-22): every `alerts.evaluateIntervalSeconds` the monitor looks at what the
 * gateway recorded and what the registry holds, and keeps one alert open per condition that holds now:
 *
 * - `provider.failing` — in the last `windowMinutes`, a version's provider failed (5xx, unreachable, timeout) on
 *   at least `errorRatePercent` % of ≥ `minCalls` calls, or on its last `consecutiveFailures` forwarded calls however
 *   far apart within `silentHours` (sync calls and async pushes alike); no call is no recovery: it stays open until
 *   a call succeeds, or no call came for `silentHours`;
 * - `provider.slow` — the 95th percentile of its calls' duration passed `latencyP95Ms`;
 * - `provider.silent` — a published version answered successfully in the past week but not in `silentHours`;
 * - `provider.probe` — the version's health check (GET `healthCheck.path` on each environment's upstream, active
 *   probing) failed `probeFailures` times in a row;
 * - `messages.backlog` — more than `backlogThreshold` async messages wait;
 * - `credential.expiring` — an active credential ends within `credentialExpiryDays` (a rotation's overlap);
 * - `consumer.cutoff` — a version ends (its sunset, R-18, or its service's decommission, R-21) within `endingDays`
 *   and a consumer system still called it successfully in production in the past 7 days (from the hourly rollups):
 *   its data will stop flowing on that date unless it moves (R-22: early warning of an interrupted connection);
 * - `certificate.expiring` — a TLS certificate ends within `certificateExpiryDays` (or has ended): the gateway's
 *   and the admin port's own (read from their files, so a renewed file clears it) and every client certificate
 *   bound to a system whose expiry is known (uploaded as PEM, R-13);
 * - `request.overdue` — a subscription request waited past its working-day deadline;
 * - `auth.bruteforce` — in the last `windowMinutes`, `limits.alertFailures` failed or blocked client
 *   authentications at `/token`, or as many failed admin sign-ins, or any username or address locked out.
 *
 * A condition that no longer holds resolves its alert; one that holds longer than `escalateAfterMinutes` is
 * escalated. Dead-lettered messages (`message.dead`) are events, raised by messaging and resolved by an operator.
 */
export class HealthMonitor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly agent: Agent;
  /** Per probe target (`versionId|environment`): when it was last probed and how many failures in a row. */
  private readonly probes = new Map<string, { lastMs: number; failures: number; lastError: string | null }>();
  private silentChecked: { atMs: number; firing: AlertInput[] } = { atMs: -Infinity, firing: [] };

  constructor(private readonly deps: HealthMonitorDeps) {
    const timeoutMs = deps.config.alerts.probeTimeoutMs;
    this.agent = new Agent({
      connect: deps.egress.connector('probe', { timeout: timeoutMs }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /** A time in an alert's text (e-mailed to people): `dd/mm/yyyy HH:mm` local time; `details` keep ISO. */
  private local(at: Date | string | number): string {
    const offset = this.deps.config.timezoneOffsetMinutes;
    return `${formatVietnamDateTime(at, offset)} (${utcOffsetLabel(offset)})`;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.evaluate()
        .catch((err) =>
          this.deps.logger.error({ err }, 'vòng đánh giá sức khoẻ thất bại / health evaluation failed'),
        )
        .finally(() => {
          this.running = null;
        });
    }, this.deps.config.alerts.evaluateIntervalSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.agent.close();
  }

  /** One round: every rule, then open, count, escalate or resolve alerts so they match what holds now. */
  async evaluate(): Promise<void> {
    const { alerts, clock, config } = this.deps;
    const nowMs = clock.nowMs();
    const firing: AlertInput[] = [
      ...(await this.providerRules(nowMs)),
      ...(await this.silentProviders(nowMs)),
      ...(await this.probeRules(nowMs)),
      ...(await this.backlog()),
      ...(await this.expiringCredentials(nowMs)),
      ...(await this.consumersCutOff(nowMs)),
      ...(await this.expiringCertificates(nowMs)),
      ...(await this.overdueRequests(nowMs)),
      ...(await this.bruteForce(nowMs)),
    ];
    const open = await alerts.openByKey();
    const firingKeys = new Set<string>();
    for (const input of firing) {
      firingKeys.add(input.key);
      await alerts.raise(input);
      const already = open.get(input.key);
      if (
        already &&
        !already.escalated &&
        nowMs - already.openedAtMs >= config.alerts.escalateAfterMinutes * 60_000
      ) {
        await alerts.escalate(
          input.key,
          `Vẫn xảy ra sau ${config.alerts.escalateAfterMinutes} phút / still firing after ${config.alerts.escalateAfterMinutes} min. ${input.text}`,
        );
      }
    }
    for (const [key, alert] of open) {
      if (MONITORED_KINDS.has(alert.kind) && !firingKeys.has(key)) {
        await alerts.resolve(key, 'Điều kiện không còn / the condition cleared');
      }
    }
  }

  private async providerRules(nowMs: number): Promise<AlertInput[]> {
    const { store, config } = this.deps;
    const a = config.alerts;
    const since = new Date(nowMs - a.windowMinutes * 60_000);
    const rows = await store.db
      .selectFrom('transactions')
      .select((eb) => [
        'version_id',
        'environment',
        'service_context',
        'version',
        'provider_org_code',
        eb.fn.countAll<string>().as('calls'),
        sql<string>`count(*) FILTER (WHERE ${PROVIDER_FAILED})`.as('failures'),
        sql<number>`percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)`.as('p95'),
      ])
      .where('request_in_at', '>=', since)
      .where('request_in_at', '<=', new Date(nowMs))
      .where('leg', 'in', ['sync', 'delivery'])
      .where('version_id', 'is not', null)
      .groupBy(['version_id', 'environment', 'service_context', 'version', 'provider_org_code'])
      .execute();
    const out: AlertInput[] = [];
    const open = await this.deps.alerts.openByKey();
    /** The versions and environments called in the window (`versionId:environment`). */
    const seen = new Set<string>();
    for (const r of rows) {
      const calls = Number(r.calls);
      const failures = Number(r.failures);
      const where = `${r.service_context} ${r.version} (${r.environment})`;
      const failing = calls >= a.minCalls && failures * 100 >= a.errorRatePercent * calls;
      seen.add(`${r.version_id}:${r.environment}`);
      if (!failing) {
        // The failures in the window may end a streak that began before it (a provider called rarely); an open
        // alert stays while the streak lasts (calls refused before forwarding do not end it).
        if (failures > 0 || open.has(`provider.failing:${r.version_id}:${r.environment}`)) {
          const streak = await this.failedStreak(r.version_id!, r.environment!, nowMs);
          if (streak) out.push(streak);
        }
      } else {
        out.push({
          kind: 'provider.failing',
          key: `provider.failing:${r.version_id}:${r.environment}`,
          severity: 'critical',
          subject: `Dịch vụ ${where} đang lỗi / provider failing`,
          text:
            `${failures}/${calls} lời gọi tới ${where} thất bại trong ${a.windowMinutes} phút qua (lỗi 5xx, không kết nối được hoặc quá thời gian). ` +
            `Dữ liệu không lưu thông được: kiểm tra hệ thống cung cấp. / ${failures} of ${calls} calls failed in the last ${a.windowMinutes} min.`,
          details: {
            versionId: r.version_id,
            environment: r.environment,
            calls,
            failures,
            windowMinutes: a.windowMinutes,
          },
          organizationIds: await this.organizationIds([r.provider_org_code]),
        });
      }
      const p95 = Number(r.p95);
      if (calls >= a.minCalls && p95 > a.latencyP95Ms) {
        out.push({
          kind: 'provider.slow',
          key: `provider.slow:${r.version_id}:${r.environment}`,
          severity: 'warning',
          subject: `Dịch vụ ${where} trả lời chậm / provider slow`,
          text: `95% lời gọi tới ${where} mất tới ${Math.round(p95)} ms (ngưỡng ${a.latencyP95Ms} ms). / p95 ${Math.round(p95)} ms.`,
          details: { versionId: r.version_id, environment: r.environment, calls, p95Ms: Math.round(p95) },
          organizationIds: await this.organizationIds([r.provider_org_code]),
        });
      }
    }
    // A failing provider nobody called in the window has not recovered: its alert stays open while its last calls
    // all failed (no call is no success), and clears with the first answered one.
    for (const [key, alert] of open) {
      if (alert.kind !== 'provider.failing') continue;
      const [, versionId, environment] = key.split(':');
      if (!versionId || !environment || seen.has(`${versionId}:${environment}`)) continue;
      const streak = await this.failedStreak(versionId, environment, nowMs);
      if (streak) out.push(streak);
    }
    return out;
  }

  /**
   * `provider.failing` from the streak rule (R-06: data could not flow): the version's last `consecutiveFailures`
   * calls in this environment that were sent to the provider all failed, however far apart — within the past
   * `silentHours` — so that a provider called once in ten minutes is alerted as one called every second is.
   * Calls refused before forwarding (no subscription, quota…) say nothing of the provider and are left out.
   */
  private async failedStreak(
    versionId: string,
    environment: string,
    nowMs: number,
  ): Promise<AlertInput | null> {
    const a = this.deps.config.alerts;
    const owner = await this.deps.store.db
      .selectFrom('service_versions')
      .select('service_id')
      .where('id', '=', versionId)
      .executeTakeFirst();
    if (!owner) return null;
    const last = await this.deps.store.db
      .selectFrom('transactions')
      .select([
        'service_context',
        'version',
        'provider_org_code',
        'request_in_at',
        sql<boolean>`${PROVIDER_FAILED}`.as('failed'),
      ])
      // The service's own index (service_id, request_in_at) reads back through its calls only, not the whole
      // platform's day: a version called a few times a day on a busy platform stays cheap to check every round.
      .where('service_id', '=', owner.service_id)
      .where('version_id', '=', versionId)
      .where('environment', '=', environment)
      .where('leg', 'in', ['sync', 'delivery'])
      .where('request_out_at', 'is not', null)
      .where('request_in_at', '>=', new Date(nowMs - a.silentHours * 3_600_000))
      .where('request_in_at', '<=', new Date(nowMs))
      .orderBy('request_in_at', 'desc')
      .limit(a.consecutiveFailures)
      .execute();
    if (last.length < a.consecutiveFailures || !last.every((x) => x.failed)) return null;
    const latest = last[0]!;
    const first = last.at(-1)!;
    const where = `${latest.service_context} ${latest.version} (${environment})`;
    const n = a.consecutiveFailures;
    return {
      kind: 'provider.failing',
      key: `provider.failing:${versionId}:${environment}`,
      severity: 'critical',
      subject: `Dịch vụ ${where} đang lỗi / provider failing`,
      text:
        `${n} lời gọi gần nhất tới ${where} đều thất bại (lỗi 5xx, không kết nối được hoặc quá thời gian), từ ` +
        `${this.local(first.request_in_at)} đến ${this.local(latest.request_in_at)}. Dữ liệu không lưu thông được: ` +
        `kiểm tra hệ thống cung cấp. / The last ${n} calls to ${where} all failed, from ` +
        `${this.local(first.request_in_at)} to ${this.local(latest.request_in_at)}.`,
      details: {
        versionId,
        environment,
        consecutiveFailures: n,
        lastFailureAt: new Date(latest.request_in_at).toISOString(),
      },
      organizationIds: await this.organizationIds([latest.provider_org_code]),
    };
  }

  private async silentProviders(nowMs: number): Promise<AlertInput[]> {
    if (nowMs - this.silentChecked.atMs < SILENCE_CHECK_MS && nowMs >= this.silentChecked.atMs) {
      return this.silentChecked.firing;
    }
    const { store, config } = this.deps;
    const quietSince = nowMs - config.alerts.silentHours * 3_600_000;
    const rows = await store.db
      .selectFrom('transactions')
      .innerJoin('service_versions', 'service_versions.id', 'transactions.version_id')
      .select([
        'transactions.version_id',
        'transactions.environment',
        'transactions.service_context',
        'transactions.version',
        'transactions.provider_org_code',
        sql<Date>`max(transactions.request_in_at)`.as('last_ok'),
      ])
      .where('transactions.request_in_at', '>=', new Date(nowMs - 7 * 86_400_000))
      .where('transactions.provider_status', '>=', 200)
      .where('transactions.provider_status', '<', 400)
      .where('service_versions.status', 'in', ['published', 'deprecated'])
      .groupBy([
        'transactions.version_id',
        'transactions.environment',
        'transactions.service_context',
        'transactions.version',
        'transactions.provider_org_code',
      ])
      .having(sql`max(transactions.request_in_at)`, '<', new Date(quietSince))
      .execute();
    const firing: AlertInput[] = [];
    for (const r of rows) {
      const where = `${r.service_context} ${r.version} (${r.environment})`;
      firing.push({
        kind: 'provider.silent',
        key: `provider.silent:${r.version_id}:${r.environment}`,
        severity: 'warning',
        subject: `Dịch vụ ${where} không có giao dịch thành công / provider silent`,
        text: `Lần trả lời thành công gần nhất của ${where}: ${this.local(r.last_ok)} (quá ${config.alerts.silentHours} giờ). / No successful answer for ${config.alerts.silentHours} h (last ${this.local(r.last_ok)}).`,
        details: {
          versionId: r.version_id,
          environment: r.environment,
          lastSuccessAt: new Date(r.last_ok).toISOString(),
        },
        organizationIds: await this.organizationIds([r.provider_org_code]),
      });
    }
    this.silentChecked = { atMs: nowMs, firing };
    return firing;
  }

  /** Probes the versions whose health check is due, then reports those failing `probeFailures` times in a row. */
  private async probeRules(nowMs: number): Promise<AlertInput[]> {
    const snapshot = this.deps.routes();
    if (!snapshot) return [];
    const due: Array<Promise<void>> = [];
    const live = new Set<string>();
    for (const route of snapshot.routesByVersion.values()) {
      if (!route.healthCheck || route.status === 'retired') continue;
      for (const environment of ENVIRONMENTS) {
        const upstream = route.upstreams[environment];
        if (!upstream) continue;
        const target = `${route.versionId}|${environment}`;
        live.add(target);
        const state = this.probes.get(target) ?? { lastMs: -Infinity, failures: 0, lastError: null };
        this.probes.set(target, state);
        if (nowMs - state.lastMs < route.healthCheck.intervalSeconds * 1000 && nowMs >= state.lastMs)
          continue;
        state.lastMs = nowMs;
        const url = `${upstream.origin}${upstream.basePath}${route.healthCheck.path}`;
        due.push(
          this.probe(url).then((error) => {
            state.failures = error === null ? 0 : state.failures + 1;
            state.lastError = error;
          }),
        );
      }
    }
    await Promise.all(due);
    for (const target of this.probes.keys()) if (!live.has(target)) this.probes.delete(target);

    const out: AlertInput[] = [];
    for (const [target, state] of this.probes) {
      if (state.failures < this.deps.config.alerts.probeFailures) continue;
      const [versionId, environment] = target.split('|') as [string, Environment];
      const route = snapshot.routesByVersion.get(versionId)!;
      const where = `${route.context} ${route.version} (${environment})`;
      out.push({
        kind: 'provider.probe',
        key: `provider.probe:${versionId}:${environment}`,
        severity: 'critical',
        subject: `Kiểm tra sức khoẻ ${where} thất bại / health check failing`,
        text: `GET ${route.healthCheck?.path} tới ${where} thất bại ${state.failures} lần liên tiếp: ${state.lastError}. / Health check failed ${state.failures} times in a row.`,
        details: { versionId, environment, failures: state.failures, lastError: state.lastError },
        organizationIds: await this.organizationIds([route.providerOrgCode]),
      });
    }
    return out;
  }

  /**
   * null when the upstream answered 2xx, whole, within `probeTimeoutMs`; otherwise why not. The limit is the whole
   * exchange's: the agent's own timeouts are per read, so a health endpoint that trickles its answer, or sends
   * `103 Early Hints` again and again, held the round — and every other rule behind it — for as long as it liked. A
   * 2xx whose body is cut at the limit is a timeout too: a health check that cannot finish its answer is not healthy.
   * Nor is one longer than `PROBE_ANSWER_MAX_BYTES`: it is read no further and its connection is closed.
   */
  private async probe(url: string): Promise<string | null> {
    const limitMs = this.deps.config.alerts.probeTimeoutMs;
    try {
      return await withinDeadline(limitMs, async (deadline) => {
        const answer = await request(url, {
          dispatcher: this.agent,
          method: 'GET',
          headers: { 'user-agent': 'openlgsp-health' },
          signal: deadline.signal,
        });
        const whole = await readAtMost(answer.body, PROBE_ANSWER_MAX_BYTES);
        if (whole === null) return tooLargeReason(PROBE_ANSWER_MAX_BYTES);
        return answer.statusCode >= 200 && answer.statusCode < 300 ? null : `HTTP ${answer.statusCode}`;
      });
    } catch (err) {
      if (isTimeout(err)) return timedOutReason(limitMs);
      return (err as { code?: string }).code ?? (err as Error).message;
    }
  }

  private async backlog(): Promise<AlertInput[]> {
    const pending = await this.deps.pendingMessages();
    const threshold = this.deps.config.alerts.backlogThreshold;
    if (pending <= threshold) return [];
    return [
      {
        kind: 'messages.backlog',
        key: 'messages.backlog',
        severity: 'warning',
        subject: `${pending} thông điệp bất đồng bộ đang chờ chuyển / async backlog`,
        text: `${pending} thông điệp chờ chuyển (ngưỡng ${threshold}): hệ thống đích chậm hoặc lỗi. / ${pending} messages wait (threshold ${threshold}).`,
        details: { pending, threshold },
      },
    ];
  }

  private async expiringCredentials(nowMs: number): Promise<AlertInput[]> {
    const { store, config } = this.deps;
    const rows = await store.db
      .selectFrom('credentials')
      .innerJoin('systems', 'systems.id', 'credentials.system_id')
      .select([
        'credentials.id',
        'credentials.system_id',
        'credentials.environment',
        'credentials.expires_at',
        'systems.organization_id',
        'systems.name',
      ])
      .where('credentials.status', '=', 'active')
      .where('credentials.expires_at', 'is not', null)
      .where('credentials.expires_at', '>', new Date(nowMs))
      .where(
        'credentials.expires_at',
        '<=',
        new Date(nowMs + config.alerts.credentialExpiryDays * 86_400_000),
      )
      .execute();
    return rows.map((r) => ({
      kind: 'credential.expiring',
      key: `credential.expiring:${r.id}`,
      severity: 'warning' as const,
      subject: `Thông tin kết nối của ${r.name} (${r.environment}) sắp hết hạn / credential expiring`,
      text: `Khoá ${r.id} của hệ thống ${r.name} hết hiệu lực lúc ${this.local(r.expires_at!)}: chuyển sang khoá mới trước thời điểm đó. / Credential ends at ${this.local(r.expires_at!)}.`,
      details: {
        credentialId: r.id,
        systemId: r.system_id,
        environment: r.environment,
        expiresAt: new Date(r.expires_at!).toISOString(),
      },
      organizationIds: [r.organization_id],
    }));
  }

  /**
   * Consumers about to be cut off: versions ending within `endingDays` — a deprecated version's
   * sunset, or the decommission of its service — that a consumer system still called successfully in production
   * in the past 7 days. The notice went out when the end was announced; this tells the operator, the consumer's
   * and the provider's organizations, one alert per version and consumer, that the consumer has not moved yet.
   * The callers come from the hourly rollups, through their (service_id, hour) index (a week of raw records is too
   * much to read every round); the alert clears when the consumer has not called for 7 days, or when the end has
   * come (the gateway answers 410).
   */
  private async consumersCutOff(nowMs: number): Promise<AlertInput[]> {
    const { store, config } = this.deps;
    const now = new Date(nowMs);
    const horizon = new Date(nowMs + config.alerts.endingDays * 86_400_000);
    const ending = await store.db
      .selectFrom('service_versions')
      .innerJoin('services', 'services.id', 'service_versions.service_id')
      .innerJoin('systems', 'systems.id', 'services.provider_system_id')
      .select([
        'service_versions.id',
        'service_versions.version',
        'service_versions.status',
        'service_versions.sunset_at',
        'service_versions.successor_version_id',
        'services.id as service_id',
        'services.context',
        'services.decommission_at',
        'systems.organization_id',
      ])
      .where('service_versions.status', 'in', ['published', 'deprecated'])
      .where('services.decommissioned_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('service_versions.status', '=', 'deprecated'),
            eb('service_versions.sunset_at', '>', now),
            eb('service_versions.sunset_at', '<=', horizon),
          ]),
          eb.and([eb('services.decommission_at', '>', now), eb('services.decommission_at', '<=', horizon)]),
        ]),
      )
      .execute();
    if (ending.length === 0) return [];
    const { rows: callers } = await sql<{
      version_id: string;
      consumer_system_id: string;
      calls: string | number;
      last_hour: Date | string;
    }>`SELECT version_id, consumer_system_id, sum(count) AS calls, max(hour) AS last_hour
      FROM transaction_rollups
      WHERE service_id IN (${sql.join([...new Set(ending.map((v) => v.service_id))])})
        AND version_id IN (${sql.join(ending.map((v) => v.id))})
        AND hour >= ${new Date(nowMs - 7 * 86_400_000)} AND environment = 'production'
        AND status_class IN ('2xx', '3xx') AND leg IN ('sync', 'intake') AND kind = 'service_call'
        AND consumer_system_id <> ''
      GROUP BY version_id, consumer_system_id`.execute(store.db);
    if (callers.length === 0) return [];
    const systems = new Map(
      (
        await store.db
          .selectFrom('systems')
          .innerJoin('organizations', 'organizations.id', 'systems.organization_id')
          .select(['systems.id', 'systems.name', 'systems.organization_id', 'organizations.code'])
          .where('systems.id', 'in', [...new Set(callers.map((c) => c.consumer_system_id))])
          .execute()
      ).map((r) => [r.id, r]),
    );
    const versions = new Map(ending.map((v) => [v.id, v]));
    const out: AlertInput[] = [];
    for (const c of callers) {
      const v = versions.get(c.version_id)!;
      const consumer = systems.get(c.consumer_system_id);
      const candidates = [
        ...(v.status === 'deprecated' && v.sunset_at ? [new Date(v.sunset_at).getTime()] : []),
        ...(v.decommission_at ? [new Date(v.decommission_at).getTime()] : []),
      ].filter((ms) => ms > nowMs && ms <= horizon.getTime());
      const endMs = Math.min(...candidates);
      const byDecommission = v.decommission_at !== null && new Date(v.decommission_at).getTime() === endMs;
      const who = consumer ? `${consumer.name} (${consumer.code})` : c.consumer_system_id;
      const what = `${v.context} ${v.version}`;
      const calls = Number(c.calls);
      const move = byDecommission
        ? { vi: 'dịch vụ ngừng cung cấp', en: 'the service ends' }
        : { vi: 'phiên bản ngừng hoạt động', en: 'the version is retired' };
      out.push({
        kind: 'consumer.cutoff',
        key: `consumer.cutoff:${v.id}:${c.consumer_system_id}`,
        severity: 'warning',
        subject: `Hệ thống ${who} vẫn gọi ${what} sắp ngừng / a consumer still calls ${what}, which ends soon`,
        text:
          `Hệ thống ${who} đã gọi thành công ${what} ${calls} lần ở môi trường chính thức trong 7 ngày qua; ` +
          `${move.vi} lúc ${this.local(endMs)}, sau đó lời gọi bị từ chối (410). ` +
          `/ ${who} called ${what} successfully ${calls} times in production in the past 7 days; ${move.en} at ` +
          `${this.local(endMs)}, after which its calls are refused (410).`,
        details: {
          versionId: v.id,
          consumerSystemId: c.consumer_system_id,
          environment: 'production',
          callsLast7Days: calls,
          lastCallHour: new Date(c.last_hour).toISOString(),
          endsAt: new Date(endMs).toISOString(),
          reason: byDecommission ? 'decommission' : 'sunset',
          successorVersionId: byDecommission ? null : v.successor_version_id,
        },
        organizationIds: [
          ...new Set([consumer?.organization_id, v.organization_id].filter((id) => !!id)),
        ] as string[],
      });
    }
    return out;
  }

  private async expiringCertificates(nowMs: number): Promise<AlertInput[]> {
    const { store, config, logger } = this.deps;
    const horizonMs = nowMs + config.alerts.certificateExpiryDays * 86_400_000;
    const out: AlertInput[] = [];
    const alert = (key: string, what: string, notAfterMs: number, details: Record<string, unknown>) => {
      const at = new Date(notAfterMs).toISOString();
      const ended = notAfterMs <= nowMs;
      return {
        kind: 'certificate.expiring',
        key: `certificate.expiring:${key}`,
        severity: ended ? ('critical' as const) : ('warning' as const),
        subject: ended
          ? `Chứng chỉ TLS ${what} đã hết hạn / TLS certificate expired`
          : `Chứng chỉ TLS ${what} sắp hết hạn / TLS certificate expiring`,
        text: `Chứng chỉ ${what} hết hạn lúc ${this.local(notAfterMs)}: thay chứng chỉ mới trước thời điểm đó. / The certificate ends at ${this.local(notAfterMs)}: renew it before then.`,
        details: { ...details, notAfter: at },
      };
    };
    const own: Array<[string, { certFile: string; keyFile: string }]> = [
      ['gateway', config.gateway.tls],
      ['admin', config.admin.tls],
    ];
    for (const [port, files] of own) {
      if (!tlsEnabled(files)) continue;
      let cert: CertificateInfo;
      try {
        cert = certificateInfo(readFileSync(files.certFile));
      } catch (err) {
        logger.warn(
          { err, port },
          'không đọc được chứng chỉ TLS để kiểm tra hạn dùng / TLS certificate unreadable for the expiry check',
        );
        continue;
      }
      if (cert.notAfterMs <= horizonMs) {
        out.push(
          alert(`${port}:${cert.sha256}`, `của cổng ${port} / of the ${port} port`, cert.notAfterMs, {
            port,
            subject: cert.subject,
            sha256: cert.sha256,
          }),
        );
      }
    }
    const bound = await store.db
      .selectFrom('systems')
      .select([
        'id',
        'name',
        'organization_id',
        'client_cert_sha256',
        'client_cert_subject',
        'client_cert_not_after',
      ])
      .where('status', '=', 'active')
      .where('client_cert_not_after', 'is not', null)
      .where('client_cert_not_after', '<=', new Date(horizonMs))
      .execute();
    for (const r of bound) {
      out.push({
        ...alert(
          `${r.id}:${r.client_cert_sha256 ?? r.client_cert_subject}`,
          `máy khách của hệ thống ${r.name} / client certificate of ${r.name}`,
          new Date(r.client_cert_not_after!).getTime(),
          { systemId: r.id, subject: r.client_cert_subject, sha256: r.client_cert_sha256 },
        ),
        organizationIds: [r.organization_id],
      });
    }
    return out;
  }

  private async overdueRequests(nowMs: number): Promise<AlertInput[]> {
    const { store, config } = this.deps;
    const calendar = {
      timezoneOffsetMinutes: config.timezoneOffsetMinutes,
      holidays: config.workflow.holidays,
    };
    const rows = await store.db
      .selectFrom('subscription_requests')
      .select(['id', 'status', 'stage_started_at', 'system_id'])
      .where('status', 'in', ['submitted', 'production_requested'])
      .execute();
    const out: AlertInput[] = [];
    for (const r of rows) {
      const deadlineMs = deadlineOf(
        new Date(r.stage_started_at).getTime(),
        config.workflow.responseDeadlineWorkingDays,
        calendar,
      );
      if (nowMs <= deadlineMs) continue;
      out.push({
        kind: 'request.overdue',
        key: `request.overdue:${r.id}`,
        severity: 'warning',
        subject: `Đề nghị đăng ký khai thác ${r.id} quá hạn xử lý / subscription request overdue`,
        text: `Đề nghị ${r.id} (${r.status}) quá hạn ${config.workflow.responseDeadlineWorkingDays} ngày làm việc từ ${this.local(deadlineMs)}. / Overdue since ${this.local(deadlineMs)}.`,
        details: { requestId: r.id, status: r.status, deadlineAt: new Date(deadlineMs).toISOString() },
      });
    }
    return out;
  }

  /** Bursts of wrong secrets and passwords (issue 10 item 5): counts only, never a secret. */
  private async bruteForce(nowMs: number): Promise<AlertInput[]> {
    const { store, config } = this.deps;
    const threshold = config.limits.alertFailures;
    const since = new Date(nowMs - config.alerts.windowMinutes * 60_000);
    const out: AlertInput[] = [];
    const token = await store.db
      .selectFrom('transactions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('request_in_at', '>=', since)
      .where('request_in_at', '<=', new Date(nowMs))
      .where('error_code', 'in', TOKEN_FAILURE_CODES)
      .executeTakeFirstOrThrow();
    const tokenFailures = Number(token.n);
    if (tokenFailures >= threshold) {
      out.push({
        kind: 'auth.bruteforce',
        key: 'auth.bruteforce:token',
        severity: 'warning',
        subject: `${tokenFailures} lần xác thực sai tại /token / failed client authentications at /token`,
        text:
          `${tokenFailures} lần xác thực consumer key/secret sai hoặc bị chặn trong ${config.alerts.windowMinutes} phút qua (ngưỡng ${threshold}): ` +
          `có thể đang dò secret; xem giao dịch có mã GW_TOKEN_CLIENT_INVALID, GW_TOKEN_THROTTLED. / ` +
          `${tokenFailures} failed or blocked client authentications in ${config.alerts.windowMinutes} min.`,
        details: { failures: tokenFailures, windowMinutes: config.alerts.windowMinutes, threshold },
      });
    }
    const rows = await store.db
      .selectFrom('login_throttle')
      .select(['subject', 'failures', 'last_failure_at', 'blocked_until'])
      .where('last_failure_at', '>=', since)
      .orderBy('failures', 'desc')
      .limit(1000)
      .execute();
    const lockoutMs = config.limits.loginLockoutMinutes * 60_000;
    // Failures are counted once per typed name; the address rows count the same failures again.
    const loginFailures = rows
      .filter((r) => !r.subject.startsWith(THROTTLE_SUBJECT.address))
      .reduce((n, r) => n + r.failures, 0);
    const locked = rows
      .filter(
        (r) =>
          new Date(r.blocked_until).getTime() > nowMs &&
          new Date(r.blocked_until).getTime() - new Date(r.last_failure_at).getTime() >= lockoutMs,
      )
      .map((r) => r.subject);
    const lockedOut = await this.namedLockouts(locked);
    const unnamed = locked.length - lockedOut.length;
    if (loginFailures >= threshold || locked.length > 0) {
      const others = unnamed > 0 ? ` (+${unnamed} tên không có tài khoản / names no account has)` : '';
      out.push({
        kind: 'auth.bruteforce',
        key: 'auth.bruteforce:login',
        severity: 'warning',
        subject: `${loginFailures} lần đăng nhập sai, ${locked.length} bị khóa / failed admin sign-ins`,
        text:
          `${loginFailures} lần đăng nhập API quản trị sai gần đây; đang khóa: ${lockedOut.slice(0, 20).join(', ') || '—'}${others}. ` +
          `Mở khóa: lgsp user unlock <tên> [--address <địa chỉ>]. / ${loginFailures} failed admin sign-ins; locked out: ` +
          `${locked.length}. Unlock with lgsp user unlock.`,
        details: {
          failures: loginFailures,
          lockedOut: lockedOut.slice(0, 100),
          lockedOutUnknownNames: unnamed,
          threshold,
        },
      });
    }
    return out;
  }

  /**
   * The locked subjects the alert may name: every address, and a username only when an account has it. A typed
   * name no account has is often a password typed into the name box, and the alert leaves the platform by e-mail
   * and webhook — the counters keep only its digest, and the sign-in history drops it, for the same reason
   * (src/control/sign-ins.ts). Nor would naming it help: `lgsp user unlock` is for accounts. An account's subject
   * is named while an account still has the name.
   */
  private async namedLockouts(subjects: string[]): Promise<string[]> {
    const account = THROTTLE_SUBJECT.account;
    const typed = subjects.filter((s) => s.startsWith(account)).map((s) => s.slice(account.length));
    const accounts =
      typed.length === 0
        ? new Set<string>()
        : new Set(
            (
              await this.deps.store.db
                .selectFrom('users')
                .select('username')
                .where('username', 'in', typed)
                .execute()
            ).map((r) => r.username),
          );
    return subjects.filter(
      (s) =>
        s.startsWith(THROTTLE_SUBJECT.address) ||
        (s.startsWith(account) && accounts.has(s.slice(account.length))),
    );
  }

  private async organizationIds(codes: Array<string | null>): Promise<string[]> {
    const wanted = codes.filter((c): c is string => !!c);
    if (wanted.length === 0) return [];
    const rows = await this.deps.store.db
      .selectFrom('organizations')
      .select('id')
      .where('code', 'in', wanted)
      .execute();
    return rows.map((r) => r.id);
  }
}

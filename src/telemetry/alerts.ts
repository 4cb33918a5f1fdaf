import type { Static } from '@sinclair/typebox';
import { type ExpressionBuilder, type Selectable, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Alert, AlertEvent, AlertEventQuery, AlertQuery, PageOf } from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { EGRESS_RULE_TEXT } from '../core/egress.ts';
import { LgspError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { isoOf, isoOrNull } from '../core/time.ts';
import type { EgressPolicy } from '../net/egress.ts';
import { enqueueNotification } from '../notify/outbox.ts';
import { byColumn, matchesAny, ordering, pageOf } from '../store/paging.ts';
import type { Store } from '../store/port.ts';
import type { AlertSeverity, Database } from '../store/schema.ts';

/**
 * Operator alerts (R-06, R-22): a condition that keeps data from flowing opens an alert and tells people — an
 * e-mail to the operator's addresses (`alerts.emails`) and a signed webhook to the operator's organization
 * (`alerts.operatorOrganizationCode`) and to the organizations the alert concerns (a failing provider's own) —
 * through the notification outbox, in the same transaction as the state change. The same condition seen again
 * while its alert is open (the same `key`) only counts another occurrence: one alert, one message. An alert still
 * firing after `escalateAfterMinutes` is escalated (critical, told again); one whose condition cleared is resolved
 * (told again). Every change of state is kept in `alert_events`. An operator may acknowledge an open alert
 * (issue 11: "I am on it"): an `acknowledged` event of its history, with the note and who; it stays open until
 * resolved, and is no longer escalated — the people it would tell again already know.
 *
 * Webhook event types: `alert.opened`, `alert.escalated`, `alert.resolved`; the payload names the alert's `kind`.
 */
export interface AlertInput {
  /** The rule, e.g. `message.dead`, `provider.failing`. */
  kind: string;
  /** One open alert per key, e.g. `provider.failing:ver_…:production`. */
  key: string;
  severity: AlertSeverity;
  /** Vietnamese first, English beside: the e-mail subject and the console's line. */
  subject: string;
  /** Plain-text body of the e-mail, Vietnamese first. */
  text: string;
  /** What the operator needs to act: ids, counts, times — never a payload or a secret. */
  details: Record<string, unknown>;
  /** Organizations told by webhook besides the operator's (e.g. the provider whose service fails). */
  organizationIds?: string[];
}

type AlertRow = Selectable<Database['alerts']>;

/**
 * When the alert was last acknowledged: its newest `acknowledged` event. Acknowledgement has no column of its own
 * (the history already records it), so every read of an alert selects it with this.
 */
const acknowledgements = (eb: ExpressionBuilder<Database, 'alerts'>) =>
  eb
    .selectFrom('alert_events')
    .whereRef('alert_events.alert_id', '=', 'alerts.id')
    .where('alert_events.state', '=', 'acknowledged');
const acknowledgedAt = (eb: ExpressionBuilder<Database, 'alerts'>) =>
  acknowledgements(eb)
    .select((e) => e.fn.max('alert_events.at').as('at'))
    .as('acknowledged_at');

export class Alerts {
  private operatorOrgId: { code: string; id: string | null } | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly config: Config['alerts'],
    private readonly logger: Logger,
  ) {}

  /** Opens the alert, or counts one more occurrence of the open alert with the same key. */
  async raise(input: AlertInput): Promise<{ alert: Alert; opened: boolean }> {
    const nowMs = this.clock.nowMs();
    const now = new Date(nowMs);
    const operatorOrg = await this.operatorOrganizationId();
    const result = await this.store.db.transaction().execute(async (trx) => {
      const seen = await trx
        .updateTable('alerts')
        .set((eb) => ({
          occurrences: eb('occurrences', '+', 1),
          last_seen_at: now,
          details: JSON.stringify(input.details),
        }))
        .where('key', '=', input.key)
        .where('state', '=', 'open')
        .returningAll()
        .returning(acknowledgedAt)
        .executeTakeFirst();
      if (seen) return { row: seen, opened: false };
      const organizationIds = [
        ...new Set([...(operatorOrg ? [operatorOrg] : []), ...(input.organizationIds ?? [])]),
      ];
      const row = await trx
        .insertInto('alerts')
        .values({
          id: newId('alr', nowMs),
          kind: input.kind,
          key: input.key,
          severity: input.severity,
          state: 'open',
          subject: input.subject,
          details: JSON.stringify(input.details),
          opened_at: now,
          last_seen_at: now,
          organization_ids: organizationIds,
        })
        .returningAll()
        .returning(acknowledgedAt)
        .executeTakeFirstOrThrow();
      await this.changed(trx, row, 'open', input.subject, input.text, nowMs);
      return { row, opened: true };
    });
    if (result.opened) {
      this.logger.warn({ alert: result.row.id, kind: input.kind, key: input.key }, input.subject);
    }
    return { alert: toAlert(result.row), opened: result.opened };
  }

  /** Raises the severity of a still-firing open alert to critical and tells everyone again (once). */
  async escalate(key: string, note: string): Promise<Alert | null> {
    const row = await this.moveOpen(key, 'escalated', note);
    return row ? toAlert(row) : null;
  }

  /** Resolves the open alert with this key, if any (the condition cleared), and says so. */
  async resolve(key: string, note: string): Promise<Alert | null> {
    const row = await this.moveOpen(key, 'resolved', note);
    if (row) this.logger.info({ alert: row.id, kind: row.kind, key }, `đã xử lý / resolved: ${note}`);
    return row ? toAlert(row) : null;
  }

  /** Moves the open alert with this key, if any, and tells of it in the same transaction; an alert escalates once. */
  private moveOpen(
    key: string,
    to: 'escalated' | 'resolved',
    note: string,
  ): Promise<(AlertRow & { acknowledged_at: Date | null }) | undefined> {
    const nowMs = this.clock.nowMs();
    const at = new Date(nowMs);
    return this.store.db.transaction().execute(async (trx) => {
      const moved = await trx
        .updateTable('alerts')
        .set(
          to === 'escalated'
            ? { severity: 'critical', escalated_at: at }
            : { state: 'resolved', resolved_at: at },
        )
        .where('key', '=', key)
        .where('state', '=', 'open')
        .$if(to === 'escalated', (q) =>
          q
            .where('escalated_at', 'is', null)
            .where((eb) => eb.not(eb.exists(acknowledgements(eb).select('alert_events.at')))),
        )
        .returningAll()
        .returning(acknowledgedAt)
        .executeTakeFirst();
      if (moved) await this.changed(trx, moved, to, moved.subject, note, nowMs);
      return moved;
    });
  }

  /** An operator closes an alert by hand (e.g. a dead letter dealt with), saying how. */
  async resolveById(id: string, note: string): Promise<Alert> {
    const row = await this.store.db
      .selectFrom('alerts')
      .select('key')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new LgspError('TM_ALERT_NOT_FOUND', id);
    const resolved = await this.resolve(row.key, note);
    if (!resolved) throw new LgspError('TM_ALERT_RESOLVED', id);
    return resolved;
  }

  /**
   * An operator acknowledges an open alert (issue 11), saying who is on it: recorded in its history, the alert
   * stays open and is not escalated. Acknowledging again (another person takes it over) records another event.
   */
  async acknowledgeById(id: string, note: string): Promise<Alert> {
    const nowMs = this.clock.nowMs();
    return this.store.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('alerts')
        .select('state')
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new LgspError('TM_ALERT_NOT_FOUND', id);
      if (row.state !== 'open') throw new LgspError('TM_ALERT_RESOLVED', id);
      await trx
        .insertInto('alert_events')
        .values({ alert_id: id, at: new Date(nowMs), state: 'acknowledged', note: note.slice(0, 2000) })
        .execute();
      const alert = await trx
        .selectFrom('alerts')
        .selectAll('alerts')
        .select(acknowledgedAt)
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      return toAlert(alert);
    });
  }

  async list(filter: { state?: 'open' | 'resolved'; kind?: string; limit?: number } = {}): Promise<Alert[]> {
    let q = this.store.db.selectFrom('alerts').selectAll('alerts').select(acknowledgedAt);
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    const rows = await q
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toAlert);
  }

  /**
   * One page of alerts for the console (issue 11), newest first by default, searched by subject, kind and key.
   * Severity sorts by rank (info < warning < critical), not by its text, which would put critical first.
   */
  async page(query: Static<typeof AlertQuery>): Promise<PageOf<Alert>> {
    let q = this.store.db.selectFrom('alerts').selectAll('alerts').select(acknowledgedAt);
    if (query.state) q = q.where('state', '=', query.state);
    if (query.kind) q = q.where('kind', '=', query.kind);
    if (query.severity) q = q.where('severity', '=', query.severity);
    const search = query.q;
    if (search) q = q.where((eb) => matchesAny(eb, ['subject', 'kind', 'key'], search));
    const order = ordering(
      query.sort,
      '-openedAt',
      {
        openedAt: byColumn('opened_at'),
        lastSeenAt: byColumn('last_seen_at'),
        severity: sql`CASE severity WHEN 'critical' THEN 3 WHEN 'warning' THEN 2 ELSE 1 END`,
      },
      'id',
    );
    const { rows, total } = await pageOf(q, query, order);
    return { items: rows.map(toAlert), total };
  }

  /**
   * One page of an alert's history of states (issue 11), oldest first by default. An event has no id of its own:
   * events of one moment are told apart by state, then note.
   */
  async pageHistory(id: string, query: Static<typeof AlertEventQuery>): Promise<PageOf<AlertEvent>> {
    let q = this.store.db
      .selectFrom('alert_events')
      .select(['at', 'state', 'note'])
      .where('alert_id', '=', id);
    const search = query.q;
    if (search) q = q.where((eb) => matchesAny(eb, ['state', 'note'], search));
    const order = ordering(query.sort, 'at', { at: byColumn('at') }, 'state');
    const { rows, total } = await pageOf(q, query, (query) => order(query).orderBy('note'));
    return { items: rows.map((r) => ({ at: isoOf(r.at), state: r.state, note: r.note })), total };
  }

  /** The alert's history of states, oldest first. */
  async history(id: string): Promise<AlertEvent[]> {
    const rows = await this.store.db
      .selectFrom('alert_events')
      .selectAll()
      .where('alert_id', '=', id)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({ at: isoOf(r.at), state: r.state, note: r.note }));
  }

  /** The open alerts' keys and opening times, for the rules that resolve and escalate them. */
  async openByKey(): Promise<Map<string, { kind: string; openedAtMs: number; escalated: boolean }>> {
    const rows = await this.store.db
      .selectFrom('alerts')
      .select(['key', 'kind', 'opened_at', 'escalated_at'])
      .where('state', '=', 'open')
      .execute();
    return new Map(
      rows.map((r) => [
        r.key,
        { kind: r.kind, openedAtMs: new Date(r.opened_at).getTime(), escalated: r.escalated_at !== null },
      ]),
    );
  }

  /** Records the state change and tells the operator (e-mail) and the organizations concerned (webhook). */
  private async changed(
    trx: Transaction<Database>,
    row: AlertRow,
    state: 'open' | 'escalated' | 'resolved',
    subject: string,
    text: string,
    nowMs: number,
  ): Promise<void> {
    await trx
      .insertInto('alert_events')
      .values({ alert_id: row.id, at: new Date(nowMs), state, note: text.slice(0, 2000) })
      .execute();
    const label = { open: 'MỞ / OPEN', escalated: 'NÂNG MỨC / ESCALATED', resolved: 'ĐÃ XỬ LÝ / RESOLVED' }[
      state
    ];
    await enqueueNotification(
      trx,
      {
        eventType: `alert.${state === 'open' ? 'opened' : state}`,
        recipients: { emails: [...this.config.emails], organizationIds: row.organization_ids },
        subject: `[LGSP ${state === 'escalated' ? 'critical' : row.severity}] ${label}: ${subject}`,
        text,
        payload: {
          alertId: row.id,
          kind: row.kind,
          key: row.key,
          state: state === 'escalated' ? 'open' : state,
          severity: state === 'escalated' ? 'critical' : row.severity,
          subject,
          details: row.details,
        },
      },
      nowMs,
    );
  }

  /** The operator's own organization, by its configured code (looked up once). */
  private async operatorOrganizationId(): Promise<string | null> {
    const code = this.config.operatorOrganizationCode;
    if (!code) return null;
    if (this.operatorOrgId?.code !== code || this.operatorOrgId.id === null) {
      const row = await this.store.db
        .selectFrom('organizations')
        .select('id')
        .where('code', '=', code)
        .executeTakeFirst();
      this.operatorOrgId = { code, id: row?.id ?? null };
    }
    return this.operatorOrgId.id;
  }
}

function toAlert(r: AlertRow & { acknowledged_at: Date | string | null }): Alert {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    severity: r.severity,
    state: r.state,
    subject: r.subject,
    details: r.details,
    occurrences: r.occurrences,
    openedAt: isoOf(r.opened_at),
    lastSeenAt: isoOf(r.last_seen_at),
    escalatedAt: isoOrNull(r.escalated_at),
    acknowledgedAt: isoOrNull(r.acknowledged_at),
    resolvedAt: isoOrNull(r.resolved_at),
  };
}

/** One alert write per refused target at most this often: a flood of refused calls is one alert, counted. */
const EGRESS_ALERT_INTERVAL_MS = 10_000;

/**
 * Issue 10: every connection the egress policy refuses — a forward, a probe, a webhook, a push — is logged (host,
 * port and rule: never a path, a query or a credential) and opens an `egress.denied` alert for the operator, one
 * per target (`host:port`); an operator resolves it once the upstream or webhook is corrected.
 */
export function alertOnEgressDenied(
  egress: Pick<EgressPolicy, 'onDenied'>,
  alerts: Alerts,
  clock: Clock,
  logger: Logger,
): () => void {
  const lastRaisedMs = new Map<string, number>();
  return egress.onDenied((denial) => {
    logger.warn(
      {
        client: denial.client,
        host: denial.host,
        address: denial.address,
        port: denial.port,
        rule: denial.rule,
      },
      'chặn kết nối ra ngoài / egress denied',
    );
    const target = `${denial.host}:${denial.port}`;
    const nowMs = clock.nowMs();
    if (nowMs - (lastRaisedMs.get(target) ?? -Infinity) < EGRESS_ALERT_INTERVAL_MS) return;
    lastRaisedMs.set(target, nowMs);
    const rule = EGRESS_RULE_TEXT[denial.rule];
    alerts
      .raise({
        kind: 'egress.denied',
        key: `egress.denied:${target}`,
        severity: 'warning',
        subject: `Chặn kết nối ra ngoài tới ${target} / egress denied`,
        text:
          (denial.client === 'save'
            ? `Một địa chỉ tới ${target} bị từ chối khi lưu (dịch vụ nguồn, webhook hoặc kiểm tra sức khoẻ): ${rule}. `
            : `Nền tảng đã từ chối kết nối (${denial.client}) tới ${target}${denial.address ? ` (${denial.address})` : ''}: ${rule}. `) +
          `Kiểm tra địa chỉ dịch vụ nguồn, webhook hoặc kiểm tra sức khoẻ; nếu đích hợp lệ trong mạng riêng, thêm vào egress.allow. / ` +
          (denial.client === 'save'
            ? `A URL to ${target} was refused by the egress policy when it was saved.`
            : `A ${denial.client} connection to ${target} was refused by the egress policy.`),
        details: { ...denial, target },
      })
      .catch((err) =>
        logger.error({ err }, 'không ghi được cảnh báo kết nối ra ngoài / egress alert failed'),
      );
  });
}

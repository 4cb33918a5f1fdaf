import type { Selectable } from 'kysely';
import type { Logger } from 'pino';
import { enqueueNotification } from '../control/notifications.ts';
import type { Clock } from '../core/clock.ts';
import { newId } from '../core/ids.ts';
import type { Store } from '../store/port.ts';
import type { AlertSeverity, Database } from '../store/schema.ts';

/**
 * Operator alerts: a condition that keeps data from flowing opens an alert and tells the operator
 * (e-mail to `alerts.emails`, through the notification outbox, in the same transaction). The same condition seen
 * again while its alert is open — the same `key` — only counts another occurrence: one alert, one e-mail. Every
 * change of state is kept in `alert_events`.
 */
export interface AlertInput {
  /** The rule, e.g. `message.dead`. */
  kind: string;
  /** One open alert per key, e.g. `message.dead:ver_…:production`. */
  key: string;
  severity: AlertSeverity;
  /** Vietnamese first, English beside: the e-mail subject and the console's line. */
  subject: string;
  /** Plain-text body of the e-mail, Vietnamese first. */
  text: string;
  /** What the operator needs to act: ids, counts, times — never a payload or a secret. */
  details: Record<string, unknown>;
}

export interface Alert {
  id: string;
  kind: string;
  key: string;
  severity: AlertSeverity;
  state: 'open' | 'resolved';
  subject: string;
  details: Record<string, unknown>;
  occurrences: number;
  openedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

export class Alerts {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly operatorEmails: readonly string[],
    private readonly logger: Logger,
  ) {}

  /** Opens the alert, or counts one more occurrence of the open alert with the same key. */
  async raise(input: AlertInput): Promise<{ alert: Alert; opened: boolean }> {
    const nowMs = this.clock.nowMs();
    const now = new Date(nowMs);
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
        .executeTakeFirst();
      if (seen) return { row: seen, opened: false };
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
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('alert_events')
        .values({ alert_id: row.id, at: now, state: 'open', note: input.subject })
        .execute();
      await enqueueNotification(
        trx,
        {
          eventType: `alert.${input.kind}`,
          recipients: { emails: [...this.operatorEmails] },
          subject: `[LGSP ${input.severity}] ${input.subject}`,
          text: input.text,
          payload: { alertId: row.id, kind: input.kind, key: input.key, ...input.details },
        },
        nowMs,
      );
      return { row, opened: true };
    });
    if (result.opened) {
      this.logger.warn({ alert: result.row.id, kind: input.kind, key: input.key }, input.subject);
    }
    return { alert: toAlert(result.row), opened: result.opened };
  }

  /** Resolves the open alert with this key, if any (the condition cleared). */
  async resolve(key: string, note: string): Promise<Alert | null> {
    const now = new Date(this.clock.nowMs());
    const row = await this.store.db.transaction().execute(async (trx) => {
      const resolved = await trx
        .updateTable('alerts')
        .set({ state: 'resolved', resolved_at: now })
        .where('key', '=', key)
        .where('state', '=', 'open')
        .returningAll()
        .executeTakeFirst();
      if (resolved) {
        await trx
          .insertInto('alert_events')
          .values({ alert_id: resolved.id, at: now, state: 'resolved', note })
          .execute();
      }
      return resolved;
    });
    return row ? toAlert(row) : null;
  }

  async list(filter: { state?: 'open' | 'resolved'; kind?: string; limit?: number } = {}): Promise<Alert[]> {
    let q = this.store.db.selectFrom('alerts').selectAll();
    if (filter.state) q = q.where('state', '=', filter.state);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    const rows = await q
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toAlert);
  }
}

type AlertRow = Selectable<Database['alerts']>;

function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    kind: r.kind,
    key: r.key,
    severity: r.severity,
    state: r.state,
    subject: r.subject,
    details: r.details,
    occurrences: r.occurrences,
    openedAt: new Date(r.opened_at).toISOString(),
    lastSeenAt: new Date(r.last_seen_at).toISOString(),
    resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at).toISOString(),
  };
}

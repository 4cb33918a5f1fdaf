import { type Static, Type } from '@sinclair/typebox';
import { Nullable, OneOf, PageQuery, Strict, Timestamp } from './common.ts';

/** Operator alerts. */

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
export const AlertSeveritySchema = OneOf(ALERT_SEVERITIES);
export const ALERT_STATES = ['open', 'resolved'] as const;
export const AlertStateSchema = OneOf(ALERT_STATES);

export const AlertSchema = Type.Object({
  id: Type.String(),
  kind: Type.String({ examples: ['message.dead'] }),
  key: Type.String({ description: 'Một cảnh báo mở cho mỗi khoá / one open alert per key' }),
  severity: AlertSeveritySchema,
  state: AlertStateSchema,
  subject: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  occurrences: Type.Integer({
    description: 'Số lần điều kiện xảy ra khi cảnh báo đang mở / times seen while open',
  }),
  openedAt: Timestamp,
  lastSeenAt: Timestamp,
  escalatedAt: Nullable(Timestamp),
  acknowledgedAt: Nullable(
    Type.String({
      format: 'date-time',
      description:
        'Lần tiếp nhận gần nhất: đã có người xử lý, không nâng mức nữa / last acknowledged: someone is on it, no ' +
        'escalation',
    }),
  ),
  resolvedAt: Nullable(Timestamp),
});
export type Alert = Static<typeof AlertSchema>;

export const AlertEventSchema = Type.Object({
  at: Timestamp,
  state: Type.String({ examples: ['open', 'escalated', 'acknowledged', 'resolved'] }),
  note: Type.String(),
});
export type AlertEvent = Static<typeof AlertEventSchema>;

export const AlertResolve = Type.Object(
  {
    note: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Cách đã xử lý / how it was dealt with',
    }),
  },
  Strict,
);

/** Acknowledging an open alert: who is on it and what happens next (the alert stays open until resolved). */
export const AlertAcknowledge = Type.Object(
  {
    note: Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'Ai đang xử lý, dự kiến thế nào / who is on it, and what next',
    }),
  },
  Strict,
);

export const AlertQuery = PageQuery(
  {
    state: Type.Optional(AlertStateSchema),
    kind: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    severity: Type.Optional(AlertSeveritySchema),
  },
  {
    searches: 'nội dung, loại, khoá / subject, kind, key',
    sortable: ['openedAt', 'lastSeenAt', 'severity'],
  },
);

/** An alert's history of states, one page (issue 11), oldest first by default. */
export const AlertEventQuery = PageQuery(
  {},
  { searches: 'trạng thái, ghi chú / state, note', sortable: ['at'] },
);

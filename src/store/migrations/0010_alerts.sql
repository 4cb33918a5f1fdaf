-- Operator alerts (R-06, R-22): something that stops data from flowing opens an alert; the same condition again
-- (same `key`) adds to the open alert instead of opening another; every change of state is kept in
-- `alert_events`. Issue 4 raises them for dead-lettered messages; the monitoring issue adds the other rules.
CREATE TABLE alerts (
  id text PRIMARY KEY,
  -- What kind of condition, e.g. `message.dead`; the rule that raised it.
  kind text NOT NULL,
  -- Deduplication: at most one open alert per key, e.g. `message.dead:ver_…:production`.
  key text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  state text NOT NULL CHECK (state IN ('open', 'resolved')),
  subject text NOT NULL,
  details jsonb NOT NULL,
  -- How many times the condition was seen while the alert was open.
  occurrences integer NOT NULL DEFAULT 1,
  opened_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  resolved_at timestamptz
);
CREATE UNIQUE INDEX alerts_one_open_per_key ON alerts (key) WHERE state = 'open';
CREATE INDEX alerts_opened ON alerts (opened_at);

CREATE TABLE alert_events (
  alert_id text NOT NULL REFERENCES alerts (id),
  at timestamptz NOT NULL,
  state text NOT NULL,
  note text NOT NULL
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, at);

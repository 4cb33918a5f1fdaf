-- Notifications to agencies (R-10, R-19, R-21, R-24): e-mail and signed webhooks, through a durable outbox.

CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  url text NOT NULL,
  -- The HMAC-SHA256 key the platform signs each delivery with. Unlike consumer secrets (stored hashed, R-25) it
  -- must be kept as is, since signing needs the key itself; it is shown once, at creation, and never listed,
  -- logged or put in a notification.
  secret text NOT NULL,
  -- Event types the endpoint wants; an empty array means all of them.
  events text[] NOT NULL DEFAULT '{}',
  active boolean NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_organization ON webhook_endpoints (organization_id);

-- The outbox: a row is written in the same transaction as the change it tells about, so a rolled-back change
-- sends nothing and a committed one is never forgotten. Rows are kept after delivery as the record of who was
-- told what, and when (R-21). A webhook row names its endpoint; the secret is read at delivery time.
CREATE TABLE notifications (
  id text PRIMARY KEY,
  event_type text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
  recipient text NOT NULL,
  subject text NOT NULL,
  body_text text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL,
  sent_at timestamptz
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);

-- Asynchronous store-and-forward, embedded engine (issue 4, R-02, R-06, R-22, R-23): a message's metadata lives in
-- `messages` for good; its payload lives in `message_payloads`, in chunks written as it streams in (so a 100 MB
-- message is never held whole in memory), and is deleted as soon as the message is delivered, dead or expired.
-- No foreign keys to systems or service versions: the metadata is evidence and must outlive a deleted system, and
-- the queue is a port other engines (NATS JetStream) implement without this database.

CREATE TABLE messages (
  id text PRIMARY KEY,
  source_system_id text NOT NULL,
  destination_version_id text NOT NULL,
  environment text NOT NULL CHECK (environment IN ('sandbox', 'production')),
  -- The source's Idempotency-Key: a second send with the same (source, key) is the same message.
  idempotency_key text,
  content_type text NOT NULL,
  accepted_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('accepted', 'delivering', 'delivered', 'dead')),
  size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
  -- SHA-256 of the payload (hex), computed while it streamed in.
  sha256 text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  delivered_at timestamptz,
  has_payload boolean NOT NULL,
  -- The current delivery attempt's claim: its proof and when it lapses (then the message may be claimed again).
  claim_token text,
  lease_until timestamptz
);

CREATE UNIQUE INDEX messages_idempotency ON messages (source_system_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_claim ON messages (state, next_attempt_at);
CREATE INDEX messages_expiry ON messages (expires_at) WHERE state IN ('accepted', 'delivering');

CREATE TABLE message_payloads (
  message_id text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  seq integer NOT NULL CHECK (seq >= 0),
  chunk bytea NOT NULL,
  PRIMARY KEY (message_id, seq)
);

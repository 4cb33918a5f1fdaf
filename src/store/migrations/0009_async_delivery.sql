-- Asynchronous store-and-forward through the gateway (issue 4, R-06, R-22, R-23).
--
-- A service version is either synchronous (request → answer, the default) or asynchronous: its consumers send
-- messages that the LGSP stores and delivers to the destination — pushed to the version's endpoint in that
-- environment, or, when it has none there, kept in the destination system's inbox for it to pull. The destination
-- takes at most `delivery_concurrency` pushes at a time.
ALTER TABLE service_versions
  ADD COLUMN mode text NOT NULL DEFAULT 'sync' CHECK (mode IN ('sync', 'async')),
  ADD COLUMN delivery_concurrency integer NOT NULL DEFAULT 4
    CHECK (delivery_concurrency BETWEEN 1 AND 256);

-- Each leg of an async message is its own transaction record, linked by the message id (DESIGN.md "Shape"):
-- `intake` (source → LGSP), `delivery` (LGSP → destination: every push attempt, every pull), `ack` (a pulling
-- destination's acknowledgement). Sync calls are `sync`, one record for both of their legs.
ALTER TABLE transactions
  ADD COLUMN leg text NOT NULL DEFAULT 'sync' CHECK (leg IN ('sync', 'intake', 'delivery', 'ack')),
  ADD COLUMN message_id text;
CREATE INDEX transactions_message ON transactions (message_id) WHERE message_id IS NOT NULL;

-- Federated async messages (issue 12 item 10b, R-15, R-02, R-23): store-and-forward across platforms, receipts back.
-- One row per message of ours that crosses a platform boundary, beside its queue metadata (`messages`, or the NATS
-- KV: the same table serves both engines).
-- Inbound side (the message came from a peer, or our consumer sent it to an imported version): who it is for — the
-- represented party, the end-to-end id, the W3C trace — and, when a peer sent it, the hops' RFC 9421 signatures as
-- received, so an intermediate (NDXP's role) forwards them on and the final platform can verify the whole chain.
-- Outbound side (we handed it to a peer): the peer's message id, and what the peer's receipt says until the final
-- platform delivered it or gave up (remote_state 'delivered' / 'dead'), polled at next_check_at (docs/federation.md).
-- No payload and no resource path here: only identities, ids, states and signatures (R-02).
CREATE TABLE message_federation (
  message_id text PRIMARY KEY,
  from_peer_id text,
  represented_org text,
  represented_system text,
  end_to_end_id text NOT NULL,
  traceparent text,
  signature text,
  signature_input text,
  to_peer_id text,
  remote_message_id text,
  remote_state text CHECK (remote_state IN ('accepted', 'delivering', 'delivered', 'dead')),
  remote_delivered_at timestamptz,
  remote_receipt text,
  receipt_checks integer NOT NULL DEFAULT 0,
  next_check_at timestamptz,
  created_at timestamptz NOT NULL
);
-- The receipt poller's work list: handed-on messages whose final outcome is not known yet.
CREATE INDEX message_federation_pending ON message_federation (next_check_at)
  WHERE remote_state IN ('accepted', 'delivering');

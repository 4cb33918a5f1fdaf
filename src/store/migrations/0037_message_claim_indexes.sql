-- Issue 13 item 6 (embedded engine): the claim reads the next few due messages of ONE destination version in
-- delivery order, and stops there. The old index (state, next_attempt_at) made it fetch and sort every due message
-- of every version to keep 64 (EXPLAIN ANALYZE on PGlite: 48 ms for a backlog of 3,000, so a claim's cost grew
-- with the backlog). These partial indexes hold only the rows a claim can take — waiting messages in the order
-- they are delivered, and delivering ones by when their lease lapses — so a claim reads about as many index
-- entries as it claims, and delivered rows (kept for good) cost nothing to skip.
DROP INDEX messages_claim;
CREATE INDEX messages_ready ON messages (destination_version_id, next_attempt_at, accepted_at, id)
  WHERE state = 'accepted';
CREATE INDEX messages_lapsing ON messages (destination_version_id, lease_until)
  WHERE state = 'delivering';

-- The outbox sends at most one notification at a time to each recipient (a webhook endpoint, an e-mail address;
-- src/notify/notifier.ts). That bound lived in each node's memory, and a lane's round outlives the job lease that
-- starts it (a node giving its leases back at stop, or losing its session, still claims until its round ends), so two
-- nodes could each have a send to one hanging receiver in flight. A claim now marks its row in flight until the
-- outcome is written: `claimed_until` is the lease the claim already pushes `next_attempt_at` to, cleared with the
-- outcome, and a claim passes over the recipients with a claim that has not lapsed. A node that died mid-send leaves
-- its claim to lapse, as its row's due time already did. The index holds the claimed rows only — the sends in flight
-- and the claims of dead nodes — so the claim reads the recipients in flight without reading the backlog.
ALTER TABLE notifications ADD COLUMN claimed_until timestamptz;
CREATE INDEX notifications_in_flight ON notifications (channel, claimed_until, recipient)
  WHERE status = 'pending' AND claimed_until IS NOT NULL;

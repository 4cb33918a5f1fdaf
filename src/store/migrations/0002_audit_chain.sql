-- Tamper-evident audit trail (R-20): each audit event carries its place in one chain (seq), the hash of the event
-- before it (prev_hash) and its own hash, SHA-256 over prev_hash and a canonical JSON of its content
-- (src/control/audit.ts). Changing, deleting or inserting a row then breaks the chain, and `lgsp audit verify`
-- or GET /api/v1/audit-events/verify says where (src/control/audit-verify.ts).
--
-- Events written before this migration are numbered here, in the order they happened, so the set of rows the
-- platform will seal later is fixed now; hashes need the canonical JSON, which is computed in the code: the
-- platform seals them on start (sealUnchainedAuditEvents), and the first change after this migration would too.
-- seq is NOT NULL so that no event can enter the table outside the chain.

ALTER TABLE audit_events ADD COLUMN seq bigint, ADD COLUMN prev_hash text, ADD COLUMN hash text;

UPDATE audit_events AS e
SET seq = o.n
FROM (SELECT id, row_number() OVER (ORDER BY revision, at, id) AS n FROM audit_events) AS o
WHERE e.id = o.id;

ALTER TABLE audit_events ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX audit_events_seq ON audit_events (seq);

-- Issue 14 item 3: every index of the transactions table is paid by every record written. end_to_end_id is set
-- only on federated calls (0029), yet its index held an entry for every record, almost all of them NULL. The one
-- query that needs it (the federation ledger, src/federation/peers.ts) asks for `end_to_end_id IS NOT NULL`, which
-- this partial index answers; a search for a given id (a non-null value) can use it too. On the partitioned parent,
-- so every partition, present and future, gets it.
DROP INDEX transactions_end_to_end;
CREATE INDEX transactions_end_to_end ON transactions (end_to_end_id) WHERE end_to_end_id IS NOT NULL;

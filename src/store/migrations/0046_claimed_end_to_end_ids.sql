-- An inbound federated call refused before its signatures verified only claimed its end-to-end id: anyone holding a
-- peer's token can send any id, a real call's among them, and as the record's end_to_end_id the claim could stand
-- for that call in the federation ledger and reconciliation (R-23). From now on such a claim is kept in the
-- record's evidence as claimedEndToEndId and end_to_end_id stays empty (src/telemetry/record-copy.ts); the records
-- written before are moved the same way. The partial index on end_to_end_id finds them.
UPDATE transactions
SET federation = federation || jsonb_build_object('claimedEndToEndId', end_to_end_id),
  end_to_end_id = NULL
WHERE end_to_end_id IS NOT NULL
  AND federation ->> 'direction' = 'inbound'
  AND federation ->> 'signatures' IS DISTINCT FROM 'verified';

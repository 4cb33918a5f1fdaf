-- Issue 12 item 8: clients written for other provincial LGSPs keep working unchanged.
--
-- RFC 7009 token revocation: a revoked access token is named by its `jti` until it would have expired anyway. The
-- snapshot carries the entries not yet expired to every gateway node (src/control/snapshot.ts), so a revoked token
-- is refused everywhere within one snapshot reload; an entry past `expires_at` is dead weight and is deleted by the
-- next revocation (src/control/token-revocations.ts).
CREATE TABLE revoked_tokens (
  jti text PRIMARY KEY,
  credential_id text NOT NULL,
  revoked_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_at ON revoked_tokens (expires_at);

-- How the caller authenticated (`bearer`, `lgspaccesstoken`), and the routing codes national price-database
-- clients send beside their token (SENDER_CODE, RECEIVER_CODE, TRAN_CODE), recorded when present: they are the
-- caller's own words, kept to reconcile with its logs, never used to decide anything (src/gateway/client-conventions.ts).
ALTER TABLE transactions
  ADD COLUMN auth_method text,
  ADD COLUMN client_sender_code text,
  ADD COLUMN client_receiver_code text,
  ADD COLUMN client_tran_code text;

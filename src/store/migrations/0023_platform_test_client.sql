-- The platform's own sandbox test client (issue 11, the console's "try it"): one consumer system of a platform
-- organization, with one sandbox credential, that the operator — or the providing agency, for its own version —
-- calls a version with in the sandbox, through the real gateway. Created once, on the first try
-- (src/control/sandbox-test-client.ts). Its row here is what marks the system as platform-owned: it never
-- holds a production credential or subscription, and its records are the platform's tests, not a customer's.
-- The consumer secret must be used again on every try, so it is kept sealed with the key-encryption key
-- (label `platform_test_client.secret:<credential id>`), never in plaintext (issue 10 item 4).
CREATE TABLE platform_test_client (
  id integer PRIMARY KEY CHECK (id = 1),
  organization_id text NOT NULL REFERENCES organizations (id),
  system_id text NOT NULL UNIQUE REFERENCES systems (id),
  credential_id text NOT NULL REFERENCES credentials (id),
  consumer_key text NOT NULL,
  secret_sealed bytea NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Federation (issue 12 items 1–4, R-15, R-23): peer platforms — NDXP, another province's or a ministry's LGSP — that
-- we call for our consumers (outbound) and that call us for theirs (inbound), with every hop signed (RFC 9421).

-- A system is an agency's information system, or a peer platform's presence here (DESIGN.md "Federation"): the
-- consumer that a peer's token authorizes, and the provider of the services imported from that peer.
ALTER TABLE systems
  ADD COLUMN kind text NOT NULL DEFAULT 'agency' CHECK (kind IN ('agency', 'platform'));

-- A peer platform. `code` is its organization code here and the label of its RFC 9421 signatures (an sf-key, so
-- lower case). How we authenticate to it: client credentials at `token_url` (the secret sealed with the
-- key-encryption key, label `peers.client_secret:<id>`), optionally a client certificate (its key sealed too).
-- How it authenticates to us: the credentials (and optional certificate binding) of its system `system_id`.
CREATE TABLE peers (
  id text PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_.-]{0,62}$'),
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('openlgsp', 'ndxp', 'wso2', 'other')),
  system_id text NOT NULL UNIQUE REFERENCES systems (id),
  gateway_url text NOT NULL,
  token_url text NOT NULL,
  jwks_url text NOT NULL,
  catalogue_url text,
  client_id text,
  client_secret_sealed bytea,
  client_cert_pem text,
  client_key_sealed bytea,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- A version of our catalogue that is a peer's service: the gateway forwards its calls to the peer's gateway at
-- `/{remote_context}/{remote_version}`, with our own token for that peer and the represented party.
CREATE TABLE imported_versions (
  version_id text PRIMARY KEY REFERENCES service_versions (id),
  peer_id text NOT NULL REFERENCES peers (id),
  remote_context text NOT NULL,
  remote_version text NOT NULL,
  created_at timestamptz NOT NULL
);

-- A subscription granted to a peer may be limited to the represented organizations listed (their codes at the
-- origin platform); NULL: every organization the peer represents.
ALTER TABLE subscriptions ADD COLUMN represented_orgs jsonb;

-- The record of a federated call (R-06, R-20, R-23): whom the peer represented, the end-to-end transaction id kept
-- on every platform of the path, the peer the call came from or went to, and the hop chain with the result of
-- each signature's verification and the request hash that binds the answer.
ALTER TABLE transactions
  ADD COLUMN represented_org_code text,
  ADD COLUMN represented_system text,
  ADD COLUMN end_to_end_id text,
  ADD COLUMN peer_id text,
  ADD COLUMN federation jsonb;
CREATE INDEX transactions_end_to_end ON transactions (end_to_end_id);

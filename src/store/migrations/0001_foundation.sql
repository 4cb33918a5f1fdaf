-- Foundation: registry, credentials, admin accounts, audit and transaction records.
-- Every control-plane change bumps config_state.revision in the same transaction (DESIGN.md "Shape").

CREATE TABLE config_state (
  id integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  revision bigint NOT NULL
);
INSERT INTO config_state (id, revision) VALUES (1, 1);

CREATE TABLE organizations (
  id text PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  parent_id text REFERENCES organizations (id),
  contact_name text,
  contact_title text,
  contact_unit text,
  contact_phone text,
  contact_email text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE systems (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  description text,
  is_provider boolean NOT NULL,
  is_consumer boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX systems_organization ON systems (organization_id);

CREATE TABLE services (
  id text PRIMARY KEY,
  context text NOT NULL UNIQUE,
  name text NOT NULL,
  provider_system_id text NOT NULL REFERENCES systems (id),
  -- R-11 technical description (Decree 47/2020 Art. 24 items), one JSON object; see api schema TechnicalDescription.
  description jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE service_versions (
  id text PRIMARY KEY,
  service_id text NOT NULL REFERENCES services (id),
  version text NOT NULL,
  protocol text NOT NULL CHECK (protocol IN ('REST', 'SOAP')),
  status text NOT NULL CHECK (status IN ('draft', 'published', 'deprecated', 'retired')),
  sandbox_url text,
  production_url text,
  -- Resource templates [{method, path}] used to route and to record the template, never the raw path.
  resources jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (service_id, version)
);

CREATE TABLE subscriptions (
  id text PRIMARY KEY,
  system_id text NOT NULL REFERENCES systems (id),
  version_id text NOT NULL REFERENCES service_versions (id),
  environment text NOT NULL CHECK (environment IN ('sandbox', 'production')),
  status text NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
  quota_per_minute integer,
  quota_per_day integer,
  window_start text,
  window_end text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (system_id, version_id, environment)
);

CREATE TABLE credentials (
  id text PRIMARY KEY,
  system_id text NOT NULL REFERENCES systems (id),
  environment text NOT NULL CHECK (environment IN ('sandbox', 'production')),
  consumer_key text NOT NULL UNIQUE,
  -- SHA-256 of a 256-bit random secret (R-25): the secret itself is shown once and never stored.
  secret_sha256 text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at timestamptz NOT NULL,
  revoked_at timestamptz
);
CREATE INDEX credentials_system ON credentials (system_id);

CREATE TABLE signing_keys (
  kid text PRIMARY KEY,
  algorithm text NOT NULL,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL
);

CREATE TABLE users (
  id text PRIMARY KEY,
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  password_hash text NOT NULL,
  role text NOT NULL,
  organization_id text REFERENCES organizations (id),
  created_at timestamptz NOT NULL
);

CREATE TABLE sessions (
  token_sha256 text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);

CREATE TABLE audit_events (
  id text PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  object_type text NOT NULL,
  object_id text NOT NULL,
  details jsonb NOT NULL,
  revision bigint NOT NULL
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);
CREATE INDEX audit_events_at ON audit_events (at);

-- One row per sync transaction, covering both legs (R-06, R-07, R-20). No payload: sizes and SHA-256 only (R-02).
CREATE TABLE transactions (
  id text PRIMARY KEY,
  consumer_system_id text,
  consumer_org_code text,
  credential_id text,
  provider_system_id text,
  provider_org_code text,
  service_id text,
  service_context text,
  version_id text,
  version text,
  environment text,
  method text NOT NULL,
  resource_template text NOT NULL,
  provider_status integer,
  consumer_status integer NOT NULL,
  error_code text,
  request_bytes bigint NOT NULL,
  response_bytes bigint NOT NULL,
  request_sha256 text,
  response_sha256 text,
  request_in_at timestamptz NOT NULL,
  request_out_at timestamptz,
  response_in_at timestamptz,
  response_out_at timestamptz NOT NULL,
  duration_ms integer NOT NULL
);
CREATE INDEX transactions_time ON transactions (request_in_at);
CREATE INDEX transactions_consumer_time ON transactions (consumer_system_id, request_in_at);
CREATE INDEX transactions_provider_time ON transactions (provider_system_id, request_in_at);
CREATE INDEX transactions_service_time ON transactions (service_id, request_in_at);

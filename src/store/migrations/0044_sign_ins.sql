-- Sign-in history (R-24, R-20): one row per attempt to sign in to the admin API or the console — password, console
-- cookie or OIDC — with its outcome, so an operator can read who signed in, from where, and what was refused. Not
-- the audit trail: an audit event bumps the config revision, and a sign-in changes no configuration. Written in the
-- request that made the attempt (with the session it opened, or with the brute-force counters it bumped). Never a
-- password or a token. The username is the one typed (bounded), also when no account has it; user_id is set when
-- an account was found. Rows older than the retention period are deleted (src/telemetry/retention.ts).
CREATE TABLE sign_ins (
  seq bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  username text,
  user_id text,
  method text NOT NULL,
  outcome text NOT NULL,
  reason text,
  address text NOT NULL,
  user_agent text NOT NULL DEFAULT ''
);
CREATE INDEX sign_ins_at ON sign_ins (at);
CREATE INDEX sign_ins_user ON sign_ins (user_id, seq);
CREATE INDEX sign_ins_username ON sign_ins (username, seq);

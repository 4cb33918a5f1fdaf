-- Issue 11 item 5: sign-in to the web console with a cookie session, and single sign-on through OIDC.

-- A person who signs in through the province's identity provider (OIDC) has no local password; the issuer and the
-- subject (`sub`) of the ID token link the provider's account to one local user, for good (an e-mail or a name may
-- change, `iss`+`sub` never do — OpenID Connect Core §5.7).
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE users ADD COLUMN oidc_issuer text;
ALTER TABLE users ADD COLUMN oidc_subject text;
CREATE UNIQUE INDEX users_oidc_identity ON users (oidc_issuer, oidc_subject) WHERE oidc_issuer IS NOT NULL;
-- A disabled user signs in no more, and its sessions are deleted when it is disabled (R-24).
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- A session is either a bearer token (CLI, scripts: `Authorization: Bearer`) or a console session (the
-- `lgsp_session` cookie, whose unsafe calls need the CSRF token): each is accepted only the way it was issued, so a
-- cookie can never stand in for a bearer token and skip the CSRF check. `signed_in_with` says how the person proved
-- who they are, so signing out of an OIDC session can also end it at the provider.
ALTER TABLE sessions ADD COLUMN kind text NOT NULL DEFAULT 'bearer' CHECK (kind IN ('bearer', 'console'));
ALTER TABLE sessions ADD COLUMN signed_in_with text NOT NULL DEFAULT 'password'
  CHECK (signed_in_with IN ('password', 'oidc'));
CREATE INDEX sessions_user ON sessions (user_id);

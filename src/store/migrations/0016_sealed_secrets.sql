-- Secrets at rest (issue 10 item 4): the secrets the platform must use again are kept sealed with the
-- key-encryption key (src/keys/), which is never in the store. SQL cannot seal, so the platform converts the
-- plaintext rows of an older store in code once the key is loaded (src/control/secrets.ts), then nulls and
-- rewrites the plaintext columns; these columns stay nullable only for that conversion.

-- One sealed known value: opening it at start-up proves the configured key is the store's key.
CREATE TABLE key_check (
  id integer PRIMARY KEY CHECK (id = 1),
  kek_id text NOT NULL,
  sealed bytea NOT NULL,
  created_at timestamptz NOT NULL
);

ALTER TABLE signing_keys ALTER COLUMN private_jwk DROP NOT NULL;
ALTER TABLE signing_keys ADD COLUMN private_jwk_sealed bytea;
-- Rotation (`lgsp keys rotate`): the key stops signing at retired_at and stays in JWKS, verifying the tokens it
-- signed, until verify_until (retired_at + the token lifetime); then it is deleted.
ALTER TABLE signing_keys ADD COLUMN retired_at timestamptz;
ALTER TABLE signing_keys ADD COLUMN verify_until timestamptz;

ALTER TABLE webhook_endpoints ALTER COLUMN secret DROP NOT NULL;
ALTER TABLE webhook_endpoints ADD COLUMN secret_sealed bytea;

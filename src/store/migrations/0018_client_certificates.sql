-- mTLS (issue 10 item 6, R-13): a consumer system may be bound to a client certificate, so that only a connection
-- presenting it can use the system's credentials. Bound by the certificate's SHA-256 fingerprint (pinned), or by
-- its subject when it chains to the configured client CA; the expiry is known when a PEM was uploaded.
ALTER TABLE systems
  ADD COLUMN client_cert_sha256 text CHECK (client_cert_sha256 ~ '^[0-9a-f]{64}$'),
  ADD COLUMN client_cert_subject text,
  ADD COLUMN client_cert_not_after timestamptz;

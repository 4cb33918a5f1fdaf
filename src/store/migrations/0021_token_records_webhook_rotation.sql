-- Issue 11 item 6: a `/token` call is its own kind of record. It is still recorded (who asked for a token, when,
-- with what result: R-20 evidence), but it is no call to a service, so statistics and reconciliation leave it out
-- unless asked (src/reports/statistics.ts, src/reports/reconciliation.ts). `kind` is set by the gateway's token
-- endpoint (src/gateway/token-endpoint.ts); every other record is a `service_call`.
ALTER TABLE transactions
  ADD COLUMN kind text NOT NULL DEFAULT 'service_call' CHECK (kind IN ('service_call', 'token_request'));

-- Before this, a token request was the sync record of the resource template '/token' with no service
-- (TOKEN_TEMPLATE in src/gateway/exchange.ts; a service's own '/token' resource names its service).
UPDATE transactions SET kind = 'token_request'
  WHERE resource_template = '/token' AND service_id IS NULL AND leg = 'sync';

-- The rollups keep the kinds apart, so a report over archived months (rollups only) can tell them apart too.
ALTER TABLE transaction_rollups ADD COLUMN kind text NOT NULL DEFAULT 'service_call';
ALTER TABLE transaction_rollups DROP CONSTRAINT transaction_rollups_pkey;
ALTER TABLE transaction_rollups ADD PRIMARY KEY
  (hour, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class, kind);
ALTER TABLE transaction_rollups_daily ADD COLUMN kind text NOT NULL DEFAULT 'service_call';
ALTER TABLE transaction_rollups_daily DROP CONSTRAINT transaction_rollups_daily_pkey;
ALTER TABLE transaction_rollups_daily ADD PRIMARY KEY
  (day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class, kind);

-- The hours already rolled up counted token requests as calls of no service. Moving the rollup job's watermark
-- back to the first token request's hour makes it compute those hours again from the raw records (which now
-- carry their kind), and makes statistics read them from the raw records until it has. Hours whose raw month was
-- archived keep their rollups as they were (docs/reports.md).
UPDATE job_watermarks
  SET value = LEAST(value, (
    SELECT date_trunc('hour', min(request_in_at) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    FROM transactions WHERE kind = 'token_request'))
  WHERE name = 'transaction_rollups';

-- Webhook secret rotation with an overlap (issue 11): the secret before the last rotation, sealed as it was (same
-- label), keeps signing beside the new one until `previous_secret_expires_at`, so a receiver can switch keys
-- without losing a delivery (Standard Webhooks lists several signatures in one `webhook-signature` header).
ALTER TABLE webhook_endpoints
  ADD COLUMN previous_secret_sealed bytea,
  ADD COLUMN previous_secret_expires_at timestamptz;

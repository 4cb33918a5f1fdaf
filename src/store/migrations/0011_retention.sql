-- Retention of transaction records (issue 5, R-07, R-20: kept at least 2 years).
--
-- 1. `transactions` becomes PARTITIONED BY RANGE (request_in_at), one partition per calendar month in UTC, named
--    transactions_YYYY_MM. An old month is then archived and dropped as a whole (src/telemetry/retention.ts), never
--    deleted row by row. The primary key must hold the partition key: (id, request_in_at). A DEFAULT partition
--    is a safety net so an insert never fails; the platform creates the partitions of the current and next two
--    months at start and daily, and moves anything found in DEFAULT into its month (ensureTransactionPartitions).
-- 2. `transaction_rollups`: hourly aggregates, kept after the raw month is dropped (src/telemetry/rollups.ts).
-- 3. `transaction_archives`: one row per archived month, hash-chained like the audit trail (`lgsp archive verify`).

ALTER TABLE transactions RENAME TO transactions_unpartitioned;
ALTER INDEX transactions_time RENAME TO transactions_unpartitioned_time;
ALTER INDEX transactions_consumer_time RENAME TO transactions_unpartitioned_consumer_time;
ALTER INDEX transactions_provider_time RENAME TO transactions_unpartitioned_provider_time;
ALTER INDEX transactions_service_time RENAME TO transactions_unpartitioned_service_time;
ALTER INDEX transactions_message RENAME TO transactions_unpartitioned_message;
ALTER TABLE transactions_unpartitioned RENAME CONSTRAINT transactions_pkey TO transactions_unpartitioned_pkey;

CREATE TABLE transactions (
  id text NOT NULL,
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
  duration_ms integer NOT NULL,
  leg text NOT NULL DEFAULT 'sync' CHECK (leg IN ('sync', 'intake', 'delivery', 'ack')),
  message_id text,
  PRIMARY KEY (id, request_in_at)
) PARTITION BY RANGE (request_in_at);
CREATE INDEX transactions_time ON transactions (request_in_at);
CREATE INDEX transactions_consumer_time ON transactions (consumer_system_id, request_in_at);
CREATE INDEX transactions_provider_time ON transactions (provider_system_id, request_in_at);
CREATE INDEX transactions_service_time ON transactions (service_id, request_in_at);
CREATE INDEX transactions_message ON transactions (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE transactions_default PARTITION OF transactions DEFAULT;

-- A partition for every month that holds rows, and for this month and the next two (UTC).
DO $$
DECLARE
  m timestamp;
BEGIN
  FOR m IN
    SELECT DISTINCT date_trunc('month', request_in_at AT TIME ZONE 'UTC') FROM transactions_unpartitioned
    UNION
    SELECT date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => k) FROM generate_series(0, 2) AS k
  LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF transactions FOR VALUES FROM (%L) TO (%L)',
      'transactions_' || to_char(m, 'YYYY_MM'),
      to_char(m, 'YYYY-MM-DD') || ' 00:00:00+00',
      to_char(m + interval '1 month', 'YYYY-MM-DD') || ' 00:00:00+00'
    );
  END LOOP;
END
$$;

INSERT INTO transactions SELECT
  id, consumer_system_id, consumer_org_code, credential_id, provider_system_id, provider_org_code, service_id,
  service_context, version_id, version, environment, method, resource_template, provider_status, consumer_status,
  error_code, request_bytes, response_bytes, request_sha256, response_sha256, request_in_at, request_out_at,
  response_in_at, response_out_at, duration_ms, leg, message_id
FROM transactions_unpartitioned;
DROP TABLE transactions_unpartitioned;

-- Hourly rollups (R-07 reports). One row per closed UTC hour and key; `latency_buckets` counts durations in the
-- fixed buckets of src/telemetry/rollups.ts (LATENCY_BUCKETS_MS, the last one open-ended) so percentiles of any
-- period are computed by adding the arrays of its hours — percentiles themselves cannot be merged.
-- Key columns are '' rather than NULL (a NULL never equals another in a unique key).
CREATE TABLE transaction_rollups (
  hour timestamptz NOT NULL,
  consumer_system_id text NOT NULL,
  provider_system_id text NOT NULL,
  service_id text NOT NULL,
  version_id text NOT NULL,
  environment text NOT NULL,
  leg text NOT NULL,
  status_class text NOT NULL,
  count bigint NOT NULL,
  errors bigint NOT NULL,
  request_bytes bigint NOT NULL,
  response_bytes bigint NOT NULL,
  duration_ms_sum bigint NOT NULL,
  duration_ms_max integer NOT NULL,
  latency_buckets bigint[] NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (hour, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class)
);
CREATE INDEX transaction_rollups_service ON transaction_rollups (service_id, hour);
CREATE INDEX transaction_rollups_consumer ON transaction_rollups (consumer_system_id, hour);

-- Named watermarks of background jobs: the rollup job's is the first hour it has not computed yet.
CREATE TABLE job_watermarks (
  name text PRIMARY KEY,
  value timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Archived (then dropped) monthly partitions. hash = SHA-256 over prev_hash and a canonical JSON of the other
-- fields (src/telemetry/retention.ts archiveEntryHash); seq numbers the chain without gaps.
CREATE TABLE transaction_archives (
  seq bigint PRIMARY KEY,
  partition_name text NOT NULL UNIQUE,
  month text NOT NULL UNIQUE,
  range_from timestamptz NOT NULL,
  range_to timestamptz NOT NULL,
  row_count bigint NOT NULL,
  file_name text NOT NULL,
  file_bytes bigint NOT NULL,
  file_sha256 text NOT NULL,
  archived_at timestamptz NOT NULL,
  dropped_at timestamptz,
  prev_hash text NOT NULL,
  hash text NOT NULL
);

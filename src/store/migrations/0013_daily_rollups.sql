-- Daily rollups (issue 5 item 5, R-07 statistics over long periods): the hourly rollups of one calendar day in
-- Vietnam time (UTC+7, no daylight saving) added up, per the same key. A year of hourly rows is ~24× more rows to
-- add up than a year of daily ones; src/reports/statistics.ts reads whole days from here and the hours at the
-- edges of a period from transaction_rollups. Kept by the rollup job (src/telemetry/rollups.ts): recomputing any
-- hour rebuilds its day from the hourly rows, in the same transaction.
CREATE TABLE transaction_rollups_daily (
  day date NOT NULL,
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
  PRIMARY KEY (day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class)
);

-- The days of the hourly rollups already computed; latency arrays are summed position by position. The rollup job
-- runs the same statement for the days it touches (rebuildDailyRollups).
INSERT INTO transaction_rollups_daily (day, consumer_system_id, provider_system_id, service_id, version_id,
  environment, leg, status_class, count, errors, request_bytes, response_bytes, duration_ms_sum, duration_ms_max,
  latency_buckets, computed_at)
WITH h AS (
  SELECT ((hour AT TIME ZONE 'UTC') + interval '7 hours')::date AS day, * FROM transaction_rollups
), totals AS (
  SELECT day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
    sum(count) AS count, sum(errors) AS errors, sum(request_bytes) AS request_bytes,
    sum(response_bytes) AS response_bytes, sum(duration_ms_sum) AS duration_ms_sum,
    max(duration_ms_max) AS duration_ms_max
  FROM h GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
), buckets AS (
  SELECT day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
    array_agg(n ORDER BY i)::bigint[] AS latency_buckets
  FROM (SELECT day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class,
      u.i, sum(u.b) AS n
    FROM h, unnest(h.latency_buckets) WITH ORDINALITY AS u(b, i)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) AS per_bucket
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
)
SELECT t.*, b.latency_buckets, now()
FROM totals t JOIN buckets b
  USING (day, consumer_system_id, provider_system_id, service_id, version_id, environment, leg, status_class);

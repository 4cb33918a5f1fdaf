-- R-07, R-23: statistics keep apart the calls the gateway REFUSED itself (no subscription, unknown resource, bad
-- token, quota…: the provider was never reached) from the ERRORS of the exchange (the provider's 5xx, the gateway
-- unable to reach or hear it in time, a mapping failure…). Until now `errors` counted both, so a provider
-- reconciling against its own records, or an operator judging a service, saw the gateway's refusals as the
-- service's failures. The criterion is refusedSql() in src/telemetry/rollups.ts (repeated below, the one place
-- outside it): an error code, no request sent on (`request_out_at IS NULL`), and not one of the exchange's own
-- failures (`GW_UPSTREAM_*`, GW_EGRESS_DENIED, GW_FED_PEER_UNAVAILABLE, GW_COMPOSITE_INCOMPLETE, GW_INTERNAL).
ALTER TABLE transaction_rollups ADD COLUMN refused bigint NOT NULL DEFAULT 0;
ALTER TABLE transaction_rollups_daily ADD COLUMN refused bigint NOT NULL DEFAULT 0;

-- Backfill of the hours already rolled up whose raw records are still kept: `errors` and `refused` of each rollup
-- row recomputed from its records, as the rollup job now computes them. Only the records with an error code or a
-- 5xx can count in either, so only those are read. A rollup row none of whose records is such had errors = 0 and
-- keeps it. Hours whose raw month was archived and dropped (src/telemetry/retention.ts) cannot be split again:
-- they keep refused = 0 and `errors` as it was counted before (refusals included) — docs/reports.md says so.
UPDATE transaction_rollups r
  SET errors = x.errors, refused = x.refused
  FROM (
    SELECT date_trunc('hour', request_in_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour,
      coalesce(consumer_system_id, '') AS consumer_system_id, coalesce(provider_system_id, '') AS provider_system_id,
      coalesce(service_id, '') AS service_id, coalesce(version_id, '') AS version_id,
      coalesce(environment, '') AS environment, leg, (consumer_status / 100)::text || 'xx' AS status_class, kind,
      count(*) FILTER (WHERE NOT refused) AS errors, count(*) FILTER (WHERE refused) AS refused
    FROM (
      SELECT *, (error_code IS NOT NULL AND request_out_at IS NULL AND left(error_code, 12) <> 'GW_UPSTREAM_'
          AND error_code NOT IN ('GW_EGRESS_DENIED', 'GW_FED_PEER_UNAVAILABLE', 'GW_COMPOSITE_INCOMPLETE',
            'GW_INTERNAL')) AS refused
      FROM transactions
      WHERE error_code IS NOT NULL OR consumer_status >= 500
    ) AS t
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ) AS x
  WHERE r.hour = x.hour AND r.consumer_system_id = x.consumer_system_id
    AND r.provider_system_id = x.provider_system_id AND r.service_id = x.service_id
    AND r.version_id = x.version_id AND r.environment = x.environment AND r.leg = x.leg
    AND r.status_class = x.status_class AND r.kind = x.kind;

-- A day is the sum of its hours (rebuildDailyRollups): its errors and refusals follow the hours just backfilled.
UPDATE transaction_rollups_daily d
  SET errors = x.errors, refused = x.refused
  FROM (
    SELECT ((hour AT TIME ZONE 'UTC') + interval '7 hours')::date AS day, consumer_system_id, provider_system_id,
      service_id, version_id, environment, leg, status_class, kind, sum(errors) AS errors, sum(refused) AS refused
    FROM transaction_rollups
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
  ) AS x
  WHERE d.day = x.day AND d.consumer_system_id = x.consumer_system_id
    AND d.provider_system_id = x.provider_system_id AND d.service_id = x.service_id
    AND d.version_id = x.version_id AND d.environment = x.environment AND d.leg = x.leg
    AND d.status_class = x.status_class AND d.kind = x.kind;

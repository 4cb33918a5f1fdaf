-- Active health probes of provider endpoints (issue 5, R-06, R-22): a version may name a path on its upstream
-- that the platform GETs every `health_check_interval_seconds`; failures open an alert, success resolves it.
ALTER TABLE service_versions
  ADD COLUMN health_check_path text,
  ADD COLUMN health_check_interval_seconds integer NOT NULL DEFAULT 60
    CHECK (health_check_interval_seconds BETWEEN 10 AND 86400);

-- Alerts can be escalated (still firing after a while) and say which organizations they concern.
ALTER TABLE alerts
  ADD COLUMN escalated_at timestamptz,
  ADD COLUMN organization_ids text[] NOT NULL DEFAULT '{}';

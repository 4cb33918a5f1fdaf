-- Lifecycle (issue 3): version succession and sunset (R-18), service decommissioning (R-21), credential rotation
-- with an overlap (R-19), public notices and maintenance windows (R-10, R-24).

ALTER TABLE service_versions DROP CONSTRAINT service_versions_status_check;
ALTER TABLE service_versions ADD CONSTRAINT service_versions_status_check
  CHECK (status IN ('draft', 'submitted', 'sandbox_test', 'published', 'deprecated', 'retired', 'rejected'));
ALTER TABLE service_versions
  ADD COLUMN published_at timestamptz,
  ADD COLUMN deprecated_at timestamptz,
  ADD COLUMN sunset_at timestamptz,
  ADD COLUMN successor_version_id text REFERENCES service_versions (id);

ALTER TABLE services
  ADD COLUMN decommission_at timestamptz,
  ADD COLUMN decommission_reason text,
  ADD COLUMN decommissioned_at timestamptz;

-- A rotated credential keeps working until expires_at (the overlap), then stops; replaced_by names its successor.
ALTER TABLE credentials
  ADD COLUMN expires_at timestamptz,
  ADD COLUMN replaced_by text REFERENCES credentials (id);

CREATE TABLE notices (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('deprecation', 'decommission', 'maintenance', 'endpoint_change', 'announcement')),
  title text NOT NULL,
  body text NOT NULL,
  service_id text REFERENCES services (id),
  version_id text REFERENCES service_versions (id),
  -- For maintenance: the window in which the affected services answer 503; null service_id means every service.
  starts_at timestamptz,
  ends_at timestamptz,
  published_at timestamptz NOT NULL,
  created_by text NOT NULL
);
CREATE INDEX notices_published ON notices (published_at);

-- Cancelling an announced maintenance window or a scheduled decommission (R-21, R-24): the original notice is
-- marked cancelled (cancelled_at, cancelled_by) and stays on the record; a new notice of kind
-- 'maintenance_cancelled' or 'decommission_cancelled' names it (cancels_notice_id) and tells the same parties.
ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
ALTER TABLE notices ADD CONSTRAINT notices_kind_check CHECK (
  kind IN (
    'deprecation', 'decommission', 'maintenance', 'endpoint_change', 'announcement',
    'maintenance_cancelled', 'decommission_cancelled'
  )
);
ALTER TABLE notices
  ADD COLUMN cancelled_at timestamptz,
  ADD COLUMN cancelled_by text,
  ADD COLUMN cancels_notice_id text REFERENCES notices (id);

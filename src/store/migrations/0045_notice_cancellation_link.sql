-- A cancelled notice names its cancellation (the API's `cancelledBy`): the portal, the console and the Atom feed
-- link an announcement to the notice that cancelled it, as the cancellation already names it (cancels_notice_id).
-- A decommission's cancellation marks every standing decommission notice of the service but names only the newest,
-- so the link is its own column, not the reverse of cancels_notice_id. `cancelled_by` stays who cancelled.
ALTER TABLE notices ADD COLUMN cancellation_notice_id text REFERENCES notices (id);

-- The cancellations published before this migration: by the notice a cancellation names, else (the older
-- decommission notices of a service) by the cancellation published in the same change, at the same instant.
UPDATE notices AS n
SET cancellation_notice_id = c.id
FROM notices AS c
WHERE n.cancelled_at IS NOT NULL
  AND c.cancels_notice_id = n.id;

UPDATE notices AS n
SET cancellation_notice_id = c.id
FROM notices AS c
WHERE n.cancelled_at IS NOT NULL
  AND n.cancellation_notice_id IS NULL
  AND n.kind = 'decommission'
  AND c.kind = 'decommission_cancelled'
  AND c.service_id = n.service_id
  AND c.published_at = n.cancelled_at;

-- Every cancelled notice has its cancellation, and only a cancelled one: both are written in one transaction.
ALTER TABLE notices ADD CONSTRAINT notices_cancellation_linked CHECK (
  (cancelled_at IS NULL) = (cancellation_notice_id IS NULL)
);

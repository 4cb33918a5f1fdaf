-- Async messages keep the resource they were sent to (issue 12 item 10): the destination gets the path and query
-- the source called, as a sync call's provider does.
-- resource_template: the declared template the call matched (`/vanban/{so}`) — routing metadata without data, kept
-- after delivery like a transaction record's template (R-20).
-- sealed_target: the path and query themselves, sealed with the payload's data key (src/messaging/payload-cipher.ts
-- `sealTarget`), since a path or a query may carry a citizen's id: cleared when the message settles, and no copy
-- (WAL, replica, backup) can be read once the key is destroyed (R-02). NULL on messages stored before: they are
-- delivered to the version's endpoint as configured.
ALTER TABLE messages ADD COLUMN resource_template text;
ALTER TABLE messages ADD COLUMN sealed_target text;

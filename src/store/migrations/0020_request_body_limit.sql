-- Issue 10 item 7: a per-version limit on the size of a sync call's request body. NULL: the platform's default
-- (`gateway.maxRequestBodyBytes`, 10 MiB). A body over the limit is answered 413 GW_BODY_TOO_LARGE and never reaches
-- the provider in full (refused on its Content-Length before connecting, or cut while it streams).
ALTER TABLE service_versions
  ADD COLUMN request_body_limit_bytes integer
    CHECK (request_body_limit_bytes IS NULL OR request_body_limit_bytes >= 1024);

-- Issue 10 item 7, limits at the edge. A per-version limit on the size of a sync call's request body; NULL: the
-- platform's default (`gateway.maxRequestBodyBytes`, 10 MiB). A body over the limit is answered 413 GW_BODY_TOO_LARGE and never reaches
-- the provider in full (refused on its Content-Length before connecting, or cut while it streams).
ALTER TABLE service_versions
  ADD COLUMN request_body_limit_bytes integer
    CHECK (request_body_limit_bytes IS NULL OR request_body_limit_bytes >= 1024);

-- The address a call came from, as the gateway vouches for it (the TCP peer, or behind a trusted proxy the client
-- it names — src/gateway/client-address.ts): evidence of who called, never an address the caller chose itself.
-- NULL for records the gateway did not receive (async delivery legs) and for records written before this.
ALTER TABLE transactions ADD COLUMN client_address text;

-- Issue 11: the console pages, sorts and searches every list on the server (docs/api-lists.md). These indexes serve
-- the default orders and the filters of those lists, so a page is read from an index rather than by sorting every
-- row. The "contains" searches (ILIKE '%…%') are not indexed: pg_trgm is not available on PGlite, and a registry
-- holds thousands of rows, which a scan of the filtered rows handles in milliseconds. Sorting by a name uses
-- lower(name), as the API does (src/store/paging.ts), so these are expression indexes.

-- Registry lists: sort by name, newest first, and the filters not indexed yet.
CREATE INDEX organizations_name ON organizations (lower(name));
CREATE INDEX systems_name ON systems (lower(name));
CREATE INDEX systems_created ON systems (created_at, id);
CREATE INDEX services_name ON services (lower(name));
CREATE INDEX services_provider ON services (provider_system_id);
CREATE INDEX services_created ON services (created_at, id);
CREATE INDEX service_versions_status ON service_versions (status);
CREATE INDEX subscriptions_version ON subscriptions (version_id);
CREATE INDEX subscriptions_created ON subscriptions (created_at, id);
CREATE INDEX credentials_created ON credentials (created_at, id);

-- The audit trail, newest first by its chain position, filtered by object, action or actor.
CREATE INDEX audit_events_object_seq ON audit_events (object_id, seq);
CREATE INDEX audit_events_action_seq ON audit_events (action, seq);
CREATE INDEX audit_events_actor_seq ON audit_events (actor, seq);

-- The transaction log's "errors only" view (status=error, or a class such as 5xx), newest first; on the
-- partitioned parent, so every monthly partition, present and future, gets it.
CREATE INDEX transactions_errors ON transactions (request_in_at) WHERE consumer_status >= 400;

-- Changes to a published version go through review (issue 10, R-11, R-19): an agency proposes new upstreams and/or
-- resources for its published (or deprecated) version with a reason; the operator approves it for a sandbox test —
-- while the request is in `sandbox_test` the version's sandbox environment serves the proposed configuration, and
-- production keeps the reviewed one — then applies it once the gateway has recorded a successful sandbox call
-- made after the test opened. The operator may reject (with reasons) at any step before it is applied; the agency
-- may withdraw. At most one change of a version is open at a time, so what is tested is what is applied.

CREATE TABLE version_change_requests (
  id text PRIMARY KEY,
  version_id text NOT NULL REFERENCES service_versions (id),
  -- The proposal: the upstreams it sets, by environment (a key absent is unchanged, null removes that upstream),
  -- and the resource templates that replace the version's, or null for unchanged.
  proposed_upstreams jsonb NOT NULL DEFAULT '{}',
  proposed_resources jsonb,
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('submitted', 'sandbox_test', 'applied', 'rejected', 'withdrawn')),
  reasons text[] NOT NULL DEFAULT '{}',
  -- The configuration the version had when the change was applied, kept as the record of what it replaced.
  previous jsonb,
  -- The successful sandbox call that allowed applying it.
  sandbox_evidence_txn_id text,
  requested_by text NOT NULL,
  submitted_at timestamptz NOT NULL,
  stage_started_at timestamptz NOT NULL,
  decided_by text,
  decided_at timestamptz,
  updated_at timestamptz NOT NULL,
  CHECK (status <> 'rejected' OR cardinality(reasons) > 0)
);
CREATE INDEX version_change_requests_version ON version_change_requests (version_id, submitted_at);
-- One open change per version: what the sandbox tests is what production gets.
CREATE UNIQUE INDEX version_change_requests_open ON version_change_requests (version_id)
  WHERE status IN ('submitted', 'sandbox_test');

-- Connection requests (R-08): an organization applies, with the fields of the regulation's Appendix (purpose,
-- scope of use, contact point, other proposals), to connect an information system to the LGSP; the operator
-- approves (which creates the system, in the same transaction) or rejects with a reason.

CREATE TABLE connection_requests (
  id text PRIMARY KEY,
  organization_id text NOT NULL REFERENCES organizations (id),
  system_name text NOT NULL,
  system_description text,
  is_provider boolean NOT NULL,
  is_consumer boolean NOT NULL,
  -- 1. Mục đích sử dụng
  purpose text NOT NULL,
  -- 2. Phạm vi sử dụng tại cơ quan chủ quản
  scope_of_use text NOT NULL,
  -- 3. Đầu mối phối hợp: {name, title, unit, phone, email}
  contact jsonb NOT NULL,
  -- 4. Các đề xuất, kiến nghị khác
  other_proposals text,
  -- Số công văn of the agency's letter, when it has one.
  letter_number text,
  status text NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
  decision_reason text,
  decided_by text,
  decided_at timestamptz,
  -- The system created on approval.
  system_id text REFERENCES systems (id),
  submitted_by text NOT NULL,
  submitted_at timestamptz NOT NULL,
  CHECK (is_provider OR is_consumer),
  -- A rejection always says why; an approval always names its system.
  CHECK (status <> 'rejected' OR (decision_reason IS NOT NULL AND decision_reason <> '')),
  CHECK (status <> 'approved' OR system_id IS NOT NULL)
);
CREATE INDEX connection_requests_status ON connection_requests (status, submitted_at);
CREATE INDEX connection_requests_organization ON connection_requests (organization_id, submitted_at);

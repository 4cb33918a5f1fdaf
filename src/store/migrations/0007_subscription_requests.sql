-- Subscription requests (R-12, Art. 11.2): a consumer system registers for a published service version with its
-- application, purpose, frequency (→ the quota) and time of use (→ the allowed window); the operator approves the
-- sandbox (subscription, credential, technical guide), then — after a successful sandbox call — production; or
-- asks for completion, or rejects, always with reasons. The operator has 2 working days from the start of each
-- waiting stage (Decree 194/2025), counted from stage_started_at.

CREATE TABLE subscription_requests (
  id text PRIMARY KEY,
  system_id text NOT NULL REFERENCES systems (id),
  version_id text NOT NULL REFERENCES service_versions (id),
  -- Which application of the consumer will call the service.
  application text NOT NULL,
  purpose text NOT NULL,
  -- Frequency of use: becomes the subscription's quotas.
  frequency_per_day integer NOT NULL CHECK (frequency_per_day > 0),
  frequency_per_minute integer CHECK (frequency_per_minute IS NULL OR frequency_per_minute > 0),
  -- Time of use, local "HH:MM-HH:MM", or null for all day: becomes the subscription's window.
  time_of_use text,
  other_notes text,
  status text NOT NULL CHECK (
    status IN ('submitted', 'sandbox_approved', 'production_requested', 'production_approved', 'needs_completion',
               'rejected')
  ),
  -- Why it was rejected, or what must be completed.
  reasons text[] NOT NULL DEFAULT '{}',
  -- The waiting stage a needs_completion request returns to when resubmitted.
  completion_stage text CHECK (completion_stage IN ('submitted', 'production_requested')),
  sandbox_subscription_id text REFERENCES subscriptions (id),
  production_subscription_id text REFERENCES subscriptions (id),
  -- Credentials issued by the approvals (null when the system already had an active one), and when the consumer
  -- collected their secret (once: the secret is generated at collection and never stored, R-25).
  sandbox_credential_id text REFERENCES credentials (id),
  production_credential_id text REFERENCES credentials (id),
  sandbox_credential_collected_at timestamptz,
  production_credential_collected_at timestamptz,
  -- The successful sandbox call that allowed asking for production.
  sandbox_evidence_txn_id text,
  requested_by text NOT NULL,
  submitted_at timestamptz NOT NULL,
  stage_started_at timestamptz NOT NULL,
  decided_by text,
  decided_at timestamptz,
  updated_at timestamptz NOT NULL,
  CHECK (status NOT IN ('rejected', 'needs_completion') OR cardinality(reasons) > 0),
  CHECK (status <> 'needs_completion' OR completion_stage IS NOT NULL)
);
CREATE INDEX subscription_requests_status ON subscription_requests (status, stage_started_at);
CREATE INDEX subscription_requests_system ON subscription_requests (system_id, submitted_at);

-- Issue 12 item 5 (R-17): composite services declared as data (docs/aggregation.md). A version whose `composite`
-- is set has no upstream of its own: the gateway calls the backends it lists — each a published version of this
-- platform, called as the composite's provider system with that system's subscriptions — and merges the answers in
-- memory (R-02: nothing of them is stored). The definition is JSON validated when saved
-- (src/control/composites.ts); each backend's `versionId` is resolved then, so renaming nothing breaks it.
ALTER TABLE service_versions ADD COLUMN composite jsonb;

-- Each backend call of a composite is recorded like a direct call, as a child of the consumer's transaction: its
-- consumer is the composite's provider system, and `parent_transaction_id` names the consumer's record. Statistics
-- and reconciliation then count the consumer's call once (under the consumer) and the backend calls under the
-- composite's provider. NULL for every other record.
ALTER TABLE transactions ADD COLUMN parent_transaction_id text;
CREATE INDEX transactions_parent ON transactions (parent_transaction_id) WHERE parent_transaction_id IS NOT NULL;

-- The subscriptions that publishing a composite granted its provider system to the backends (platform-owned: the
-- operator's approval of the composite is their approval), so that they can be told apart from requested ones.
CREATE TABLE composite_grants (
  subscription_id text PRIMARY KEY REFERENCES subscriptions (id),
  composite_version_id text NOT NULL REFERENCES service_versions (id),
  created_at timestamptz NOT NULL
);
CREATE INDEX composite_grants_version ON composite_grants (composite_version_id);

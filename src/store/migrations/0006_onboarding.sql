-- Provider onboarding (issue 3, R-11): a version is submitted with its technical document, tested in the
-- sandbox, and published only with the recorded sandbox call as evidence; a rejection carries its reason.
ALTER TABLE service_versions
  ADD COLUMN technical_document text,
  ADD COLUMN technical_document_type text CHECK (technical_document_type IN ('openapi', 'wsdl')),
  ADD COLUMN submitted_at timestamptz,
  ADD COLUMN rejection_reason text,
  ADD COLUMN sandbox_evidence_txn_id text;

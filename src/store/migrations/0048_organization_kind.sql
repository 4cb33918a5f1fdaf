-- An organization is an agency, or a peer platform's presence here (DESIGN.md "Federation"), as its system of kind
-- 'platform' is (0029). Peer registration creates such an organization without a contact point: a peer platform is
-- no agency, notices reach its side as they reach any consumer platform (the public notices, Deprecation/Sunset on
-- each call), and the operator has no e-mail of an agency's contact to give it. Marked here, it is no longer listed
-- as an organization notices cannot reach (R-09, `contact=missing`). Those registered before are found by the
-- platform system their peer registration made.
ALTER TABLE organizations
  ADD COLUMN kind text NOT NULL DEFAULT 'agency' CHECK (kind IN ('agency', 'platform'));

UPDATE organizations
SET kind = 'platform'
WHERE id IN (SELECT organization_id FROM systems WHERE kind = 'platform');

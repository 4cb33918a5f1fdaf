-- The admin login's counters kept every typed name as it was (`user:<name>`), including names no account has —
-- often a password typed into the name box — and the table is in every backup (R-25). From now on such a name is
-- counted under its keyed digest (`name#<digest>`, src/core/backoff.ts THROTTLE_SUBJECT; the key is derived from the
-- key-encryption key, which SQL does not have), so the rows written before for names no account has are deleted:
-- their counts restart. Accounts' rows and the addresses' are kept.
DELETE FROM login_throttle
WHERE subject LIKE 'user:%'
  AND substr(subject, 6) NOT IN (SELECT username FROM users);

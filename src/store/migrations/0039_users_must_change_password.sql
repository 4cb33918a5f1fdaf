-- An operator's reset (or the offline recovery) gives a user a password someone else has seen: the user must
-- replace it. The console sends such a user to the change page after signing in; changing the password clears it.
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;

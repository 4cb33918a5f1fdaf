-- Failed sign-ins that name no account (a typed name no account has, an SSO callback refused before anyone was
-- named) are folded (src/control/sign-ins.ts): one row per source address, method, outcome and reason per hour, with
-- how many attempts it stands for and the last one's time, instead of one row each — anyone can send them from many
-- addresses, forever, and they buried the attempts on real accounts an operator must read. Beyond a bound of such
-- rows per hour the rest is counted in one summary row per method, outcome and reason (address '*'). `fold_key`
-- names the row an attempt is folded into (null: a row of its own); rows written before keep attempts = 1.
ALTER TABLE sign_ins ADD COLUMN attempts integer NOT NULL DEFAULT 1;
ALTER TABLE sign_ins ADD COLUMN last_at timestamptz;
ALTER TABLE sign_ins ADD COLUMN fold_key text;
CREATE UNIQUE INDEX sign_ins_fold_key ON sign_ins (fold_key);

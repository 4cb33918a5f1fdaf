-- Brute-force limits of the admin login (issue 10 item 5): failed sign-ins counted per username (`user:<name>`)
-- and per client address (`addr:<address>`), and until when each is blocked. Kept in the store so that a restart
-- does not lift a lockout; an operator lifts one by deleting its row (`lgsp user unlock`). Never a password.
CREATE TABLE login_throttle (
  subject text PRIMARY KEY,
  failures integer NOT NULL,
  last_failure_at timestamptz NOT NULL,
  blocked_until timestamptz NOT NULL
);
-- Rows without a recent failure are swept; the alert rule sums recent failures.
CREATE INDEX login_throttle_last_failure ON login_throttle (last_failure_at);

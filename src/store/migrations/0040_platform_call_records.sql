-- A request to the platform's own endpoints `/_lgsp/…` — a consumer polling its message's status or receipt, a
-- destination polling an empty inbox, and any of them refused — is its own kind of record, `platform_call`: it is
-- recorded (R-20 evidence) but it is no call to a service (it names none), so, like a `/token` request (0021), the
-- statistics leave it out unless asked and name it "Trạng thái và hộp thư của nền tảng / platform message
-- endpoints" when asked, instead of a "(không xác định / unknown)" service. A pulled message and an acknowledgement
-- stay what they were: the `delivery` and `ack` legs of their message, of its service. `kind` is set by the
-- gateway (src/gateway/messaging-endpoints.ts).
ALTER TABLE transactions DROP CONSTRAINT IF EXISTS transactions_kind_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_kind_check
  CHECK (kind IN ('service_call', 'token_request', 'platform_call'));

-- Before this, such a request was a `service_call` with a `/_lgsp/` resource template and no service.
UPDATE transactions SET kind = 'platform_call'
  WHERE resource_template LIKE '/\_lgsp/%' AND service_id IS NULL AND kind = 'service_call';

-- As in 0021: moving the rollup job's watermark back to the first such record's hour makes it compute those hours
-- again from the raw records (which now carry their kind), and makes statistics read them from the raw records
-- until it has. Hours whose raw month was archived keep their rollups as they were (docs/reports.md).
UPDATE job_watermarks
  SET value = LEAST(value, (
    SELECT date_trunc('hour', min(request_in_at) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    FROM transactions WHERE kind = 'platform_call'))
  WHERE name = 'transaction_rollups';

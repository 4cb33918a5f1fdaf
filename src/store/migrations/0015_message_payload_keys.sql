-- Cryptographic deletion of message payloads (issue 10 item 3, R-02): every payload chunk in `message_payloads` is
-- sealed with AES-256-GCM under a data key of its acceptance epoch (src/messaging/payload-keys.ts). The key itself
-- is never stored here — anything written to the store survives in its WAL, a wrapped key as well — but in a key
-- file outside the store; a message only names it. Once the key is destroyed, no copy of the payload left in the
-- WAL, the table files, a replica or a backup can be read.
-- NULL: a message stored before payloads were sealed, read as stored until it is delivered.
ALTER TABLE messages ADD COLUMN payload_key_id text;

-- Which epoch keys still seal a stored payload (asked before a key is destroyed): only pending messages count.
CREATE INDEX messages_payload_key ON messages (payload_key_id) WHERE state IN ('accepted', 'delivering');

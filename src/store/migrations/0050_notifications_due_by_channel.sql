-- The outbox's e-mail and webhooks are lanes of their own (src/notify/notifier.ts): each claims the due rows of its
-- channel. notifications_due (status, next_attempt_at) made the webhook lane's claim read past every pending e-mail
-- due before its rows — and without SMTP configured e-mails stay pending (a notice delivered late rather than marked
-- failed, R-21), so a platform that never set it read its whole e-mail backlog at every poll. This index holds only
-- the pending rows, each channel in due order; nothing else read notifications_due.
CREATE INDEX notifications_due_by_channel ON notifications (channel, next_attempt_at) WHERE status = 'pending';
DROP INDEX notifications_due;

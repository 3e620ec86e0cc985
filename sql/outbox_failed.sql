-- outbox_failed.sql: records why one message could not go now; it keeps waiting.
-- Parameters: $message_id, $error.
update outbox set last_error = $error where message_id = $message_id

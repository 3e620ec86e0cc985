-- outbox_attempt.sql: marks that an attempt to send one message begins. Parameters: $message_id.
update outbox set attempts = attempts + 1, attempted_at = coalesce(attempted_at, now()) where message_id = $message_id

-- outbox_retry.sql: puts dead messages back in line ($message_id, or every dead one when NULL); the
-- next delivery sends them again (after searching for them, if an earlier attempt may have posted).
-- Parameters: $message_id. Returns how many messages changed.
update outbox set dead_at = null
where dead_at is not null and sent_at is null and dropped_at is null
    and ($message_id is null or message_id = $message_id)

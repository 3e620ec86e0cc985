-- outbox_drop.sql: drops a waiting or dead message ($message_id; every dead one when NULL): it is
-- never sent, and stays in the outbox as dropped. Parameters: $message_id.
update outbox set dropped_at = now()
where sent_at is null and dropped_at is null
    and (message_id = $message_id or ($message_id is null and dead_at is not null))

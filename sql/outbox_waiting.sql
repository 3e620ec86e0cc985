-- outbox_waiting.sql: the messages waiting to go out, oldest first, with when their last attempt
-- began (NULL: never tried; else it may have reached Slack). No parameters.
select message_id, coalesce(message_key, 'outbox-' || message_id), channel, channel_setting, payload, attempted_at
from outbox
where sent_at is null and dead_at is null and dropped_at is null
order by message_id

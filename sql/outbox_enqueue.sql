-- outbox_enqueue.sql: queues one Slack message, in the transaction of the change it announces.
-- Parameters: $alert_id (NULL for a digest or review), $kind, $channel, $channel_setting (the
-- setting that named the channel), $payload (JSON text), $message_key (unique; Slack metadata).
insert into outbox (message_id, created_at, alert_id, kind, channel, channel_setting, payload, attempts, message_key)
select coalesce(max(message_id), 0) + 1, now(), $alert_id, $kind, $channel, $channel_setting, $payload, 0, $message_key
from outbox

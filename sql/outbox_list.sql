-- outbox_list.sql: the messages that have not gone out (waiting and dead), oldest first, for
-- `llm-vitals outbox`. No parameters.
select message_id, created_at, kind, channel, channel_setting, state, attempts, last_error, left(text, 120) as text
from outbox_messages
where state in ('waiting', 'dead')
order by message_id

-- outbox_sent.sql: marks one message sent, with the ts Slack gave it. Parameters: $message_id, $slack_ts.
update outbox set sent_at = now(), slack_ts = $slack_ts, last_error = null where message_id = $message_id

-- outbox_dead.sql: sets one message aside: Slack refused it for good ($error says why and what to
-- fix). `llm-vitals outbox --retry` puts it back. Parameters: $message_id, $error.
update outbox set dead_at = now(), last_error = $error where message_id = $message_id

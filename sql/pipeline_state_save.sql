-- pipeline_state_save.sql: keeps one value between runs. Parameters: $state_name, $value.
insert or replace into pipeline_state (name, value) values ($state_name, $value)

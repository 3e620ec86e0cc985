-- pipeline_state_value.sql: one value the pipeline keeps between runs. Parameter: $state_name.
select value from pipeline_state where name = $state_name

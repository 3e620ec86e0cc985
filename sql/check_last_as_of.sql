-- check_last_as_of.sql: the latest as_of a check run judged that was not a look back.
select max(as_of) from check_runs where not look_back

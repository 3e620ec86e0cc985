-- digest_data_quality.sql: records rejected in the week by reason (values elided), and the
-- duplicates the week's ingest batches left out. Parameters: $week_start, $week_end.
select regexp_replace(reason, '"[^"]*"', '"…"') as reason, count(*) as records
from rejected_records
where rejected_at >= $week_start and rejected_at < $week_end
group by all
union all
select 'duplicates (later copies of a request_id)', coalesce(sum(duplicates), 0)::bigint
from ingest_batches
where finished_at >= $week_start and finished_at < $week_end
order by records desc

-- Parser failure rate by prompt version per day: which versions raised it.
select window_start::date as day, segment as prompt_version,
    round(100 * parser_failure_rate, 2) as parser_failure_pct, requests
from metrics_daily
where dimension = 'prompt_version' and parser_failure_rate is not null
order by day, prompt_version;

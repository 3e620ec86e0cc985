-- demo_finding_parser.sql: the demo's parser incident, by prompt version (printed after the demo).
select
    segment as prompt_version,
    round(100 * sum(value * sample_size) / sum(sample_size), 2) as parser_failure_pct,
    sum(sample_size) as structured_calls
from metrics
where grain = 'day' and dimension = 'prompt_version' and metric = 'parser_failure_rate'
    and segment in ('v7', 'v8', 'v9')
group by segment
order by segment

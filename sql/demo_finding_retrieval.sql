-- demo_finding_retrieval.sql: the demo's retrieval outage, the worst days by tenant.
select
    window_start::date as day,
    segment as tenant,
    round(100 * value, 1) as empty_pct,
    sample_size as retrievals
from metrics
where grain = 'day' and dimension = 'tenant' and metric = 'retrieval_empty_rate' and sample_size >= 30
order by value desc
limit 3

-- check_baseline_calls.sql: the call baselines of the quantile and mean checks that read one
-- column ($source: latency, ttft, tokens or cost) over one baseline range [$range_start,
-- $range_end), per segment, into table check_baselines (a cache: a range is computed once, and
-- sql/metrics_replace.sql forgets the ranges that recomputed hours fall in). A quantile is of every
-- call in the range (not a median of windows); a mean comes with the 90th percentile of single
-- calls, which the exceedance test counts against. One column a statement: an exact quantile keeps
-- every value and does not spill, so four columns at once held 2 GB on a week of 8 M calls.
-- Parameters: $range_start, $range_end, $source.
insert into check_baselines (range_start, range_end, dimension, segment, metric, value, p90, sample_size)
with samples as (
    select
        dimension,
        segment,
        case $source
            when 'latency' then latency_ms
            when 'ttft' then ttft_ms
            when 'tokens' then tokens
            when 'cost' then cost_usd
        end as value,
        -- cost also as stored (DECIMAL; the case above makes it DOUBLE), so that its mean is one
        -- exact sum: a sum of DOUBLEs depends on the order DuckDB adds them in
        case when $source = 'cost' then cost_usd end as cost,
    from check_segment_calls($range_start, $range_end)
),

per_segment as (
    select
        dimension,
        segment,
        count(value) as sample_size,
        coalesce(sum(cost) / nullif(count(cost), 0), avg(value)) as mean,
        quantile_cont(value, [0.9, 0.95, 0.99]) as quantiles,
    from samples
    group by dimension, segment
),

checks (source, metric, statistic) as (
    values
        ('latency', 'latency_p95_ms', 'p95'),
        ('latency', 'latency_p99_ms', 'p99'),
        ('ttft', 'ttft_p95_ms', 'p95'),
        ('tokens', 'tokens_per_request', 'mean'),
        ('cost', 'cost_per_request_usd', 'mean')
)

select
    $range_start,
    $range_end,
    per_segment.dimension,
    per_segment.segment,
    checks.metric,
    case checks.statistic
        when 'p95' then per_segment.quantiles[2]
        when 'p99' then per_segment.quantiles[3]
        else per_segment.mean
    end,
    case when checks.statistic = 'mean' then per_segment.quantiles[1] end,
    per_segment.sample_size
from per_segment
inner join checks on checks.source = $source

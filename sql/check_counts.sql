-- check_counts.sql: the rate checks' counts (each rate's events and trials, as in sql/cells_in_range.sql)
-- per segment of every dimension, summed from the hourly cells of metric_cells over each of the
-- ranges given: the windows a check run tests and their baselines. One row per (range, dimension,
-- segment); segment 'all' for dimension all, '' for calls without a tenant or prompt version.
-- Parameters: $ranges (a list of {range_start, range_end}).
with ranges as (
    select distinct unnest($ranges::struct(range_start timestamptz, range_end timestamptz)[], recursive := true)
),

cells as (
    select
        ranges.range_start,
        ranges.range_end,
        metric_cells.*,
    from metric_cells
    inner join ranges
        on metric_cells.hour_start >= ranges.range_start and metric_cells.hour_start < ranges.range_end
),

final as (
    select
        range_start,
        range_end,
        dimension_of(grouping(route), grouping(model), grouping(prompt_version), grouping(tenant)) as dimension,
        coalesce(route, model, prompt_version, tenant, 'all') as segment,
        sum(calls)::bigint as calls,
        sum(failed_calls)::bigint as failed_calls,
        sum(timeouts)::bigint as timeouts,
        sum(rate_limited_calls)::bigint as rate_limited_calls,
        sum(structured_calls)::bigint as structured_calls,
        sum(parse_failures)::bigint as parse_failures,
        sum(retrieval_calls)::bigint as retrieval_calls,
        sum(empty_retrievals)::bigint as empty_retrievals,
        sum(calls_with_truncation_flag)::bigint as calls_with_truncation_flag,
        sum(truncated_calls)::bigint as truncated_calls,
        sum(calls_with_fallback_flag)::bigint as calls_with_fallback_flag,
        sum(fallback_calls)::bigint as fallback_calls,
        sum(calls_with_escalation_flag)::bigint as calls_with_escalation_flag,
        sum(escalated_calls)::bigint as escalated_calls,
        sum(evaluated_calls)::bigint as evaluated_calls,
        sum(passed_evals)::bigint as passed_evals,
        sum(priceable_calls - priced_calls)::bigint as unpriced_calls,
        sum(priceable_calls)::bigint as priceable_calls,
    from cells
    group by grouping sets (
        (range_start, range_end), (range_start, range_end, route), (range_start, range_end, model),
        (range_start, range_end, prompt_version), (range_start, range_end, tenant)
    )
)

select * from final

-- review_models.sql: per model, calls and cost in the month and the month before, from the hourly
-- cells (exact sums). Parameters: $month_start, $previous_start, $month_end.
select
    model,
    sum(calls) filter (where hour_start >= $month_start)::bigint as calls,
    sum(calls) filter (where hour_start < $month_start)::bigint as calls_before,
    sum(cost_usd) filter (where hour_start >= $month_start)::double as cost_usd,
    sum(cost_usd) filter (where hour_start < $month_start)::double as cost_usd_before,
from metric_cells
where hour_start >= $previous_start and hour_start < $month_end
group by model
order by calls desc nulls last, model

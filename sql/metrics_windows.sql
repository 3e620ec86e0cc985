-- metrics_windows.sql: what this run recomputes.
-- Temp table metric_windows, the (grain, window_start) windows: every hour, day and week holding a
-- call of a task that batches after $since_batch_id touched (a new call can change the first call,
-- outcome or cost of an older task), or every window when $full, and every hour overlapping
-- [$range_start, $range_end) when they are not NULL (a backfill: its hours may have lost calls);
-- plus the weeks of temp table tail_weeks.
-- Temp table tail_weeks, the weeks whose latency and TTFT quantiles are recomputed from their calls
-- (the others keep those in metric_week_tails, computed through an earlier hour): every week when
-- $full; a touched week without them; a week where calls came or went before its computed_through
-- (late calls, a backfill); and a week with calls after computed_through when the run brings calls
-- of a later day than the last one computed_through covers. So the first run that brings a day's
-- calls, and the first run after a week ends, bring the week's quantiles up to date; so does a run
-- given $weeks_ended_by (the digest's), for every week ended by then that has calls after them.
-- Macro kept_hour, for the statements that add up the kept cells (at the end).
-- Parameters: $since_batch_id, $full, $range_start, $range_end, $weeks_ended_by (or NULL).
create or replace temp table metric_windows as
with touched_tasks as (
    select distinct task_id
    from requests
    where not $full and batch_id > $since_batch_id
),

touched_hours as (
    select distinct date_trunc('hour', started_at) as hour_start
    from requests
    where $full or task_id in (select task_id from touched_tasks)
    union
    select unnest(range(date_trunc('hour', $range_start::timestamptz), $range_end::timestamptz, interval 1 hour))
    where $range_start is not null
)

select 'hour' as grain, hour_start as window_start from touched_hours
union
select 'day', date_trunc('day', hour_start) from touched_hours
union
select 'week', date_trunc('week', hour_start) from touched_hours;

create or replace temp table tail_weeks as
with computed as (
    select week_start, week_start + interval 7 days as week_end, max(computed_through) as computed_through
    from metric_week_tails
    group by week_start
),

touched_weeks as (
    select window_start as week_start
    from metric_windows
    where grain = 'week'
),

new_call_hours as (
    -- where calls came or went: the hours of the new batches' calls and of a backfill's range (the
    -- older hours of their tasks' calls are recomputed for task metrics; their quantiles stand)
    select distinct date_trunc('hour', started_at) as hour_start
    from requests
    where not $full and batch_id > $since_batch_id
    union
    select unnest(range(date_trunc('hour', $range_start::timestamptz), $range_end::timestamptz, interval 1 hour))
    where $range_start is not null
),

uncovered as (
    -- the weeks with calls after their quantiles' computed_through, kept or new
    select computed.*
    from computed
    where computed.computed_through < computed.week_end
        and (
            exists (
                select 1 from metric_cells
                where metric_cells.hour_start >= computed.computed_through
                    and metric_cells.hour_start < computed.week_end
            )
            or exists (
                select 1 from new_call_hours
                where new_call_hours.hour_start >= computed.computed_through
                    and new_call_hours.hour_start < computed.week_end
            )
        )
),

due as (
    select week_start from touched_weeks where $full
    union
    select week_start from touched_weeks anti join computed using (week_start)
    union
    select computed.week_start
    from computed
    join new_call_hours
        on date_trunc('week', new_call_hours.hour_start) = computed.week_start
        and new_call_hours.hour_start < computed.computed_through
    union
    select uncovered.week_start
    from uncovered
    where exists (
        -- new calls of a later day than the last one covered
        select 1 from new_call_hours
        where date_trunc('day', new_call_hours.hour_start) > date_trunc('day', uncovered.computed_through - interval 1 hour)
    )
    union
    select week_start from uncovered where week_end <= $weeks_ended_by
)

select distinct week_start from due;

insert into metric_windows
select 'week', week_start from tail_weeks
except
select grain, window_start from metric_windows;


-- kept_hour(hour_start): an hour of the weeks this run recomputes that the run does not recompute
-- itself: its days and weeks add up the cells kept for it (made here: it needs metric_windows).
create or replace temp macro kept_hour(hour_start) as
    hour_start >= (select min(window_start) from metric_windows where grain = 'week')
    and date_trunc('week', hour_start) in (select window_start from metric_windows where grain = 'week')
    and hour_start not in (select window_start from metric_windows where grain = 'hour');

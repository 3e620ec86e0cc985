-- slo_status_store.sql: one check run's SLO status (error budget left and burn rates per SLO and
-- segment) into table slo_status, replacing an earlier run's at the same as_of. Parameters:
-- $as_of, $rows (a list of {slo, objective, dimension, segment, target, window_days, good, total,
-- budget_remaining, burn_1h, burn_6h, burn_3d}).
delete from slo_status
where as_of = $as_of;

insert into slo_status (
    as_of, slo, objective, dimension, segment, target, window_days, good, total, budget_remaining, burn_1h, burn_6h, burn_3d
)
select
    $as_of,
    slo,
    objective,
    dimension,
    segment,
    target,
    window_days,
    good,
    total,
    budget_remaining,
    burn_1h,
    burn_6h,
    burn_3d,
from (
    select unnest($rows::struct(
        slo varchar, objective varchar, dimension varchar, segment varchar, target double, window_days integer,
        good bigint, total bigint, budget_remaining double, burn_1h double, burn_6h double, burn_3d double
    )[], recursive := true)
);

-- Cost per successful task by tenant, this month so far (UTC). In `metrics`, the sample size of
-- cost_per_successful_task_usd is the number of successful tasks, so value x sample_size is the cost.
select segment as tenant,
    round(sum(value * sample_size) / sum(sample_size), 5) as usd_per_successful_task,
    sum(sample_size) as successful_tasks
from metrics
where grain = 'day' and dimension = 'tenant' and metric = 'cost_per_successful_task_usd'
    and window_start >= date_trunc('month', now()) and sample_size > 0
group by tenant
order by usd_per_successful_task desc;

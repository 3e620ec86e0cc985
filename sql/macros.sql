-- macros.sql: SQL macros shared by the ingest and metrics statements; created per connection (temporary).
-- redact_free_text(text): the text with e-mail addresses, API keys, card and phone numbers masked.
create or replace temp macro redact_free_text(text) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    text,
                    '(sk|pk|rk)[-_][A-Za-z0-9_-]{16,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|AIza[0-9A-Za-z_-]{35}|[Bb]earer\s+[A-Za-z0-9._~+/-]{16,}=*',
                    '[API_KEY]', 'g'),
                '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', '[EMAIL]', 'g'),
            '\b\d(?:[ -]?\d){12,18}\b', '[CARD]', 'g'),
        '\+?\(?\d{1,4}\)?(?:[ .-]?\(?\d{2,4}\)?){2,5}\d', '[PHONE]', 'g');

-- Labels of a GROUPING SETS row of the metrics statements, from grouping() of each key (0: grouped by it).
create or replace temp macro grain_of(hour_grouping, day_grouping) as
    case when hour_grouping = 0 then 'hour' when day_grouping = 0 then 'day' else 'week' end;

create or replace temp macro dimension_of(route_grouping, model_grouping, version_grouping, tenant_grouping) as
    case
        when route_grouping = 0 then 'route'
        when model_grouping = 0 then 'model'
        when version_grouping = 0 then 'prompt_version'
        when tenant_grouping = 0 then 'tenant'
        else 'all'
    end;

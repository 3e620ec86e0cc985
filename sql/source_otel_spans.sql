-- source_otel_spans.sql: the spans of one OTLP/JSON file (the OpenTelemetry Collector's file
-- exporter: one ExportTraceServiceRequest per line) into temp table source_records, one row per
-- span in file order, with its attributes and its resource's attributes as flat JSON objects keyed
-- by attribute name ("gen_ai.request.model": "gpt-4o"). Values keep their OTLP/JSON form (int64
-- as text), except that an array is a plain JSON list of its values (["stop"]). Spans without a gen_ai.* attribute are not LLM calls and
-- are left out. Parameters: $path, $compression (gzip or none), $max_line_bytes.
create or replace macro otlp_attributes(list) as (
    select coalesce(json_group_object(
        attribute ->> 'key',
        coalesce(
            attribute -> '$.value.stringValue', attribute -> '$.value.intValue',
            attribute -> '$.value.doubleValue', attribute -> '$.value.boolValue',
            case when (attribute -> '$.value.arrayValue') is not null then to_json(list_transform(
                coalesce(from_json(attribute -> '$.value.arrayValue.values', '["JSON"]'), []),
                lambda item: coalesce(item -> 'stringValue', item -> 'intValue', item -> 'doubleValue', item -> 'boolValue')
            )) end,
            attribute -> '$.value.kvlistValue'
        )
    ), '{}')
    from (select unnest(coalesce(from_json(list, '["JSON"]'), [])) as attribute)
);

create or replace temp table source_records as
with requests_in_file as (
    select "resourceSpans" as resource_spans
    from read_json(
        $path,
        compression = $compression,
        format = 'newline_delimited',
        columns = {'resourceSpans': 'JSON'},
        maximum_object_size = $max_line_bytes
    )
),

resource_spans as (
    select unnest(from_json(resource_spans, '["JSON"]')) as resource_span
    from requests_in_file
),

scope_spans as (
    select
        resource_span -> 'resource' as resource,
        unnest(from_json(resource_span -> 'scopeSpans', '["JSON"]')) as scope_span
    from resource_spans
),

spans as (
    select resource, unnest(from_json(scope_span -> 'spans', '["JSON"]')) as span
    from scope_spans
)

select
    span ->> 'traceId' as trace_id,
    span ->> 'spanId' as span_id,
    span ->> 'name' as name,
    span ->> 'startTimeUnixNano' as start_time_unix_nano,
    span ->> 'endTimeUnixNano' as end_time_unix_nano,
    span ->> '$.status.code' as status_code,
    span ->> '$.status.message' as status_message,
    otlp_attributes(span -> 'attributes') as attributes,
    otlp_attributes(resource -> 'attributes') as resource,
    null::varchar as record,
from spans
where len(list_filter(json_keys(otlp_attributes(span -> 'attributes')), lambda key: starts_with(key, 'gen_ai.'))) > 0

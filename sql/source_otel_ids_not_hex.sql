-- source_otel_ids_not_hex.sql: the first span of source_records whose span or trace id is not
-- hex, as OTLP/JSON writes them (16 and 32 hex digits). Protobuf's MessageToJson writes base64.
select span_id, trace_id
from source_records
where not regexp_full_match(coalesce(span_id, ''), '[0-9a-fA-F]{16}')
    or not regexp_full_match(coalesce(trace_id, ''), '[0-9a-fA-F]{32}')
limit 1

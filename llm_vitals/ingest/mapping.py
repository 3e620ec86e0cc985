"""Mappings: turn any log shape into the request-log contract, as one DuckDB projection.

A mapping file (YAML) says, for each contract field, where its value comes from:

    fields:
      request_id: id                          # a column (or, for JSON Lines, a top-level key)
      route: metadata.route                   # a path into a JSON column: dots, [0], ["dotted.key"]
      model: {first_of: [response_model, request_model]}
      timestamp: {from: start_ns, epoch: ns}  # epoch numbers (s, ms, us, ns) or timestamp text
      latency_ms: {duration_ms: [startTime, endTime]}      # end - start, timestamps or epochs
      ttft_ms: {from: ttft_seconds, scale: 1000}           # unit conversion
      status:                                  # value maps, ordered cases, defaults
        case:
          - {from: 'attributes["error.type"]', equals: timeout, value: timeout}
          - {from: 'attributes["error.type"]', present: true, value: error}
        else: ok
      tenant: {from: team, map: {acme-prod: acme}, default: unknown}
      provider: {const: openai}
    attributes: [api_base, call_type]          # source columns kept in the `attributes` JSON

Column names and paths come from the mapping file (configuration, never from logs): names are
checked and quoted as identifiers; paths, constants and map values are bound as parameters. The
result has, per source record, every contract field as text; the ingest converts and validates
those with the same checks as a JSON line's values (no JSON is written and parsed again), so a
record the mapping cannot fill is rejected with the contract field it lacks.
"""

import json
import re
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from llm_vitals.errors import ConfigError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_STEP = re.compile(r'\.([A-Za-z_][A-Za-z0-9_$-]*)|\[(\d+)\]|\["([^"\\]+)"\]')
_EPOCH_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_FREE_TEXT = ("prompt", "response", "messages")
_SPEC_KEYS = {"from", "first_of", "const", "duration_ms", "case", "else", "map", "default", "scale", "epoch",
              "first_item_without_prefix", "key_of", "length_of", "origin", "timezone"}


@dataclass(frozen=True)
class Mapping:
    """A validated mapping: one spec per contract field, and the source columns kept as attributes."""

    name: str
    fields: dict[str, Any]
    attributes: tuple[str, ...] = ()
    source: dict[str, Any] = field(default_factory=dict)  # a table source's defaults: table, watermark, key


def load(path_or_preset: str | Path) -> Mapping:
    """Loads a mapping file, or a preset by name (`litellm`, `otel`); raises ConfigError naming the problem."""
    text_path = str(path_or_preset)
    preset = files("llm_vitals").joinpath("presets", f"{text_path}.yaml")
    source = preset if "/" not in text_path and preset.is_file() else Path(text_path)
    try:
        raw = yaml.safe_load(source.read_text())
    except FileNotFoundError:
        raise ConfigError(f"Mapping {text_path!r} is neither a file nor a preset.",
                          hint="Give a YAML file path, or one of the presets: litellm, otel.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"Mapping {text_path} is not valid YAML: {exc}") from None
    return parse(raw, name=text_path)


def parse(raw: object, *, name: str = "mapping") -> Mapping:
    """Validates a mapping's parsed YAML."""
    contract = _contract()
    if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
        raise ConfigError(f"Mapping {name} needs a `fields:` section mapping contract fields to sources.")
    unknown = sorted(set(raw) - {"fields", "attributes", "description", "source"})
    if unknown:
        raise ConfigError(f"Mapping {name}: unknown section(s) {', '.join(unknown)}.",
                          hint="Use `fields:`, `attributes:`, `source:` (table, watermark, key) and `description:`.")
    source = raw.get("source") or {}
    if not isinstance(source, dict) or set(source) - {"table", "query", "watermark", "key"}:
        raise ConfigError(f"Mapping {name}: `source:` takes table (or query), watermark and key.")
    fields = raw["fields"]
    for field_name, spec in fields.items():
        if field_name not in contract and field_name not in _FREE_TEXT:
            raise ConfigError(f"Mapping {name}: field {field_name!r} is not in the request-log contract.",
                              hint="Map to the contract's names (README: The request-log contract); keep others with `attributes:`.")
        _check_spec(name, field_name, spec)
    missing = [f for f in ("request_id", "timestamp", "route", "model", "status", "latency_ms") if f not in fields]
    if missing:
        raise ConfigError(f"Mapping {name}: required contract field(s) {', '.join(missing)} are not mapped.",
                          hint="Map each from a column or path, or set a constant with {const: ...}.")
    attributes = raw.get("attributes") or []
    if not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes):
        raise ConfigError(f"Mapping {name}: `attributes:` must be a list of source columns or paths.")
    for ref in attributes:
        reference(ref, field=f"attributes: {ref}")
        if attribute_name(ref) in contract or attribute_name(ref) in _FREE_TEXT:
            raise ConfigError(f"Mapping {name}: attribute {ref!r} is named like a contract field; map it under `fields:`.")
    return Mapping(name, dict(fields), tuple(attributes), dict(source))


@dataclass(frozen=True)
class Projection:
    """A mapping as SQL expressions over one source record, with the values of their $map_N
    parameters: `fields`, every contract field as text (a struct in the contract's order, NULL where
    the mapping has nothing: the ingest reads it as it is, with no cast); `free`, the free text
    (prompt, response, messages) as a struct, or NULL when free text is not kept; `extra`, the kept
    attributes as a JSON object, or NULL; `price_keys`, the four fields pricing looks up (provider,
    model, timestamp, cost_usd) as separate expressions, so that finding the calls to price
    computes nothing else."""

    fields: str
    free: str
    extra: str
    price_keys: dict[str, str]
    params: dict[str, object]

    def splice(self, template: str) -> str:
        """The template with its /* fields */, /* free */, /* extra */ and /* provider */, /* model */,
        /* timestamp */, /* cost_usd */ placeholders replaced by these expressions."""
        for name, expression in {"fields": self.fields, "free": self.free, "extra": self.extra, **self.price_keys}.items():
            template = template.replace(f"/* {name} */", expression)
        return template


def projection(mapping: Mapping, *, record: str | None = None, free_text: bool = False) -> Projection:
    """The mapping as expressions over the source's columns, or with `record` over the keys of that
    one JSON column. Values stay text: the ingest converts them with the same checks as every other
    source, so a value that does not convert is rejected naming the field and the value as the
    mapping read it, instead of the mapping dropping it. Free text is read only when `free_text`;
    the ingest then redacts it."""
    # built twice: the first pass learns every JSON path each column is read at, the second reads
    # them all in one extraction per column (see _Params)
    learning = _Params()
    _build(mapping, record, free_text, learning)
    params = _Params(learning.seen)
    return replace(_build(mapping, record, free_text, params),
                   params={f"map_{number}": value for number, value in enumerate(params, start=1)})


class _Params(list):
    """A projection's bound values ($map_1, …), and the JSON paths it reads in each column. With
    `paths` known, every reference into a column is one item of the same extraction of all its
    paths, json_extract_string(column, [paths])[i]: identical expressions, which DuckDB computes
    once, so a JSON column (LiteLLM's metadata, a JSON line) is parsed once per row, not once per
    path."""

    def __init__(self, paths: dict[str, list[str]] | None = None):
        super().__init__()
        self.paths = paths
        self.seen: dict[str, list[str]] = {}


def _build(mapping: Mapping, record: str | None, free_text: bool, params: _Params) -> Projection:
    def text(name: str) -> str:
        return f"{_field(name, mapping.fields[name], record, params) if name in mapping.fields else 'null'}::varchar"

    fields = "struct_pack(" + ", ".join(f"{quote_ident(name)} := {text(name)}" for name in _contract()) + ")"
    free = "struct_pack(" + ", ".join(f"{name} := {text(name)}" for name in _FREE_TEXT) + ")" if free_text else "null"
    kept = [f"{_quote_literal(attribute_name(ref))}, {_text(ref, record, params)}" for ref in mapping.attributes]
    extra = f"json_object({', '.join(kept)})" if kept else "null::json"
    price_keys = {name: text(name) for name in ("provider", "model", "timestamp", "cost_usd")}
    return Projection(fields, free, extra, price_keys, {})


def source_columns(mapping: Mapping, *, free_text: bool = False) -> list[str]:
    """The source columns the mapping reads (a table source selects only these), in a stable order."""
    refs: list[str] = list(mapping.attributes)
    for name, spec in mapping.fields.items():
        if name in _FREE_TEXT and not free_text:
            continue
        groups, tested = _spec_refs(spec)
        refs += [ref for group in groups for ref in group] + tested
    return list(dict.fromkeys(reference(ref, field=ref)[0] for ref in refs))


def required_keys(mapping: Mapping, *, free_text: bool = False) -> list[list[str]]:
    """The top-level keys a JSON Lines file must have somewhere for the mapping to read it, as
    groups of which one is enough: a field's `from` and `duration_ms` keys alone, its `first_of`
    alternatives together. Case arms and kept attributes may be absent (they test presence)."""
    groups: list[list[str]] = []
    for name, spec in mapping.fields.items():
        if name in _FREE_TEXT and not free_text:
            continue
        groups += [list(dict.fromkeys(reference(ref, field=ref)[0] for ref in group)) for group in _spec_refs(spec)[0]]
    return list({tuple(group): group for group in groups}.values())


def _spec_refs(spec: Any) -> tuple[list[list[str]], list[str]]:
    """What a field's spec reads: the references it needs, as groups of which one is enough (a
    `first_of` is one group), and the references its case arms only test."""
    spec = spec if isinstance(spec, dict) else {"from": spec}
    groups = [[spec["from"]]] if "from" in spec else []
    groups += [[ref] for ref in [*spec.get("duration_ms", []), *spec.get("key_of", [])]]
    groups += [[spec["length_of"]]] if "length_of" in spec else []
    if spec.get("first_of"):
        groups.append([_ref_of(entry) for entry in spec["first_of"]])
    return groups, [arm["from"] for arm in spec.get("case", [])]


def attribute_name(ref: str) -> str:
    """The key a kept attribute gets: the quoted key of a last ["dotted.key"] step, else the reference."""
    last = re.search(r'\["([^"\\]+)"\]$', ref)
    return last.group(1) if last else ref


def reference(text: str, *, field: str) -> tuple[str, str | None]:
    """Splits a source reference into (column, JSON path or None); raises ConfigError naming the field."""
    match = _NAME.match(text) if isinstance(text, str) else None
    if not match:
        raise ConfigError(f"Mapping field {field}: {text!r} is not a column name or path.",
                          hint='Write column, column.key.sub, column[0] or column["dotted.key"].')
    column, rest, path = match.group(0), text[match.end():], "$"
    while rest:
        step = _STEP.match(rest)
        if not step:
            raise ConfigError(f"Mapping field {field}: cannot read the path {text!r} after {column!r}.",
                              hint='Use .key, [0] or ["dotted.key"] steps.')
        key, index, quoted = step.groups()
        path += f".{key}" if key else f"[{index}]" if index else '."' + quoted + '"'
        rest = rest[step.end():]
    return column, (None if path == "$" else path)


def _field(field_name: str, spec: Any, record: str | None, params: list) -> str:
    """One contract field's value as text; what does not convert stays as the source wrote it."""
    kind = _contract().get(field_name, "string")
    spec = spec if isinstance(spec, dict) else {"from": spec}
    if "const" in spec:
        const = spec["const"]
        return _param(params, None if const is None else const if isinstance(const, str) else json.dumps(const))
    if "duration_ms" in spec:
        start, end = (_text(ref, record, params) for ref in spec["duration_ms"])
        if spec.get("epoch"):  # exact integer arithmetic on the epoch numbers
            value = f"(try_cast({end} as hugeint) - try_cast({start} as hugeint)) * 1000 / {_EPOCH_PER_SECOND[spec['epoch']]}"
        else:
            value = f"(epoch_ns(try_cast({end} as timestamptz)) - epoch_ns(try_cast({start} as timestamptz))) / 1e6"
        # DuckDB prints a double in its shortest form that reads back to the same double
        return f"{_scaled(f'({value})::double', spec, params)}::varchar"
    if "key_of" in spec:  # a key the source lacks: the same named values always give the same key
        texts = ", ".join(f"{_text(ref, record, params)}::varchar" for ref in spec["key_of"])
        return f"('k' || md5(to_json([{texts}])::varchar))"
    if "case" in spec:
        value = _case(spec, record, params)
    elif "length_of" in spec:  # a JSON array's length; anything else stays as written, for the contract to judge
        array = _text(spec["length_of"], record, params)
        value = f"(case when {_is_array(array)} then json_array_length({array}::json)::varchar else {array} end)"
    elif "first_of" in spec:
        value = "coalesce(" + ", ".join(_entry(entry, record, params) for entry in spec["first_of"]) + ")"
    else:
        value = _entry(spec, record, params)
    if "map" in spec:  # mapped values are replaced; others pass through (and the contract judges them)
        keys = _param(params, [str(k) for k in spec["map"]])
        values = _param(params, [None if v is None else str(v) for v in spec["map"].values()])
        value = f"coalesce(map_from_entries(list_zip({keys}::varchar[], {values}::varchar[]))[{value}], {value})"
    if "default" in spec:
        value = f"coalesce({value}, {_param(params, str(spec['default']))})"
    if kind == "timestamp":
        return _timestamp(value, spec, params)
    if "scale" in spec:  # a value that is not a number stays as it was, for the contract check to name
        value = f"coalesce({_scaled(f'try_cast({value} as double)', spec, params)}::varchar, {value})"
    return value


def _ref_of(entry: str | dict) -> str:
    return entry["from"] if isinstance(entry, dict) else entry


def _entry(entry: str | dict, record: str | None, params: list) -> str:
    """A reference's text; with `first_item_without_prefix`, the reference is a JSON array of text
    and the value is its first item that does not start with that prefix (LiteLLM's request tags
    without its `User-Agent: …` tags), NULL when none."""
    if isinstance(entry, str):
        return _text(entry, record, params)
    value = _text(entry["from"], record, params)
    if "first_item_without_prefix" not in entry:
        return value
    prefix = _param(params, str(entry["first_item_without_prefix"]))
    # one parse: try() gives NULL for text that is not JSON; a JSON value that is not an array has no items
    items = f"try(json_extract_string({value}, '$[*]'))"
    return f"list_filter({items}, lambda item: not starts_with(item, {prefix}))[1]"


def _is_array(text: str) -> str:
    return f"(json_valid({text}) and json_type({text}::json) = 'ARRAY')"


def _timestamp(text: str, spec: dict, params: list) -> str:
    """RFC 3339 in UTC from timestamp text or epoch numbers; what does not read stays as written, for
    the contract to reject. Text without an offset is read in the mapping's `timezone` when it
    states one, and otherwise passes through, so it is rejected as a contract file's would be.
    Epoch numbers count from 1970, or from the mapping's `origin` (a trace's start)."""
    epoch = spec.get("epoch")
    if epoch:
        origin = f"epoch_us({_param(params, str(spec['origin']))}::timestamptz)" if "origin" in spec else "0"
        instant = (f"make_timestamp(({origin} + try_cast({text} as hugeint) * 1000000 // {_EPOCH_PER_SECOND[epoch]})"
                   f"::bigint)::timestamptz")
    else:
        naive = (f"timezone({_param(params, str(spec['timezone']))}, try_cast({text} as timestamp))"
                 if "timezone" in spec else "null")
        instant = (f"(case when regexp_matches({text}, '(Z|z|[+-][0-9][0-9](:?[0-9][0-9])?)$')"
                   f" then try_cast({text} as timestamptz) else {naive} end)")
    return f"coalesce(strftime({instant} at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ'), {text})"


def _case(spec: dict, record: str | None, params: list) -> str:
    arms = []
    for arm in spec["case"]:
        source = _text(arm["from"], record, params)
        if "equals" in arm:
            condition = f"{source} = {_param(params, str(arm['equals']))}"
        elif "in" in arm:
            condition = f"list_contains({_param(params, [str(v) for v in arm['in']])}::varchar[], {source})"
        elif "class_in" in arm:  # an exception class, qualified or not, or as str() of the class
            name = (f"regexp_extract(regexp_replace({source}, '^<class ''([^'']*)''>$', '\\1'),"
                    f" '([^.]*)$', 1)")
            condition = f"list_contains({_param(params, [str(v) for v in arm['class_in']])}::varchar[], {name})"
        elif "matches" in arm:
            condition = f"regexp_matches({source}, {_param(params, str(arm['matches']))})"
        elif arm.get("present", True):
            condition = f"coalesce({source}, '') <> ''"
        else:
            condition = f"coalesce({source}, '') = ''"
        arms.append(f"when {condition} then {_param(params, str(arm['value']))}")
    otherwise = _param(params, None if spec.get("else") is None else str(spec["else"]))
    return "case " + " ".join(arms) + f" else {otherwise}::varchar end"


def _text(ref: str, record: str | None, params: list) -> str:
    """The referenced value as text, NULL when absent; a JSON object or array as its JSON text."""
    column, path = reference(ref, field=ref)
    if record is not None:  # every reference is a path into the one JSON record column
        source, key, path = quote_ident(record), record, "$." + column + (path[1:] if path else "")
    elif path is None:
        return f"{quote_ident(column)}::varchar"
    else:
        source, key = f"{quote_ident(column)}::varchar", column
    if isinstance(params, _Params):
        known = params.seen.setdefault(key, [])
        if path not in known:
            known.append(path)
        if params.paths and path in params.paths.get(key, []):
            paths = params.paths[key]
            return f"json_extract_string({source}, {_param(params, paths)}::varchar[])[{paths.index(path) + 1}]"
    return f"json_extract_string({source}, {_param(params, path)})"


def _scaled(value: str, spec: dict, params: list) -> str:
    if "scale" not in spec:
        return value
    return f"({value} * {_param(params, float(spec['scale']))})"


def _param(params: list, value: object) -> str:
    """Returns the placeholder ($map_1, $map_2, ...) of a bound value, appending it unless an equal
    value of the same type is bound already: a path read twice is then the same expression."""
    for number, bound in enumerate(params, start=1):
        if type(bound) is type(value) and bound == value:
            return f"$map_{number}"
    params.append(value)
    return f"$map_{len(params)}"


def _check_spec(name: str, field_name: str, spec: Any) -> None:
    where = f"Mapping {name}, field {field_name}"
    if isinstance(spec, str):
        reference(spec, field=field_name)
        return
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: expected a column, a path or a mapping of options, got {spec!r}.")
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown option(s) {', '.join(unknown)}.",
                          hint="Options: " + ", ".join(sorted(_SPEC_KEYS)) + ".")
    sources = [key for key in ("from", "first_of", "const", "duration_ms", "case", "key_of", "length_of") if key in spec]
    if len(sources) != 1:
        raise ConfigError(f"{where}: give exactly one of from, first_of, const, duration_ms, case, key_of, length_of.")
    if "key_of" in spec and (not isinstance(spec["key_of"], list) or not spec["key_of"]):
        raise ConfigError(f"{where}: key_of takes a list of the columns or paths whose values make the key.")
    if "origin" in spec and "epoch" not in spec:
        raise ConfigError(f"{where}: origin goes with epoch (numbers counted from it).")
    for option, value in (("origin", spec.get("origin")), ("timezone", spec.get("timezone"))):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{where}: {option} must be text, got {value!r}.")
    if "duration_ms" in spec and (not isinstance(spec["duration_ms"], list) or len(spec["duration_ms"]) != 2):
        raise ConfigError(f"{where}: duration_ms takes [start, end].")
    if "case" in spec:
        for arm in spec["case"]:
            if not isinstance(arm, dict) or "from" not in arm or "value" not in arm:
                raise ConfigError(f"{where}: each case needs `from` and `value` (and one of equals, in,"
                                  " class_in, matches or present).")
            tests = [key for key in ("equals", "in", "class_in", "matches", "present") if key in arm]
            if len(tests) > 1 or any(key in arm and not isinstance(arm[key], list) for key in ("in", "class_in")):
                raise ConfigError(f"{where}: a case tests one of equals, in (a list), class_in (a list), matches"
                                  f" or present; got {', '.join(tests)}.")
            reference(arm["from"], field=field_name)
    for entry in spec.get("first_of", []):
        if isinstance(entry, dict) and (set(entry) - {"from", "first_item_without_prefix"} or "from" not in entry):
            raise ConfigError(f"{where}: an entry of first_of is a reference, or {{from, first_item_without_prefix}};"
                              f" got {entry!r}.")
    if "first_item_without_prefix" in spec and "from" not in spec:
        raise ConfigError(f"{where}: first_item_without_prefix goes with from (a JSON array of text).")
    for ref in (ref for group in _spec_refs(spec)[0] for ref in group):
        reference(ref, field=field_name)
    if "epoch" in spec and spec["epoch"] not in _EPOCH_PER_SECOND:
        raise ConfigError(f"{where}: epoch {spec['epoch']!r} is not a unit.", hint="Use s, ms, us or ns.")
    if "map" in spec and not isinstance(spec["map"], dict):
        raise ConfigError(f"{where}: map must be a mapping of source value to contract value.")


@cache
def _contract() -> dict[str, str]:
    schema = json.loads(files("llm_vitals").joinpath("request_log.schema.json").read_text())
    return {name: ("timestamp" if prop.get("format") == "date-time" else prop["type"])
            for name, prop in schema["properties"].items()}


def quote_ident(name: str) -> str:
    """A name from configuration as a quoted SQL identifier (it has already matched the name pattern)."""
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

"""The production checklist's interpretation rules, applied to a regression with their evidence.

  - quality down with latency normal: look at versions (the attribution), not at load;
  - latency up without more traffic: tokens per call, tool calls per task, retries per task;
  - cost up faster than usage: cost per task splits exactly into calls per task (retries and
    fallbacks) x cost per call, and the change of cost per call into routing (traffic moving between
    models: the share sent to premium models) and per-model cost (tokens per call, prices);
  - parser failures up after a prompt change: structure (the output stopped parsing, answers that
    parse are as good) versus quality (answers that parse got worse too).
Every input is a count or a sum from sql/digest_evidence.sql; nothing here touches a database.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from llm_vitals.formatting import percent
from llm_vitals.stats import binomial_sf

MOVED = 0.10  # a driver "rose" when it grew by at least 10 %
BUSIER = 0.20  # latency rising with 20 % more traffic may be load


@dataclass(frozen=True)
class Usage:
    """One segment's calls in one week (or one model's, or one version's): sums from the logs."""

    calls: int = 0
    tasks: int = 0
    calls_with_input_tokens: int = 0
    input_tokens: int = 0
    calls_with_output_tokens: int = 0
    output_tokens: int = 0
    tool_calls: int = 0
    retries: int = 0
    calls_with_fallback_flag: int = 0
    fallback_calls: int = 0
    priced_calls: int = 0
    cost_usd: Decimal = Decimal(0)
    structured_calls: int = 0
    parse_failures: int = 0
    parsed_evaluated: int = 0
    parsed_passed: int = 0
    by_model: dict[str, "Usage"] = field(default_factory=dict, compare=False)

    def per_call(self, amount, calls=None) -> float | None:
        calls = self.calls if calls is None else calls
        return float(amount) / calls if calls else None

    def per_task(self, amount) -> float | None:
        return float(amount) / self.tasks if self.tasks else None

    @property
    def cost_per_call(self) -> float | None:
        return self.per_call(self.cost_usd, self.priced_calls)

    @property
    def cost_per_task(self) -> float | None:
        return self.per_task(self.cost_usd)


@dataclass(frozen=True)
class Finding:
    """The rule's reading (a short phrase naming the driver, or '' when none stands out) and its evidence."""

    reading: str
    evidence: tuple[str, ...]

    def text(self) -> str:
        lead = f"Reading: {self.reading}. " if self.reading else ""
        return lead + "Evidence: " + "; ".join(self.evidence) + "."


def latency(before: Usage, now: Usage) -> Finding:
    """Latency up: more traffic (load), or heavier calls (tokens, tool calls, retries per task)?"""
    drivers = _drivers(before, now, (
        ("input tokens per call", lambda u: u.per_call(u.input_tokens, u.calls_with_input_tokens), "{:,.0f}"),
        ("output tokens per call", lambda u: u.per_call(u.output_tokens, u.calls_with_output_tokens), "{:,.0f}"),
        ("tool calls per task", lambda u: u.per_task(u.tool_calls), "{:.2f}"),
        ("retries per task", lambda u: u.per_task(u.retries), "{:.2f}"),
    ))
    traffic = _growth(before.calls, now.calls)
    evidence = (f"traffic {before.calls:,} → {now.calls:,} calls ({_signed(traffic)})",) + tuple(text for text, _ in drivers)
    rose = [name for (_, name) in drivers if name]
    if traffic is not None and traffic >= BUSIER:
        reading = "latency rose with traffic: load may explain it" + (f", and {', '.join(rose)} rose" if rose else "")
    else:
        reading = f"latency rose without more traffic; {', '.join(rose)} rose" if rose else (
            "latency rose without more traffic and without heavier calls: look at the provider")
    return Finding(reading, evidence)


def quality(latency_p95_before: float | None, latency_p95_now: float | None) -> Finding:
    """Quality down: with latency normal it points to versions and content; with latency up, to load too."""
    if latency_p95_before is None or latency_p95_now is None:
        return Finding("", ("no latency to compare",))
    moved = _growth(latency_p95_before, latency_p95_now)
    evidence = (f"latency p95 {latency_p95_before:,.0f} → {latency_p95_now:,.0f} ms ({_signed(moved)})",)
    if moved is not None and moved >= MOVED:
        return Finding("quality fell while latency rose too: check load and the provider as well as versions", evidence)
    return Finding("quality fell with latency normal: a version or content change, not load", evidence)


def cost(before: Usage, now: Usage) -> Finding:
    """Cost up faster than usage: cost per task = calls per task x cost per call, exactly; the change of
    cost per call is routing (shares moving between models, priced at last week's cost per call)
    plus per-model cost (each model's cost per call moving, at this week's shares)."""
    calls_per_task = (_ratio(before.calls, before.tasks), _ratio(now.calls, now.tasks))
    cpc_before, cpc_now = before.cost_per_call, now.cost_per_call
    if None in calls_per_task or cpc_before is None or cpc_now is None or not cpc_before:
        return Finding("", ("not enough priced calls to compare",))
    routing, per_model = routing_and_per_model(before, now)
    premium = premium_models(before, now)
    share = (_share(before, premium), _share(now, premium))
    effects = {
        "retries and fallbacks (more calls per task)": calls_per_task[1] / calls_per_task[0] - 1,
        "routing share to premium models": routing / cpc_before,
        "tokens per call or prices (each model's cost per call)": per_model / cpc_before,
    }
    name, size = max(effects.items(), key=lambda item: item[1])
    evidence = (
        f"cost per task ${before.cost_per_task:,.4f} → ${now.cost_per_task:,.4f}",
        f"calls per task {calls_per_task[0]:.2f} → {calls_per_task[1]:.2f}"
        f" (retries per task {before.per_task(before.retries):.2f} → {now.per_task(now.retries):.2f},"
        f" fallback {_pct(before.fallback_calls, before.calls_with_fallback_flag)} → {_pct(now.fallback_calls, now.calls_with_fallback_flag)})",
        f"cost per call ${cpc_before:,.5f} → ${cpc_now:,.5f}: routing {_signed(routing / cpc_before)},"
        f" per-model {_signed(per_model / cpc_before)}",
        f"share to premium models ({', '.join(premium) or 'none'}) {percent(share[0])} → {percent(share[1])}",
        f"input + output tokens per call {_tokens(before)} → {_tokens(now)}",
    )
    return Finding(name if size > 0 else "", evidence)


def parser(version: str, changed: Usage, others: Usage, *, alpha: float = 1e-3) -> Finding:
    """Parser failures up after a prompt change: did the structure break, or the answers too?
    `changed` is this week's calls of the new version, `others` this week's calls of the rest."""
    fail = (_pct(changed.parse_failures, changed.structured_calls), _pct(others.parse_failures, others.structured_calls))
    evidence = [f"parse failures {version} {fail[0]} vs others {fail[1]}"]
    if changed.parsed_evaluated < 30 or others.parsed_evaluated < 30:
        evidence.append("too few evaluated calls that parsed to tell structure from quality")
        return Finding("", tuple(evidence))
    evidence.append(f"eval pass among calls that parsed {version} {_pct(changed.parsed_passed, changed.parsed_evaluated)}"
                    f" vs others {_pct(others.parsed_passed, others.parsed_evaluated)}")
    failed = changed.parsed_evaluated - changed.parsed_passed
    others_fail = (others.parsed_evaluated - others.parsed_passed) / others.parsed_evaluated
    if binomial_sf(failed, changed.parsed_evaluated, max(others_fail, 1e-9)) <= alpha and failed / changed.parsed_evaluated > others_fail:
        return Finding(f"quality: {version}'s answers that parse are worse too, not only their format", tuple(evidence))
    return Finding(f"structure: {version}'s output stopped parsing, but the answers that parse are as good", tuple(evidence))


def routing_and_per_model(before: Usage, now: Usage) -> tuple[float, float]:
    """Splits cost per call now minus before into (routing, per-model), which add up to it exactly
    (in real arithmetic): routing = sum of (share now - share before) x model's cost per call before;
    per-model = sum of share now x (model's cost per call now - before). A model new this week is
    priced at its own cost per call now, so its whole cost counts as routing."""
    routing = per_model = 0.0
    for model in before.by_model.keys() | now.by_model.keys():
        b, n = before.by_model.get(model, Usage()), now.by_model.get(model, Usage())
        c_before = b.cost_per_call if b.cost_per_call is not None else n.cost_per_call
        if c_before is None:
            continue
        c_now = n.cost_per_call if n.cost_per_call is not None else c_before
        s_before, s_now = b.priced_calls / before.priced_calls, n.priced_calls / now.priced_calls
        routing += (s_now - s_before) * c_before
        per_model += s_now * (c_now - c_before)
    return routing, per_model


def premium_models(before: Usage, now: Usage) -> tuple[str, ...]:
    """Models whose cost per call (last week's, or this week's when new) is above the segment's
    cost per call last week."""
    reference = before.cost_per_call or 0.0
    out = []
    for model in sorted(before.by_model.keys() | now.by_model.keys()):
        own = before.by_model.get(model, Usage()).cost_per_call
        own = now.by_model.get(model, Usage()).cost_per_call if own is None else own
        if own is not None and own > reference:
            out.append(model)
    return tuple(out)


def _share(usage: Usage, models: tuple[str, ...]) -> float | None:
    return sum(usage.by_model[m].calls for m in models if m in usage.by_model) / usage.calls if usage.calls else None


def _drivers(before: Usage, now: Usage, measures) -> list[tuple[str, str]]:
    out = []
    for name, measure, fmt in measures:
        b, n = measure(before), measure(now)
        if b is None or n is None:
            continue
        growth = _growth(b, n)
        out.append((f"{name} {fmt.format(b)} → {fmt.format(n)}",
                    name if growth is not None and growth >= MOVED or (not b and n) else ""))
    return out


def _growth(before, now) -> float | None:
    return (float(now) - float(before)) / float(before) if before else None


def _ratio(a, b) -> float | None:
    return a / b if b else None


def _signed(fraction: float | None) -> str:
    return "n/a" if fraction is None else f"{100 * fraction:+.0f}%"


def _pct(k: int, n: int) -> str:
    return f"{100 * k / n:.1f}%" if n else "n/a"


def _tokens(usage: Usage) -> str:
    """Input tokens per call that logged them plus output tokens per call that logged them."""
    parts = (usage.per_call(usage.input_tokens, usage.calls_with_input_tokens),
             usage.per_call(usage.output_tokens, usage.calls_with_output_tokens))
    return "n/a" if None in parts else f"{sum(parts):,.0f}"

"""Thresholds as data: expectations/thresholds.yaml, validated into typed objects.

Three kinds of check, by the metric they watch:
- a rate (parser_failure_rate, timeout_rate, …): counts of events among calls;
- a quantile (latency_p95_ms, latency_p99_ms, ttft_p95_ms): milliseconds;
- a mean (tokens_per_request, cost_per_request_usd, cost_per_successful_task_usd).
Plus spend budgets (`budgets:`), and the built-in freshness and rejected-share checks.
"""

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llm_vitals.errors import ConfigError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it: 10x faster

RATE_COUNTS: dict[str, tuple[str, str]] = {
    # metric: (numerator, denominator) columns of sql/cells_in_range.sql
    "error_rate": ("failed_calls", "calls"),
    "timeout_rate": ("timeouts", "calls"),
    "rate_limit_rate": ("rate_limited_calls", "calls"),
    "parser_failure_rate": ("parse_failures", "structured_calls"),
    "retrieval_empty_rate": ("empty_retrievals", "retrieval_calls"),
    "context_truncation_rate": ("truncated_calls", "calls_with_truncation_flag"),
    "fallback_rate": ("fallback_calls", "calls_with_fallback_flag"),
    "escalation_rate": ("escalated_calls", "calls_with_escalation_flag"),
    "eval_pass_rate": ("passed_evals", "evaluated_calls"),
    "unpriced_rate": ("unpriced_calls", "priceable_calls"),
}
QUANTILES: dict[str, tuple[str, float]] = {
    # metric: (the value, the quantile) over ok calls
    "latency_p95_ms": ("latency_ms", 0.95),
    "latency_p99_ms": ("latency_ms", 0.99),
    "ttft_p95_ms": ("ttft_ms", 0.95),
}
MEANS: tuple[str, ...] = ("tokens_per_request", "cost_per_request_usd", "cost_per_successful_task_usd")
WINDOWS: dict[str, tuple[timedelta, timedelta]] = {
    # name: (length, how often it moves on); a window ends on a multiple of its step (UTC)
    "hour": (timedelta(hours=1), timedelta(hours=1)),
    "6h": (timedelta(hours=6), timedelta(hours=6)),
    "day": (timedelta(days=1), timedelta(hours=6)),
    "3d": (timedelta(days=3), timedelta(days=1)),
}
DIMENSION_NAMES = ("all", "route", "model", "prompt_version", "tenant")


class _Check(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Literal["warning", "critical"] = "warning"
    min_sample_size: int = Field(50, ge=1)
    dimensions: list[Literal["all", "route", "model", "prompt_version", "tenant"]] | None = None


class RateCheck(_Check):
    """Bounds of one rate metric; see the header of expectations/thresholds.yaml."""

    kind: Literal["rate"] = "rate"
    direction: Literal["above", "below"] = "above"
    max: float | None = Field(None, ge=0, le=1)
    min: float | None = Field(None, ge=0, le=1)
    max_ratio: float | None = Field(None, gt=1)
    min_increase: float = Field(0.0, ge=0, le=1)
    min_ratio: float | None = Field(None, gt=0, lt=1)
    min_decrease: float = Field(0.0, ge=0, le=1)

    def null_rate(self, baseline: float | None, threshold: float, noise_margin: float) -> float:
        """The rate the test's null hypothesis allows, in events (failures for a below check): the
        baseline with room for day-to-day noise (x noise_margin, or a quarter of the minimum increase),
        never above the threshold; the threshold itself without a baseline."""
        if baseline is None:
            return threshold if self.direction == "above" else 1.0 - threshold
        if self.direction == "above":
            return min(threshold, max(baseline * noise_margin, baseline + self.min_increase / 4))
        failures = 1.0 - baseline
        return min(1.0 - threshold, max(failures * noise_margin, failures + self.min_decrease / 4))

    def threshold(self, baseline: float | None) -> float | None:
        """Returns the segment's threshold: the tighter of the absolute and the baseline bound."""
        if self.direction == "above":
            bounds = [self.max] if self.max is not None else []
            if baseline is not None and self.max_ratio is not None:
                bounds.append(min(1.0, max(baseline * self.max_ratio, baseline + self.min_increase)))
            return min(bounds) if bounds else None
        bounds = [self.min] if self.min is not None else []
        if baseline is not None and self.min_ratio is not None:
            bounds.append(max(0.0, min(baseline * self.min_ratio, baseline - self.min_decrease)))
        return max(bounds) if bounds else None


class QuantileCheck(_Check):
    """Bounds of a latency quantile in milliseconds: absolute (max_ms) and against the baseline's
    same quantile (max_ratio, at least min_increase_ms more)."""

    kind: Literal["quantile"] = "quantile"
    max_ms: float | None = Field(None, gt=0)
    max_ratio: float | None = Field(None, gt=1)
    min_increase_ms: float = Field(0.0, ge=0)
    min_sample_size: int = Field(100, ge=1)

    def threshold(self, baseline: float | None) -> float | None:
        """Returns the tighter of the absolute and the baseline bound (ms)."""
        bounds = [self.max_ms] if self.max_ms is not None else []
        if baseline is not None and self.max_ratio is not None:
            bounds.append(max(baseline * self.max_ratio, baseline + self.min_increase_ms))
        return min(bounds) if bounds else None


class MeanCheck(_Check):
    """Bounds of a mean (tokens, USD): absolute (max) and against the baseline (max_ratio, at least
    min_increase more)."""

    kind: Literal["mean"] = "mean"
    max: float | None = Field(None, gt=0)
    max_ratio: float | None = Field(None, gt=1)
    min_increase: float = Field(0.0, ge=0)
    min_sample_size: int = Field(100, ge=1)

    def threshold(self, baseline: float | None) -> float | None:
        bounds = [self.max] if self.max is not None else []
        if baseline is not None and self.max_ratio is not None:
            bounds.append(max(baseline * self.max_ratio, baseline + self.min_increase))
        return min(bounds) if bounds else None


Check = Annotated[RateCheck | QuantileCheck | MeanCheck, Field(discriminator="kind")]
_KIND = {**{m: RateCheck for m in RATE_COUNTS}, **{m: QuantileCheck for m in QUANTILES}, **{m: MeanCheck for m in MEANS}}


class CheckSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    false_alarms_per_week: float = Field(1.0, gt=0, le=10)
    baseline_days: int = Field(7, ge=1, le=60)
    min_baseline_calls: int = Field(100, ge=1)
    min_baseline_days: int = Field(3, ge=1, le=60)
    noise_margin: float = Field(1.1, ge=1)
    windows: list[Literal["hour", "6h", "day", "3d"]] = ["hour", "6h", "day", "3d"]
    dimensions: list[Literal["all", "route", "model", "prompt_version", "tenant"]] = list(DIMENSION_NAMES)


class Freshness(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Literal["warning", "critical"] = "critical"
    max_minutes_without_requests: int = Field(60, ge=1)


class RejectedShare(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Literal["warning", "critical"] = "warning"
    max: float = Field(0.01, ge=0, le=1)
    min_sample_size: int = Field(100, ge=1)


class Builtin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    freshness: Freshness = Freshness()
    rejected_share: RejectedShare = RejectedShare()


class Budget(BaseModel):
    """A spend budget: the calls of one tenant (all calls without one) in each day, week or month."""

    model_config = ConfigDict(extra="allow")

    tenant: str | None = None
    period: Literal["day", "week", "month"]
    usd: float = Field(gt=0)
    severity: Literal["warning", "critical"] = "warning"
    warn_at_forecast: bool = True

    @property
    def name(self) -> str:
        return f"{self.tenant or 'all calls'} {self.period} ${self.usd:,.2f}"


class Thresholds(BaseModel):
    """The whole thresholds file."""

    model_config = ConfigDict(extra="forbid")

    settings: CheckSettings = CheckSettings()
    checks: dict[str, Check]
    overrides: list[dict] = []
    budgets: list[Budget] = []
    builtin: Builtin = Builtin()

    @model_validator(mode="before")
    @classmethod
    def _kinds(cls, raw: object) -> object:
        """Each check takes the fields of its metric's kind (a rate, a quantile or a mean)."""
        if isinstance(raw, dict) and isinstance(raw.get("checks"), dict):
            raw = {**raw, "checks": {metric: ({**fields, "kind": _KIND[metric].model_fields["kind"].default}
                                              if metric in _KIND and isinstance(fields, dict) and "kind" not in fields
                                              else fields)
                                     for metric, fields in raw["checks"].items()}}
        return raw

    def for_segment(self, metric: str, dimension: str, segment: str) -> Check:
        """Returns the metric's check with the overrides for this dimension and segment applied."""
        check = self.checks[metric]
        for override in self.overrides:
            if override.get("dimension") == dimension and override.get("segment") == segment and metric in override:
                check = check.model_copy(update=override[metric])
        return check

    def rate_checks(self) -> dict[str, RateCheck]:
        return {m: c for m, c in self.checks.items() if isinstance(c, RateCheck)}


def load(path: Path) -> Thresholds:
    """Returns the validated thresholds; raises ConfigError naming the file and the bad field."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except FileNotFoundError as exc:
        raise ConfigError(f"Thresholds file {path} does not exist.",
                          hint="Set LLM_VITALS_THRESHOLDS or copy expectations/thresholds.yaml.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"Thresholds file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"Thresholds file {path} must be a mapping with `checks:` (got {type(raw).__name__}).")
    unknown = sorted(set(raw.get("checks") or {}) - set(_KIND))
    if unknown:
        raise ConfigError(
            f"Thresholds file {path} checks unknown metric(s) {', '.join(unknown)}.",
            hint=f"Checkable metrics: {', '.join(sorted(_KIND))}.",
        )
    try:
        thresholds = Thresholds.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"] if part not in ("rate", "quantile", "mean"))
        raise ConfigError(f"Thresholds file {path}: `{where}` {problem['msg']} (got {problem.get('input')!r}).") from exc
    seen: set[tuple] = set()
    for i, budget in enumerate(thresholds.budgets):
        if (budget.tenant, budget.period) in seen:
            raise ConfigError(f"Thresholds file {path}: `budgets.{i}` repeats the {budget.period} budget of "
                              f"{budget.tenant or 'all calls'}.", hint="Give each tenant one budget per period.")
        seen.add((budget.tenant, budget.period))
    for override in thresholds.overrides:
        if override.get("dimension") not in ("route", "model", "prompt_version", "tenant") or "segment" not in override:
            raise ConfigError(f"Thresholds file {path}: override {override!r} needs a dimension and a segment.")
        for metric, fields in override.items():
            if metric in ("dimension", "segment"):
                continue
            if metric not in thresholds.checks:
                raise ConfigError(f"Thresholds file {path}: override for {metric}, which has no check.")
            try:
                type(thresholds.checks[metric]).model_validate({**thresholds.checks[metric].model_dump(), **fields})
            except ValidationError as exc:
                raise ConfigError(f"Thresholds file {path}: override {override!r} is invalid: {exc.errors()[0]['msg']}.") from exc
    return thresholds

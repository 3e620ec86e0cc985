"""Thresholds as data: expectations/thresholds.yaml, validated into typed objects."""

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llm_vitals.errors import ConfigError

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
    "unpriced_rate": ("unpriced_calls", "calls"),
}


class RateCheck(BaseModel):
    """Bounds of one rate metric; see the header of expectations/thresholds.yaml."""

    model_config = ConfigDict(extra="forbid")

    severity: Literal["warning", "critical"] = "warning"
    direction: Literal["above", "below"] = "above"
    max: float | None = Field(None, ge=0, le=1)
    min: float | None = Field(None, ge=0, le=1)
    max_ratio: float | None = Field(None, gt=1)
    min_increase: float = Field(0.0, ge=0, le=1)
    min_ratio: float | None = Field(None, gt=0, lt=1)
    min_decrease: float = Field(0.0, ge=0, le=1)
    min_sample_size: int = Field(50, ge=1)
    dimensions: list[str] | None = None

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


class CheckSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    false_alarm_rate: float = Field(0.005, gt=0, lt=1)
    baseline_days: int = Field(7, ge=1)
    min_baseline_windows: int = Field(3, ge=1)
    grains: list[Literal["hour", "day"]] = ["hour", "day"]
    dimensions: list[Literal["all", "route", "model", "prompt_version", "tenant"]] = [
        "all", "route", "model", "prompt_version", "tenant"]


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


class Thresholds(BaseModel):
    """The whole thresholds file."""

    model_config = ConfigDict(extra="forbid")

    settings: CheckSettings = CheckSettings()
    checks: dict[str, RateCheck]
    overrides: list[dict] = []
    builtin: Builtin = Builtin()

    def for_segment(self, metric: str, dimension: str, segment: str) -> RateCheck:
        """Returns the metric's check with the overrides for this dimension and segment applied."""
        check = self.checks[metric]
        for override in self.overrides:
            if override.get("dimension") == dimension and override.get("segment") == segment and metric in override:
                check = check.model_copy(update=override[metric])
        return check


def load(path: Path) -> Thresholds:
    """Returns the validated thresholds; raises ConfigError naming the file and the bad field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Thresholds file {path} does not exist.",
                          hint="Set LLM_VITALS_THRESHOLDS or copy expectations/thresholds.yaml.") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"Thresholds file {path} is not valid YAML: {exc}") from exc
    try:
        thresholds = Thresholds.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(f"Thresholds file {path}: `{where}` {problem['msg']} (got {problem.get('input')!r}).") from exc
    unknown = sorted(set(thresholds.checks) - set(RATE_COUNTS))
    if unknown:
        raise ConfigError(
            f"Thresholds file {path} checks unknown metric(s) {', '.join(unknown)}.",
            hint=f"Checkable rates: {', '.join(sorted(RATE_COUNTS))}.",
        )
    for override in thresholds.overrides:
        if override.get("dimension") not in ("route", "model", "prompt_version", "tenant") or "segment" not in override:
            raise ConfigError(f"Thresholds file {path}: override {override!r} needs a dimension and a segment.")
        for metric, fields in override.items():
            if metric in ("dimension", "segment"):
                continue
            if metric not in thresholds.checks:
                raise ConfigError(f"Thresholds file {path}: override for {metric}, which has no check.")
            try:
                RateCheck.model_validate({**thresholds.checks[metric].model_dump(), **fields})
            except ValidationError as exc:
                raise ConfigError(f"Thresholds file {path}: override {override!r} is invalid: {exc.errors()[0]['msg']}.") from exc
    return thresholds

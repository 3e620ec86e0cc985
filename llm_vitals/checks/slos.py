"""Service level objectives as data: expectations/slos.yaml, validated into typed objects.

An SLO is a share of good events the app promises over a window of days, per segment or for all
calls: availability (calls with status ok), latency (ok calls faster than `latency_ms`), parse
success (structured calls that parsed) and retrieval non-empty (retrievals that found something).
"""

from datetime import timedelta
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llm_vitals.errors import ConfigError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it: 10x faster

WINDOWS = {"5m": timedelta(minutes=5), "30m": timedelta(minutes=30), "1h": timedelta(hours=1),
           "6h": timedelta(hours=6), "3d": timedelta(days=3)}


class Objective(BaseModel):
    """One SLO."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    objective: Literal["availability", "latency", "parse_success", "retrieval_nonempty"]
    target: float = Field(gt=0, lt=1)
    window_days: int = Field(28, ge=1, le=90)
    dimension: Literal["all", "route", "tenant"] = "all"
    segment: str | None = None  # one route or tenant; without it, every one
    latency_ms: float | None = Field(None, gt=0)
    severity: Literal["warning", "critical"] = "critical"

    @model_validator(mode="after")
    def _latency_needs_its_bound(self) -> "Objective":
        if (self.objective == "latency") != (self.latency_ms is not None):
            raise ValueError("latency_ms is given with objective latency, and only then")
        if self.dimension == "all" and self.segment is not None:
            raise ValueError("segment needs a dimension (route or tenant)")
        return self


class BurnRate(BaseModel):
    """Alert when both the long and the short window burn the budget at least `rate` times too fast."""

    model_config = ConfigDict(extra="forbid")

    long: Literal["1h", "6h", "3d"]
    short: Literal["5m", "30m", "1h", "6h"]
    rate: float = Field(gt=0)


class Slos(BaseModel):
    """The whole SLO file."""

    model_config = ConfigDict(extra="forbid")

    slos: list[Objective] = []
    page: list[BurnRate] = [BurnRate(long="1h", short="5m", rate=14.4), BurnRate(long="6h", short="30m", rate=6)]
    ticket: list[BurnRate] = [BurnRate(long="3d", short="6h", rate=1)]
    min_events: int = Field(20, ge=1)  # calls the long window needs before a burn rate is judged

    @model_validator(mode="after")
    def _names_unique(self) -> "Slos":
        names = [s.name for s in self.slos]
        if len(names) != len(set(names)):
            raise ValueError(f"SLO names must be unique (got {names})")
        return self

    def __bool__(self) -> bool:
        return bool(self.slos)


def load(path: Path) -> Slos:
    """Returns the validated SLOs (none when the file does not exist); raises ConfigError naming
    the file and the bad field."""
    if not path.exists():
        return Slos()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"SLO file {path} is not valid YAML: {exc}") from exc
    try:
        return Slos.model_validate(raw)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise ConfigError(f"SLO file {path}: `{where or '(top)'}` {problem['msg']} (got {problem.get('input')!r}).",
                          hint="See the header of expectations/slos.yaml.") from exc

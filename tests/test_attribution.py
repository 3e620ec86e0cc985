"""Change attribution on regressions with known causes."""

from datetime import UTC, datetime

from llm_vitals.attribution import Split, attribute

ROLLOUT = datetime(2026, 10, 14, tzinfo=UTC)


def test_a_prompt_rollout_that_breaks_parsing_is_named():
    splits = [
        Split("prompt_version", "v7", k_now=5, n_now=500, k_before=10, n_before=1000),
        Split("prompt_version", "v8", k_now=45, n_now=500, k_before=0, n_before=0, first_seen=ROLLOUT),
        Split("model", "m1", k_now=25, n_now=500, k_before=5, n_before=500),   # both models carry v8's calls
        Split("model", "m2", k_now=25, n_now=500, k_before=5, n_before=500),
    ]
    result = attribute("parser_failure_rate", "route extract", 50, 1000, 10, 1000, splits)
    assert (result.kind, result.dimension, result.values) == ("version", "prompt_version", ("v8",))
    assert "v8 9.0% (rolled out 2026-10-14) vs v7 1.0%" in result.text


def test_a_model_swap_that_raises_latency_names_the_model():
    # latency p95: the count is calls above last week's p95 of the route, 5 % of them last week
    splits = [
        Split("model", "gpt-4o-mini", k_now=10, n_now=200, k_before=50, n_before=1000),
        Split("model", "claude-sonnet-4-5", k_now=240, n_now=800, k_before=0, n_before=0, first_seen=ROLLOUT),
        Split("prompt_version", "v3", k_now=250, n_now=1000, k_before=50, n_before=1000),
    ]
    result = attribute("latency_p95_ms", "route chat", 250, 1000, 50, 1000, splits)
    assert (result.kind, result.values) == ("version", ("claude-sonnet-4-5",))


def test_a_pure_mix_shift_blames_no_version():
    # both versions keep their rates (1 % and 10 %); traffic moves from A to B
    splits = [
        Split("prompt_version", "A", k_now=3, n_now=300, k_before=9, n_before=900),
        Split("prompt_version", "B", k_now=70, n_now=700, k_before=10, n_before=100),
    ]
    result = attribute("parser_failure_rate", "route extract", 73, 1000, 19, 1000, splits)
    assert result.kind == "mix_shift" and result.values == ("B",)
    assert "traffic moving, not from any prompt_version getting worse" in result.text


def test_a_rise_across_every_version_is_not_version_related():
    splits = [
        Split("prompt_version", "A", k_now=25, n_now=500, k_before=5, n_before=500),
        Split("prompt_version", "B", k_now=25, n_now=500, k_before=5, n_before=500),
    ]
    result = attribute("timeout_rate", "all calls", 50, 1000, 10, 1000, splits)
    assert result.kind == "not_version_related"
    assert "not version-related" in result.text


def test_a_prompt_rollout_inside_a_release_rollout_is_named_not_the_release():
    """A release reached every call of the route the same week; prompt v8 reached a third of them
    and carries the whole rise. The release's calls include v8's, so it carries the rise too."""
    splits = [
        Split("prompt_version", "v7", k_now=12, n_now=1000, k_before=10, n_before=1000),
        Split("prompt_version", "v8", k_now=45, n_now=500, k_before=0, n_before=0, first_seen=ROLLOUT),
        Split("release", "r1", k_now=5, n_now=500, k_before=10, n_before=1000),
        Split("release", "r2", k_now=52, n_now=1000, k_before=0, n_before=0, first_seen=ROLLOUT),  # v8's 45 and 7 more
    ]
    result = attribute("parser_failure_rate", "route extract", 57, 1500, 10, 1000, splits)
    assert (result.kind, result.dimension, result.values) == ("version", "prompt_version", ("v8",))

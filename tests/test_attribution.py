"""Change attribution on hand-counted hourly cells: each rule of issue 13, and the four behaviours
kept from before (a prompt rollout, a model swap, a pure mix shift, a rise across every version)."""

from datetime import UTC, datetime, timedelta

from llm_vitals.reports.attribution import Cell, attribute

WEEK = datetime(2026, 10, 12, tzinfo=UTC)  # a Monday; last week is the 7 days before
H = timedelta(hours=1)


def cells(hours, rate, n=100, **values):
    """One cell per hour of `hours` (offsets from WEEK, negative: last week) with `n` calls of which
    round(n * rate(hour)) are events; `values` name the cell's version values, model, route, tenant."""
    base = {"route": "chat", "model": "m1", "prompt_version": "p1", "tenant": "t1", "release": "r1",
            "retrieval_config": "", "tool_schema_version": "", "temperature": ""}
    out = []
    for h in hours:
        r = rate(h) if callable(rate) else rate
        out.append(Cell(WEEK + h * H, {**base, **values}, int(n * r + 0.5), n))
    return out


LAST_WEEK = range(-168, 0)
THIS_WEEK = range(0, 168)


def test_a_release_on_96_percent_of_calls_is_innocent_of_a_one_day_outage():
    rollout = 9  # Monday 09:00
    outage = range(72, 96)  # Thursday
    data = cells(LAST_WEEK, 0.01)
    data += cells(range(0, rollout), 0.01)
    data += cells(range(rollout, 168), lambda h: 0.10 if h in outage else 0.01, n=96, release="r2")
    data += cells(range(rollout, 168), lambda h: 0.10 if h in outage else 0.01, n=4, release="r1")
    found = attribute("timeout_rate", "model m1", data, WEEK, {("release", "r2"): WEEK + rollout * H}, dimension="model")
    assert found.kind == "not_version_related"
    assert "not explained by a version change" in found.text and "2026-10-15 00:00 – 2026-10-16 00:00 UTC" in found.text
    assert found.hours == (WEEK + 72 * H, WEEK + 96 * H)


def test_a_release_on_96_percent_of_calls_that_starts_the_excess_is_the_likely_cause():
    rollout = 9
    data = cells(LAST_WEEK, 0.01) + cells(range(0, rollout), 0.01)
    data += cells(range(rollout, 168), 0.06, n=96, release="r2")
    data += cells(range(rollout, 168), 0.01, n=4, release="r1")
    found = attribute("error_rate", "route chat", data, WEEK, {("release", "r2"): WEEK + rollout * H}, dimension="route")
    assert (found.kind, found.dimension, found.values) == ("version", "release", ("r2",))
    assert found.caveat and "nothing ran beside it" in found.caveat and "likely cause release r2" in found.text
    assert found.evidence.control_rate is None and found.evidence.before_rate == 0.01


def test_a_fix_rolled_out_during_an_incident_is_not_blamed():
    # an outage from hour 30 to 60 across everything; prompt p2 (the fix of something else) ships at hour 40
    outage = range(30, 60)
    data = cells(LAST_WEEK, 0.01)
    data += cells(range(0, 40), lambda h: 0.12 if h in outage else 0.01, prompt_version="p1")
    data += cells(range(40, 168), lambda h: 0.12 if h in outage else 0.01, prompt_version="p2")
    found = attribute("timeout_rate", "all calls", data, WEEK, {("prompt_version", "p2"): WEEK + 40 * H})
    assert found.kind == "not_version_related"
    assert found.hours == (WEEK + 30 * H, WEEK + 60 * H)


def test_two_changes_in_one_week_on_different_routes_each_name_their_own():
    data = cells(LAST_WEEK, 0.01, route="extract") + cells(LAST_WEEK, 0.01, route="chat")
    data += cells(range(0, 20), 0.01, route="extract") + cells(range(20, 168), 0.08, route="extract", prompt_version="x2")
    data += cells(range(0, 100), 0.01, route="chat") + cells(range(100, 168), 0.07, route="chat", release="r9")
    rollouts = {("prompt_version", "x2"): WEEK + 20 * H, ("release", "r9"): WEEK + 100 * H}
    extract = attribute("parser_failure_rate", "route extract", [c for c in data if c.values["route"] == "extract"],
                        WEEK, rollouts, dimension="route")
    chat = attribute("parser_failure_rate", "route chat", [c for c in data if c.values["route"] == "chat"],
                     WEEK, rollouts, dimension="route")
    assert (extract.dimension, extract.values) == ("prompt_version", ("x2",))
    assert (chat.dimension, chat.values) == ("release", ("r9",))


def test_a_prompt_rollout_that_breaks_parsing_is_named_against_the_calls_beside_it():
    data = cells(LAST_WEEK, 0.01)
    data += cells(range(0, 168), 0.01, n=100, prompt_version="v7")
    data += cells(range(20, 168), 0.09, n=100, prompt_version="v8")  # half the traffic from hour 20
    found = attribute("parser_failure_rate", "route extract", data, WEEK, {("prompt_version", "v8"): WEEK + 20 * H},
                      dimension="route")
    assert (found.kind, found.dimension, found.values) == ("version", "prompt_version", ("v8",))
    assert found.caveat is None and found.evidence.control_rate == 0.01
    assert "prompt_version v8 (rolled out 2026-10-12 20:00 UTC): 9.0% of 14,800 calls against 1.0%" in found.text


def test_a_model_swap_that_raises_latency_names_the_model():
    # the count is calls above last week's p95 of the route, 5 % of them last week
    data = cells(LAST_WEEK, 0.05, model="gpt-4o-mini")
    data += cells(range(0, 30), 0.05, model="gpt-4o-mini")
    data += cells(range(30, 168), 0.05, n=30, model="gpt-4o-mini")
    data += cells(range(30, 168), 0.30, n=70, model="claude-sonnet-4-5")
    found = attribute("latency_p95_ms", "route chat", data, WEEK, {("model", "claude-sonnet-4-5"): WEEK + 30 * H},
                      dimension="route")
    assert (found.kind, found.values) == ("version", ("claude-sonnet-4-5",))


def test_a_model_that_runs_on_a_worse_route_is_judged_by_its_mix():
    # model m2 (new) serves only route b, which is worse than route a for every model: no cause
    data = cells(LAST_WEEK, 0.01, route="a") + cells(LAST_WEEK, 0.05, route="b")
    data += cells(range(0, 168), 0.01, route="a", model="m1")
    data += cells(range(0, 10), 0.05, route="b", model="m1", n=20)
    data += cells(range(10, 168), 0.05, route="b", model="m1", n=20)
    data += cells(range(10, 168), 0.05, route="b", model="m2", n=80)
    found = attribute("error_rate", "all calls", data, WEEK, {("model", "m2"): WEEK + 10 * H})
    assert found.kind != "version"


def test_a_pure_mix_shift_blames_no_version():
    # both versions keep their rates (1 % and 10 %); traffic moves from A to B
    data = cells(LAST_WEEK, 0.01, n=90, prompt_version="A") + cells(LAST_WEEK, 0.10, n=10, prompt_version="B")
    data += cells(THIS_WEEK, 0.01, n=30, prompt_version="A") + cells(THIS_WEEK, 0.10, n=70, prompt_version="B")
    found = attribute("parser_failure_rate", "route extract", data, WEEK, {}, dimension="route")
    assert found.kind == "mix_shift" and found.values == ("B",)
    assert "traffic moving, not from any prompt_version getting worse" in found.text


def test_a_rise_across_every_version_is_not_version_related():
    data = cells(LAST_WEEK, 0.01, n=50, prompt_version="A") + cells(LAST_WEEK, 0.01, n=50, prompt_version="B")
    data += cells(THIS_WEEK, 0.05, n=50, prompt_version="A") + cells(THIS_WEEK, 0.05, n=50, prompt_version="B")
    found = attribute("timeout_rate", "all calls", data, WEEK, {})
    assert found.kind == "not_version_related" and "not explained by a version change" in found.text


def test_a_prompt_rollout_inside_a_release_rollout_is_named_not_the_release():
    """A release reached every call of the route on Monday; prompt v8 reached a third of them on
    Wednesday and carries the whole rise: v8 has calls beside it, the release does not."""
    data = cells(LAST_WEEK, 0.01, release="r1")
    data += cells(range(0, 5), 0.01, release="r1")
    data += cells(range(5, 168), 0.01, n=66, release="r2")
    data += cells(range(48, 168), 0.10, n=34, release="r2", prompt_version="v8")
    rollouts = {("release", "r2"): WEEK + 5 * H, ("prompt_version", "v8"): WEEK + 48 * H}
    found = attribute("parser_failure_rate", "route extract", data, WEEK, rollouts, dimension="route")
    assert (found.kind, found.dimension, found.values) == ("version", "prompt_version", ("v8",))


def test_a_release_is_not_blamed_for_two_events_after_a_quiet_week_of_few_calls():
    """A small tenant: 0 events in 168 calls last week, 2 in 165 after a release at 96 %. Against a
    rate of exactly 0 any event is 'significant'; the two-sample test knows 0 of 168 was counted."""
    data = cells(LAST_WEEK, 0.0, n=1)
    data += cells(range(0, 3), 0.0, n=1)
    data += [Cell(WEEK + h * H, {**data[0].values, "release": "r2"}, 1 if h in (4, 5) else 0, 1) for h in range(3, 168)]
    found = attribute("parser_failure_rate", "tenant t1", data, WEEK, {("release", "r2"): WEEK + 3 * H},
                      dimension="tenant")
    assert found.kind != "version"


def test_a_release_whose_calls_are_fine_without_a_later_prompt_is_not_the_cause():
    """Nested changes: release r2 reached every call on Monday 06:00, prompt v8 every call of the
    route at 10:00 (neither has a concurrent control; both start within the rollout slack of the
    excess). r2's 400 calls before v8 are at last week's 1 %; every excess is under v8, so v8 is
    named, not r2 (whose own p-value, with v8's calls in it, is the smaller)."""
    data = cells(LAST_WEEK, 0.01) + cells(range(0, 6), 0.01)
    data += cells(range(6, 10), 0.01, release="r2")
    data += cells(range(10, 168), 0.10, release="r2", prompt_version="v8")
    rollouts = {("release", "r2"): WEEK + 6 * H, ("prompt_version", "v8"): WEEK + 10 * H}
    found = attribute("parser_failure_rate", "route extract", data, WEEK, rollouts, dimension="route")
    assert (found.kind, found.dimension, found.values) == ("version", "prompt_version", ("v8",))
    assert found.runner_up is None


def test_the_control_is_weighted_by_route_and_model_together():
    """Prompt p2 runs only on route b with model m2; route b is worse than a on m2 alone (6 % against
    1 %, m1 is 1 % on both). Weighted by model only, p2's control would be ~3.5 % and 6 % would look
    like a rise; weighted by route and model, p2 is at its control's 6 %: no cause."""
    data = cells(LAST_WEEK, 0.01, route="a", model="m1") + cells(LAST_WEEK, 0.01, route="a", model="m2")
    data += cells(LAST_WEEK, 0.01, route="b", model="m1") + cells(LAST_WEEK, 0.06, route="b", model="m2")
    data += cells(THIS_WEEK, 0.01, route="a", model="m1") + cells(THIS_WEEK, 0.01, route="a", model="m2")
    data += cells(THIS_WEEK, 0.01, route="b", model="m1")
    data += cells(range(0, 10), 0.06, route="b", model="m2")
    data += cells(range(10, 168), 0.06, n=50, route="b", model="m2", prompt_version="p2")
    data += cells(range(10, 168), 0.06, n=50, route="b", model="m2")
    found = attribute("parser_failure_rate", "all calls", data, WEEK, {("prompt_version", "p2"): WEEK + 10 * H})
    assert found.kind != "version"


def test_an_excess_run_stretched_over_quiet_hours_still_begins_with_the_rollout():
    """At low traffic the scan may start the run hours before the rollout; those hours at last
    week's rate do not keep the rollout from being the change the excess starts with."""
    data = cells(LAST_WEEK, 0.01, n=20) + cells(range(0, 30), 0.01, n=20)
    data += cells(range(30, 168), 0.12, n=20, prompt_version="v8")
    rollouts = {("prompt_version", "v8"): WEEK + 30 * H}
    found = attribute("parser_failure_rate", "route extract", data, WEEK, rollouts, dimension="route")
    assert (found.kind, found.values) == ("version", ("v8",))

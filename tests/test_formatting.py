"""One way to write each kind of value people read: durations, percentages, money, milliseconds, counts."""

from datetime import timedelta

import pytest

from llm_vitals.formatting import duration, metric_value, percent


@pytest.mark.parametrize("delta, text", [
    (timedelta(0), "0m"), (timedelta(minutes=45), "45m"), (timedelta(hours=3), "3h"),
    (timedelta(hours=3, minutes=5), "3h 5m"), (timedelta(days=1, hours=3, minutes=5, seconds=59), "1d 3h 5m"),
    (timedelta(days=2), "2d"),
])
def test_a_duration_reads_in_days_hours_and_minutes(delta, text):
    assert duration(delta) == text


@pytest.mark.parametrize("metric, value, text", [
    ("error_rate", 0.0123, "1.2%"), ("routing_share", 0.5, "50.0%"), ("error_rate", None, "n/a"),
    ("cost_per_request_usd", 0.00123456, "$0.0012"), ("spend_usd", 1234.5, "$1,234.50"),
    ("latency_p95_ms", 2834.4, "2,834 ms"), ("requests", 18059974, "18,059,974"),
    ("slo_availability_fast", 14.4, "14.4"), ("minutes_since_last_call", 0.7312, "0.7312"),
    ("tokens_per_request", 1234.5, "1,234"),  # rounds half to even, as Python does
])
def test_a_metric_reads_in_its_unit(metric, value, text):
    assert metric_value(metric, value) == text


def test_percent_has_one_decimal():
    assert percent(0.07899) == "7.9%" and percent(None) == "n/a"

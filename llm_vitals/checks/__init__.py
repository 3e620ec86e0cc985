"""Checks and alerts, from computed metrics to an alert's lifecycle.

`thresholds.py` and `slos.py` read what `expectations/` asks for; `detect.py` decides (exact
tests, windows, incidents); `data.py` reads the counts it needs; `gx.py` checks the bounds through
Great Expectations; `slo_burn.py` computes burn rates; `budgets.py` weighs spend against budgets;
`run.py` runs one check; `alerts.py` opens, holds and resolves alerts.
"""

"""Thresholds for `llm-vitals check` (thresholds.yaml), installed as llm_vitals.expectations."""

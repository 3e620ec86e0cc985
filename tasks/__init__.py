"""Prefect tasks: thin wrappers over llm_vitals.pipeline with retries on transient errors only."""

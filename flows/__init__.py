"""Prefect flows: tables of contents over the tasks in llm_vitals.tasks."""

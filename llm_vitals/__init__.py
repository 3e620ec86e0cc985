"""llm-vitals: production monitoring for LLM apps. Pure logic; imports nothing from Prefect."""

__version__ = "0.1.0"

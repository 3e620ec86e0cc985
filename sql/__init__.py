"""SQL statements of llm-vitals, one purpose per file; read by llm_vitals.sqlfiles."""

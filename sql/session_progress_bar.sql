-- session_progress_bar.sql: DuckDB draws its own progress bar for long statements; on a terminal only.
-- Parameter: $on.
set enable_progress_bar = $on;

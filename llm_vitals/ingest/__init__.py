"""The ingestion wing: everything between a source and a stored batch of calls in `requests`.

    log_files.py      finding files (folders, globs, gzip), what a file looked like, stable copies
    mapping.py        mapping files: another log shape's fields onto the request-log contract
    kinds.py          which reader a source needs (the one place that branches on a source's kind)
    sources.py        the file sources: mapped files and OpenTelemetry span files
    sql_source.py     database tables through SQLAlchemy, page by page, with a watermark
    source_config.py  the sources file (named sources, each a location with its kind and options)
    pricing.py        genai-prices' rates, for calls that carry tokens but no cost
    batch.py          the batch store: one transaction that parses, validates, prices, dedupes and
                      appends a batch (sql/ingest_*.sql), rejected lines kept with their line numbers

The batch store's types and functions are imported from here: `ingest.ingest(con, ingest.discover(...))`.
"""

from llm_vitals.ingest.batch import (
    FileUnreadable,
    IngestSummary,
    MappedLines,
    SourceFile,
    discover,
    ingest,
    merge,
)

__all__ = ["FileUnreadable", "IngestSummary", "MappedLines", "SourceFile", "discover", "ingest", "merge"]

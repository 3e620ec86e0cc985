"""The `llm-vitals` command. Runs the pipeline's plain functions; needs no Prefect server."""

import argparse
import os
import sys
from pathlib import Path

from pydantic import ValidationError

from llm_vitals import db, pipeline, report
from llm_vitals.errors import VitalsError
from llm_vitals.prefect_secret import slack_token  # reads Prefect only when a Secret block is named
from llm_vitals.settings import Settings

_INTERRUPTED = "Interrupted; nothing half-done is kept (a running batch is rolled back)."


def main(argv: list[str] | None = None) -> int:
    """Runs one command; returns 0 on success, 1 when a check fails or a file was refused, 2 when the
    command itself failed."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings(**{name: value for name, value in _settings_args(args).items() if value is not None})
        status = args.handler(args, settings)
        if getattr(args, "writes", False) and settings.read_copy:
            pipeline.publish_read_copy(settings)
        return status
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        _fail(f"Setting {where} (LLM_VITALS_{where.upper()}) is invalid: {problem['msg']}.")
    except VitalsError as exc:
        _fail(str(exc))
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        _fail(_INTERRUPTED)
        return 130
    except Exception as exc:  # the outermost boundary: one clear line, never a bare stack trace
        if db.interrupted(exc):  # DuckDB turns Ctrl-C inside a statement into its own error
            _fail(_INTERRUPTED)
            return 130
        if os.environ.get("LLM_VITALS_DEBUG"):
            raise
        _fail(f"Unexpected {type(exc).__name__}: {exc}. Set LLM_VITALS_DEBUG=1 for the full trace and report it.")
    return 2


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    summary = pipeline.ingest_sources(settings, args.sources or None)
    print(report.ingest_text(summary))
    return 1 if summary.refused else 0


def _metrics(args: argparse.Namespace, settings: Settings) -> int:
    print(report.metrics_text(pipeline.compute_metrics(settings, full=args.full_recompute)))
    return 0


def _monitor(args: argparse.Namespace, settings: Settings) -> int:
    from llm_vitals import sequences

    token = slack_token(settings)  # a Secret block that cannot be read fails before any work
    run = sequences.monitor(settings, sequences.MonitorSteps(
        ingest=lambda s: pipeline.ingest_sources(s, args.sources or None),
        metrics=lambda s, full: pipeline.compute_metrics(s, full=full),
        check=pipeline.run_checks,
        deliver=lambda s: pipeline.deliver_alerts(s, token=token),
        publish=pipeline.publish_read_copy,
    ), as_of=args.as_of, full_metrics=_env_flag("full_recompute"))
    print(report.ingest_text(run.ingested))
    print(report.metrics_text(run.computed))
    print(report.checks_text(run.checked, run.delivery, settings.slack_configured))
    return 1 if run.ingested.refused else 0  # a failing check opens an alert; the run itself went well


def _backfill(args: argparse.Namespace, settings: Settings) -> int:
    ingested, computed = pipeline.backfill(settings, args.backfill_start, args.backfill_end, args.sources or None)
    print(report.ingest_text(ingested))
    print(report.metrics_text(computed))
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    token = slack_token(settings)  # a Secret block that cannot be read fails before any work
    summary = pipeline.run_checks(settings, args.as_of)
    delivery = pipeline.deliver_alerts(settings, token=token) if settings.slack_configured else None
    print(report.checks_text(summary, delivery, settings.slack_configured))
    return 1 if summary.failed else 0


def _as_of(text: str | None):
    from datetime import UTC, datetime

    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a timestamp; use ISO 8601, e.g. 2026-11-20T09:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _digest(args: argparse.Namespace, settings: Settings) -> int:
    from llm_vitals import sequences
    from llm_vitals.reports import digest_render

    if args.tenant:
        built, chart = pipeline.tenant_digest(settings, args.tenant, args.week)
        sys.stdout.write(digest_render.markdown(built))
        return 0
    token = slack_token(settings)

    def build(s: Settings, week: str | None) -> tuple[str, bytes]:
        built, chart = pipeline.weekly_digest(s, week)
        sys.stdout.write(digest_render.markdown(built))
        return built.week, chart

    run = sequences.weekly_digest(settings, sequences.DigestSteps(
        build=build, build_tenant=pipeline.queue_tenant_digest,
        deliver=lambda s: pipeline.deliver_alerts(s, token=token),
        upload=lambda s, *file: pipeline.upload_or_tell(s, *file, token=token),
    ), args.week)
    chart_path = Path(f"llm-vitals-digest-{run.week}.png")
    chart_path.write_bytes(run.chart)
    print(f"Chart: {chart_path}")
    if settings.slack_configured:
        print(report.delivery_text(run.delivery)
              + f" Chart {'uploaded' if run.uploaded else 'not uploaded (a webhook cannot take files, or Slack refused it)'}.")
    return 0


def _review(args: argparse.Namespace, settings: Settings) -> int:
    from llm_vitals import sequences

    token = slack_token(settings)

    def build(s: Settings, month: str | None) -> tuple[str, bytes]:
        built, html_path, md_path = pipeline.monthly_review(s, month)
        print(f"Monthly review {built.month}: {html_path} and {md_path}")
        return built.month, html_path.read_bytes()

    run = sequences.monthly_review(settings, sequences.ReviewSteps(
        build=build, deliver=lambda s: pipeline.deliver_alerts(s, token=token),
        upload=lambda s, *file: pipeline.upload_or_tell(s, *file, token=token),
    ), args.month)
    if settings.slack_configured:
        print(report.delivery_text(run.delivery) + f" Report {'attached' if run.uploaded else 'not attached'}.")
    return 0


def _outbox(args: argparse.Namespace, settings: Settings) -> int:
    from llm_vitals import query

    if args.retry:
        print(f"{pipeline.outbox_retry(settings, _message_id(args.retry))} dead message(s) put back in line.")
        if settings.slack_configured:
            print(report.delivery_text(pipeline.deliver_alerts(settings, token=slack_token(settings))))
    if args.drop:
        print(f"{pipeline.outbox_drop(settings, _message_id(args.drop))} message(s) dropped; they will not be sent.")
    listed = pipeline.outbox_messages(settings)
    if not listed.rows:
        print("The outbox is empty: every message was sent or dropped.")
        return 0
    sys.stdout.write(query.render(listed, settings.output_format))
    return 0


def _message_id(text: str) -> int | None:
    if text == "dead":
        return None
    if not text.isdigit():
        raise VitalsError(f"{text!r} is not a message id.", hint="Give a number from `llm-vitals outbox`, or `dead` for every dead one.")
    return int(text)


def _query(args: argparse.Namespace, settings: Settings) -> int:
    from llm_vitals import query

    query.write_query(settings.db, args.sql, sys.stdout, settings.output_format, max_rows=settings.max_rows,
                      read_copy=settings.read_copy_path if settings.read_copy else None,
                      wait_seconds=settings.query_wait_seconds, timeout_seconds=settings.query_timeout_seconds,
                      on_wait=_note)
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from llm_vitals import demo

    demo.run(settings, days=args.demo_days)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llm-vitals",
        description="Monitor LLM apps in production: request logs into DuckDB, exact metrics.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--db", type=Path, help="DuckDB file (LLM_VITALS_DB; default llm-vitals.duckdb)")
        sub.add_argument("--threads", type=int, help="DuckDB threads (LLM_VITALS_THREADS)")
        sub.add_argument("--memory-limit", help="DuckDB memory limit such as 2GB (LLM_VITALS_MEMORY_LIMIT)")
        sub.set_defaults(handler=handler)
        return sub

    for name, handler, help_text in (
        ("ingest", _ingest, "Ingest request logs (files, OpenTelemetry spans, database tables) into the database."),
        ("monitor", _monitor, "Ingest, recompute the metrics the new data touched, check, alert and publish the read"
                              " copy: what the monitor flow does."),
    ):
        sub = command(name, handler, help_text)
        sub.set_defaults(writes=name == "ingest")  # monitor publishes the read copy as its last step
        sub.add_argument("sources", nargs="*", metavar="SOURCE",
                         help="files, folders, globs or database URLs (LLM_VITALS_SOURCE)")
        sub.add_argument("--preset", choices=("litellm", "otel"),
                         help="litellm: a LiteLLM_SpendLogs database; otel: OTLP/JSON span files (LLM_VITALS_PRESET)")
        sub.add_argument("--mapping", type=Path, help="mapping file for another log shape (LLM_VITALS_MAPPING)")
        sub.add_argument("--sources-file", type=Path, help="YAML file of named sources (LLM_VITALS_SOURCES_FILE)")
        sub.add_argument("--store-free-text", action="store_true", default=None,
                         help="keep prompt/response/messages, redacted (LLM_VITALS_STORE_FREE_TEXT)")
        sub.add_argument("--max-line-bytes", type=int, help="longest line accepted (LLM_VITALS_MAX_LINE_BYTES)")
        if name == "monitor":
            _check_options(sub)

    sub = command("backfill", _backfill, "Re-ingest the sources' calls in [--start, --end) and recompute that range; idempotent.")
    sub.set_defaults(writes=True)
    sub.add_argument("sources", nargs="*", metavar="SOURCE", help="files, folders or globs (LLM_VITALS_SOURCE)")
    for option, name, help_text in (("--start", "backfill_start", "first moment of the range"),
                                    ("--end", "backfill_end", "end of the range, exclusive")):
        sub.add_argument(option, dest=name, type=_as_of, default=_env(name), required=_env(name) is None,
                         help=f"{help_text}, ISO 8601 (LLM_VITALS_{name.upper()})")

    sub = command("metrics", _metrics, "Recompute the metric windows that new data touched.")
    sub.set_defaults(writes=True)
    sub.add_argument("--full", dest="full_recompute", action="store_true",
                     default=_env_flag("full_recompute"),
                     help="recompute every window (LLM_VITALS_FULL_RECOMPUTE)")

    sub = command("check", _check, "Check the trailing windows against the thresholds, budgets and SLOs; open and resolve alerts.")
    sub.set_defaults(writes=True)
    _check_options(sub)

    sub = command("digest", _digest, "Weekly digest: the week against the one before, what changed, regressions and their causes.")
    sub.add_argument("--week", default=_env("week"),
                     help="ISO week YYYY-Www (LLM_VITALS_WEEK; default: the last complete week)")
    sub.add_argument("--tenant", default=_env("tenant"), help="print this tenant's digest only (LLM_VITALS_TENANT)")

    sub = command("review", _review, "Monthly review: trends, cost and routing, version changes, alerts, checklist (HTML and Markdown).")
    sub.add_argument("--month", default=_env("month"),
                     help="month YYYY-MM (LLM_VITALS_MONTH; default: the last complete month)")
    sub.add_argument("--out", dest="review_dir", type=Path, help="folder for the report (LLM_VITALS_REVIEW_DIR)")

    sub = command("outbox", _outbox, "List the Slack messages that have not gone out (waiting, dead); retry or drop dead ones.")
    sub.set_defaults(writes=True)
    sub.add_argument("--retry", metavar="ID", help="put dead message ID (or `dead`: all of them) back in line and deliver")
    sub.add_argument("--drop", metavar="ID", help="drop message ID (or `dead`: every dead one): it is never sent")
    sub.add_argument("--format", dest="output_format", choices=("table", "csv", "json"),
                     help="output format (LLM_VITALS_OUTPUT_FORMAT; default table)")

    sub = command("query", _query, "Run one read-only SQL query against the database.")
    sub.add_argument("sql", metavar="SQL")
    sub.add_argument("--format", dest="output_format", choices=("table", "csv", "json"),
                     help="output format (LLM_VITALS_OUTPUT_FORMAT; default table)")
    sub.add_argument("--max-rows", type=int, help="print at most this many rows (LLM_VITALS_MAX_ROWS)")

    sub = command("demo", _demo, "Write two weeks of realistic logs with incidents, run the pipeline, show the findings.")
    sub.add_argument("--dir", dest="demo_dir", type=Path, help="where to write (LLM_VITALS_DEMO_DIR)")
    sub.add_argument("--days", dest="demo_days", type=_demo_days, default=_env("demo_days") or "14",
                     help="days of logs to generate, 8 to 90 (LLM_VITALS_DEMO_DAYS; default 14)")
    return parser


def _check_options(sub: argparse.ArgumentParser) -> None:
    """The options of the check step, shared by `check` and `monitor`."""
    sub.add_argument("--as-of", type=_as_of, default=_env("as_of"),
                     help="judge the windows before this time (ISO 8601; LLM_VITALS_AS_OF; default now)")
    sub.add_argument("--thresholds", type=Path, help="thresholds file (LLM_VITALS_THRESHOLDS)")
    sub.add_argument("--slos", type=Path, help="SLO file (LLM_VITALS_SLOS)")


def _settings_args(args: argparse.Namespace) -> dict[str, object]:
    names = ("db", "threads", "memory_limit", "store_free_text", "max_line_bytes", "demo_dir", "thresholds", "slos",
             "output_format", "max_rows", "review_dir", "preset", "mapping", "sources_file")
    return {name: getattr(args, name, None) for name in names}


def _env(name: str) -> str | None:
    """A run option's environment variable (LLM_VITALS_<NAME>): what one run is about is an option,
    not a setting, and its variable gives the option's default."""
    return os.environ.get(f"LLM_VITALS_{name.upper()}") or None


def _env_flag(name: str) -> bool:
    return (_env(name) or "").lower() in ("1", "true", "yes", "on")


def _demo_days(text: str) -> int:
    if not text.isdigit() or not 8 <= int(text) <= 90:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days from 8 to 90 (the demo needs a week of baseline)")
    return int(text)


def _note(message: str) -> None:
    print(f"llm-vitals: {message}", file=sys.stderr, flush=True)


def _fail(message: str) -> None:
    print(f"llm-vitals: {message}", file=sys.stderr)


def _silence_stdout() -> None:
    """Points stdout at /dev/null, so the interpreter's final flush meets no closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())

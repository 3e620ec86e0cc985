"""Great Expectations: the thresholds compiled into a suite, validated against the run's check table.

Each checked metric becomes one ExpectColumnPairValuesAToBeGreaterThanB over the rows of that metric
with enough data: its bound (threshold, per segment) against the observed value. GX reports the rows
beyond their bound; the binomial test then says which of those are more than noise. The Data Docs
site shows every run's validation.
"""

import sys
from pathlib import Path

from llm_vitals.checks.detect import CheckResult
from llm_vitals.checks.thresholds import Thresholds

SUITE = "llm_vitals_thresholds"


def build_suite(thresholds: Thresholds):
    """Returns the GX ExpectationSuite for the thresholds (pure: no data context needed)."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    suite = gx.ExpectationSuite(name=SUITE)
    for metric, check in sorted(thresholds.checks.items()):
        above = getattr(check, "direction", "above") == "above"
        suite.add_expectation(gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="threshold" if above else "observed",
            column_B="observed" if above else "threshold",
            or_equal=True,
            row_condition=f'metric=="{metric}" and tested',
            condition_parser="pandas",
            meta={"metric": metric, **check.model_dump(exclude_none=True)},
        ))
    return suite


def beyond_bounds(results: list[CheckResult], thresholds: Thresholds, docs_dir: Path | None) -> set[int]:
    """Runs the suite over the results; returns the indexes (into results) GX found beyond their bound."""
    import great_expectations as gx
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    # GX draws progress bars on stderr; only on a terminal, like DuckDB's.
    context.variables.progress_bars = ProgressBarsConfig(globally=sys.stderr.isatty())
    actions = []
    if docs_dir is not None:
        context.add_data_docs_site(site_name="llm_vitals", site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir.resolve())},
        })
        actions.append(gx.checkpoint.actions.UpdateDataDocsAction(name="data_docs", site_names=["llm_vitals"]))
    batch = context.data_sources.add_pandas(name="llm_vitals").add_dataframe_asset(name="check_results") \
        .add_batch_definition_whole_dataframe("run")
    suite = context.suites.add(build_suite(thresholds))
    validation = context.validation_definitions.add(gx.ValidationDefinition(name="thresholds", data=batch, suite=suite))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name="llm_vitals", validation_definitions=[validation], actions=actions,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["row_id"]},
    ))
    frame = pd.DataFrame({
        "row_id": range(len(results)),
        "metric": [r.metric for r in results],
        "grain": [r.grain for r in results],
        "dimension": [r.dimension for r in results],
        "segment": [r.segment for r in results],
        "observed": [r.observed for r in results],
        "threshold": [r.threshold for r in results],
        "tested": [r.p_value is not None for r in results],
    })
    outcome = checkpoint.run(batch_parameters={"dataframe": frame})
    beyond: set[int] = set()
    for run in outcome.run_results.values():
        for expectation in run.results:
            beyond.update(int(row["row_id"]) for row in expectation.result.get("unexpected_index_list") or [])
    return beyond

"""Metrics a chemist reads to judge generated molecules and RL runs, and the run report."""

from molmara.metrics.circles import Circles, circles, diverse_hits, greedy_circles
from molmara.metrics.distribution import (
    internal_diversity,
    novelty,
    sample_quality,
    unique_at_k,
    uniqueness,
    validity,
)
from molmara.metrics.fcd import FcdStatistics, fcd, fcd_statistics
from molmara.metrics.report import (
    METRIC_DESCRIPTIONS,
    RunData,
    evaluate_run,
    format_table,
    load_run,
    metrics_table,
    run_curves,
    step_curve,
    task_references,
)
from molmara.metrics.report_writer import write_report
from molmara.metrics.run_metrics import (
    cumulative_yield,
    oracle_burden,
    oracle_calls,
    running_top_k,
    top_k_auc,
    top_k_average,
    yield_at,
)
from molmara.metrics.scaffold_stats import (
    cumulative_scaffolds,
    hit_scaffold_table,
    mode_coverage,
    scaffold_entropy,
    scaffold_summary,
)
from molmara.metrics.stats import WelchResult, incomplete_beta, student_t_sf, welch_t_test

__all__ = [
    "METRIC_DESCRIPTIONS",
    "Circles",
    "WelchResult",
    "FcdStatistics",
    "RunData",
    "circles",
    "cumulative_scaffolds",
    "cumulative_yield",
    "diverse_hits",
    "evaluate_run",
    "fcd",
    "fcd_statistics",
    "format_table",
    "greedy_circles",
    "hit_scaffold_table",
    "incomplete_beta",
    "internal_diversity",
    "load_run",
    "metrics_table",
    "mode_coverage",
    "novelty",
    "oracle_burden",
    "oracle_calls",
    "run_curves",
    "running_top_k",
    "sample_quality",
    "scaffold_entropy",
    "scaffold_summary",
    "step_curve",
    "student_t_sf",
    "task_references",
    "top_k_auc",
    "top_k_average",
    "unique_at_k",
    "uniqueness",
    "validity",
    "welch_t_test",
    "write_report",
    "yield_at",
]

"""Metrics a chemist reads to judge generated molecules and RL runs, and the run report.

Each name is imported when first used, so `import molmara.metrics` loads neither torch nor pandas until a
metric that needs them is called (the sample metrics need RDKit and NumPy only).
"""

# ruff: noqa: F401
from __future__ import annotations

from typing import TYPE_CHECKING

from molmara.lazy import lazy_names

_EXPORTS = {
    "Circles": "molmara.metrics.circles",
    "circles": "molmara.metrics.circles",
    "diverse_hits": "molmara.metrics.circles",
    "greedy_circles": "molmara.metrics.circles",
    "internal_diversity": "molmara.metrics.distribution",
    "novelty": "molmara.metrics.distribution",
    "sample_quality": "molmara.metrics.distribution",
    "unique_at_k": "molmara.metrics.distribution",
    "uniqueness": "molmara.metrics.distribution",
    "validity": "molmara.metrics.distribution",
    "FcdStatistics": "molmara.metrics.fcd",
    "fcd": "molmara.metrics.fcd",
    "fcd_statistics": "molmara.metrics.fcd",
    "METRIC_DESCRIPTIONS": "molmara.metrics.report",
    "RunData": "molmara.metrics.report",
    "evaluate_run": "molmara.metrics.report",
    "format_table": "molmara.metrics.report",
    "load_run": "molmara.metrics.report",
    "metrics_table": "molmara.metrics.report",
    "run_curves": "molmara.metrics.report",
    "step_curve": "molmara.metrics.report",
    "task_references": "molmara.metrics.report",
    "write_report": "molmara.metrics.report_writer",
    "cumulative_yield": "molmara.metrics.run_metrics",
    "oracle_burden": "molmara.metrics.run_metrics",
    "oracle_calls": "molmara.metrics.run_metrics",
    "running_top_k": "molmara.metrics.run_metrics",
    "top_k_auc": "molmara.metrics.run_metrics",
    "top_k_average": "molmara.metrics.run_metrics",
    "yield_at": "molmara.metrics.run_metrics",
    "cumulative_scaffolds": "molmara.metrics.scaffold_stats",
    "hit_scaffold_table": "molmara.metrics.scaffold_stats",
    "mode_coverage": "molmara.metrics.scaffold_stats",
    "scaffold_entropy": "molmara.metrics.scaffold_stats",
    "scaffold_summary": "molmara.metrics.scaffold_stats",
}

__all__ = sorted(_EXPORTS)

# Two functions share their module's name: importing `molmara.metrics.circles` (as other modules do) would set the
# package's attribute `circles` to the module and hide the function from `__getattr__`. Bound here, they stay
# functions; both modules are light (NumPy and RDKit).
from molmara.metrics.circles import circles  # noqa: E402
from molmara.metrics.fcd import fcd  # noqa: E402

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly (re-exported, hence noqa)
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


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)

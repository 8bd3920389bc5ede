"""A stored run as the metrics' `RunData` (the same columns as a run folder's CSV files)."""

from __future__ import annotations

import sys

from molmara.metrics.report import RunData
from molmara.store.db import RunStore
from molmara.store.export import reinvent_table

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def load_stored_run(store: RunStore, run: int | str) -> RunData:
    """Molecules, steps, config and summary of run `run` (id or name), for `metrics_table` and reports."""
    info = store.get_run(run)
    molecules = store.molecules(info["id"])
    labels = [c for c in molecules.columns if f"{c} (raw)" in molecules.columns]
    table = reinvent_table(molecules, labels)
    for column in ("SMILES", "canonical_smiles", "Scaffold", "generic_scaffold"):
        if column in table:
            table[column] = table[column].fillna("").astype(str)
    config = tomllib.loads(info["config"]) if info["config"] else {}
    return RunData(info["name"], table, store.steps(info["id"]), config, info["summary"])

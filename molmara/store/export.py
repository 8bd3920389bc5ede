"""Exports of a stored run's molecules: CSV with REINVENT 4's columns, Parquet, and SDF with properties."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rdkit import Chem

from molmara.store.db import RunStore

EXPORT_FORMATS = ("csv", "parquet", "sdf")
REINVENT_COLUMNS = {
    "smiles": "SMILES",
    "score": "Score",
    "agent_nll": "Agent",
    "prior_nll": "Prior",
    "target": "Target",
    "murcko_scaffold": "Scaffold",
}


def reinvent_table(molecules: pd.DataFrame, component_labels: list[str]) -> pd.DataFrame:
    """Molecules with REINVENT 4's CSV columns first (SMILES, Score, Agent, Prior, Target, Scaffold,
    <component>, <component> (raw), step), then molmara's own (canonical SMILES, generic scaffold, hit …)."""
    table = molecules.rename(columns=REINVENT_COLUMNS)
    components = [c for label in component_labels for c in (label, f"{label} (raw)") if c in table.columns]
    first = [*REINVENT_COLUMNS.values(), *components, "step"]
    rest = [c for c in table.columns if c not in first and c not in ("id", "run_id")]
    return table[first + rest]


def export_format(path: str | Path, fmt: str | None = None) -> str:
    """The export format, from `fmt` or the file's suffix (`.csv`, `.csv.gz`, `.parquet`, `.sdf`)."""
    if fmt is None:
        name = Path(path).name.lower()
        fmt = next((f for f in EXPORT_FORMATS if name.endswith(f".{f}") or name.endswith(f".{f}.gz")), None)
        if fmt is None:
            raise ValueError(f"cannot tell the export format of {path}: use .csv, .parquet or .sdf, or give --format")
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {', '.join(EXPORT_FORMATS)}")
    return fmt


def export_run(
    store: RunStore, run: int | str, path: str | Path, fmt: str | None = None, hits_only: bool = False
) -> int:
    """Write a run's molecules (all, or the hits) to `path`; returns the number of molecules written.

    The file is written under a temporary name and renamed when complete, so an existing export is
    never left half-overwritten. SDF holds the valid molecules only, each with its values as properties.
    """
    fmt = export_format(path, fmt)
    info = store.get_run(run)
    table = store.molecules(info["id"], hits_only=hits_only)
    labels = [c for c in table.columns if f"{c} (raw)" in table.columns]
    table = reinvent_table(table, labels)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        if fmt == "csv":
            table.to_csv(partial, index=False, compression="gzip" if path.name.endswith(".gz") else None)
            written = len(table)
        elif fmt == "parquet":
            table.to_parquet(partial, index=False)
            written = len(table)
        else:
            written = _write_sdf(table, partial, info["name"])
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return written


def _write_sdf(table: pd.DataFrame, path: Path, run_name: str) -> int:
    written = 0
    with Chem.SDWriter(str(path)) as writer:
        for record in table.to_dict("records"):
            mol = Chem.MolFromSmiles(str(record["SMILES"])) if record.get("valid") else None
            if mol is None:
                continue
            mol.SetProp("_Name", f"{run_name} step {record['step']}")
            for column, value in record.items():
                if column != "SMILES" and value is not None and not (isinstance(value, float) and pd.isna(value)):
                    mol.SetProp(column, str(value))
            writer.write(mol)
            written += 1
    return written

"""Raw-row files of the incremental benchmarks: one CSV row per finished run, appended as runs finish,
imported from another machine's file without repeating a run (a row's key says which run it is)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd


def read_rows(path: Path) -> pd.DataFrame:
    """The rows of `path` (empty when there is no file); the prior digest stays text."""
    return pd.read_csv(path, dtype={"prior": str}) if Path(path).is_file() else pd.DataFrame()


def append_row(path: Path, row: dict) -> None:
    """Append one raw row (header on a new file; columns of an existing file kept in its order)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame([row])
    if path.is_file():
        columns = list(pd.read_csv(path, nrows=0).columns)
        table = table.reindex(columns=columns + [c for c in table.columns if c not in columns])
        if list(table.columns) != columns:  # a new column: rewrite the file with it
            pd.concat([pd.read_csv(path), table]).to_csv(path, index=False)
            return
    table.to_csv(path, mode="a", header=not path.is_file(), index=False)


def import_rows(
    source: Path, raw_path: Path, key_of_row: Callable[[dict], tuple], keep: Callable[[dict], bool] | None = None
) -> int:
    """Append the rows of `source` whose key is not in `raw_path` yet (and that `keep` accepts); the number
    appended."""
    incoming = read_rows(source)
    if incoming.empty:
        return 0
    existing = read_rows(raw_path)
    done = {key_of_row(r) for r in existing.to_dict("records")} if not existing.empty else set()
    added = 0
    for row in incoming.to_dict("records"):
        if keep is not None and not keep(row):
            continue
        key = key_of_row(row)
        if key not in done:
            append_row(raw_path, row)
            done.add(key)
            added += 1
    return added


def machines_of(rows: pd.DataFrame) -> str:
    """Where the rows were measured, with how many rows each."""
    if "machine" not in rows:
        return "not recorded"
    counts = rows["machine"].fillna("not recorded").value_counts()
    return "; ".join(f"{machine} ({n} runs)" for machine, n in counts.items())

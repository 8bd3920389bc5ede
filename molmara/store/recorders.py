"""Where a run's per-step records and scored molecules go.

`Recorder` is the interface the trainer writes through; `molmara.store.StoreRecorder` backs it with
the SQLite run store. They live beside the store, so that the store never imports the RL layer.
`CsvRecorder` writes `steps.csv` and `molecules.csv` in the run folder, the molecules with
REINVENT 4's columns (SMILES, Score, Agent, Prior, Target, Scaffold, <component>, <component> (raw),
step) so that existing REINVENT notebooks read molmara runs.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

MOLECULE_COLUMNS = ["SMILES", "Score", "Agent", "Prior", "Target", "Scaffold"]


class Recorder:
    """Receives a run's configuration, step records and molecules."""

    def start(self, config: dict, resume_step: int | None = None) -> None:
        """A run begins, or resumes after `resume_step` (rows of later steps must be dropped)."""

    def record_step(self, record: dict) -> None:
        raise NotImplementedError

    def record_molecules(self, rows: list[dict]) -> None:
        raise NotImplementedError

    def finish(self, status: str, summary: dict) -> None:
        """The run ended with `status` ("finished", "collapsed", "cancelled" or "failed")."""


class MemoryRecorder(Recorder):
    """Keeps everything in lists (tests, notebooks)."""

    def __init__(self) -> None:
        self.steps: list[dict] = []
        self.molecules: list[dict] = []
        self.status: str | None = None
        self.summary: dict = {}

    def start(self, config: dict, resume_step: int | None = None) -> None:
        if resume_step is not None:
            self.steps = [s for s in self.steps if s["step"] <= resume_step]
            self.molecules = [m for m in self.molecules if m["step"] <= resume_step]

    def record_step(self, record: dict) -> None:
        self.steps.append(record)

    def record_molecules(self, rows: list[dict]) -> None:
        self.molecules.extend(rows)

    def finish(self, status: str, summary: dict) -> None:
        self.status, self.summary = status, summary


class CsvRecorder(Recorder):
    """`steps.csv`, `molecules.csv`, `config.json` and `summary.json` in one folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.steps_path = self.folder / "steps.csv"
        self.molecules_path = self.folder / "molecules.csv"
        self._molecule_columns: list[str] | None = None
        self._step_columns: list[str] | None = None

    def start(self, config: dict, resume_step: int | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "config.json").write_text(json.dumps(config, indent=2, default=str) + "\n")
        if resume_step is None:
            self.steps_path.unlink(missing_ok=True)
            self.molecules_path.unlink(missing_ok=True)
            return
        for path in (self.steps_path, self.molecules_path):  # drop what came after the checkpoint
            if path.is_file():
                table = pd.read_csv(path)
                table[table["step"] <= resume_step].to_csv(path, index=False)
                if path == self.steps_path:
                    self._step_columns = list(table.columns)
                else:
                    self._molecule_columns = list(table.columns)

    def _append(self, path: Path, rows: list[dict], columns: list[str] | None) -> list[str]:
        columns = columns or list(rows[0])
        new_file = not path.is_file()
        with open(path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerows(rows)
        return columns

    def record_step(self, record: dict) -> None:
        self._step_columns = self._append(self.steps_path, [record], self._step_columns)

    def record_molecules(self, rows: list[dict]) -> None:
        if rows:
            self._molecule_columns = self._append(self.molecules_path, rows, self._molecule_columns)

    def finish(self, status: str, summary: dict) -> None:
        (self.folder / "summary.json").write_text(json.dumps({"status": status, **summary}, indent=2, default=str))


class TeeRecorder(Recorder):
    """Hands everything to several recorders (the run store and the run folder's CSV files)."""

    def __init__(self, *recorders: Recorder) -> None:
        self.recorders = list(recorders)

    def start(self, config: dict, resume_step: int | None = None) -> None:
        for recorder in self.recorders:
            recorder.start(config, resume_step)

    def record_step(self, record: dict) -> None:
        for recorder in self.recorders:
            recorder.record_step(record)

    def record_molecules(self, rows: list[dict]) -> None:
        for recorder in self.recorders:
            recorder.record_molecules(rows)

    def finish(self, status: str, summary: dict) -> None:
        for recorder in self.recorders:
            recorder.finish(status, summary)

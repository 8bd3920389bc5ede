"""`CsvRecorder`: a run's per-step records and scored molecules as CSV files in its folder.

It writes `steps.csv` and `molecules.csv` in the run folder, the molecules with REINVENT 4's columns (SMILES,
Score, Agent, Prior, Target, Scaffold, <component>, <component> (raw), step) so that existing REINVENT notebooks
read molmara runs; the interface it implements is the RL layer's `molmara.rl.recording.Recorder`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd

from molmara.rl.recording import Recorder


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

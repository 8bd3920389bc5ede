"""What a trainer writes through: `Recorder` (the interface), `MemoryRecorder` and `TeeRecorder`.

The RL layer defines what a run emits; the layers above it decide where it goes (`molmara.store.StoreRecorder`
into the run store, `molmara.store.recorders.CsvRecorder` into the run folder's CSV files, a sweep's writer).
"""

from __future__ import annotations


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

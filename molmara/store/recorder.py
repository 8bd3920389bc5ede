"""`StoreRecorder`: the trainer's per-step record and molecules written to the run store, one transaction a step."""

from __future__ import annotations

import os
import time

from molmara.processes import process_start_time
from molmara.rl.recording import Recorder
from molmara.store.db import RunStore


def store_rows(rows: list[dict], labels: list[str]) -> list[dict]:
    """The trainer's flat molecule rows with their component values gathered as `RunStore.write_step` wants them."""
    converted = []
    for row in rows:
        out = dict(row)
        out["components"] = {label: row.get(label) for label in labels}
        out["raw"] = {label: row.get(f"{label} (raw)") for label in labels}
        converted.append(out)
    return converted


class StoreRecorder(Recorder):
    """Writes one run's steps and molecules into a `RunStore`.

    The trainer hands over a step's molecules first and then its record; both are committed together
    when the record arrives, so a reader never sees a step without its molecules (and `kill -9` loses
    at most the step in flight).
    """

    def __init__(self, store: RunStore, run_id: int, component_labels: list[str]) -> None:
        self.store = store
        self.run_id = run_id
        self.labels = list(component_labels)
        self._pending: list[dict] = []

    def start(self, config: dict, resume_step: int | None = None) -> None:
        if resume_step is not None:
            self.store.truncate_after(self.run_id, resume_step)
        self._pending = []
        self.store.update_run(
            self.run_id,
            status="running",
            pid=os.getpid(),
            pid_started=process_start_time(),
            message=None,
            finished_at=None,
        )

    def record_molecules(self, rows: list[dict]) -> None:
        self._pending.extend(store_rows(rows, self.labels))

    def record_step(self, record: dict) -> None:
        self.store.write_step(self.run_id, record, self._pending)
        self._pending = []

    def finish(self, status: str, summary: dict) -> None:
        self._pending = []
        self.store.update_run(
            self.run_id, status=status, summary=summary, finished_at=time.time(), pid=None, pid_started=None
        )

"""The run store: runs, per-step records and scored molecules in one SQLite file, shared by the CLI and the app."""

from molmara.store.db import DEFAULT_STORE, SCHEMA_VERSION, RunNotFoundError, RunStore, StoreError
from molmara.store.recorder import StoreRecorder

__all__ = ["DEFAULT_STORE", "SCHEMA_VERSION", "RunNotFoundError", "RunStore", "StoreError", "StoreRecorder"]

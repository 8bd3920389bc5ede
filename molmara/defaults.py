"""Defaults a user meets in several places (command-line help, run configs, the app), in one light module: where
runs go, the run store, and how long an oracle may spend on one molecule. Importing it loads nothing else, so
that `molmara --help` answers at once."""

from __future__ import annotations

from pathlib import Path

DEFAULT_OUTPUT = Path("molmara-runs")
"""Where runs go unless told otherwise: one folder per run, and the run store."""
STORE_FILE = "molmara.db"
"""The run store's file name inside an output folder."""
DEFAULT_STORE = DEFAULT_OUTPUT / STORE_FILE

DEFAULT_TIME_LIMIT = 60.0
"""Seconds an oracle may spend on one molecule before the molecule scores NaN ("timed out")."""

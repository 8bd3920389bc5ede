"""Fixtures of the app's tests: a small run store filled by real tiny runs, and AppTest for a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from molmara.resources import APP

QED_SA = {
    "name": "qed-sa",
    "component": [
        {"oracle": "qed", "weight": 1.0},
        {"oracle": "sa", "weight": 1.0, "transform": {"type": "reverse_sigmoid", "low": 2.0, "high": 4.5}},
    ],
}
TIMEOUT = 240  # seconds for one script run: generous, the machine may be shared


def tiny_run_config(prior: Path | None, folder: Path, name: str, mara: bool = True, steps: int = 4) -> dict:
    """A real run kept small: 16 molecules a step, a few steps, on the CPU (`prior` None: the shipped prior)."""
    return {
        "name": name,
        **({"prior": str(prior)} if prior else {}),
        "objective": QED_SA,
        "mara": mara,
        "tau": 0.5,
        "batch_size": 16,
        "max_steps": steps,
        "max_oracle_calls": None,
        "learning_rate": 1e-3,
        "seed": 3,
        "device": "cpu",
        "output": str(folder),
        "store": str(folder / "molmara.db"),
    }


@pytest.fixture(scope="session")
def app_store(tmp_path_factory) -> Path:
    """A run store with a MARA run and a plain run and a run that failed. The runs are real and small, with the
    shipped prior (the tiny test prior writes too few valid molecules to fill the explorer's tables)."""
    from molmara.lifecycle import run
    from molmara.store import RunStore

    folder = tmp_path_factory.mktemp("app-store")
    run(tiny_run_config(None, folder, "tiny-mara", mara=True))
    run(tiny_run_config(None, folder, "tiny-plain", mara=False))
    store_path = folder / "molmara.db"
    with RunStore(store_path) as store:
        failed = store.create_run("broken", "rl", 'name = "broken"\n', seed=0)
        store.update_run(failed, status="failed", message="the run's process ended (killed?); log ends: MemoryError")
    return store_path


@pytest.fixture()
def page_test(monkeypatch):
    """`page_test(store, "pages/3_Monitor.py")`: an AppTest of a page reading `store`, not yet run."""
    from streamlit.testing.v1 import AppTest

    from molmara.oracles.user import ALLOW_EXTERNAL

    monkeypatch.delenv(ALLOW_EXTERNAL, raising=False)  # the page turns it off; restored after the test

    def make(store: Path, script: str = "Home.py") -> AppTest:
        monkeypatch.setenv("MOLMARA_STORE", str(store))
        return AppTest.from_file(str(APP / script), default_timeout=TIMEOUT)

    return make

"""Shared fixtures: a small MOSES subset and a tiny prior trained on it once per test session."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

# One torch/OpenMP thread for the suite and every process it starts: the tests' models are tiny (nothing to gain
# from a second thread), and on a 2-core machine a parent, a child run and any other job each spinning 2 threads
# slow one another many-fold (measured here beside a docking job: test_pretrain_then_sample_then_demo 168 s with
# one thread, 655 s and a timeout with the default). Set before torch is imported; an explicit setting wins.
os.environ.setdefault("OMP_NUM_THREADS", "1")

DATA = Path(__file__).parent / "data"
MOSES_SUBSET = DATA / "moses_train_2000.csv"


@pytest.fixture(scope="session")
def moses_smiles() -> list[str]:
    with open(MOSES_SUBSET) as handle:
        return [row[0] for row in csv.reader(handle)][1:]


@pytest.fixture(scope="session")
def tiny_prior_path(tmp_path_factory) -> Path:
    """A 2x64 GRU trained for a few hundred steps on 2,000 MOSES molecules: real, small and fast."""
    from molmara.model.pretrain import PretrainConfig, pretrain

    out = tmp_path_factory.mktemp("prior") / "tiny.prior"
    pretrain(
        PretrainConfig(
            corpus=str(MOSES_SUBSET),
            output=str(out),
            hidden_size=64,
            embedding_dim=32,
            num_layers=2,
            epochs=6,
            batch_size=64,
            learning_rate=5e-3,
            warmup_steps=10,
            validate_every=50,
            checkpoint_every=1000,
            device="cpu",
            progress=False,
        )
    )
    return out


@pytest.fixture()
def tiny_prior(tiny_prior_path):
    from molmara import load_prior

    return load_prior(tiny_prior_path, device="cpu")


def qed_run_config(folder: Path, prior: Path, batch_size: int = 16, max_steps: int = 2, extra: str = "") -> Path:
    """A run config TOML in `folder` for a small QED run into `folder/runs` (its objective file beside it)."""
    (folder / "qed.toml").write_text('[[component]]\noracle = "qed"\nweight = 1.0\n')
    config = folder / "run.toml"
    config.write_text(
        f'prior = "{prior}"\nobjective = "qed.toml"\nbatch_size = {batch_size}\nmax_steps = {max_steps}\n'
        f'max_oracle_calls = 1000\ndevice = "cpu"\noutput = "{folder / "runs"}"\n{extra}'
    )
    return config

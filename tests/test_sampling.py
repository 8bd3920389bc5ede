"""Batch sampling: filters, scoring, and resuming after a real kill without duplicating rows."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
from rdkit import Chem

from molmara.model.prior import load_prior
from molmara.objective import Objective
from molmara.sampling import sample_to_csv

QED = Objective.from_dict({"component": [{"oracle": "qed", "weight": 1.0}]})


def test_unique_scored_and_filtered_rows(tiny_prior_path, tmp_path):
    prior = load_prior(tiny_prior_path, "cpu")
    out = sample_to_csv(
        tmp_path / "s.csv", n=300, prior=prior, batch_size=128, seed=1, progress=False,
        unique=True, objective=QED, min_score=0.5,
    )  # fmt: skip
    table = pd.read_csv(out)
    assert len(table) == 300 and list(table.columns) == ["SMILES", "NLL", "Score", "qed", "qed (raw)"]
    canonical = [Chem.MolToSmiles(Chem.MolFromSmiles(s)) for s in table["SMILES"]]
    assert len(set(canonical)) == 300 and (table["Score"] >= 0.5).all()
    assert not (tmp_path / "s.csv.partial").exists() and not (tmp_path / "s.csv.partial.state").exists()


def test_plain_sampling_keeps_invalid_rows_and_same_seed_same_file(tiny_prior_path, tmp_path):
    prior = load_prior(tiny_prior_path, "cpu")
    a = sample_to_csv(tmp_path / "a.csv", n=500, prior=prior, batch_size=64, seed=7, progress=False)
    b = sample_to_csv(tmp_path / "b.csv", n=500, prior=prior, batch_size=64, seed=7, progress=False)
    assert a.read_text() == b.read_text() and len(pd.read_csv(a)) == 500


def test_bad_sampling_requests(tiny_prior_path, tmp_path):
    prior = load_prior(tiny_prior_path, "cpu")
    with pytest.raises(ValueError, match="n must be"):
        sample_to_csv(tmp_path / "x.csv", n=0, prior=prior)
    with pytest.raises(ValueError, match="give an objective"):
        sample_to_csv(tmp_path / "x.csv", n=5, prior=prior, min_score=0.5)
    with pytest.raises(RuntimeError, match="passed the filters"):
        sample_to_csv(tmp_path / "x.csv", n=50, prior=prior, objective=QED, min_score=1.01, max_sampled=200)
    assert (tmp_path / "x.csv.partial").exists() and not (tmp_path / "x.csv").exists()


def test_a_killed_sampling_job_resumes_to_the_uninterrupted_result(tiny_prior_path, tmp_path):
    n, args = 400, ["--batch-size", "25", "--seed", "11", "--unique", "--device", "cpu", "--quiet"]
    out = tmp_path / "big.csv"
    command = [sys.executable, "-m", "molmara.cli", "sample", "--prior", str(tiny_prior_path), "-n", str(n)]
    process = subprocess.Popen([*command, "-o", str(out), *args], stderr=subprocess.PIPE)
    state = tmp_path / "big.csv.partial.state"
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if state.exists() and json.loads(state.read_text())["written"] >= 100:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the job ended before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()
    written_before = json.loads(state.read_text())["written"]
    assert 100 <= written_before < n and not out.exists()
    with open(tmp_path / "big.csv.partial", "a") as handle:
        handle.write("CCO,12.3\nc1cc")  # a chunk torn by the kill, beyond the recorded offset
    resumed = subprocess.run([*command, "-o", str(out), *args], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{written_before:,} of {n:,} rows already written" in resumed.stderr
    reference = subprocess.run(
        [*command, "-o", str(tmp_path / "reference.csv"), *args], capture_output=True, text=True, timeout=300
    )
    assert reference.returncode == 0, reference.stderr
    assert out.read_text() == (tmp_path / "reference.csv").read_text()
    assert len(pd.read_csv(out)) == n


def test_a_job_without_a_seed_resumes_with_the_seed_it_drew(tiny_prior_path, tmp_path, capsys):
    prior = load_prior(tiny_prior_path, device="cpu")
    out = tmp_path / "noseed.csv"
    with pytest.raises(RuntimeError, match="only 100 passed"):  # stopped after two chunks, like an interruption
        sample_to_csv(out, n=200, prior=prior, batch_size=50, max_sampled=100, progress=False)
    drawn = json.loads((tmp_path / "noseed.csv.partial.state").read_text())["seed"]
    sample_to_csv(out, n=200, prior=prior, batch_size=50, progress=False)
    assert "100 of 200 rows already written" in capsys.readouterr().err
    reference = sample_to_csv(tmp_path / "ref.csv", n=200, prior=prior, batch_size=50, seed=drawn, progress=False)
    assert out.read_text() == reference.read_text()

"""The shipped prior, the quickstart notebook and the app page, run as a user would run them."""

from pathlib import Path

import numpy as np
import pytest
import torch

import molmara
from molmara.metrics import sample_quality
from molmara.model.prior import DEFAULT_PRIOR, CheckpointError
from molmara.resources import shipped_prior

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["moses_gru", "moses_lstm"])
def test_shipped_priors_load_and_write_valid_diverse_molecules(name):
    path = shipped_prior(name)
    assert path is not None and path.stat().st_size < 25 * 2**20
    prior = molmara.load_prior(name, device="cpu")
    assert prior.config.cell == name.removeprefix("moses_")
    smiles, logp = prior.sample(300, generator=torch.Generator().manual_seed(123))
    quality = sample_quality(smiles)
    # the benchmark measures these on 10,000 samples; 300 samples with generous margins catch a broken prior
    assert quality["validity"] > 0.9, quality
    assert quality["uniqueness"] > 0.97, quality
    assert np.isfinite(logp).all()
    card = (DEFAULT_PRIOR.parent / "MODEL_CARD.md").read_text()
    assert "benchmarks/prior_quality.py" in card and f"`{name}.prior`" in card


def test_a_shipped_prior_loads_by_name_and_a_wrong_name_lists_them(tmp_path, monkeypatch):
    by_name = molmara.load_prior("moses_gru", device="cpu")
    assert torch.equal(by_name.model.head.weight, molmara.load_prior(device="cpu").model.head.weight)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "moses_gru").write_text("not a prior")  # a file of that name is the user's: it wins, and is refused
    with pytest.raises(CheckpointError, match="moses_gru"):
        molmara.load_prior("moses_gru", device="cpu")
    with pytest.raises(CheckpointError, match=r"not found: moses_grue \(shipped priors, by name: moses_gru"):
        molmara.load_prior("moses_grue", device="cpu")


def test_quickstart_notebook_runs():
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "notebooks" / "quickstart.ipynb", as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]


def test_home_page_samples_and_draws():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "molmara" / "app" / "Home.py"), default_timeout=120)
    app.run()
    assert not app.exception
    app.number_input[0].set_value(40)
    app.button[0].click()
    app.run()
    assert not app.exception
    labels = [m.label for m in app.metric]
    assert "validity" in labels and "unique_scaffolds" in labels
    assert float(app.metric[labels.index("validity")].value) > 0.8

import sys

import numpy as np
import pytest

from molmara.metrics import fcd, fcd_statistics


def test_missing_fcd_torch_gives_an_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "fcd_torch", None)  # makes `import fcd_torch` fail
    with pytest.raises(ImportError, match=r"pip install 'molmara\[fcd\]'"):
        fcd(["CCO", "CCN"], ["CCC", "CCCC"])


def test_fcd_needs_two_valid_molecules():
    pytest.importorskip("fcd_torch")
    with pytest.raises(ValueError, match="at least 2 valid molecules, got 1"):
        fcd_statistics(["CCO", "not a smiles"])


def test_chunked_statistics_match_fcd_torch_over_the_valid_molecules(moses_smiles):
    fcd_torch = pytest.importorskip("fcd_torch")
    generated = moses_smiles[:40] + ["bad", ""]
    expected = fcd_torch.FCD(device="cpu", n_jobs=1).precalc(moses_smiles[:40])
    stats = fcd_statistics(generated, chunk=16)  # three chunks, the invalid strings left out
    assert stats.n == 40
    assert np.allclose(stats.mu, expected["mu"], atol=1e-5) and np.allclose(stats.sigma, expected["sigma"], atol=1e-5)


@pytest.mark.slow
def test_fcd_is_zero_against_the_statistics_of_the_same_valid_molecules(moses_smiles):
    pytest.importorskip("fcd_torch")
    stats = fcd_statistics(moses_smiles[:60])
    # one Frechet distance only (scipy's sqrtm of 512 x 512 takes seconds); the invalid string must be dropped
    assert fcd(moses_smiles[:60] + ["bad"], stats) == pytest.approx(0.0, abs=1e-3)

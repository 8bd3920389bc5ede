"""Fréchet ChemNet Distance (Preuer et al., 2018) through fcd-torch, an optional extra.

FCD compares the mean and covariance of ChemNet's penultimate activations over two sets of molecules:
0 for sets with the same statistics, larger the more they differ. As in MOSES, only valid SMILES
enter. Activations are computed in chunks so that large reference sets fit in memory (fcd-torch on
the whole 176k-molecule MOSES test set at once needs more than 24 GB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from molmara.chem.smiles import is_valid

INSTALL_HINT = "FCD needs the optional package fcd-torch: pip install 'molmara[fcd]' (or fcd-torch==1.0.7)"


@dataclass(frozen=True)
class FcdStatistics:
    """Mean and covariance of ChemNet activations over a set (reusable for several comparisons)."""

    mu: np.ndarray
    sigma: np.ndarray
    n: int


def _fcd_model(device: str):
    try:
        from fcd_torch import FCD
    except ImportError as err:
        raise ImportError(INSTALL_HINT) from err
    return FCD(device=device, n_jobs=1)


def fcd_statistics(smiles: Sequence[object], device: str = "cpu", chunk: int = 5000, model=None) -> FcdStatistics:
    """ChemNet statistics of the valid molecules of `smiles` (at least two are needed)."""
    valid = [s for s in smiles if is_valid(s)]
    if len(valid) < 2:
        raise ValueError(f"FCD needs at least 2 valid molecules, got {len(valid)}")
    model = model if model is not None else _fcd_model(device)
    acts = np.concatenate([model.get_predictions(valid[i : i + chunk]) for i in range(0, len(valid), chunk)])
    return FcdStatistics(acts.mean(axis=0), np.cov(acts.T), len(valid))


def fcd(
    smiles: Sequence[object],
    reference: Sequence[object] | FcdStatistics,
    device: str = "cpu",
    chunk: int = 5000,
) -> float:
    """FCD between the valid molecules of `smiles` and a reference set (or its precomputed statistics)."""
    model = _fcd_model(device)
    from fcd_torch.utils import calculate_frechet_distance

    generated = fcd_statistics(smiles, device, chunk, model)
    if not isinstance(reference, FcdStatistics):
        reference = fcd_statistics(reference, device, chunk, model)
    return float(calculate_frechet_distance(generated.mu, generated.sigma, reference.mu, reference.sigma))

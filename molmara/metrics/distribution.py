"""Distribution metrics of a set of generated SMILES: validity, uniqueness, unique@k, novelty, IntDiv, scaffolds.

Definitions follow MOSES (Polykovskiy et al., 2020): validity is the share of strings RDKit parses;
uniqueness the share of distinct canonical SMILES among the valid ones (unique@k: among the first k
valid ones); novelty the share of the unique valid molecules absent from a reference (training) set;
IntDiv_p = 1 − mean over molecules of (mean over the set of Tanimoto^p)^(1/p), Morgan radius 2, 1024
bits, the molecule itself included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from rdkit import Chem

from molmara.chem.fingerprints import SMALL_PRODUCT, int8_product_is_fast, morgan_bits, tanimoto_matrix
from molmara.chem.scaffolds import murcko_scaffold_mol
from molmara.chem.smiles import canonical_smiles, mol_to_smiles, to_mol, to_mols


def validity(smiles: Sequence[object]) -> float:
    """Share of strings that are valid SMILES (0 for an empty list)."""
    if not smiles:
        return 0.0
    return sum(m is not None for m in to_mols(smiles)) / len(smiles)


def uniqueness(smiles: Sequence[object], canonical: bool = False) -> float:
    """Share of distinct molecules among the valid SMILES, any spelling (canonicalised here, as MOSES does;
    None and invalid entries are ignored); `canonical=True`: they are canonical already, not parsed again."""
    valid = [c for c in (smiles if canonical else (canonical_smiles(s) for s in smiles)) if c is not None]
    return len(set(valid)) / len(valid) if valid else 0.0


def unique_at_k(smiles: Sequence[object], k: int) -> float:
    """unique@k (MOSES): share of distinct canonical SMILES among the first k valid molecules.

    Invalid strings are skipped, as MOSES removes them before unique@k; with fewer than k valid
    molecules the share is over all of them (MOSES warns in that case). 0 when none is valid.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    first: list[str] = []
    for s in smiles:
        c = mol_to_smiles(to_mol(s))
        if c is not None:
            first.append(c)
            if len(first) == k:
                break
    return len(set(first)) / len(first) if first else 0.0


def novelty(smiles: Sequence[object], reference: Iterable[str], canonical: bool = False) -> float:
    """Share of the unique valid molecules (any spelling, canonicalised here unless `canonical`) that are not in
    `reference` (canonical SMILES, e.g. the training set: as in MOSES it is taken as given)."""
    unique = {c for c in (smiles if canonical else (canonical_smiles(s) for s in smiles)) if c is not None}
    if not unique:
        return 0.0
    reference_set = reference if isinstance(reference, (set, frozenset)) else set(reference)
    return len(unique - reference_set) / len(unique)


def internal_diversity(molecules: Sequence[object] | np.ndarray, p: int = 1, chunk: int = 2048) -> float:
    """IntDiv_p (MOSES definition) of SMILES or RDKit molecules (Morgan radius 2, 1,024 bits, as MOSES; invalid
    ones left out), or of packed fingerprints given directly; 0 for an empty set."""
    if isinstance(molecules, np.ndarray) and molecules.ndim == 2:
        fingerprints = molecules
    else:
        mols = [m if isinstance(m, Chem.Mol) else to_mol(m) for m in molecules]
        fingerprints = morgan_bits([m for m in mols if m is not None], radius=2, n_bits=1024)
    n = fingerprints.shape[0]
    if n == 0:
        return 0.0
    if n * n >= SMALL_PRODUCT:
        fast = _row_means_torch(fingerprints, p, chunk)
        if fast is not None:
            return 1.0 - fast / n
    total = 0.0
    for start in range(0, n, chunk):
        sims = tanimoto_matrix(fingerprints[start : start + chunk], fingerprints)
        total += float(np.power(np.mean(np.power(sims, p), axis=1), 1.0 / p).sum())
    return 1.0 - total / n


def _row_means_torch(fingerprints: np.ndarray, p: int, chunk: int) -> float | None:
    """Σ_i (mean_j T_ij^p)^(1/p) with torch: exact intersection counts (the int8 product where the CPU has int8 dot
    products, else float32, exact for counts this small), float32 ratios (the result agrees with the float64 path
    to about 1e-7); None without torch. T is symmetric, so only the blocks on and above the diagonal are computed,
    each adding its row sums to its rows and its column sums to its columns: about half the work of every pair."""
    try:
        import torch
    except ImportError:
        return None
    bits = torch.from_numpy(np.unpackbits(np.asarray(fingerprints, dtype=np.uint8), axis=1).astype(np.int8))
    counts = bits.sum(dim=1, dtype=torch.int32).to(torch.float32)
    int8 = int8_product_is_fast()
    columns = bits.T.contiguous() if int8 else bits.T.to(torch.float32).contiguous()
    n = bits.shape[0]
    row_sums = torch.zeros(n, dtype=torch.float64)
    for i in range(0, n, chunk):
        rows = bits[i : i + chunk].contiguous() if int8 else bits[i : i + chunk].to(torch.float32)
        for j in range(i, n, chunk):
            block = columns[:, j : j + chunk].contiguous()
            common = _int8_product(rows, block) if int8 else rows @ block
            if common is None:  # no int8 product in this build or for this shape: float32 from here on
                int8, columns = False, columns.to(torch.float32)
                rows = rows.to(torch.float32)
                common = rows @ columns[:, j : j + chunk]
            union = counts[i : i + chunk, None] + counts[None, j : j + chunk] - common
            sims = torch.where(union > 0, common / union.clamp(min=1.0), 0.0)
            if p != 1:
                sims = sims.pow(p)
            row_sums[i : i + chunk] += sims.sum(dim=1, dtype=torch.float64)
            if j != i:
                row_sums[j : j + chunk] += sims.sum(dim=0, dtype=torch.float64)
    return float((row_sums / n).pow(1.0 / p).sum())


def _int8_product(rows, columns):
    """torch's int8 product as float32 counts, or None where this torch build or shape does not offer it."""
    import torch

    try:
        return torch._int_mm(rows, columns).to(torch.float32)
    except (RuntimeError, AttributeError):
        return None


def sample_quality(smiles: Sequence[str], reference: Iterable[str] | None = None) -> dict[str, float]:
    """The quality report of a sample: validity, uniqueness, novelty, IntDiv1/2 and unique scaffolds.

    Each SMILES is parsed once; IntDiv and scaffolds are computed over the unique valid molecules.
    """
    mols = to_mols(smiles)
    canonical = [mol_to_smiles(m) for m in mols]
    first: dict[str, int] = {}
    for i, s in enumerate(canonical):
        if s is not None and s not in first:
            first[s] = i
    unique_mols = [mols[i] for i in first.values()]
    fps = morgan_bits(unique_mols, radius=2, n_bits=1024)
    scaffolds = {murcko_scaffold_mol(m) for m in unique_mols}
    scaffolds.discard(None)
    report = {
        "n": float(len(smiles)),
        "validity": sum(m is not None for m in mols) / len(smiles) if smiles else 0.0,
        "uniqueness": uniqueness(canonical, canonical=True),
        "intdiv1": internal_diversity(fps, 1),
        "intdiv2": internal_diversity(fps, 2),
        "unique_scaffolds": float(len(scaffolds)),
    }
    if reference is not None:
        report["novelty"] = novelty(canonical, reference, canonical=True)
    return report

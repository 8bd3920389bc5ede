"""Tanimoto similarity to one or several reference molecules (Morgan bits or counts, atom pairs, pharmacophores).

Folded bit fingerprints are packed numpy arrays compared in one matrix product. Unfolded (sparse)
fingerprints — the ones GuacaMol uses — are RDKit sparse vectors compared with RDKit's Tanimoto:
on counts for Morgan and atom pairs (Σ min / (Σa + Σb − Σ min)), on bits for the pharmacophores.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator

from molmara.chem.fingerprints import morgan_generator, tanimoto_matrix
from molmara.chem.smiles import to_mol
from molmara.oracles.base import MolBatch, Oracle, OracleError, Param
from molmara.oracles.registry import register

FINGERPRINTS = {
    # name → (radius, feature invariants, counts)
    "ecfp4": (2, False, False),
    "fcfp4": (2, True, False),
    "ecfp6": (3, False, False),
    "ecfp4_count": (2, False, True),
    "fcfp4_count": (2, True, True),
    "ecfp6_count": (3, False, True),
    "fcfp6_count": (3, True, True),
}
"""Morgan fingerprints. Bit variants are folded to `n_bits`; count variants are unfolded (hashed) counts.

The count variants through `rdFingerprintGenerator` give the same elements (hence the same Tanimoto)
as GuacaMol's legacy `AllChem.GetMorganFingerprint(mol, radius, useFeatures=...)`: checked on 1,000
MOSES molecules for ECFP4, ECFP6, FCFP4 and FCFP6 (see scripts/compare_guacamol.py)."""


@lru_cache(maxsize=1)
def _atom_pair_generator():
    return rdFingerprintGenerator.GetAtomPairGenerator(minDistance=1, maxDistance=10)


def atom_pair_counts(mol: Chem.Mol):
    """Unfolded atom-pair counts, pairs up to 10 bonds apart (GuacaMol's AP).

    Same elements as the legacy `AllChem.GetAtomPairFingerprint(mol, maxLength=10)` (checked on 1,000
    MOSES molecules), from the non-deprecated generator."""
    return _atom_pair_generator().GetSparseCountFingerprint(mol)


def gobbi_pharmacophore(mol: Chem.Mol):
    """Gobbi & Poppinger 2D pharmacophore bits (RDKit Pharm2D; GuacaMol's PHCO).

    There is no `rdFingerprintGenerator` for 2D pharmacophores, so this is RDKit's own
    `Generate.Gen2DFingerprint` with the Gobbi factory, exactly as GuacaMol calls it (pure Python,
    about 5 ms a molecule)."""
    from rdkit.Chem.Pharm2D import Generate, Gobbi_Pharm2D

    return Generate.Gen2DFingerprint(mol, Gobbi_Pharm2D.factory)


def _morgan_sparse(radius: int, features: bool) -> Callable[[Chem.Mol], object]:
    def compute(mol: Chem.Mol):
        return morgan_generator(radius, 2048, features).GetSparseCountFingerprint(mol)

    return compute


SPARSE_FINGERPRINTS: dict[str, Callable[[Chem.Mol], object]] = {
    **{name: _morgan_sparse(r, f) for name, (r, f, counts) in FINGERPRINTS.items() if counts},
    "ap": atom_pair_counts,
    "phco": gobbi_pharmacophore,
}
"""Unfolded fingerprints as RDKit sparse vectors, compared with RDKit's Tanimoto (counts, or bits for phco)."""

FINGERPRINT_NAMES = (*FINGERPRINTS, "ap", "phco")


def sparse_fingerprints(batch: MolBatch, kind: str) -> list:
    """Sparse fingerprints of the valid molecules of `batch`, computed once per batch and kind."""
    key = ("sparse", kind)
    cache = batch._fingerprints  # the batch's own fingerprint cache; these keys cannot clash with Morgan's
    if key not in cache:
        compute = SPARSE_FINGERPRINTS[kind]
        cache[key] = [compute(m) for m in batch.watched(m for m in batch.mols if m is not None)]
    return cache[key]


@register
class SimilarityOracle(Oracle):
    name = "similarity"
    description = "Tanimoto similarity to reference molecules (max or mean over the references)"
    params = (
        Param("smiles", list, [], "reference SMILES (one or more)"),
        Param("aggregate", str, "max", "how to combine several references", choices=("max", "mean")),
        Param(
            "fingerprint",
            str,
            "ecfp4",
            "fingerprint type: Morgan bits (ecfp4, fcfp4, ecfp6), unfolded Morgan counts (*_count), "
            "atom-pair counts (ap) or Gobbi 2D pharmacophore bits (phco)",
            choices=FINGERPRINT_NAMES,
        ),
        Param("n_bits", int, 2048, "folded length of bit fingerprints", min=64, max=16384),
    )

    def setup(self) -> None:
        references = self.config["smiles"]
        if not references:
            raise OracleError("oracle 'similarity' parameter 'smiles': needs at least one reference SMILES")
        mols = [to_mol(s) for s in references]
        bad = [s for s, m in zip(references, mols, strict=True) if m is None]
        if bad:
            raise OracleError(f"oracle 'similarity' parameter 'smiles': invalid reference SMILES {bad[0]!r}")
        kind = self.config["fingerprint"]
        self._sparse = kind in SPARSE_FINGERPRINTS
        if self._sparse:
            self._references = [SPARSE_FINGERPRINTS[kind](m) for m in mols]
        else:
            self._radius, self._features, _ = FINGERPRINTS[kind]
            self._references = MolBatch(references).fingerprints(self._radius, self.config["n_bits"], self._features)

    def similarities(self, batch: MolBatch) -> np.ndarray:
        """Similarity of each valid molecule to each reference, shape (n_valid, n_references)."""
        if self._sparse:
            fps = sparse_fingerprints(batch, self.config["fingerprint"])
            out = np.empty((len(fps), len(self._references)))
            for j, reference in enumerate(self._references):
                out[:, j] = DataStructs.BulkTanimotoSimilarity(reference, fps) if fps else []
            return out
        fps = batch.fingerprints(self._radius, self.config["n_bits"], self._features)[batch.valid]
        return tanimoto_matrix(fps, self._references)

    def score_valid(self, batch: MolBatch) -> np.ndarray:
        sims = self.similarities(batch)
        return sims.max(axis=1) if self.config["aggregate"] == "max" else sims.mean(axis=1)

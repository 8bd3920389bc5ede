"""Tanimoto similarity to one or several reference molecules (ECFP4 / FCFP4, bits or counts)."""

from __future__ import annotations

import numpy as np
from rdkit import Chem

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
}
"""Bit variants are folded to `n_bits`; count variants are unfolded (hashed) counts, as GuacaMol uses."""


def sparse_counts(mol: Chem.Mol, radius: int, features: bool) -> dict[int, int]:
    """Unfolded Morgan counts {environment hash: count}."""
    return morgan_generator(radius, 2048, features).GetSparseCountFingerprint(mol).GetNonzeroElements()


def count_tanimoto(a: dict[int, int], b: dict[int, int]) -> float:
    """Tanimoto on counts: Σ min / (Σa + Σb − Σ min), 0 for two empty fingerprints."""
    common = sum(min(v, b[k]) for k, v in a.items() if k in b)
    union = sum(a.values()) + sum(b.values()) - common
    return common / union if union else 0.0


@register
class SimilarityOracle(Oracle):
    name = "similarity"
    description = "Tanimoto similarity to reference molecules (max or mean over the references)"
    params = (
        Param("smiles", list, [], "reference SMILES (one or more)"),
        Param("aggregate", str, "max", "how to combine several references", choices=("max", "mean")),
        Param("fingerprint", str, "ecfp4", "fingerprint type", choices=tuple(FINGERPRINTS)),
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
        self._radius, self._features, self._counts = FINGERPRINTS[self.config["fingerprint"]]
        if self._counts:
            self._references = [sparse_counts(m, self._radius, self._features) for m in mols]
        else:
            self._references = MolBatch(references).fingerprints(self._radius, self.config["n_bits"], self._features)

    def similarities(self, batch: MolBatch) -> np.ndarray:
        """Similarity of each valid molecule to each reference, shape (n_valid, n_references)."""
        if self._counts:
            fps = [sparse_counts(m, self._radius, self._features) for m in batch.mols if m is not None]
            return np.array([[count_tanimoto(f, r) for r in self._references] for f in fps]).reshape(
                len(fps), len(self._references)
            )
        fps = batch.fingerprints(self._radius, self.config["n_bits"], self._features)[batch.valid]
        return tanimoto_matrix(fps, self._references)

    def score_valid(self, batch: MolBatch) -> np.ndarray:
        sims = self.similarities(batch)
        return sims.max(axis=1) if self.config["aggregate"] == "max" else sims.mean(axis=1)

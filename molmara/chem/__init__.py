"""Molecule handling: SMILES in and out, standardisation, scaffolds and fingerprints."""

from molmara.chem.fingerprints import morgan_bits, morgan_counts, tanimoto_matrix
from molmara.chem.rdkit_log import quiet_rdkit
from molmara.chem.scaffolds import generic_scaffolds, murcko_scaffolds
from molmara.chem.smiles import (
    canonical_smiles,
    canonicalize,
    is_valid,
    randomize_smiles,
    standardize,
    to_mol,
    to_mols,
)

__all__ = [
    "canonical_smiles",
    "canonicalize",
    "generic_scaffolds",
    "is_valid",
    "morgan_bits",
    "morgan_counts",
    "murcko_scaffolds",
    "quiet_rdkit",
    "randomize_smiles",
    "standardize",
    "tanimoto_matrix",
    "to_mol",
    "to_mols",
]

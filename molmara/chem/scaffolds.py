"""Bemis–Murcko scaffolds (ring systems and linkers) and generic scaffolds (all atoms carbon, all bonds single)."""

from __future__ import annotations

from collections.abc import Iterable

from rdkit import Chem
from rdkit.Chem.Scaffolds import MurckoScaffold

from molmara.chem.smiles import to_mol


def murcko_scaffold_mol(mol: Chem.Mol | None) -> str | None:
    """Canonical SMILES of the Murcko scaffold; "" for acyclic molecules, None for None."""
    if mol is None:
        return None
    try:
        return Chem.MolToSmiles(MurckoScaffold.GetScaffoldForMol(mol))
    except Exception:  # RDKit can fail on exotic valences: treat as no scaffold rather than crash a batch
        return None


def generic_scaffold_mol(mol: Chem.Mol | None) -> str | None:
    """Canonical SMILES of the generic (carbon skeleton) Murcko scaffold; "" for acyclic molecules."""
    if mol is None:
        return None
    try:
        core = MurckoScaffold.GetScaffoldForMol(mol)
        if core.GetNumAtoms() == 0:
            return ""
        return Chem.MolToSmiles(MurckoScaffold.MakeScaffoldGeneric(core))
    except Exception:
        return None


def murcko_scaffolds(smiles: Iterable[object]) -> list[str | None]:
    """Murcko scaffold of each SMILES (None where invalid)."""
    return [murcko_scaffold_mol(to_mol(s)) for s in smiles]


def generic_scaffolds(smiles: Iterable[object]) -> list[str | None]:
    """Generic scaffold of each SMILES (None where invalid)."""
    return [generic_scaffold_mol(to_mol(s)) for s in smiles]

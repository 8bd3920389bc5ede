"""Built-in physico-chemical oracles: QED, SA score and RDKit descriptors, one molecule at a time."""

from __future__ import annotations

from collections.abc import Callable

from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, rdMolDescriptors
from rdkit.Contrib.SA_Score import sascorer

from molmara.oracles.base import Oracle
from molmara.oracles.registry import register

INF = float("inf")

# name → (function of an RDKit molecule, one-line description, value range)
DESCRIPTORS: dict[str, tuple[Callable[[Chem.Mol], float], str, tuple[float, float]]] = {
    "qed": (QED.qed, "Quantitative estimate of drug-likeness (Bickerton 2012), 0 to 1", (0.0, 1.0)),
    "sa": (sascorer.calculateScore, "Synthetic accessibility score (Ertl 2009), 1 easy to 10 hard", (1.0, 10.0)),
    "logp": (Crippen.MolLogP, "Crippen logP (Wildman & Crippen 1999)", (-INF, INF)),
    "mw": (Descriptors.MolWt, "Molecular weight (average, g/mol)", (0.0, INF)),
    "tpsa": (rdMolDescriptors.CalcTPSA, "Topological polar surface area (Å²)", (0.0, INF)),
    "hbd": (rdMolDescriptors.CalcNumHBD, "Hydrogen-bond donors (Lipinski definition)", (0.0, INF)),
    "hba": (rdMolDescriptors.CalcNumHBA, "Hydrogen-bond acceptors (Lipinski definition)", (0.0, INF)),
    "rotatable_bonds": (rdMolDescriptors.CalcNumRotatableBonds, "Rotatable bonds", (0.0, INF)),
    "rings": (rdMolDescriptors.CalcNumRings, "Number of rings (SSSR)", (0.0, INF)),
    "aromatic_rings": (rdMolDescriptors.CalcNumAromaticRings, "Number of aromatic rings", (0.0, INF)),
    "fsp3": (rdMolDescriptors.CalcFractionCSP3, "Fraction of sp3 carbons", (0.0, 1.0)),
    "heavy_atoms": (Chem.Mol.GetNumHeavyAtoms, "Number of heavy (non-hydrogen) atoms", (0.0, INF)),
    "formal_charge": (Chem.GetFormalCharge, "Net formal charge", (-INF, INF)),
}


def _descriptor_oracle(name: str) -> type[Oracle]:
    function, description, value_range = DESCRIPTORS[name]

    class DescriptorOracle(Oracle):
        def score_mol(self, mol: Chem.Mol) -> float:
            return float(function(mol))

    DescriptorOracle.name = name
    DescriptorOracle.description = description
    DescriptorOracle.value_range = value_range
    DescriptorOracle.__name__ = DescriptorOracle.__qualname__ = f"{name.title().replace('_', '')}Oracle"
    return register(DescriptorOracle)


for _name in DESCRIPTORS:
    _descriptor_oracle(_name)

"""Built-in physico-chemical oracles: QED, SA score, RDKit descriptors and atom counts, one molecule at a time.

These are the same RDKit calls as GuacaMol's `utils/descriptors.py` (logP = Crippen MolLogP, TPSA,
MolWt, strict rotatable bonds, SSSR ring counts, BertzCT, `AtomCounter`), checked equal on 1,000
MOSES molecules by scripts/compare_guacamol.py.
"""

from __future__ import annotations

from collections.abc import Callable

from rdkit import Chem
from rdkit.Chem import QED, Crippen, Descriptors, rdMolDescriptors
from rdkit.Contrib.SA_Score import sascorer

from molmara.oracles.base import Oracle, OracleError, Param
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
    "bertz": (Descriptors.BertzCT, "Bertz molecular complexity index (BertzCT)", (0.0, INF)),
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


_ELEMENTS = frozenset(Chem.GetPeriodicTable().GetElementSymbol(z) for z in range(1, 119))


@register
class AtomCountOracle(Oracle):
    name = "atom_count"
    description = "Number of atoms of one element (hydrogens included when the element is H)"
    params = (Param("element", str, "F", "element symbol, case as in the periodic table (F, Cl, H, …)"),)
    value_range = (0.0, INF)

    def setup(self) -> None:
        if self.config["element"] not in _ELEMENTS:
            raise OracleError(f"oracle 'atom_count' parameter 'element': unknown element {self.config['element']!r}")

    def score_mol(self, mol: Chem.Mol) -> float:
        element = self.config["element"]
        if element == "H":  # implicit hydrogens become atoms, as GuacaMol's AtomCounter does
            mol = Chem.AddHs(mol)
        return float(sum(1 for atom in mol.GetAtoms() if atom.GetSymbol() == element))

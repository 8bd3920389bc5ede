"""Substructure oracles: required or forbidden SMARTS, structural alerts, isomers of a formula."""

from __future__ import annotations

import math
import re

from rdkit import Chem
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams

from molmara.oracles.base import Oracle, OracleError, Param
from molmara.oracles.registry import register

ALERT_CATALOGS = {
    "pains": FilterCatalogParams.FilterCatalogs.PAINS,
    "brenk": FilterCatalogParams.FilterCatalogs.BRENK,
    "nih": FilterCatalogParams.FilterCatalogs.NIH,
    "zinc": FilterCatalogParams.FilterCatalogs.ZINC,
}


@register
class SmartsOracle(Oracle):
    name = "smarts"
    description = "1 when the SMARTS patterns are present (required) or absent (forbidden), else 0"
    params = (
        Param("patterns", list, [], "SMARTS patterns"),
        Param(
            "mode",
            str,
            "required",
            "required: score 1 when they match; forbidden: 1 when they do not",
            choices=("required", "forbidden"),
        ),
        Param("match", str, "any", "any or all of the patterns, or exactly one of them", choices=("any", "all", "one")),
    )

    def setup(self) -> None:
        if not self.config["patterns"]:
            raise OracleError("oracle 'smarts' parameter 'patterns': needs at least one SMARTS pattern")
        self._patterns = []
        for pattern in self.config["patterns"]:
            query = Chem.MolFromSmarts(pattern) if isinstance(pattern, str) else None
            if query is None:
                raise OracleError(f"oracle 'smarts' parameter 'patterns': invalid SMARTS {pattern!r}")
            self._patterns.append(query)

    def score_mol(self, mol: Chem.Mol) -> float:
        hits = [mol.HasSubstructMatch(p) for p in self._patterns]
        match = self.config["match"]
        matched = any(hits) if match == "any" else all(hits) if match == "all" else sum(hits) == 1
        return float(matched if self.config["mode"] == "required" else not matched)


@register
class AlertsOracle(Oracle):
    name = "alerts"
    description = "1 when no structural alert (RDKit FilterCatalog: PAINS, Brenk, …) matches, else 0"
    params = (Param("catalogs", list, ["pains", "brenk"], f"alert catalogs among {sorted(ALERT_CATALOGS)}"),)

    def setup(self) -> None:
        params = FilterCatalogParams()
        for catalog in self.config["catalogs"]:
            if catalog not in ALERT_CATALOGS:
                raise OracleError(
                    f"oracle 'alerts' parameter 'catalogs': {catalog!r} is not one of {sorted(ALERT_CATALOGS)}"
                )
            params.AddCatalog(ALERT_CATALOGS[catalog])
        self._catalog = FilterCatalog(params)

    def score_mol(self, mol: Chem.Mol) -> float:
        return 0.0 if self._catalog.HasMatch(mol) else 1.0

    def alerts(self, mol: Chem.Mol) -> list[str]:
        """Descriptions of the alerts that match, for showing a chemist why a molecule scored 0."""
        return [entry.GetDescription() for entry in self._catalog.GetMatches(mol)]


_FORMULA = re.compile(r"([A-Z][a-z]?)(\d*)")


def parse_formula(formula: str) -> list[tuple[str, int]]:
    """Element counts of a molecular formula such as 'C9H10N2O2PF2Cl'."""
    if (
        not isinstance(formula, str)
        or not formula
        or "".join(m.group(0) for m in _FORMULA.finditer(formula)) != formula
    ):
        raise OracleError(f"oracle 'isomer' parameter 'formula': cannot parse molecular formula {formula!r}")
    counts: dict[str, int] = {}
    for element, number in _FORMULA.findall(formula):
        if Chem.GetPeriodicTable().GetAtomicNumber(element) <= 0:
            raise OracleError(f"oracle 'isomer' parameter 'formula': unknown element {element!r} in {formula!r}")
        counts[element] = counts.get(element, 0) + (int(number) if number else 1)
    return list(counts.items())


_SMILES_READ_AS_FORMULA = re.compile(r"[A-Z][a-z]*(\d*)")


def smiles_text_atom_total(smiles: str) -> int:
    """The total atom count that TDC up to 0.3.6 gave a molecule in its isomer score: its SMILES read as if it were
    a molecular formula. Each capital letter, with any lower-case letters after it, counts the number written after
    it (ring-closure digits too), else 1; aromatic atoms (lower-case) and hydrogens outside brackets count nothing.

    PMO's published isomer, sitagliptin and zaleplon numbers were scored with it, on RDKit's canonical SMILES
    (`benchmarks/pmo_design.py` gives the evidence); TDC 0.3.7 renamed it `Isomer_scoring_prev` and fixed it.
    """
    return sum(int(digits) if digits else 1 for digits in _SMILES_READ_AS_FORMULA.findall(smiles))


@register
class IsomerOracle(Oracle):
    name = "isomer"
    description = "How close a molecule is to being an isomer of a molecular formula (GuacaMol's isomer score)"
    params = (
        Param("formula", str, "C9H10N2O2PF2Cl", "target molecular formula"),
        Param("mean", str, "geometric", "how the element scores are combined", choices=("geometric", "arithmetic")),
        Param(
            "total",
            str,
            "atoms",
            "what the total-atom term counts: 'atoms', every atom with hydrogens (GuacaMol); 'smiles_text', the "
            "canonical SMILES read as a formula, as TDC up to 0.3.6 did (PMO's published numbers)",
            choices=("atoms", "smiles_text"),
        ),
    )

    def setup(self) -> None:
        self._elements = parse_formula(self.config["formula"])
        self._total = sum(n for _, n in self._elements)

    def score_mol(self, mol: Chem.Mol) -> float:
        # Gaussian (σ = 1) on each element's count and (σ = 2) on the total atom count (`total` says which count)
        with_h = Chem.AddHs(mol)
        symbols = [atom.GetSymbol() for atom in with_h.GetAtoms()]
        scores = [math.exp(-0.5 * (symbols.count(e) - n) ** 2) for e, n in self._elements]
        total = len(symbols) if self.config["total"] == "atoms" else smiles_text_atom_total(Chem.MolToSmiles(mol))
        scores.append(math.exp(-0.5 * ((total - self._total) / 2.0) ** 2))
        if self.config["mean"] == "arithmetic":
            return sum(scores) / len(scores)
        return math.prod(scores) ** (1.0 / len(scores))

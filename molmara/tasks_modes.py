"""Multi-mode tasks, registered into `molmara.tasks`: `drug_modes` (five equally rewarding reference drugs,
for mode coverage) and `ring_modes` (four equally rewarding ring systems the prior proposes unequally often)."""

from __future__ import annotations

from molmara.tasks import _oracle, _task

# ---------------------------------------------------------------------- multi-mode similarity
MODE_DRUGS = {
    "diazepam": "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21",
    "fluconazole": "OC(Cn1cncn1)(Cn1cncn1)c1ccc(F)cc1F",
    "propranolol": "CC(C)NCC(O)COc1cccc2ccccc12",
    "zolpidem": "Cc1ccc(-c2nc3ccc(C)cn3c2CC(=O)N(C)C)cc1",
    "tolbutamide": "CCCCNC(=O)NS(=O)(=O)c1ccc(C)cc1",
}
"""Five drugs in the MOSES prior's chemistry (neutral, C/N/O/S/F/Cl, 259–307 Da), pairwise ECFP4
Tanimoto at most 0.2: a benzodiazepine, a bis-triazole antifungal, an aryloxypropanolamine
β-blocker, an imidazopyridine hypnotic and a sulfonylurea."""

MODE_PLATEAU = 0.4
"""Tanimoto (ECFP4, 2048 bits) from which a molecule scores 1 in `drug_modes`."""


@_task(
    "drug_modes",
    "Multi-mode: the best ECFP4 Tanimoto (2048 bits) to any of diazepam, fluconazole, propranolol, zolpidem and "
    f"tolbutamide, 0 to 1 linearly, full score from {MODE_PLATEAU} (the same plateau for each drug)",
)
def _drug_modes() -> tuple[str, list[dict]]:
    # the transform is monotone, so the transform of the best similarity is the best transformed similarity:
    # every drug is equally rewarding, while the prior proposes their neighbourhoods unequally often
    params = {"smiles": list(MODE_DRUGS.values()), "aggregate": "max", "fingerprint": "ecfp4", "n_bits": 2048}
    ramp = {"type": "linear_ramp", "low": 0.0, "high": MODE_PLATEAU}
    return "arithmetic", [
        {"oracle": "similarity", "name": "best_similarity", "weight": 1.0, "params": params, "transform": ramp}
    ]


REFERENCES = {"drug_modes": list(MODE_DRUGS.values())}
"""Tasks with several reference molecules, one mode each (mode coverage counts the references reached)."""

MODE_RINGS = {
    "thiophene": "c1ccsc1",
    "pyrazine": "c1cnccn1",
    "benzodioxole": "c1ccc2OCOc2c1",
    "indazole": "c1ccc2c(c1)cnn2",
}
"""Four ring systems a chemist tells apart at a glance, which the shipped MOSES prior proposes at very
unequal rates (measured in `benchmarks/results/ring_modes_prior.md`). SMARTS: any substitution, 1H or 2H
indazole, benzodioxole with any sp3 carbon between the oxygens."""

RING_QED_FULL = 0.7
"""QED from which a molecule with exactly one of the rings scores 1 in `ring_modes` (the drug-likeness gate)."""


@_task(
    "ring_modes",
    "Reachable modes: a molecule with exactly one of thiophene, pyrazine, 1,3-benzodioxole and indazole scores "
    f"the geometric mean of 1 and its QED ramped from 0.4 to {RING_QED_FULL}: equal full reward for every ring, "
    "unequal prior support (the paper's Remark 4.3)",
)
def _ring_modes() -> tuple[str, list[dict]]:
    ring = _oracle("smarts", label="one_ring", patterns=list(MODE_RINGS.values()), match="one")
    return "geometric", [ring, _oracle("qed", {"type": "linear_ramp", "low": 0.4, "high": RING_QED_FULL})]


MODE_PATTERNS = {"ring_modes": dict(MODE_RINGS)}
"""Tasks whose modes are substructures (SMARTS); a hit belongs to the one mode it contains."""

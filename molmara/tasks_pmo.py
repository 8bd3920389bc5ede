"""PMO's isomer-scored tasks as PMO's published numbers scored them, registered into `molmara.tasks`.

PMO (Gao et al. 2022; `wenhao-gao/mol_opt`, which pins PyTDC 0.3.6) scored four of its 23 tasks with TDC's isomer
score of that time, whose total-atom term reads the canonical SMILES as if it were a molecular formula
(`molmara.oracles.substructure.smiles_text_atom_total`) instead of counting the molecule's atoms, as GuacaMol does. An
exact isomer of C7H8N2O2 (2-aminobenzohydroxamic acid) scores 0.0074 there and 1.0 in GuacaMol. The GuacaMol tasks of
the same names stay GuacaMol's; these `pmo_` variants are what the PMO benchmark (`benchmarks/pmo.py`) runs, so that
its numbers can stand beside the leaderboard's. TDC 0.3.7 kept the old functions as `*_prev`; scripts/compare_tdc.py
checks these tasks against them (tests/data/tdc_prev_reference.csv). PMO's sitagliptin is TDC's
`sitagliptin_mpo_prev`: GuacaMol's modifiers with the old isomer term.
"""

from __future__ import annotations

from molmara.tasks import _isomers_c7h8n2o2, _isomers_c9h10n2o2pf2cl, _sitagliptin, _task, _zaleplon

_RECIPES = {
    "isomers_c7h8n2o2": _isomers_c7h8n2o2,
    "isomers_c9h10n2o2pf2cl": _isomers_c9h10n2o2pf2cl,
    "sitagliptin_mpo": _sitagliptin,
    "zaleplon_mpo": _zaleplon,
}
"""The GuacaMol recipes of the four tasks, which take the isomer score's `total` (`molmara.tasks`)."""

PMO_VARIANTS = {name: f"pmo_{name}" for name in _RECIPES}
"""PMO task name → the molmara task that scores it as PMO's published numbers were scored."""

for _name, _recipe in _RECIPES.items():
    _task(PMO_VARIANTS[_name], f"PMO's '{_name}' as its published numbers were scored (TDC 0.3.6's isomer score)")(
        lambda recipe=_recipe: recipe(total="smiles_text")
    )

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

from molmara.tasks import SITAGLIPTIN, ZALEPLON, _gauss, _oracle, _similarity, _task, _value

PMO_VARIANTS = {
    "isomers_c7h8n2o2": "pmo_isomers_c7h8n2o2",
    "isomers_c9h10n2o2pf2cl": "pmo_isomers_c9h10n2o2pf2cl",
    "sitagliptin_mpo": "pmo_sitagliptin_mpo",
    "zaleplon_mpo": "pmo_zaleplon_mpo",
}
"""PMO task name → the molmara task that scores it as PMO's published numbers were scored."""


def _pmo_isomer(formula: str) -> dict:
    return _oracle("isomer", label="isomer", formula=formula, mean="geometric", total="smiles_text")


@_task("pmo_isomers_c7h8n2o2", "PMO's 'isomers_c7h8n2o2' as its published numbers were scored (TDC 0.3.6)")
def _pmo_c7h8n2o2() -> tuple[str, list[dict]]:
    return "arithmetic", [_pmo_isomer("C7H8N2O2")]


@_task("pmo_isomers_c9h10n2o2pf2cl", "PMO's 'isomers_c9h10n2o2pf2cl' as its published numbers were scored (TDC 0.3.6)")
def _pmo_c9h10n2o2pf2cl() -> tuple[str, list[dict]]:
    return "arithmetic", [_pmo_isomer("C9H10N2O2PF2Cl")]


@_task("pmo_sitagliptin_mpo", "PMO's 'sitagliptin_mpo' as its published numbers were scored (TDC's *_prev)")
def _pmo_sitagliptin() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("similarity", SITAGLIPTIN, "ecfp4_count", _gauss("gaussian", 0, 0.1)),
        _oracle("logp", _gauss("gaussian", _value("logp", SITAGLIPTIN), 0.2)),
        _oracle("tpsa", _gauss("gaussian", _value("tpsa", SITAGLIPTIN), 5)),
        _pmo_isomer("C16H15F6N5O"),
    ]


@_task("pmo_zaleplon_mpo", "PMO's 'zaleplon_mpo' as its published numbers were scored (TDC 0.3.6)")
def _pmo_zaleplon() -> tuple[str, list[dict]]:
    return "geometric", [_similarity("similarity", ZALEPLON, "ecfp4_count"), _pmo_isomer("C19H17N3O2")]

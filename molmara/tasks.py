"""Named benchmark objectives: GuacaMol's goal-directed suite v2, the TDC/PMO bioactivity tasks and a
multi-mode similarity task (`drug_modes`, five equally rewarding reference drugs) for mode coverage, and a
reachable-modes task (`ring_modes`, four equally rewarding ring systems the prior proposes unequally often).

Every task is an ordinary `Objective` built from molmara oracles and transforms, so it can be
scored, inspected component by component, or written out as TOML and edited:

>>> from molmara import tasks
>>> objective = tasks.get("celecoxib_rediscovery")
>>> objective(["CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F", "CCO"])   # array([1.0, 0.013...])
>>> tasks.names()[:3], tasks.describe("deco_hop")

The GuacaMol tasks follow `guacamol==0.5.5` (Brown et al. 2019, `goal_directed_suite_v2`):
its ECFP4 / ECFP6 / FCFP4 are unfolded Morgan counts (`ecfp4_count`, ...), AP atom-pair counts up
to 10 bonds (`ap`), PHCO Gobbi 2D pharmacophores (`phco`); `ClippedScoreModifier(upper_x)` is
`linear_ramp` from 0 to upper_x, `Min/MaxGaussianModifier` are `min_gaussian` / `max_gaussian`,
`GaussianModifier` is `gaussian`, SMARTS with `inverse=True` is the `smarts` oracle in mode
"forbidden", and GuacaMol's geometric / arithmetic means are the equal-weight aggregations.
scripts/compare_guacamol.py checks every task against GuacaMol itself (tests/data/guacamol_reference.csv).
Invalid SMILES score NaN (GuacaMol gives −1).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from molmara.objective import Objective
from molmara.oracles import get as get_oracle

__all__ = [
    "MODE_DRUGS", "MODE_PATTERNS", "MODE_RINGS", "REFERENCES", "TASKS",
    "Task", "UnknownTaskError", "config", "describe", "get", "names",
]  # fmt: skip


class UnknownTaskError(KeyError, ValueError):
    """No task has this name; the message suggests the nearest names."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Task:
    """A named objective: its description and a function returning its definition as plain data."""

    name: str
    description: str
    build: Callable[[], dict[str, Any]]


TASKS: dict[str, Task] = {}


Recipe = Callable[[], tuple[str, list[dict]]]
"""A function returning a task's aggregation and its components (dicts as in an objective's TOML)."""


def _task(name: str, description: str) -> Callable[[Recipe], Recipe]:
    """Decorator: register a recipe as the task `name`."""

    def wrap(function: Recipe) -> Recipe:
        def build() -> dict[str, Any]:
            aggregation, components = function()
            return {"name": name, "aggregation": aggregation, "component": components}

        TASKS[name] = Task(name, description, build)
        return function

    return wrap


# ---------------------------------------------------------------------- component helpers
def _clipped(upper: float) -> dict:
    """GuacaMol's ClippedScoreModifier(upper_x): 0 at 0, linear up to 1 at `upper`."""
    return {"type": "linear_ramp", "low": 0.0, "high": upper}


def _gauss(kind: str, mu: float, sigma: float) -> dict:
    return {"type": kind, "mu": float(mu), "sigma": float(sigma)}


IDENTITY = {"type": "identity"}


def _similarity(label: str, smiles: str, fingerprint: str, transform: dict = IDENTITY) -> dict:
    params = {"smiles": [smiles], "fingerprint": fingerprint}
    return {"oracle": "similarity", "name": label, "weight": 1.0, "params": params, "transform": transform}


def _oracle(oracle: str, transform: dict = IDENTITY, label: str | None = None, **params: Any) -> dict:
    component = {"oracle": oracle, "weight": 1.0, "transform": transform, "params": params}
    if label:
        component["name"] = label
    return component


def _smarts(label: str, pattern: str, forbidden: bool = False) -> dict:
    return _oracle("smarts", label=label, patterns=[pattern], mode="forbidden" if forbidden else "required")


def _isomer(formula: str, label: str = "isomer", total: str = "atoms") -> dict:
    """GuacaMol's isomer score; `total = "smiles_text"` is the one PMO's leaderboard used (`molmara.tasks_pmo`)."""
    other_total = {} if total == "atoms" else {"total": total}  # GuacaMol's tasks stay as they were written
    return _oracle("isomer", label=label, formula=formula, mean="geometric", **other_total)


def _value(oracle: str, smiles: str) -> float:
    """An oracle's value for one molecule (targets that GuacaMol computes from a reference molecule)."""
    return float(get_oracle(oracle)([smiles])[0])


# ---------------------------------------------------------------------- GuacaMol v2: similarity
CELECOXIB = "CC1=CC=C(C=C1)C1=CC(=NN1C1=CC=C(C=C1)S(N)(=O)=O)C(F)(F)F"
TROGLITAZONE = "Cc1c(C)c2OC(C)(COc3ccc(CC4SC(=O)NC4=O)cc3)CCc2c(C)c1O"
THIOTHIXENE = "CN(C)S(=O)(=O)c1ccc2Sc3ccccc3C(=CCCN4CCN(C)CC4)c2c1"
ARIPIPRAZOLE = "Clc4cccc(N3CCN(CCCCOc2ccc1c(NC(=O)CC1)c2)CC3)c4Cl"
ALBUTEROL = "CC(C)(C)NCC(O)c1ccc(O)c(CO)c1"
MESTRANOL = "COc1ccc2[C@H]3CC[C@@]4(C)[C@@H](CC[C@@]4(O)C#C)[C@@H]3CCc2c1"
CAMPHOR = "CC1(C)C2CCC1(C)C(=O)C2"
MENTHOL = "CC(C)C1CCC(C)CC1O"
TADALAFIL = "O=C1N(CC(N2C1CC3=C(C2C4=CC5=C(OCO5)C=C4)NC6=C3C=CC=C6)=O)C"
SILDENAFIL = "CCCC1=NN(C2=C1N=C(NC2=O)C3=C(C=CC(=C3)S(=O)(=O)N4CCN(CC4)C)OCC)C"

REDISCOVERY = {"celecoxib": CELECOXIB, "troglitazone": TROGLITAZONE, "thiothixene": THIOTHIXENE}
SIMILARITY = {
    "aripiprazole": (ARIPIPRAZOLE, "ecfp4_count"),
    "albuterol": (ALBUTEROL, "fcfp4_count"),
    "mestranol": (MESTRANOL, "ap"),
}
FP_LABEL = {"ecfp4_count": "ECFP4", "fcfp4_count": "FCFP4", "ecfp6_count": "ECFP6", "ap": "atom-pair"}


def _register_similarity_tasks() -> None:
    for drug, smiles in REDISCOVERY.items():
        _task(
            f"{drug}_rediscovery",
            f"GuacaMol v2 '{drug.title()} rediscovery': Tanimoto (ECFP4 counts) to {drug}; 1 only for {drug} itself",
        )(lambda s=smiles: ("arithmetic", [_similarity("similarity", s, "ecfp4_count", _clipped(1.0))]))
    for drug, (smiles, fp) in SIMILARITY.items():
        _task(
            f"{drug}_similarity",
            f"GuacaMol v2 '{drug.title()} similarity': Tanimoto ({FP_LABEL[fp]} counts) to {drug}, "
            "full score from 0.75",
        )(lambda s=smiles, fp=fp: ("arithmetic", [_similarity("similarity", s, fp, _clipped(0.75))]))


_register_similarity_tasks()


@_task("isomers_c11h24", "GuacaMol v2 'C11H24': closeness to the formula C11H24 (159 isomers exist)")
def _isomers_c11h24() -> tuple[str, list[dict]]:
    return "arithmetic", [_isomer("C11H24")]


@_task("isomers_c7h8n2o2", "GuacaMol 'C7H8N2O2' (one of PMO's 23): closeness to the formula C7H8N2O2")
def _isomers_c7h8n2o2(total: str = "atoms") -> tuple[str, list[dict]]:
    return "arithmetic", [_isomer("C7H8N2O2", total=total)]


@_task("isomers_c9h10n2o2pf2cl", "GuacaMol v2 'C9H10N2O2PF2Cl': closeness to the formula C9H10N2O2PF2Cl")
def _isomers_c9h10n2o2pf2cl(total: str = "atoms") -> tuple[str, list[dict]]:
    return "arithmetic", [_isomer("C9H10N2O2PF2Cl", total=total)]


@_task("median1", "GuacaMol v2 'Median molecules 1': geometric mean of ECFP4 similarity to camphor and menthol")
def _median1() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("menthol_similarity", MENTHOL, "ecfp4_count"),
        _similarity("camphor_similarity", CAMPHOR, "ecfp4_count"),
    ]


@_task("median2", "GuacaMol v2 'Median molecules 2': geometric mean of ECFP6 similarity to tadalafil and sildenafil")
def _median2() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("tadalafil_similarity", TADALAFIL, "ecfp6_count"),
        _similarity("sildenafil_similarity", SILDENAFIL, "ecfp6_count"),
    ]


# ---------------------------------------------------------------------- GuacaMol v2: MPOs
OSIMERTINIB = "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc2nccc(n2)c3cn(C)c4ccccc34"
FEXOFENADINE = "CC(C)(C(=O)O)c1ccc(cc1)C(O)CCCN2CCC(CC2)C(O)(c3ccccc3)c4ccccc4"
RANOLAZINE = "COc1ccccc1OCC(O)CN2CCN(CC(=O)Nc3c(C)cccc3C)CC2"
PERINDOPRIL = "O=C(OCC)C(NC(C(=O)N1C(C(=O)O)CC2CCCCC12)C)CCC"
AMLODIPINE = r"Clc1ccccc1C2C(=C(/N/C(=C2/C(=O)OCC)COCCN)C)\C(=O)OC"
SITAGLIPTIN = "Fc1cc(c(F)cc1F)CC(N)CC(=O)N3Cc2nnc(n2CC3)C(F)(F)F"
# the same molecule, written as GuacaMol writes it in its valsartan task
SITAGLIPTIN_VALSARTAN = "NC(CC(=O)N1CCn2c(nnc2C(F)(F)F)C1)Cc1cc(F)c(F)cc1F"
ZALEPLON = "O=C(C)N(CC)C1=CC=CC(C2=CC=NC3=C(C=NN23)C#N)=C1"
VALSARTAN_SMARTS = "CN(C=O)Cc1ccc(c2ccccc2)cc1"
HOP_START = "CCCOc1cc2ncnc(Nc3ccc4ncsc4c3)c2cc1S(=O)(=O)C(C)(C)C"
HOP_SCAFFOLD = "[#7]-c1n[c;h1]nc2[c;h1]c(-[#8])[c;h0][c;h1]c12"
HOP_DECORATION = "[#6]-[#6]-[#6]-[#8]-[#6]~[#6]~[#6]~[#6]~[#6]-[#7]-c1ccc2ncsc2c1"

TARGETS = {
    **{f"{drug}_rediscovery": smiles for drug, smiles in REDISCOVERY.items()},
    **{f"{drug}_similarity": smiles for drug, (smiles, _) in SIMILARITY.items()},
    "osimertinib_mpo": OSIMERTINIB,
    "fexofenadine_mpo": FEXOFENADINE,
    "ranolazine_mpo": RANOLAZINE,
    "perindopril_mpo": PERINDOPRIL,
    "amlodipine_mpo": AMLODIPINE,
    "sitagliptin_mpo": SITAGLIPTIN,
    "zaleplon_mpo": ZALEPLON,
    "deco_hop": HOP_START,
    "scaffold_hop": HOP_START,
}
"""The reference molecule of each task that has one (median tasks have two each, see their constants)."""


@_task(
    "osimertinib_mpo",
    "GuacaMol v2 'Osimertinib MPO': FCFP4-similar to osimertinib but ECFP6 similarity under 0.85, TPSA over 100, "
    "logP under 1 (geometric mean)",
)
def _osimertinib() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("fcfp4_similarity", OSIMERTINIB, "fcfp4_count", _clipped(0.8)),
        _similarity("ecfp6_similarity", OSIMERTINIB, "ecfp6_count", _gauss("min_gaussian", 0.85, 0.1)),
        _oracle("tpsa", _gauss("max_gaussian", 100, 10)),
        _oracle("logp", _gauss("min_gaussian", 1, 1)),
    ]


@_task(
    "fexofenadine_mpo",
    "GuacaMol v2 'Fexofenadine MPO': atom-pair similar to fexofenadine, TPSA over 90, logP under 4 (geometric mean)",
)
def _fexofenadine() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("ap_similarity", FEXOFENADINE, "ap", _clipped(0.8)),
        _oracle("tpsa", _gauss("max_gaussian", 90, 10)),
        _oracle("logp", _gauss("min_gaussian", 4, 1)),
    ]


@_task(
    "ranolazine_mpo",
    "GuacaMol v2 'Ranolazine MPO': atom-pair similar to ranolazine, logP over 7, TPSA over 95, one fluorine "
    "(geometric mean)",
)
def _ranolazine() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("ap_similarity", RANOLAZINE, "ap", _clipped(0.7)),
        _oracle("logp", _gauss("max_gaussian", 7, 1)),
        _oracle("atom_count", _gauss("gaussian", 1, 1), label="fluorine", element="F"),
        _oracle("tpsa", _gauss("max_gaussian", 95, 20)),
    ]


@_task("perindopril_mpo", "GuacaMol v2 'Perindopril MPO': ECFP4-similar to perindopril with two aromatic rings")
def _perindopril() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("similarity", PERINDOPRIL, "ecfp4_count"),
        _oracle("aromatic_rings", _gauss("gaussian", 2, 0.5)),
    ]


@_task("amlodipine_mpo", "GuacaMol v2 'Amlodipine MPO': ECFP4-similar to amlodipine with three rings")
def _amlodipine() -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("similarity", AMLODIPINE, "ecfp4_count"),
        _oracle("rings", _gauss("gaussian", 3, 0.5)),
    ]


@_task(
    "sitagliptin_mpo",
    "GuacaMol v2 'Sitagliptin MPO': unlike sitagliptin (ECFP4) but with its logP, TPSA and formula C16H15F6N5O",
)
def _sitagliptin(total: str = "atoms") -> tuple[str, list[dict]]:
    return "geometric", [
        _similarity("similarity", SITAGLIPTIN, "ecfp4_count", _gauss("gaussian", 0, 0.1)),
        _oracle("logp", _gauss("gaussian", _value("logp", SITAGLIPTIN), 0.2)),
        _oracle("tpsa", _gauss("gaussian", _value("tpsa", SITAGLIPTIN), 5)),
        _isomer("C16H15F6N5O", total=total),
    ]


@_task("zaleplon_mpo", "GuacaMol v2 'Zaleplon MPO': ECFP4-similar to zaleplon with the formula C19H17N3O2")
def _zaleplon(total: str = "atoms") -> tuple[str, list[dict]]:
    return "geometric", [_similarity("similarity", ZALEPLON, "ecfp4_count"), _isomer("C19H17N3O2", total=total)]


@_task(
    "valsartan_smarts",
    "GuacaMol v2 'Valsartan SMARTS': contains valsartan's biphenyl-methyl-amide SMARTS, with sitagliptin's logP, "
    "TPSA and Bertz complexity",
)
def _valsartan() -> tuple[str, list[dict]]:
    return "geometric", [
        _smarts("smarts", VALSARTAN_SMARTS),
        _oracle("logp", _gauss("gaussian", _value("logp", SITAGLIPTIN_VALSARTAN), 0.2)),
        _oracle("tpsa", _gauss("gaussian", _value("tpsa", SITAGLIPTIN_VALSARTAN), 5)),
        _oracle("bertz", _gauss("gaussian", _value("bertz", SITAGLIPTIN_VALSARTAN), 30)),
    ]


@_task(
    "deco_hop",
    "GuacaMol v2 'Deco Hop': keep the quinazoline scaffold and the pharmacophore (PHCO) of the start molecule, "
    "change its decorations (arithmetic mean)",
)
def _deco_hop() -> tuple[str, list[dict]]:
    return "arithmetic", [
        _similarity("phco_similarity", HOP_START, "phco", _clipped(0.85)),
        _smarts("no_sulfone", "CS([#6])(=O)=O", forbidden=True),
        _smarts("no_benzothiazole_amine", "[#7]-c1ccc2ncsc2c1", forbidden=True),
        _smarts("scaffold", HOP_SCAFFOLD),
    ]


@_task(
    "scaffold_hop",
    "GuacaMol v2 'Scaffold Hop': keep the decorations and pharmacophore (PHCO) of the start molecule, change its "
    "quinazoline scaffold (arithmetic mean)",
)
def _scaffold_hop() -> tuple[str, list[dict]]:
    return "arithmetic", [
        _similarity("phco_similarity", HOP_START, "phco", _clipped(0.75)),
        _smarts("decoration", HOP_DECORATION),
        _smarts("no_scaffold", HOP_SCAFFOLD, forbidden=True),
    ]


# ---------------------------------------------------------------------- TDC / PMO bioactivity
for _model, _target in (("drd2", "Dopamine D2 receptor"), ("gsk3b", "GSK-3β"), ("jnk3", "JNK3")):
    _task(_model, f"{_target} activity probability from the TDC/PMO model, 0 to 1")(
        lambda m=_model: ("arithmetic", [_oracle(m)])
    )


_task("qed", "QED, RDKit's quantitative estimate of drug-likeness (Bickerton 2012), 0 to 1: PMO's 'qed' oracle")(
    lambda: ("arithmetic", [_oracle("qed")])
)


@_task(
    "gsk3b_jnk3_qed_sa",
    "Dual GSK-3β + JNK3 inhibitor, drug-like and easy to make: geometric mean of GSK-3β, JNK3, QED and "
    "(10 − SA) / 9 (the RationaleRL / MARS combination)",
)
def _gsk3b_jnk3_qed_sa() -> tuple[str, list[dict]]:
    # RationaleRL (Jin et al. 2020) and MARS (Xie et al. 2021) optimise these four together with SA
    # mapped to [0, 1] as (10 − SA) / 9; MARS multiplies the four scores, whose geometric mean ranks
    # molecules identically and stays in [0, 1] on the same scale as each score.
    return "geometric", [
        _oracle("gsk3b"),
        _oracle("jnk3"),
        _oracle("qed"),
        _oracle("sa", {"type": "linear_ramp", "low": 10.0, "high": 1.0}),
    ]


@_task(
    "drd2_qed_sa",
    "Dopamine D2 active, drug-like and easy to make: geometric mean of DRD2, QED and (10 − SA) / 9 "
    "(built like gsk3b_jnk3_qed_sa)",
)
def _drd2_qed_sa() -> tuple[str, list[dict]]:
    return "geometric", [
        _oracle("drd2"),
        _oracle("qed"),
        _oracle("sa", {"type": "linear_ramp", "low": 10.0, "high": 1.0}),
    ]


# ---------------------------------------------------------------------- public API
def _task_for(name: str) -> Task:
    key = name.strip().lower().replace("-", "_").replace(" ", "_") if isinstance(name, str) else name
    if key not in TASKS:
        close = difflib.get_close_matches(str(key), TASKS, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownTaskError(f"unknown task {name!r}{hint} (known: {', '.join(names())})")
    return TASKS[key]


def names() -> list[str]:
    """Names of all tasks, sorted."""
    return sorted(TASKS)


def describe(name: str) -> str:
    """One-line description of a task."""
    return _task_for(name).description


def config(name: str) -> dict[str, Any]:
    """A task's objective as plain data (the dict `Objective.from_dict` reads; write it out as TOML to edit)."""
    return _task_for(name).build()


def get(name: str) -> Objective:
    """A fresh `Objective` for the task, callable on a list of SMILES (NaN for invalid ones)."""
    return Objective.from_dict(config(name))


from molmara import tasks_docking as _tasks_docking  # noqa: E402, F401  (registers the docking tasks)
from molmara import tasks_pmo as _tasks_pmo  # noqa: E402, F401  (registers PMO's isomer-scored tasks)
from molmara.tasks_modes import MODE_DRUGS, MODE_PATTERNS, MODE_RINGS, REFERENCES  # noqa: E402  (registers them)

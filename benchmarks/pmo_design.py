"""The design of molmara's run of the PMO benchmark (Gao et al., NeurIPS 2022; code `wenhao-gao/mol_opt`).

**Protocol** (mol_opt `main/optimizer.py`, 2da631b): 23 oracles, 10,000 oracle calls a run, a call being a new
valid canonical (isomeric) SMILES — repeats and invalid strings are free (molmara's `ScoringService` counts
the same way). AUC top-k: the mean of the k best so far, read every 100 calls and after the last one, joined
by trapezoids and the last value carried to 10,000 when a run stops early, divided by 10,000
(`molmara.metrics.top_k_auc`, which follows mol_opt's `top_auc` step by step).

**PMO's REINVENT** (mol_opt `main/reinvent/run.py`, `hparams_default.yaml`, `data_structs.Experience`), matched
rule by rule with molmara's run config:

- σ 500, learning rate 5e-4, batch 64, REINVENT's loss (`sigma`, `learning_rate`, `batch_size`, `loss`);
- repeats removed before scoring and the loss (`duplicates = "drop"`; mol_opt drops identical token rows,
  molmara identical canonical SMILES, which also drops a second spelling of the same molecule);
- invalid SMILES reward 0 in the loss (molmara's rule 1);
- experience replay: the best 100 molecules, 24 drawn in proportion to score + 1e-10 once the memory holds more
  than 24, drawn before the batch is added (`replay = {memory_size = 100, sample_size = 24, mode = "pmo"}`;
  mol_opt dedups the memory by the SMILES string, molmara by canonical SMILES);
- the regulariser 5000 × mean(−1/log π_agent) over batch and replay rows (`likelihood_penalty = 5000`);
- the early stop: after more than 1,000 calls, a step that leaves the best 100 scores unchanged counts one,
  any change resets, 5 in a row end the run (`plateau = {patience = 5, top = 100, min_calls = 1000}`; mol_opt's
  default `patience` is 5 at 2da631b). Runs also stop at `STEP_CAP_FACTOR` × the steps the budget needs at
  full uniqueness, a guard mol_opt does not have; each row records which rule ended it (`stop_reason`).

**Not matched**: the prior. mol_opt's REINVENT uses its own 3-layer GRU (512 units) trained on ZINC 250k;
molmara runs its shipped prior (3×384 GRU on MOSES, a ZINC lead-like subset): fewer parameters and a narrower
chemical space, which can lower the scores of tasks whose best molecules lie outside MOSES's filters (over 350 Da
or charged: fexofenadine, perindopril, ranolazine). The vocabularies differ too: mol_opt's writes stereocentres and
charged atoms (`[C@@H]`, `[NH3+]`), molmara's no bracket atom but `[nH]`, neither phosphorus — which matters for
PMO's isomer scoring (see **Oracles**).

**Oracles** (`ORACLES`): mol_opt scores each molecule's canonical SMILES with TDC's oracles (it pins PyTDC 0.3.6).
Nineteen are GuacaMol's definitions, which molmara's tasks reproduce (scripts/compare_guacamol.py against GuacaMol,
scripts/compare_tdc.py against TDC 0.3.7: at most 1e-16 apart) or TDC's bioactivity models and QED. The other
four — isomers_c7h8n2o2, isomers_c9h10n2o2pf2cl, sitagliptin_mpo, zaleplon_mpo — contain TDC's isomer score of
that time, which reads the canonical SMILES as a molecular formula for its total-atom term; TDC 0.3.7 fixed it and
kept the old one as `*_prev`. The leaderboard's numbers were made with the old one: on 10,000 random MOSES
molecules the old functions give screening top-100/10/1 of 0.025/0.119/0.198 (zaleplon), 0.019/0.052/0.093
(C9H10N2O2PF2Cl) and 0.012/0.058/0.268 (sitagliptin), close to the leaderboard's random-ZINC `screening` row
(0.020/0.124/0.280, 0.045/0.153/0.273, 0.010/0.040/0.142), while GuacaMol's give 0.443/0.487/0.526,
0.545/0.693/0.869 and 0.279/0.346/0.381. So the benchmark runs molmara's `pmo_` variants of those four
(`molmara.tasks_pmo`, equal to TDC's `*_prev` within 3e-17 on 1,039 molecules). Under them an exact isomer of
C7H8N2O2 can score 0.0074: the score rewards the right atoms and a SMILES whose capital letters and digits add up
to the formula's total, hydrogens included.

**Screens and MARA's τ.** A task has a natural screen where a chemist would call a molecule a hit and PMO's
REINVENT reaches it (its published top-10 at or above it): predicted active for the three bioactivity
classifiers (0.5), QED 0.9, the maximum of C7H8N2O2's score (1.0), and the full albuterol similarity score (1.0,
ECFP4 Tanimoto 0.75). There MARA's τ is the screen. Elsewhere there is none, so τ is the batch's 90th
percentile (`"p90"`), and the screen that counts hits is the published REINVENT's final top-100 mean rounded
down to 0.01: a hit is as good as the average of the 100 best molecules published REINVENT found.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.mvr_design import prior_digest
from molmara.tasks_pmo import PMO_VARIANTS

LEADERBOARD = "pmo-benchmark/pmo-benchmark.github.io at 4627367 (`<task>/index.md`, the `reinvent` row)"
"""Where the published numbers below come from (means over 5 seeds, 10,000 calls)."""

# task: (AUC top-1, AUC top-10, AUC top-100, top-1, top-10, top-100) of REINVENT on the PMO leaderboard
PUBLISHED: dict[str, tuple[float, float, float, float, float, float]] = {
    "albuterol_similarity": (0.903, 0.882, 0.842, 1.0, 0.998, 0.991),
    "amlodipine_mpo": (0.652, 0.635, 0.608, 0.735, 0.733, 0.728),
    "celecoxib_rediscovery": (0.801, 0.713, 0.646, 0.959, 0.861, 0.821),
    "deco_hop": (0.679, 0.666, 0.649, 0.805, 0.802, 0.796),
    "drd2": (0.969, 0.945, 0.908, 0.999, 0.999, 0.999),
    "fexofenadine_mpo": (0.801, 0.784, 0.752, 0.910, 0.903, 0.892),
    "gsk3b": (0.893, 0.865, 0.823, 0.972, 0.968, 0.965),
    "isomers_c7h8n2o2": (0.882, 0.852, 0.798, 1.0, 1.0, 0.986),
    "isomers_c9h10n2o2pf2cl": (0.673, 0.642, 0.590, 0.855, 0.851, 0.820),
    "jnk3": (0.813, 0.783, 0.742, 0.954, 0.948, 0.943),
    "median1": (0.367, 0.356, 0.325, 0.4, 0.399, 0.382),
    "median2": (0.289, 0.276, 0.258, 0.332, 0.325, 0.313),
    "mestranol_similarity": (0.637, 0.618, 0.586, 0.748, 0.742, 0.733),
    "osimertinib_mpo": (0.849, 0.837, 0.806, 0.909, 0.905, 0.896),
    "perindopril_mpo": (0.553, 0.537, 0.511, 0.644, 0.642, 0.635),
    "qed": (0.943, 0.941, 0.931, 0.948, 0.948, 0.948),
    "ranolazine_mpo": (0.786, 0.760, 0.719, 0.865, 0.857, 0.848),
    "scaffold_hop": (0.572, 0.560, 0.537, 0.716, 0.714, 0.708),
    "sitagliptin_mpo": (0.055, 0.021, 0.006, 0.080, 0.034, 0.010),
    "thiothixene_rediscovery": (0.557, 0.534, 0.493, 0.665, 0.663, 0.644),
    "troglitazone_rediscovery": (0.458, 0.441, 0.411, 0.593, 0.587, 0.570),
    "valsartan_smarts": (0.186, 0.178, 0.167, 0.196, 0.196, 0.193),
    "zaleplon_mpo": (0.383, 0.358, 0.325, 0.478, 0.475, 0.463),
}
PUBLISHED_COLUMNS = ("auc_top1", "auc_top10", "auc_top100", "top1", "top10", "top100")

NATURAL_SCREENS = {
    "drd2": 0.5, "gsk3b": 0.5, "jnk3": 0.5,  # the classifier's predicted-active probability
    "qed": 0.9,
    "isomers_c7h8n2o2": 1.0,  # the exact formula
    "albuterol_similarity": 1.0,  # ECFP4 Tanimoto 0.75 to albuterol, where GuacaMol's score saturates
}  # fmt: skip
PERCENTILE_TAU = "p90"


@dataclass(frozen=True)
class PmoTask:
    """A PMO task: the screen that counts hits, MARA's τ, and whether the screen is natural."""

    task: str
    screen: float
    tau: float | str
    natural: bool


def _task(name: str) -> PmoTask:
    if name in NATURAL_SCREENS:
        return PmoTask(name, NATURAL_SCREENS[name], NATURAL_SCREENS[name], True)
    screen = math.floor(PUBLISHED[name][5] * 100) / 100
    return PmoTask(name, screen, PERCENTILE_TAU, False)


TASKS: dict[str, PmoTask] = {name: _task(name) for name in PUBLISHED}

ORACLES: dict[str, str] = {name: PMO_VARIANTS.get(name, name) for name in PUBLISHED}
"""The molmara task that scores each PMO task as PMO's published numbers were scored: the GuacaMol task of the same
name, except the four whose isomer term PMO's TDC computed differently (`molmara.tasks_pmo`)."""

PMO_REINVENT = {
    "loss": "reinvent",
    "sigma": 500.0,
    "duplicates": "drop",
    "replay": {"memory_size": 100, "sample_size": 24, "mode": "pmo"},
    "likelihood_penalty": 5000.0,
    "plateau": {"patience": 5, "top": 100, "min_calls": 1000},
}
"""mol_opt's REINVENT as molmara run-config keys (see the module docstring)."""

DIVERSITY_FILTER = {"enabled": True, "bucket_size": 25, "min_score": 0.4}
"""REINVENT 4's identical-Murcko-scaffold filter with its defaults, as in the MARA benchmark."""

ARMS: dict[str, dict] = {
    "reinvent": {"mara": False},
    "reinvent_mara": {"mara": True},
    "reinvent_df": {"mara": False, "diversity_filter": DIVERSITY_FILTER},
}
MARA_ARM = "reinvent_mara"
BASE_ARM = "reinvent"

CORE = 1
"""The version of these settings; part of every row's key, so that rows of other settings are never mixed."""


@dataclass(frozen=True)
class Settings:
    """What every run of a mode shares."""

    budget: int
    seeds: tuple[int, ...]
    tasks: tuple[str, ...] = tuple(TASKS)
    arms: tuple[str, ...] = ("reinvent", "reinvent_mara")
    batch_size: int = 64
    learning_rate: float = 5e-4
    extra: dict = field(default_factory=dict)


MODES = {
    # what the test suite runs: two cheap tasks, a few steps
    "quick": Settings(budget=150, seeds=(0,), tasks=("qed", "isomers_c7h8n2o2")),
    "full": Settings(budget=10_000, seeds=(0, 1, 2, 3, 4)),
}

STEP_CAP_FACTOR = 5


def run_name(task: str, arm: str, seed: int, settings: Settings, prior: str) -> str:
    """The run's name in the store and its folder (unique per task, arm, seed, budget, prior and settings)."""
    import hashlib

    shared = f"{prior}|{settings.batch_size}|{settings.learning_rate!r}|pmo{CORE}"
    return f"pmo-{ORACLES[task]}-{arm}-s{seed}-b{settings.budget}-{hashlib.sha1(shared.encode()).hexdigest()[:6]}"


def run_config(
    task: str, arm: str, seed: int, settings: Settings, runs_dir: Path, device: str = "cpu", prior: str | None = None
) -> dict:
    """The `molmara.run` config of one run."""
    if task not in TASKS:
        raise ValueError(f"unknown PMO task {task!r} (known: {', '.join(TASKS)})")
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r} (known: {', '.join(ARMS)})")
    spec = TASKS[task]
    config = {
        "name": run_name(task, arm, seed, settings, prior or prior_digest()),
        "task": ORACLES[task],
        "tau": spec.tau,
        "hit_threshold": spec.screen,
        "batch_size": settings.batch_size,
        "learning_rate": settings.learning_rate,
        "max_oracle_calls": settings.budget,
        "max_steps": STEP_CAP_FACTOR * math.ceil(settings.budget / settings.batch_size),
        "seed": seed,
        "device": device,
        "output": str(runs_dir),
        "store": str(runs_dir / "molmara.db"),
        **PMO_REINVENT,
        **settings.extra,
    }
    for key, value in ARMS[arm].items():
        config[key] = dict(value) if isinstance(value, dict) else value
    return config

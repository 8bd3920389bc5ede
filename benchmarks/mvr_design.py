"""The design of the MARA-versus-REINVENT benchmark: its tasks, their screens, the arms and the two modes.

Each task has two screens (score thresholds): the lower one is MARA's τ, every arm's hit threshold,
and the screen of OB100, scaffolds, #Circles and IntDiv; the upper one is a second Yield. The lower
screens are set where the shipped prior finds at most about one molecule in a thousand (measured on
1,500–3,000 prior samples), so that every hit is the agent's work:

- `drug_modes`: best ECFP4 Tanimoto to five drugs, full score from 0.4; screens 0.8 (Tanimoto 0.32)
  and 1.0 (the plateau, Tanimoto 0.4 — the mode-coverage similarity). Prior max over 3,000: 0.28–0.43.
- `gsk3b_jnk3_qed_sa`: screens 0.5 and 0.6 (prior 99.9th percentile 0.40, max 0.49).
- `drd2_qed_sa`: screens 0.6 and 0.7 (prior 99.9th percentile 0.56, max 0.75).
- `ring_modes` is the exception, by design: it tests the paper's Remark 4.3 (equal rewards, unequal prior
  support), so the prior already samples every mode. Screens 0.9 (QED ≥ 0.64 with exactly one of the four
  rings) and 1.0 (the full reward, QED ≥ 0.7); the prior's shares of its hits per ring are in
  `benchmarks/results/ring_modes_prior.md` (`python -m benchmarks.ring_modes_prior`).

A run ends at its budget of unique oracle calls or after `STEP_CAP_FACTOR` times the steps that budget
needs at full batch uniqueness (785 steps for 10,000 calls at batch 64), whichever comes first: an agent
that has collapsed onto a few molecules repeats them and never reaches the budget (seen: plain REINVENT on
drug_modes stuck at 5,450 calls from step ~540 to step 1,078, when it was stopped by hand). PMO ends such runs
early in the same way (its `patience`); the cap never binds on a run that keeps finding new molecules.

Arms share the prior, batch size, learning rate and σ (β = 1/σ), and REINVENT 4's batch rules
(`molmara.rl.rewards`: invalid and repeated molecules score 0 in the loss, no gradient clipping, no replay):
REINVENT's loss; REINVENT + MARA with τ at the lower screen and, as the paper's Table 2 also reports, at the
upper screen; REINVENT + REINVENT 4's identical-Murcko-scaffold diversity filter (bucket 25, min score 0.4, its
defaults, with its SMILES memory), alone and with MARA; reverse-KL policy gradient + MARA.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

from molmara import tasks


@dataclass(frozen=True)
class TaskSpec:
    """A benchmark task: the named objective, the lower screen (τ, hits) and the upper screen."""

    task: str
    screen: float
    upper_screen: float
    references: tuple[str, ...] = ()
    """Reference molecules, one mode each (a hit belongs to the nearest, at Tanimoto 0.4 or more)."""
    patterns: tuple[tuple[str, str], ...] = ()
    """(name, SMARTS) of substructure modes (a hit belongs to the one it contains)."""

    @property
    def has_modes(self) -> bool:
        return bool(self.references or self.patterns)

    @property
    def mode_names(self) -> list[str]:
        """The modes' names, in the order of a row's `mode_hits`."""
        if self.patterns:
            return [name for name, _ in self.patterns]
        names = {smiles: name for name, smiles in tasks.MODE_DRUGS.items()}
        return [names.get(r, r) for r in self.references]


TASKS: dict[str, TaskSpec] = {
    "drug_modes": TaskSpec("drug_modes", 0.8, 1.0, tuple(tasks.REFERENCES["drug_modes"])),
    "gsk3b_jnk3_qed_sa": TaskSpec("gsk3b_jnk3_qed_sa", 0.5, 0.6),
    "drd2_qed_sa": TaskSpec("drd2_qed_sa", 0.6, 0.7),
    "ring_modes": TaskSpec("ring_modes", 0.9, 1.0, patterns=tuple(tasks.MODE_PATTERNS["ring_modes"].items())),
}

DIVERSITY_FILTER = {"enabled": True, "bucket_size": 25, "min_score": 0.4}
"""REINVENT 4's identical-Murcko-scaffold filter with its defaults (`runmodes/RL/validation.py`)."""

ARMS: dict[str, dict] = {
    "reinvent": {"loss": "reinvent", "mara": False},
    "reinvent_mara": {"loss": "reinvent", "mara": True},
    "reinvent_mara_upper": {"loss": "reinvent", "mara": True, "tau": "upper"},
    "reinvent_df": {"loss": "reinvent", "mara": False, "diversity_filter": DIVERSITY_FILTER},
    "reinvent_df_mara": {"loss": "reinvent", "mara": True, "diversity_filter": DIVERSITY_FILTER},
    "reverse_kl_mara": {"loss": "reverse_kl", "mara": True},
}
"""`"tau": "upper"`: MARA's τ is the task's upper screen instead of the lower one (hits stay at the lower)."""
MARA_ARM = "reinvent_mara"
"""The arm tested against every other one."""

CORE = 2
"""The version of molmara's RL core the rows were made with (2: REINVENT 4's batch rules, `molmara.rl.rewards`).
It is part of every row's key and run name, so that rows of an older core are never mixed with these."""


@dataclass(frozen=True)
class Settings:
    """What every arm of a mode shares."""

    budget: int
    seeds: tuple[int, ...]
    learning_rate: float
    batch_size: int = 64
    sigma: float = 128.0
    tasks: tuple[str, ...] = tuple(TASKS)
    arms: tuple[str, ...] = tuple(ARMS)
    extra: dict = field(default_factory=dict)


STEP_CAP_FACTOR = 5
"""A run stops after this many times ceil(budget / batch size) steps, budget reached or not."""


def step_cap(budget: int, batch_size: int) -> int:
    """The most steps a run of the benchmark takes (see `STEP_CAP_FACTOR`)."""
    return STEP_CAP_FACTOR * math.ceil(budget / batch_size)


MODES = {
    # ~16 steps a run: the demo's learning rate, so that a short run learns at all
    "quick": Settings(budget=1000, seeds=(0, 1, 2), learning_rate=1e-3),
    # ~160+ steps a run: PMO's tuned REINVENT learning rate (Gao et al., 2022), REINVENT 4's σ
    "full": Settings(budget=10_000, seeds=(0, 1, 2, 3, 4), learning_rate=5e-4),
}


def prior_digest(path: str | Path | None = None) -> str:
    """The first 12 hex digits of the prior file's SHA-256 (the shipped prior by default): rows and run
    folders made with another prior are never mixed with these."""
    from molmara.model.prior import DEFAULT_PRIOR

    return hashlib.sha256(Path(path or DEFAULT_PRIOR).read_bytes()).hexdigest()[:12]


def run_name(task: str, arm: str, seed: int, settings: Settings, prior: str) -> str:
    """The run's name in the store and its folder: unique per task, arm, seed, settings and prior."""
    shared = f"{prior}|{settings.batch_size}|{settings.learning_rate!r}|{settings.sigma!r}|core{CORE}"
    return f"{task}-{arm}-s{seed}-b{settings.budget}-{hashlib.sha1(shared.encode()).hexdigest()[:6]}"


def run_config(
    task: str, arm: str, seed: int, settings: Settings, runs_dir: Path, device: str = "cpu", prior: str | None = None
) -> dict:
    """The `molmara.run` config of one run of the benchmark (`prior`: its digest, computed when not given)."""
    if task not in TASKS:
        raise ValueError(f"unknown benchmark task {task!r} (known: {', '.join(TASKS)})")
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r} (known: {', '.join(ARMS)})")
    spec = TASKS[task]
    config = {
        "name": run_name(task, arm, seed, settings, prior or prior_digest()),
        "task": spec.task,
        "sigma": settings.sigma,
        "tau": spec.screen,
        "hit_threshold": spec.screen,
        "batch_size": settings.batch_size,
        "learning_rate": settings.learning_rate,
        "max_oracle_calls": settings.budget,
        "max_steps": step_cap(settings.budget, settings.batch_size),
        "seed": seed,
        "device": device,
        "output": str(runs_dir),
        "store": str(runs_dir / "molmara.db"),
        **settings.extra,
    }
    for key, value in ARMS[arm].items():
        config[key] = dict(value) if isinstance(value, dict) else value
    if config["tau"] == "upper":
        config["tau"] = spec.upper_screen
    return config

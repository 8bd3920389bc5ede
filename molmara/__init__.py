"""molmara: a SMILES language model fine-tuned by KL-regularised RL with MARA reward rescaling.

The public API: `load_prior` and `Prior` (sample, log-likelihood), `oracles` (get, names, the
`oracle` decorator), `Objective` (components, transforms, TOML), `ScoringService`, `tasks`, `run` (an RL run
from a config), `metrics` and `RunStore`. Each is imported when first used, so `import molmara.chem` does not
load torch, and `import molmara` costs little until something is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Objective": ("molmara.objective", "Objective"),
    "ObjectiveError": ("molmara.objective", "ObjectiveError"),
    "ScoreResult": ("molmara.objective", "ScoreResult"),
    "Prior": ("molmara.model", "Prior"),
    "SampleResult": ("molmara.model", "SampleResult"),
    "load_prior": ("molmara.model", "load_prior"),
    "ScoringService": ("molmara.scoring", "ScoringService"),
    "oracle": ("molmara.oracles", "oracle"),
    "run": ("molmara.lifecycle", "run"),
    "open_run": ("molmara.lifecycle", "open_run"),
    "RunStore": ("molmara.store", "RunStore"),
}
_SUBMODULES = ("oracles", "tasks", "metrics", "rl", "store", "chem", "model")

__all__ = sorted([*_EXPORTS, *_SUBMODULES, "__version__"])

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from molmara import chem, metrics, model, oracles, rl, store, tasks  # noqa: F401
    from molmara.lifecycle import open_run, run  # noqa: F401
    from molmara.model import Prior, SampleResult, load_prior  # noqa: F401
    from molmara.objective import Objective, ObjectiveError, ScoreResult  # noqa: F401
    from molmara.oracles import oracle  # noqa: F401
    from molmara.scoring import ScoringService  # noqa: F401
    from molmara.store import RunStore  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module, attribute = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attribute)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"molmara.{name}")
    else:
        raise AttributeError(f"module 'molmara' has no attribute {name!r}")
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return __all__

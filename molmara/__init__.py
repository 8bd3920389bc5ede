"""molmara: a SMILES language model fine-tuned by KL-regularised RL with MARA reward rescaling.

The public API: `load_prior` and `Prior` (sample, log-likelihood), `oracles` (get, names, the
`oracle` decorator), `Objective` (components, transforms, TOML), `ScoringService`, `tasks`, `run` (an RL run
from a config), `metrics` and `RunStore`. Each is imported when first used, so `import molmara.chem` does not
load torch, and `import molmara` costs little until something is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from molmara.lazy import lazy_names

__version__ = "0.1.0"

_EXPORTS = {
    "Objective": "molmara.objective",
    "ObjectiveError": "molmara.objective",
    "ScoreResult": "molmara.objective",
    "Prior": "molmara.model",
    "SampleResult": "molmara.model",
    "load_prior": "molmara.model",
    "ScoringService": "molmara.scoring",
    "oracle": "molmara.oracles",
    "run": "molmara.lifecycle",
    "open_run": "molmara.lifecycle",
    "RunStore": "molmara.store",
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


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS, _SUBMODULES)

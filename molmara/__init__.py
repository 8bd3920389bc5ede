"""molmara: a SMILES language model fine-tuned by KL-regularised RL with MARA reward rescaling.

The public API: `load_prior` and `Prior` (sample, log-likelihood), `oracles` (get, names, the
`oracle` decorator), `Objective` (components, transforms, TOML), `ScoringService` and `tasks`.
"""

from molmara import oracles, tasks
from molmara.model import Prior, SampleResult, load_prior
from molmara.objective import Objective, ObjectiveError, ScoreResult
from molmara.oracles import oracle
from molmara.scoring import ScoringService

__version__ = "0.1.0"

__all__ = [
    "Objective",
    "ObjectiveError",
    "Prior",
    "SampleResult",
    "ScoreResult",
    "ScoringService",
    "__version__",
    "load_prior",
    "oracle",
    "oracles",
    "tasks",
]

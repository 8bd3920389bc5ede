"""Where the files shipped inside the package are: the prior, the oracle models, example configs and the app.

They are package data, found through `importlib.resources`, so they are there in a wheel installed anywhere
(a laptop, a Ray worker on a cluster node), not only in a clone. What is not shipped (MOSES files, inputs of
scripts) stays in the clone's top-level `data/`.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

PACKAGE = Path(str(files("molmara")))
DATA = PACKAGE / "data"
PRIORS = DATA / "priors"
DEFAULT_PRIOR = PRIORS / "moses_gru.prior"
ORACLE_MODELS = DATA / "oracles"
EXAMPLE_CONFIGS = DATA / "configs"
APP = PACKAGE / "app"
CLONE_DATA = PACKAGE.parent / "data"
"""The top-level `data/` of a clone (MOSES); absent in an installed wheel."""


def shipped_prior(name: str) -> Path | None:
    """The shipped prior called `name` ('moses_gru', 'moses_lstm'; '.prior' optional), or None when none is."""
    if not name or "/" in name or "\\" in name:
        return None
    path = PRIORS / (name if name.endswith(".prior") else f"{name}.prior")
    return path if path.is_file() else None

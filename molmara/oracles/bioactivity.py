"""Bioactivity oracles DRD2, GSK3B and JNK3: the TDC / PMO models, predicted with numpy only.

The models were converted once from molscore's scikit-learn pickles into plain arrays under
`molmara/data/oracles/` (see its NOTICE); `molmara.oracles.bioactivity_models` featurises and predicts.
"""

from __future__ import annotations

import numpy as np

from molmara.oracles.base import MolBatch, Oracle
from molmara.oracles.registry import register

DESCRIPTIONS = {
    "drd2": "Dopamine D2 receptor activity probability (TDC/PMO SVM model, Olivecrona et al. 2017)",
    "gsk3b": "GSK-3β inhibition probability (TDC/PMO random forest, Li et al. 2018)",
    "jnk3": "JNK3 inhibition probability (TDC/PMO random forest, Li et al. 2018)",
}


def _bioactivity_oracle(model: str) -> type[Oracle]:
    class BioactivityOracle(Oracle):
        value_range = (0.0, 1.0)

        def score_valid(self, batch: MolBatch) -> np.ndarray:
            from molmara.oracles.bioactivity_models import predict

            return predict(model, [m for m in batch.mols if m is not None])

    BioactivityOracle.name = model
    BioactivityOracle.description = DESCRIPTIONS[model]
    BioactivityOracle.__name__ = BioactivityOracle.__qualname__ = f"{model.upper()}Oracle"
    return register(BioactivityOracle)


for _model in DESCRIPTIONS:
    _bioactivity_oracle(_model)

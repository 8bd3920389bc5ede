"""The SMILES language model: tokenizer, RNN, priors (sampling, likelihoods, checkpoints) and pretraining.

Names are imported when first used, so that `molmara.model.pretrain_config` and the tokenizer load without torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from molmara.lazy import lazy_names

_EXPORTS = {
    "DEFAULT_PRIOR": "molmara.model.prior",
    "CheckpointError": "molmara.model.prior",
    "Prior": "molmara.model.prior",
    "SampleResult": "molmara.model.prior",
    "load_prior": "molmara.model.prior",
    "resolve_device": "molmara.model.prior",
    "ModelConfig": "molmara.model.rnn",
    "SmilesRNN": "molmara.model.rnn",
    "Vocabulary": "molmara.model.tokenizer",
    "tokenize": "molmara.model.tokenizer",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from molmara.model.prior import (  # noqa: F401
        DEFAULT_PRIOR,
        CheckpointError,
        Prior,
        SampleResult,
        load_prior,
        resolve_device,
    )
    from molmara.model.rnn import ModelConfig, SmilesRNN  # noqa: F401
    from molmara.model.tokenizer import Vocabulary, tokenize  # noqa: F401


__getattr__, __dir__ = lazy_names(__name__, _EXPORTS)

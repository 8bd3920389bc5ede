"""The SMILES language model: tokenizer, RNN, priors (sampling, likelihoods, checkpoints) and pretraining."""

from molmara.model.prior import DEFAULT_PRIOR, CheckpointError, Prior, SampleResult, load_prior, resolve_device
from molmara.model.rnn import ModelConfig, SmilesRNN
from molmara.model.tokenizer import Vocabulary, tokenize

__all__ = [
    "DEFAULT_PRIOR",
    "CheckpointError",
    "ModelConfig",
    "Prior",
    "SampleResult",
    "SmilesRNN",
    "Vocabulary",
    "load_prior",
    "resolve_device",
    "tokenize",
]

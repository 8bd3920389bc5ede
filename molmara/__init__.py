"""molmara: a SMILES language model fine-tuned by KL-regularised RL with MARA reward rescaling."""

from molmara.model import Prior, SampleResult, load_prior

__version__ = "0.1.0"

__all__ = ["Prior", "SampleResult", "__version__", "load_prior"]

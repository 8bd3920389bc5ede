"""Scoring oracles: the contract, the built-ins, the registry and user oracles.

>>> from molmara import oracles
>>> oracles.get("qed")(["CCO", "not a smiles"])      # array([0.406..., nan])
"""

from molmara.oracles import builtin as _builtin  # noqa: F401  (registers the built-in oracles)
from molmara.oracles.base import MolBatch, Oracle, OracleError, Param
from molmara.oracles.registry import describe, get, load_oracle_module, names, oracle_class, register
from molmara.oracles.user import ExternalProcessOracle, oracle

__all__ = [
    "ExternalProcessOracle",
    "MolBatch",
    "Oracle",
    "OracleError",
    "Param",
    "describe",
    "get",
    "load_oracle_module",
    "names",
    "oracle",
    "oracle_class",
    "register",
]

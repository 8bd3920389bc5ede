"""Importing this module registers every built-in oracle."""

from molmara.oracles import descriptors, similarity, substructure  # noqa: F401

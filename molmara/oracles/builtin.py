"""Importing this module registers every built-in oracle."""

from molmara.oracles import bioactivity, descriptors, docking, similarity, substructure  # noqa: F401

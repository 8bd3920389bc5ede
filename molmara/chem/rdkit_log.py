"""RDKit's log noise (parse errors on stderr for every invalid SMILES, force-field warnings).

Importing molmara leaves RDKit's log alone: molmara's own SMILES parsing is quiet by itself
(`rdBase.BlockLogs` around the parse). The `molmara` command and the app call `quiet_rdkit()` for their
whole process, which the environment variable `MOLMARA_RDKIT_LOG=1` overrides, e.g. when debugging a corpus.
"""

import os

from rdkit import RDLogger


def quiet_rdkit() -> None:
    """Silence RDKit's warnings and errors unless MOLMARA_RDKIT_LOG=1."""
    if os.environ.get("MOLMARA_RDKIT_LOG", "0") != "1":
        RDLogger.DisableLog("rdApp.*")

"""RDKit's log noise (parse errors on stderr for every invalid SMILES) is off by default.

Set the environment variable `MOLMARA_RDKIT_LOG=1` to see it, e.g. when debugging a corpus.
"""

import os

from rdkit import RDLogger


def quiet_rdkit() -> None:
    """Silence RDKit's warnings and errors unless MOLMARA_RDKIT_LOG=1."""
    if os.environ.get("MOLMARA_RDKIT_LOG", "0") != "1":
        RDLogger.DisableLog("rdApp.*")

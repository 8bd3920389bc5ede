"""SMILES in and out: parsing, canonical form, validity, standardisation and randomised SMILES.

Every function takes untrusted input: None, non-strings, empty or whitespace-only strings and
strings longer than `MAX_SMILES_LENGTH` are treated as invalid (None / False), never an exception.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from rdkit import Chem, rdBase

MAX_SMILES_LENGTH = 2000
"""Longer strings are rejected before parsing: no drug-like molecule needs them, and RDKit is slow on them."""

MAX_HEAVY_ATOMS = 150
"""Molecules with more heavy atoms are not scored: some oracles (2D pharmacophores, SMARTS on long chains) take
seconds to minutes on them, and a drug-like molecule has well under 100."""

FRAGMENT_POLICIES = ("flag", "largest")
"""What scoring does with a SMILES of several fragments (a salt, a mixture): "flag" leaves it unscored with the
reason; "largest" scores its largest organic fragment (RDKit's LargestFragmentChooser, organic preferred)."""

USER_FILTERS = ("get_largest_fragment", "remove_hydrogens", "remove_salts", "neutralise_charges", "general_cleanup")
"""Standardisation for a chemist's input: keep the parent, neutral, without explicit hydrogens."""

CORPUS_FILTERS = ("default",)
"""reinvent-chemistry's default: the user filters plus size, element (C N O F S Cl Br) and side-chain limits."""


def _parse(text: str) -> Chem.Mol | None:
    """RDKit's parse without its log lines: an invalid SMILES is an answer (None), not an error to print."""
    with rdBase.BlockLogs():
        return Chem.MolFromSmiles(text)


def _smiles_text(smiles: object) -> tuple[str | None, str]:
    """(the stripped text, "") when it is worth parsing, else (None, why not)."""
    if not isinstance(smiles, str):
        return None, "not a string"
    text = smiles.strip()
    if not text:
        return None, "empty"
    if len(text) > MAX_SMILES_LENGTH:
        return None, f"longer than {MAX_SMILES_LENGTH} characters ({len(text):,})"
    return text, ""


def to_mol(smiles: object) -> Chem.Mol | None:
    """RDKit molecule for a SMILES string, or None if it is not a valid one; a molecule is passed through (so that
    a caller can parse once and hand the molecules to several metrics)."""
    if isinstance(smiles, Chem.Mol):
        return smiles
    text, _ = _smiles_text(smiles)
    return None if text is None else _parse(text)


def parse_smiles(smiles: object, fragments: str = "flag") -> tuple[Chem.Mol | None, str]:
    """(molecule, "") for a SMILES that can be scored, else (None, the reason in a few words).

    Beyond `to_mol`: wildcard (dummy) atoms are refused, several fragments follow `fragments` (see
    `FRAGMENT_POLICIES`), and molecules over `MAX_HEAVY_ATOMS` heavy atoms are refused.
    """
    if fragments not in FRAGMENT_POLICIES:
        raise ValueError(f"fragments must be one of {', '.join(FRAGMENT_POLICIES)}, got {fragments!r}")
    text, reason = _smiles_text(smiles)
    if text is None:
        return None, reason
    mol = _parse(text)
    if mol is None:
        return None, "not a valid SMILES (RDKit cannot parse or sanitise it)"
    if any(atom.GetAtomicNum() == 0 for atom in mol.GetAtoms()):
        return None, "has a wildcard or dummy atom (*)"
    if len(Chem.GetMolFrags(mol)) > 1:
        if fragments == "flag":
            return None, 'several fragments (a salt or a mixture); fragments = "largest" scores the largest one'
        mol = _largest_fragment(mol)
    if mol.GetNumHeavyAtoms() > MAX_HEAVY_ATOMS:
        return None, f"more than {MAX_HEAVY_ATOMS} heavy atoms ({mol.GetNumHeavyAtoms()})"
    return mol, ""


def _largest_fragment(mol: Chem.Mol) -> Chem.Mol:
    from rdkit.Chem.MolStandardize import rdMolStandardize

    return rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(mol)


def to_mols(smiles: Iterable[object]) -> list[Chem.Mol | None]:
    """`to_mol` over a batch."""
    return [to_mol(s) for s in smiles]


def is_valid(smiles: object) -> bool:
    """True when RDKit parses and sanitises the SMILES."""
    return to_mol(smiles) is not None


def mol_to_smiles(mol: Chem.Mol | None, isomeric: bool = True) -> str | None:
    """Canonical SMILES of a molecule (None stays None)."""
    return None if mol is None else Chem.MolToSmiles(mol, isomericSmiles=isomeric)


def canonical_smiles(smiles: object, isomeric: bool = True) -> str | None:
    """RDKit canonical SMILES, or None for invalid input."""
    return mol_to_smiles(to_mol(smiles), isomeric)


def canonicalize(smiles: Iterable[object], isomeric: bool = True) -> list[str | None]:
    """`canonical_smiles` over a batch."""
    return [canonical_smiles(s, isomeric) for s in smiles]


class _CollectingLogger:
    """The logger object RDKitStandardizer expects: it keeps the messages instead of printing them."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def log_message(self, message: str) -> None:
        self.messages.append(message)


class Standardizer:
    """reinvent-chemistry's `RDKitStandardizer` with a chosen list of filters (tautomers left out)."""

    def __init__(self, filters: Sequence[str] = USER_FILTERS) -> None:
        self.logger = _CollectingLogger()
        # imported here: reinvent-chemistry's standardizer turns RDKit's error log off for the whole process
        from reinvent_chemistry.standardization.filter_configuration import FilterConfiguration
        from reinvent_chemistry.standardization.rdkit_standardizer import RDKitStandardizer

        self._standardizer = RDKitStandardizer(
            [FilterConfiguration(name=name, parameters={}) for name in filters], self.logger
        )

    def __call__(self, smiles: object) -> str | None:
        """Standardised SMILES, or None when the input is invalid or a filter rejects it."""
        if to_mol(smiles) is None:
            return None
        try:
            result = self._standardizer.apply_filter(str(smiles).strip())
        except Exception as err:  # a filter raising on an odd molecule rejects that molecule only
            self.logger.log_message(f"standardisation failed for {smiles!r}: {err}")
            return None
        return canonical_smiles(result) if result else None


def standardize(smiles: Iterable[object], filters: Sequence[str] = USER_FILTERS) -> list[str | None]:
    """Standardise a batch of SMILES (salts stripped, charges neutralised, canonical form)."""
    standardizer = Standardizer(filters)
    return [standardizer(s) for s in smiles]


def randomize_smiles(smiles: str, rng: random.Random | None = None) -> str | None:
    """A random valid (non-canonical) SMILES of the same molecule, or None if the input is invalid.

    RDKit's own random atom order (`MolToRandomSmilesVect`); `rng` draws its seed, so the same `rng` state gives
    the same SMILES, and Python's global `random` is never touched.
    """
    mol = to_mol(smiles)
    if mol is None:
        return None
    if rng is None:
        return Chem.MolToSmiles(mol, canonical=False, doRandom=True)
    return Chem.MolToRandomSmilesVect(mol, 1, randomSeed=rng.randrange(2**31))[0]

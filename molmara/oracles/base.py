"""The oracle contract: score a batch of molecules, parsed once, into a float array.

An oracle declares its name, a one-line description, typed parameters with defaults and allowed
ranges (the app builds its forms from them), the range of its values and whether it is cheap or
expensive. Invalid SMILES score NaN; one molecule raising inside an oracle scores NaN with a logged
warning naming the oracle and the SMILES, and the rest of the batch goes on. Oracles beat (`watch`)
before each molecule, or each group of molecules they score together, so that a scoring worker can
stop a molecule that takes too long.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, TypeAdapter, ValidationError
from rdkit import Chem

from molmara.chem.fingerprints import morgan_bits, morgan_counts
from molmara.chem.smiles import parse_smiles
from molmara.config_errors import readable
from molmara.oracles import watch

log = logging.getLogger("molmara.oracles")

COSTS = ("cheap", "expensive")


class OracleError(ValueError):
    """An oracle is misconfigured or misbehaves (unknown name, bad parameter, wrong output length)."""


class MoleculeError(Exception):
    """This oracle cannot score this molecule; the message is the reason, kept with the molecule's NaN score
    (e.g. "docking: could not embed the molecule in 3D")."""


@dataclass(frozen=True)
class Param:
    """A typed oracle parameter with its default and allowed values, validated by pydantic (strict: no
    string-to-number or bool-to-int coercion; an int is taken for a float, one string or a tuple for a list)."""

    name: str
    type: type
    default: Any
    doc: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple | None = None
    _adapter: TypeAdapter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.choices is not None:  # one of these values, compared as they are
            annotated: Any = Literal[tuple(self.choices)]
        else:
            bounds = {"ge": self.min, "le": self.max, "allow_inf_nan": False if self.type is float else None}
            given = {key: value for key, value in bounds.items() if value is not None}
            annotated = Annotated[self.type, Field(strict=True, **given)]
        object.__setattr__(self, "_adapter", TypeAdapter(annotated))

    def validate(self, value: Any, oracle: str) -> Any:
        """The value converted to the declared type; `OracleError` naming oracle, key, problem and value."""
        if self.type is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if self.type is list and isinstance(value, (str, tuple)):
            value = [value] if isinstance(value, str) else list(value)
        try:
            return self._adapter.validate_python(value)
        except ValidationError as err:
            raise OracleError(readable(err, f"oracle {oracle!r} parameter {self.name!r}")) from None

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "type": self.type.__name__,
            "default": self.default,
            "doc": self.doc,
            "min": self.min,
            "max": self.max,
            "choices": list(self.choices) if self.choices is not None else None,
        }


class MolBatch:
    """SMILES parsed once and shared by every oracle of an objective, with cached fingerprints."""

    def __init__(self, smiles: Sequence[object] | str, fragments: str = "flag") -> None:
        """Parse each SMILES once (`fragments`: what to do with salts and mixtures, see `FRAGMENT_POLICIES`)."""
        if isinstance(smiles, str):  # one SMILES is one molecule, not a sequence of one-letter SMILES
            smiles = [smiles]
        self.smiles = [s if isinstance(s, str) else None for s in smiles]
        parsed = [parse_smiles(s, fragments) for s in smiles]
        self.mols: list[Chem.Mol | None] = [mol for mol, _ in parsed]
        self.reasons: list[str] = [reason for _, reason in parsed]
        """Why each invalid molecule is invalid ("" for a valid one)."""
        self.valid = np.array([m is not None for m in self.mols], dtype=bool)
        self.positions = np.arange(len(self.mols))
        """Where each molecule stands in the batch it was first parsed in (kept by `subset`, for the beats)."""
        self.failures: dict[int, str] = {}
        """Why an oracle could not score a valid molecule, by position (shared with every subset)."""
        self._fingerprints: dict[tuple, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.mols)

    def subset(self, index: Sequence[int]) -> MolBatch:
        """A batch of some of these molecules, reusing the parsed molecules."""
        out = MolBatch.__new__(MolBatch)
        out.smiles = [self.smiles[i] for i in index]
        out.mols = [self.mols[i] for i in index]
        out.reasons = [self.reasons[i] for i in index]
        out.valid = self.valid[list(index)]
        out.positions = self.positions[list(index)]
        out.failures = self.failures
        out._fingerprints = {}
        return out

    def fail(self, position: int, oracle: str, reason: str) -> None:
        """Record why `oracle` could not score the molecule at `position` (the first reason is kept)."""
        self.failures.setdefault(int(position), f"{oracle}: {reason}")

    def all_reasons(self) -> list[str]:
        """Per molecule: why it is invalid, or why an oracle could not score it, or ""."""
        return [r or self.failures.get(int(p), "") for r, p in zip(self.reasons, self.positions, strict=True)]

    def watched(self, items: Iterable, needs: float = 0.0) -> Iterator:
        """`items` (one per valid molecule, in order), each announced to the scoring worker's watch first
        (`needs`: the seconds the oracle may take on one, when it is more than the worker's limit)."""
        for position, item in zip(self.positions[self.valid], items, strict=True):
            watch.molecule(position, needs)
            yield item

    def fingerprints(self, radius: int = 2, n_bits: int = 2048, features: bool = False, counts: bool = False):
        """Morgan fingerprints of the batch (packed bits, or counts), computed once per setting."""
        key = (radius, n_bits, features, counts)
        if key not in self._fingerprints:
            make = morgan_counts if counts else morgan_bits
            self._fingerprints[key] = make(self.mols, radius=radius, n_bits=n_bits, features=features)
        return self._fingerprints[key]


class Oracle:
    """Base class of all oracles. Subclasses set the class attributes and implement `score_mol`
    (one molecule) or `score_valid` (the valid molecules of a batch, vectorised)."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    value_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    cost: ClassVar[str] = "cheap"

    def __init__(self, **params: Any) -> None:
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(declared))
        if unknown:
            allowed = ", ".join(declared) or "none"
            raise OracleError(f"oracle {self.name!r} has no parameter {unknown[0]!r} (parameters: {allowed})")
        self.config = {name: p.validate(params.get(name, p.default), self.name) for name, p in declared.items()}
        self.setup()

    def setup(self) -> None:
        """Prepare anything derived from the parameters (reference fingerprints, patterns)."""

    def seconds_needed(self) -> float:
        """Seconds this oracle may take on one molecule beyond the scoring worker's limit, for an oracle that stops
        itself in time (docking, with its own timeout); 0: the worker's limit applies."""
        return 0.0

    @property
    def cpus(self) -> int:
        """CPU threads this oracle uses on one molecule (its `cpus` parameter where it has one)."""
        return int(getattr(self, "config", {}).get("cpus", 1))

    def attach_run_folder(self, folder) -> None:
        """Where this oracle may keep files of the run it scores for (docking poses); most keep none."""

    # ------------------------------------------------------------------ scoring
    def score_mol(self, mol: Chem.Mol) -> float:
        raise NotImplementedError

    def score_valid(self, batch: MolBatch) -> np.ndarray:
        """Scores of the valid molecules of `batch`, in order; by default one `score_mol` call each (a
        `MoleculeError` scores that molecule NaN with its reason)."""
        positions = batch.positions[batch.valid]
        molecules = batch.watched((m for m in batch.mols if m is not None), self.seconds_needed())
        scores = [self._score_mol(m, p, batch) for m, p in zip(molecules, positions, strict=True)]
        return np.array(scores, dtype=np.float64)

    def _score_mol(self, mol: Chem.Mol, position: int, batch: MolBatch) -> float:
        try:
            return self.score_mol(mol)
        except MoleculeError as err:
            batch.fail(position, self.name, str(err))
            return math.nan

    def score_batch(self, batch: MolBatch) -> np.ndarray:
        """Scores of the whole batch: NaN for invalid molecules and for molecules the oracle fails on."""
        out = np.full(len(batch), np.nan)
        if not batch.valid.any():
            return out
        index = np.flatnonzero(batch.valid)
        watch.molecules(batch.positions[index])
        try:
            values = np.asarray(self.score_valid(batch if batch.valid.all() else batch.subset(index)), dtype=float)
        except OracleError:
            raise
        except Exception:
            # isolate the molecule(s) at fault: score one at a time, NaN and a warning for each failure
            values = np.array([self._score_one(batch.subset([i])) for i in index])
        if values.shape != (len(index),):
            raise OracleError(f"oracle {self.name!r} returned {values.size} values for {len(index)} molecules")
        out[index] = values
        return out

    def _score_one(self, single: MolBatch) -> float:
        watch.molecule(single.positions[0], self.seconds_needed())
        try:
            return float(np.asarray(self.score_valid(single), dtype=float).reshape(-1)[0])
        except OracleError:
            raise
        except MoleculeError as err:
            single.fail(single.positions[0], self.name, str(err))
            return math.nan
        except Exception as err:
            log.warning("oracle %r failed on %s: %s: %s", self.name, single.smiles[0], type(err).__name__, err)
            return math.nan

    def __call__(self, smiles: Sequence[object] | MolBatch) -> np.ndarray:
        """Scores of a list of SMILES (or a parsed batch) as a float array."""
        batch = smiles if isinstance(smiles, MolBatch) else MolBatch(smiles)
        return self.score_batch(batch)

    # ------------------------------------------------------------------ description
    @classmethod
    def spec(cls) -> dict:
        """The declaration of this oracle as plain data (for forms, docs and `molmara oracles`)."""
        return {
            "name": cls.name,
            "description": cls.description,
            "params": [p.to_dict() for p in cls.params],
            "value_range": list(cls.value_range),
            "cost": cls.cost,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"{type(self).__name__}({args})"

"""#Circles (Xie et al., ICLR 2023) and diverse hits (Renz et al., 2024): how much chemical space a set covers.

#Circles(S, t) is the size of a subset of S whose members are pairwise more than `t` apart in
Tanimoto distance (1 − Tanimoto similarity); each member is the centre of a "circle" of radius t that
holds no other member. Finding the largest such subset is NP-hard, so it is built greedily: the
molecules are visited in a fixed order and one joins when its distance to every member so far is > t.
The greedy count is a lower bound on the true #Circles and **depends on the visiting order**:

- `circles` visits the molecules in input order (after dropping invalid SMILES and repeats of a
  canonical SMILES, the first occurrence kept). Over a run's oracle calls that is the order in which
  the molecules were found.
- `diverse_hits` visits the hits (score >= s) by score, highest first, ties broken by canonical SMILES,
  so that the best molecule of each region is the one kept (Renz et al.'s "diverse hits").

Defaults: #Circles t = 0.75 on Morgan radius 2, 1024 bits (Xie et al.); diverse hits s = 0.5,
t = 0.7 on ECFP4 (Morgan radius 2), 2048 bits (Renz et al.).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from molmara.chem.fingerprints import morgan_bits, tanimoto_of_bits
from molmara.chem.smiles import mol_to_smiles, to_mol


@dataclass(frozen=True)
class Circles:
    """The result of a greedy #Circles: the count, the centres in selection order, and what was dropped."""

    count: int
    members: list[str] = field(default_factory=list)
    """Canonical SMILES of the circle centres, in the order they were picked."""
    threshold: float = 0.75
    n_input: int = 0
    n_invalid: int = 0
    n_duplicates: int = 0
    n_candidates: int = 0
    """Distinct valid molecules visited (for diverse hits: distinct hits)."""


def check_unit_interval(value: float, name: str) -> float:
    """`value` as a float, or a ValueError naming `name` when it lies outside [0, 1] (or is NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}") from None
    if math.isnan(number) or not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return number


def greedy_circles(fingerprints: np.ndarray, threshold: float, chunk: int = 2048) -> list[int]:
    """Indices (in visiting order) of the rows picked by the greedy #Circles over packed fingerprints.

    Row i joins when 1 − Tanimoto(i, m) > threshold for every member m picked before it. Candidates
    are screened in chunks against the members so far with one matrix product, then the survivors of
    a chunk are settled among themselves in order: the same result as the one-by-one loop, faster. The
    fingerprints are unpacked and counted once, and the members' bits kept beside them.
    """
    threshold = check_unit_interval(threshold, "distance threshold t")
    bits = np.unpackbits(np.asarray(fingerprints, dtype=np.uint8), axis=1)
    counts = bits.sum(axis=1, dtype=np.int64)
    members: list[int] = []
    member_bits = bits[:0]
    for start in range(0, bits.shape[0], chunk):
        rows = np.arange(start, min(start + chunk, bits.shape[0]))
        if members:
            similar = tanimoto_of_bits(bits[rows], counts[rows], member_bits, counts[members])
            rows = rows[((1.0 - similar) > threshold).all(axis=1)]
        if rows.size == 0:
            continue
        far = (1.0 - tanimoto_of_bits(bits[rows], counts[rows], bits[rows], counts[rows])) > threshold
        alive = np.ones(rows.size, dtype=bool)  # not within t of any row picked so far (distances are symmetric)
        picked = []
        for i in range(rows.size):
            if alive[i]:
                picked.append(int(rows[i]))
                alive &= far[i]
        members.extend(picked)
        member_bits = np.concatenate([member_bits, bits[picked]])
    return members


def _repeats(mols: Sequence, fingerprints: np.ndarray) -> np.ndarray:
    """True for each molecule that repeats an earlier one. A repeat has its original's fingerprint, so only the
    molecules whose fingerprint occurs more than once are canonicalised (to tell repeats from different molecules
    that share a fingerprint): a set of distinct molecules costs no canonical SMILES at all."""
    keys = [row.tobytes() for row in fingerprints]
    shared = {key for key, n in Counter(keys).items() if n > 1}
    repeat = np.zeros(len(mols), dtype=bool)
    seen: set[str] = set()
    for i, key in enumerate(keys):
        if key in shared:
            canonical = mol_to_smiles(mols[i])
            repeat[i] = canonical in seen
            seen.add(canonical)
    return repeat


def circles(smiles: Sequence[object], threshold: float = 0.75, radius: int = 2, n_bits: int = 1024) -> Circles:
    """Greedy #Circles of a set of SMILES (or RDKit molecules) in input order (see the module docstring).

    Invalid SMILES and repeats are left out and counted; an empty set has 0 circles.
    """
    threshold = check_unit_interval(threshold, "distance threshold t")
    mols = [m for m in (to_mol(s) for s in smiles) if m is not None]
    fps = morgan_bits(mols, radius=radius, n_bits=n_bits)
    first = np.flatnonzero(~_repeats(mols, fps))
    picked = greedy_circles(fps[first], threshold)
    return Circles(
        count=len(picked),
        members=[mol_to_smiles(mols[first[i]]) for i in picked],
        threshold=threshold,
        n_input=len(smiles),
        n_invalid=len(smiles) - len(mols),
        n_duplicates=len(mols) - len(first),
        n_candidates=len(first),
    )


def diverse_hits(
    smiles: Sequence[object],
    scores: Sequence[float],
    score_threshold: float = 0.5,
    threshold: float = 0.7,
    radius: int = 2,
    n_bits: int = 2048,
) -> Circles:
    """Diverse hits: greedy #Circles over the molecules with score >= `score_threshold`.

    Hits are visited by score (highest first), ties by canonical SMILES. A molecule that appears
    more than once keeps its best score; NaN scores are never hits. No hits gives a count of 0.
    """
    score_threshold = check_unit_interval(score_threshold, "score threshold s")
    threshold = check_unit_interval(threshold, "distance threshold t")
    if len(smiles) != len(scores):
        raise ValueError(f"got {len(smiles)} SMILES but {len(scores)} scores")
    pairs = [(m, float(score)) for m, score in ((to_mol(s), score) for s, score in zip(smiles, scores, strict=True))]
    mols = [m for m, _ in pairs if m is not None]
    values = [value for m, value in pairs if m is not None]
    fps = morgan_bits(mols, radius=radius, n_bits=n_bits)
    best: dict[str, tuple[float, int]] = {}  # canonical SMILES of each hit → its best score, and a row of it
    for row, (mol, value) in enumerate(zip(mols, values, strict=True)):
        if math.isnan(value) or value < score_threshold:
            continue
        c = mol_to_smiles(mol)
        if c not in best or value > best[c][0]:
            best[c] = (value, row)
    order = sorted(best, key=lambda c: (-best[c][0], c))
    picked = greedy_circles(fps[[best[c][1] for c in order]], threshold)
    invalid, duplicates = len(smiles) - len(mols), int(_repeats(mols, fps).sum())
    return Circles(
        count=len(picked),
        members=[order[i] for i in picked],
        threshold=threshold,
        n_input=len(smiles),
        n_invalid=invalid,
        n_duplicates=duplicates,
        n_candidates=len(order),
    )

"""Scaffold statistics of a run's hits, and mode coverage of several reference molecules.

A run that finds a thousand hits on one scaffold has found one idea; these numbers say how many.
Scaffolds are Bemis–Murcko (ring systems and linkers) and generic Murcko (all atoms carbon, all bonds
single). Acyclic hits share the empty scaffold "", which counts as one scaffold, as in the trainer's
`unique_hit_scaffolds`. Scaffold entropy is the Shannon entropy of the hits' distribution over
Murcko scaffolds in nats (natural log): 0 when every hit shares one scaffold, ln(n) for n hits on n
different scaffolds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from molmara.chem.fingerprints import morgan_bits, tanimoto_matrix
from molmara.chem.scaffolds import generic_scaffold_mol, murcko_scaffold_mol
from molmara.chem.smiles import mol_to_smiles, to_mol
from molmara.metrics.circles import check_unit_interval

SCAFFOLD_COLUMNS = ["scaffold", "generic_scaffold", "hits", "first_step", "first_call", "example"]


def hit_scaffold_table(
    smiles: Sequence[object], steps: Sequence[int] | None = None, calls: Sequence[int] | None = None
) -> pd.DataFrame:
    """One row per Murcko scaffold of the hits: its generic scaffold, hit count, first step and call.

    `smiles` are the hits in the order they were found; `steps` / `calls` the step and oracle call of
    each (default: positions 1, 2, …). Rows are sorted by hit count (descending), then first call.
    Invalid SMILES and repeated molecules are left out.
    """
    n = len(smiles)
    steps = list(steps) if steps is not None else list(range(1, n + 1))
    calls = list(calls) if calls is not None else list(range(1, n + 1))
    if len(steps) != n or len(calls) != n:
        raise ValueError("smiles, steps and calls must have the same length")
    rows: dict[str, dict] = {}
    seen: set[str] = set()
    for s, step, call in zip(smiles, steps, calls, strict=True):
        mol = to_mol(s)
        canonical = mol_to_smiles(mol)
        if canonical is None or canonical in seen:
            continue
        seen.add(canonical)
        scaffold = murcko_scaffold_mol(mol)
        if scaffold is None:
            continue
        row = rows.get(scaffold)
        if row is None:
            rows[scaffold] = {
                "scaffold": scaffold,
                "generic_scaffold": generic_scaffold_mol(mol),
                "hits": 1,
                "first_step": int(step),
                "first_call": int(call),
                "example": canonical,
            }
        else:
            row["hits"] += 1
    table = pd.DataFrame(list(rows.values()), columns=SCAFFOLD_COLUMNS)
    table = table.sort_values(["hits", "first_call"], ascending=[False, True], kind="stable")
    return table.reset_index(drop=True)


def cumulative_scaffolds(smiles: Sequence[object], is_hit: Sequence[bool]) -> np.ndarray:
    """Number of distinct Murcko scaffolds among the hits after each oracle call."""
    out = np.zeros(len(smiles), dtype=np.int64)
    found: set[str] = set()
    for i, (s, hit) in enumerate(zip(smiles, is_hit, strict=True)):
        if hit:
            scaffold = murcko_scaffold_mol(to_mol(s))
            if scaffold is not None:
                found.add(scaffold)
        out[i] = len(found)
    return out


def scaffold_entropy(counts: Sequence[int]) -> float:
    """Shannon entropy (nats) of hits over scaffolds given hits per scaffold; NaN when there are no hits."""
    values = np.asarray([c for c in counts if c > 0], dtype=float)
    if values.size == 0:
        return math.nan
    p = values / values.sum()
    return float(-(p * np.log(p)).sum())


def scaffold_summary(table: pd.DataFrame) -> dict[str, float]:
    """Numbers from `hit_scaffold_table`: hits, unique Murcko / generic scaffolds, hits per scaffold,
    share of the largest scaffold and entropy (nats). Ratios are NaN when there are no hits."""
    hits = int(table["hits"].sum()) if len(table) else 0
    return {
        "scaffold_hits": hits,
        "murcko_scaffolds": len(table),
        "generic_scaffolds": int(table["generic_scaffold"].dropna().nunique()) if len(table) else 0,
        "hits_per_scaffold": hits / len(table) if len(table) else math.nan,
        "largest_scaffold_share": int(table["hits"].max()) / hits if hits else math.nan,
        "scaffold_entropy": scaffold_entropy(table["hits"].tolist()) if len(table) else math.nan,
    }


def mode_coverage(
    hits: Sequence[object],
    references: Sequence[str],
    similarity: float = 0.4,
    radius: int = 2,
    n_bits: int = 2048,
) -> dict:
    """How many reference molecules have at least one hit with Tanimoto similarity >= `similarity`.

    For tasks with several reference molecules (GuacaMol's median tasks: two drugs): did the run
    find molecules near each, or only near one? Morgan radius 2, 2048 bits. Invalid hits are left out
    and counted; an invalid reference is an error (a typo should not silently lower the coverage).
    Returns covered, n_references, coverage (covered / n_references), per-reference best similarity
    and n_invalid_hits.
    """
    similarity = check_unit_interval(similarity, "similarity threshold s")
    if not references:
        raise ValueError("mode coverage needs at least one reference molecule")
    ref_mols = [to_mol(r) for r in references]
    bad = [r for r, m in zip(references, ref_mols, strict=True) if m is None]
    if bad:
        raise ValueError(f"invalid reference SMILES: {', '.join(map(repr, bad))}")
    hit_mols = [to_mol(s) for s in hits]
    valid = [m for m in hit_mols if m is not None]
    best = np.zeros(len(references))
    if valid:
        sims = tanimoto_matrix(morgan_bits(ref_mols, radius, n_bits), morgan_bits(valid, radius, n_bits))
        best = sims.max(axis=1)
    covered = int((best >= similarity).sum())
    return {
        "covered": covered,
        "n_references": len(references),
        "coverage": covered / len(references),
        "best_similarity": dict(zip(references, map(float, best), strict=True)),
        "n_invalid_hits": len(hit_mols) - len(valid),
    }

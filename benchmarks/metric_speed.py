"""Seconds for the diversity metrics of 10,000 molecules: IntDiv1/2, #Circles, mode coverage, scaffold statistics.

The molecules are sampled once from the shipped prior (seeded). IntDiv is timed on both paths — torch's exact
product (int8 on CPUs with VNNI/AMX, float32 elsewhere) over the blocks on and above the diagonal with float32
ratios, and the numpy float32 product over every pair with float64 ratios it replaced — which agree to 1e-6
(checked here). IntDiv is timed from fingerprints, #Circles and mode coverage from RDKit molecules (the app
parses its hits once for all of them) and #Circles also from SMILES. Scaffold statistics are timed twice: from
SMILES (each hit's canonical SMILES and Murcko and generic scaffolds through RDKit, as a report of a CSV does)
and as the app's Scaffold page computes them, from the scaffolds a run stored for each molecule when it was
scored (grouping only). The best of `--repeats` is reported; on a machine running other jobs the times are
upper bounds.

    python -m benchmarks.metric_speed
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

from benchmarks.common import write_result
from molmara import load_prior
from molmara.app_support.data import hit_metrics, scaffold_table
from molmara.chem import fingerprints
from molmara.chem.smiles import mol_to_smiles, to_mol
from molmara.metrics import circles, hit_scaffold_table, internal_diversity, mode_coverage, scaffold_summary


def best_of(repeats: int, function) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - started)
    return min(times), value


def stored_hits(mols: list) -> pd.DataFrame:
    """The hits frame the app reads from a run's store: canonical SMILES and both scaffolds computed at scoring time
    (by the trainer, once per molecule), so the page only groups them."""
    from molmara.chem.scaffolds import generic_scaffold_mol, murcko_scaffold_mol

    canonical = [mol_to_smiles(m) for m in mols]
    return pd.DataFrame(
        {
            "run": "bench", "smiles": canonical, "canonical_smiles": canonical, "score": 1.0,
            "step": np.arange(len(mols)) // 64 + 1, "murcko_scaffold": [murcko_scaffold_mol(m) for m in mols],
            "generic_scaffold": [generic_scaffold_mol(m) for m in mols],
        }
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--note", default="", help="what else the machine was doing, written with the numbers")
    args = parser.parse_args()
    sample = load_prior(None, "cpu").sample(int(args.n * 1.1), generator=torch.Generator().manual_seed(0)).smiles
    mols = [m for m in (to_mol(s) for s in sample) if m is not None][: args.n]
    smiles = [s for s in sample if to_mol(s) is not None][: args.n]
    bits = fingerprints.morgan_bits(mols, 2, 1024)
    rows = {}
    product = "int8" if fingerprints.int8_product_is_fast() else "float32"  # int8 only with VNNI/AMX
    rows[f"IntDiv1 (torch {product} product)"] = best_of(args.repeats, lambda: internal_diversity(bits, 1))
    rows[f"IntDiv2 (torch {product} product)"] = best_of(args.repeats, lambda: internal_diversity(bits, 2))
    from molmara.metrics import distribution

    saved = distribution.SMALL_PRODUCT, fingerprints.SMALL_PRODUCT
    distribution.SMALL_PRODUCT = fingerprints.SMALL_PRODUCT = float("inf")  # numpy float32/float64, as before
    rows["IntDiv1 (numpy float32 product, before)"] = best_of(args.repeats, lambda: internal_diversity(bits, 1))
    distribution.SMALL_PRODUCT, fingerprints.SMALL_PRODUCT = saved
    same = (
        abs(rows[f"IntDiv1 (torch {product} product)"][1] - rows["IntDiv1 (numpy float32 product, before)"][1]) < 1e-6
    )
    rows["#Circles (t = 0.75), of molecules"] = best_of(args.repeats, lambda: circles(mols).count)
    rows["#Circles (t = 0.75), of SMILES (parsing included)"] = best_of(args.repeats, lambda: circles(smiles).count)
    references = smiles[:2]  # two modes, as GuacaMol's median tasks have
    rows["mode coverage (2 references), of molecules"] = best_of(
        args.repeats, lambda: mode_coverage(mols, references)["covered"]
    )
    rows["scaffold statistics, of SMILES (parsing included)"] = best_of(
        args.repeats, lambda: scaffold_summary(hit_scaffold_table(smiles, [1] * len(smiles), range(len(smiles))))
    )
    hits = stored_hits(mols)
    rows["scaffold statistics, from the scaffolds a run stores (the app's Scaffold page)"] = best_of(
        args.repeats, lambda: (len(scaffold_table(hits)), hit_metrics(hits, len(hits), diversity=False))[0]
    )
    table = f"| metric of {len(mols):,} molecules | seconds | value |\n|---|---|---|\n"
    for label, (seconds, value) in rows.items():
        shown = f"{value:.6f}" if isinstance(value, float) else (str(value) if not isinstance(value, dict) else "")
        table += f"| {label} | {seconds:.2f} | {shown} |\n"
    table += f"\nBoth IntDiv paths agree to 1e-6: {same}.\n" + (f"\n{args.note}\n" if args.note else "")
    payload = {label: {"seconds": seconds} for label, (seconds, _) in rows.items()}
    write_result("metric_speed", {**payload, "n": len(mols), "identical": bool(same)}, table + "\n" + (__doc__ or ""))
    print(table)


if __name__ == "__main__":
    main()

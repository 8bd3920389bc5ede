"""Scoring speed: a 4-component objective on MOSES molecules, serial and with a process pool,
against the same RDKit/numpy calls in a plain loop (the overhead of the scoring layer).

Objective: QED, SA (reverse sigmoid 2–5), max ECFP4 Tanimoto to 5 reference drugs, DRD2;
weighted geometric mean. Molecules: the first N of the MOSES test set (default 10,000).
"""

from __future__ import annotations

import argparse
import gzip
import time

import numpy as np
from rdkit import Chem, DataStructs
from rdkit.Chem import QED, rdFingerprintGenerator
from rdkit.Contrib.SA_Score import sascorer

from benchmarks.common import write_result
from molmara import Objective, ScoringService
from molmara.demo import MOSES_TRAIN
from molmara.oracles.bioactivity_models import predict
from molmara.transforms import reverse_sigmoid

REFERENCES = [
    "CC(=O)Oc1ccccc1C(=O)O",  # aspirin
    "CN1C(=O)CN=C(c2ccccc2)c2cc(Cl)ccc21",  # diazepam
    "OC1(CCN(CCCC(=O)c2ccc(F)cc2)CC1)c1ccc(Cl)cc1",  # haloperidol
    "CC(C)Cc1ccc(cc1)C(C)C(=O)O",  # ibuprofen
    "CN1CCC[C@H]1c1cccnc1",  # nicotine
]
OBJECTIVE = {
    "name": "scoring benchmark",
    "aggregation": "geometric",
    "component": [
        {"oracle": "qed", "weight": 1.0},
        {"oracle": "sa", "weight": 1.0, "transform": {"type": "reverse_sigmoid", "low": 2.0, "high": 5.0}},
        {"oracle": "similarity", "weight": 1.0, "params": {"smiles": REFERENCES}},
        {"oracle": "drd2", "weight": 1.0},
    ],
}


def plain_loop(smiles: list[str]) -> np.ndarray:
    """The same computation written directly against RDKit and numpy, one molecule at a time."""
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    references = [generator.GetFingerprint(Chem.MolFromSmiles(s)) for s in REFERENCES]
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    valid = [m for m in mols if m is not None]
    qed = np.array([QED.qed(m) for m in valid])
    sa = reverse_sigmoid(np.array([sascorer.calculateScore(m) for m in valid]), 2.0, 5.0)
    sim = np.array([max(DataStructs.BulkTanimotoSimilarity(generator.GetFingerprint(m), references)) for m in valid])
    drd2 = predict("drd2", valid)
    return np.power(qed * sa * sim * drd2, 0.25)


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    out = function(*args)
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--name", default="scoring_speed")
    args = parser.parse_args()
    with gzip.open(MOSES_TRAIN.with_name("test.csv.gz"), "rt") as handle:
        smiles = [line.strip() for line in handle][1 : args.n + 1]
    objective = Objective.from_dict(OBJECTIVE)
    objective(smiles[:50])  # warm-up: load models, build generators

    loop_s, loop_scores = timed(plain_loop, smiles)
    serial_s, serial = timed(ScoringService(objective).score, smiles)
    with ScoringService(objective, n_jobs=args.n_jobs) as service:
        service.score(smiles[:500])  # start the workers outside the timing
        service._cache.clear()
        parallel_s, parallel = timed(service.score, smiles)
    same = np.allclose(serial.scores[serial.valid], loop_scores) and np.array_equal(serial.scores, parallel.scores)

    rows = {
        "plain loop": (loop_s, len(smiles) / loop_s),
        "molmara serial": (serial_s, len(smiles) / serial_s),
        f"molmara {args.n_jobs} processes": (parallel_s, len(smiles) / parallel_s),
    }
    overhead = serial_s / loop_s - 1
    speedup = serial_s / parallel_s
    table = "| run | seconds | molecules/s |\n|---|---|---|\n" + "".join(
        f"| {name} | {s:.1f} | {rate:,.0f} |\n" for name, (s, rate) in rows.items()
    )
    text = (
        f"{len(smiles):,} MOSES test molecules; objective QED × SA × max ECFP4 similarity to 5 drugs × DRD2 "
        f"(geometric mean).\n\n{table}\n"
        f"Overhead of the scoring layer, serial, against the plain loop: {overhead:+.1%} (aim: at most +10 %).\n"
        f"Speed-up with {args.n_jobs} processes: {speedup:.2f}× (aim: at least 1.7×).\n"
        f"Scores identical across the three runs: {same}.\n"
    )
    write_result(
        args.name,
        {
            "n": len(smiles),
            "seconds": {k: v[0] for k, v in rows.items()},
            "overhead": overhead,
            "speedup": speedup,
            "identical": bool(same),
        },
        text,
    )
    print(text)


if __name__ == "__main__":
    main()

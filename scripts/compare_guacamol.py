"""Score molecules with GuacaMol's own goal-directed v2 benchmarks and write the reference for molmara's tasks.

    pip install --no-deps --target /tmp/guacamol_pkg guacamol==0.5.5
    python scripts/compare_guacamol.py [--guacamol /tmp/guacamol_pkg] [--n 1000]

`isomers_c7h8n2o2` is GuacaMol's v1 benchmark of that name (PMO uses it); the others are the v2 suite.
The molecules are the first `--n` rows of data/moses/test.csv.gz plus every task's reference
molecules and a few hand-made high scorers and edge cases. GuacaMol's score of every v2 task goes
to tests/data/guacamol_reference.csv (SMILES, then one column per molmara task name), which
tests/test_tasks.py compares with `molmara.tasks` without needing GuacaMol. The script also
prints molmara's largest difference per task, and checks that the `rdFingerprintGenerator`
fingerprints and the descriptors molmara uses equal GuacaMol's legacy RDKit calls.

GuacaMol is imported from its unpacked wheel, never installed as a molmara dependency: its
`guacamol.utils.chemistry` imports `scipy.histogram` (gone from SciPy) and its Fréchet benchmark
imports `fcd`; neither is used by the goal-directed tasks, so a shim and an empty stand-in do.
"""

from __future__ import annotations

import argparse
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "tests" / "data" / "guacamol_reference.csv"

# molmara task name → GuacaMol v2 benchmark name
GUACAMOL_NAMES = {
    "celecoxib_rediscovery": "Celecoxib rediscovery",
    "troglitazone_rediscovery": "Troglitazone rediscovery",
    "thiothixene_rediscovery": "Thiothixene rediscovery",
    "aripiprazole_similarity": "Aripiprazole similarity",
    "albuterol_similarity": "Albuterol similarity",
    "mestranol_similarity": "Mestranol similarity",
    "isomers_c11h24": "C11H24",
    "isomers_c9h10n2o2pf2cl": "C9H10N2O2PF2Cl",
    "isomers_c7h8n2o2": "C7H8N2O2",  # GuacaMol v1 (standard_benchmarks.isomers_c7h8n2o2), one of PMO's 23
    "median1": "Median molecules 1",
    "median2": "Median molecules 2",
    "osimertinib_mpo": "Osimertinib MPO",
    "fexofenadine_mpo": "Fexofenadine MPO",
    "ranolazine_mpo": "Ranolazine MPO",
    "perindopril_mpo": "Perindopril MPO",
    "amlodipine_mpo": "Amlodipine MPO",
    "sitagliptin_mpo": "Sitagliptin MPO",
    "zaleplon_mpo": "Zaleplon MPO",
    "valsartan_smarts": "Valsartan SMARTS",
    "deco_hop": "Deco Hop",
    "scaffold_hop": "Scaffold Hop",
}

EXTRA = [
    "CCCCCCCCCCC",  # C11H24
    "CC(C)CCC(C)(C)CCC",  # C11H24
    "NC(=O)c1cc(Cl)ccc1CCNP(=O)(F)F",  # C9H10N2O2PF2Cl
    "Cc1cc([N+](=O)[O-])ccc1N",  # C7H8N2O2
    "NC(=O)c1ccc(N)cc1O",  # C7H8N2O2
    "CCCCC(=O)N(Cc1ccc(cc1)-c1ccccc1-c1nn[nH]n1)C(C(C)C)C(O)=O",  # valsartan: has the SMARTS
    "CN(C=O)Cc1ccc(-c2ccccc2)cc1",  # the valsartan SMARTS as a molecule
    "O=C(N(Cc1ccc(-c2ccccc2)cc1)CC(O)=O)c1nncn1C",  # the SMARTS with sitagliptin-like logP, TPSA, Bertz
    "O=C(NCc1nn[nH]n1)N(C)Cc1ccc(-c2ccc(F)cc2)cc1",
    "CN(C(=O)c1cn[nH]c1)Cc1ccc(-c2ccc(C(N)=O)cc2)cc1",
    "CN(C(=O)CC(N)CC(=O)O)Cc1ccc(-c2ccc(F)cc2F)cc1",
    "CCCOc1cc2ncnc(Nc3ccc(F)cc3)c2cc1C(N)=O",  # deco hop: scaffold kept, decorations changed
    "CCCOc1cc2ccnc(Nc3ccc4ncsc4c3)c2cc1S(=O)(=O)C",  # scaffold hop: decoration kept, scaffold changed
    "CCCOc1ccc(Nc2ccc3ncsc3c2)cc1",
    "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc1nccc(n1)-c1cn(C)c2ccccc12",  # osimertinib, other SMILES
    "CC(C)(C(=O)O)c1ccc(cc1)C(O)CCCN1CCC(CC1)C(O)(c1ccccc1)c1ccc(F)cc1",  # fluorinated fexofenadine
    "COc1ccccc1OCC(O)CN1CCN(CC(=O)Nc2c(C)cccc2F)CC1",  # ranolazine with one fluorine
    # edge cases: isotopes, explicit hydrogens, charges, salts, several fragments, one atom, stereo
    "[2H]C([2H])([2H])Oc1ccccc1",
    "[H]C([H])([H])F",
    "C[N+](C)(C)C",
    "CC(=O)[O-].[Na+]",
    "c1ccccc1.CCO",
    "C",
    "O=[N+]([O-])c1ccccc1",
    "C/C=C/C(=O)N[C@@H](C)C(=O)O",
    "F[B-](F)(F)F",
]


def import_guacamol(path: str):
    """GuacaMol's v2 suite, imported from an unpacked wheel with the shims it needs."""
    import scipy

    scipy.histogram = np.histogram  # removed from SciPy; guacamol.utils.chemistry imports it
    sys.modules.setdefault("fcd", types.ModuleType("fcd"))  # only the Fréchet benchmark uses it
    sys.path.insert(0, path)
    from guacamol.benchmark_suites import goal_directed_suite_v2
    from guacamol.standard_benchmarks import isomers_c7h8n2o2

    return {b.name: b for b in [*goal_directed_suite_v2(), isomers_c7h8n2o2()]}


def molecules(n: int) -> list[str]:
    from molmara import tasks

    smiles = pd.read_csv(ROOT / "data" / "moses" / "test.csv.gz", nrows=n)["SMILES"].tolist()
    references = [*tasks.TARGETS.values(), tasks.CAMPHOR, tasks.MENTHOL, tasks.TADALAFIL, tasks.SILDENAFIL]
    references.append(tasks.SITAGLIPTIN_VALSARTAN)
    return list(dict.fromkeys(smiles + references + EXTRA))


def check_fingerprints(smiles: list[str]) -> None:
    """Largest Tanimoto difference, legacy RDKit calls (GuacaMol's) against the generators molmara uses."""
    from rdkit import Chem, DataStructs
    from rdkit.Chem import AllChem

    from molmara import tasks
    from molmara.oracles.similarity import SPARSE_FINGERPRINTS

    legacy = {
        "ecfp4_count": lambda m: AllChem.GetMorganFingerprint(m, 2),
        "ecfp6_count": lambda m: AllChem.GetMorganFingerprint(m, 3),
        "fcfp4_count": lambda m: AllChem.GetMorganFingerprint(m, 2, useFeatures=True),
        "fcfp6_count": lambda m: AllChem.GetMorganFingerprint(m, 3, useFeatures=True),
        "ap": lambda m: AllChem.GetAtomPairFingerprint(m, maxLength=10),
    }
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    references = [Chem.MolFromSmiles(s) for s in dict.fromkeys(tasks.TARGETS.values())]
    print("fingerprint     max |ΔTanimoto|  identical elements")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind, old in legacy.items():
            new = SPARSE_FINGERPRINTS[kind]
            old_fps, new_fps = [old(m) for m in mols], [new(m) for m in mols]
            same = sum(a.GetNonzeroElements() == b.GetNonzeroElements() for a, b in zip(old_fps, new_fps, strict=True))
            worst = 0.0
            for ref in references:
                a = np.array(DataStructs.BulkTanimotoSimilarity(old(ref), old_fps))
                b = np.array(DataStructs.BulkTanimotoSimilarity(new(ref), new_fps))
                worst = max(worst, float(np.abs(a - b).max()))
            print(f"{kind:15s} {worst:<16.3g} {same}/{len(mols)}")


def check_descriptors(smiles: list[str]) -> None:
    """GuacaMol's descriptor functions against molmara's oracles of the same name."""
    from guacamol.utils import descriptors as gd
    from rdkit import Chem

    from molmara import oracles

    pairs = {
        "logp": gd.logP,
        "tpsa": gd.tpsa,
        "mw": gd.mol_weight,
        "bertz": gd.bertz,
        "qed": gd.qed,
        "hbd": gd.num_H_donors,
        "hba": gd.num_H_acceptors,
        "rotatable_bonds": gd.num_rotatable_bonds,
        "rings": gd.num_rings,
        "aromatic_rings": gd.num_aromatic_rings,
    }
    smiles = [s for s in smiles if "." not in s]  # molmara flags salts and mixtures (NaN) by default
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    for name, function in pairs.items():
        diff = np.abs(oracles.get(name)(smiles) - np.array([function(m) for m in mols], dtype=float)).max()
        print(f"descriptor {name:16s} max |Δ| {diff:.3g}")
    for element in ("F", "Cl", "N", "H"):
        counter = gd.AtomCounter(element)
        diff = np.abs(oracles.get("atom_count", element=element)(smiles) - [counter(m) for m in mols]).max()
        print(f"atom_count {element:16s} max |Δ| {diff:.3g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guacamol", default="/tmp/guacamol_pkg", help="folder holding the guacamol package")
    parser.add_argument("--n", type=int, default=1000, help="molecules from data/moses/test.csv.gz")
    parser.add_argument("--output", default=str(OUTPUT))
    args = parser.parse_args()

    from rdkit import RDLogger

    from molmara import tasks
    from molmara.oracles import MolBatch

    RDLogger.DisableLog("rdApp.*")
    benchmarks = import_guacamol(args.guacamol)
    smiles = molecules(args.n)
    frame = pd.DataFrame({"SMILES": smiles})
    for task, guacamol_name in GUACAMOL_NAMES.items():
        start = time.perf_counter()
        scores = np.array(benchmarks[guacamol_name].objective.score_list(smiles), dtype=float)
        if (scores == -1.0).any():  # GuacaMol's "corrupt" score: a molecule it failed on
            raise SystemExit(f"{task}: GuacaMol failed on {list(np.asarray(smiles)[scores == -1.0])}")
        frame[task] = scores
        print(f"guacamol {task:26s} {time.perf_counter() - start:6.2f} s")
    frame.to_csv(args.output, index=False, float_format="%.17g")
    print(f"wrote {args.output}: {len(smiles)} molecules × {len(GUACAMOL_NAMES)} tasks")

    batch = MolBatch(smiles)
    flagged = np.array([bool(r) for r in batch.reasons])  # salts and mixtures: GuacaMol scores them as written
    print(f"{'task':26s} {'max |Δ|':>10s} {'molmara s':>10s}  ({flagged.sum()} flagged molecules left out)")
    for task in GUACAMOL_NAMES:
        start = time.perf_counter()
        ours = tasks.get(task)(batch)
        diff = np.abs(ours - frame[task].to_numpy())[~flagged].max()
        print(f"{task:26s} {diff:10.3g} {time.perf_counter() - start:10.2f}")
    check_fingerprints(smiles)
    check_descriptors(smiles)


if __name__ == "__main__":
    main()

"""molmara's docking oracle against the DOCKSTRING package's own pipeline, on known DRD2 and EGFR ligands.

For each ligand, at DOCKSTRING's settings (exhaustiveness 8, its seed 974528263, its box, 1 CPU):

- **molmara**: the `docking` oracle (dimorphite_dl protonation, ETKDG v3 + MMFF94, meeko PDBQT, Vina 1.2.7's
  Python binding), at DOCKSTRING's seed and at `--spread-seeds` more seeds: the spread of Vina's own search;
- **DOCKSTRING**: `dockstring.load_target(T).dock(smiles)` (Open Babel protonation at pH 7.4 and PDBQT
  conversion, RDKit embedding, the Vina 1.1.2 binary in its wheel), run in a scratch folder that
  `--scratch` installs once (`openbabel-wheel` and `dockstring` with pip, outside molmara's environment);
- **cross**: molmara's ligand PDBQT docked by DOCKSTRING's Vina binary, which separates the Vina version
  from the ligand preparation.

    python -m benchmarks.dockstring_comparison --workers 2        # 40 ligands
    python -m benchmarks.dockstring_comparison --limit 2 --workers 1 --name dockstring_comparison_smoke

Resumable: each ligand's row is appended to `results/<name>_rows.csv` as it finishes and a rerun docks only the
ligands not there yet; `--import CSV` adds another machine's rows first.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import RESULTS, cpu_model, write_result
from benchmarks.rows import append_row, import_rows, machines_of, read_rows

SEED = 974528263
SCRATCH_PACKAGES = ["openbabel-wheel==3.1.1.23", "dockstring==0.3.4"]

LIGANDS: dict[str, dict[str, str]] = {
    "DRD2": {  # antipsychotics and dopamine agonists, all DRD2 ligands
        "haloperidol": "O=C(CCCN1CCC(O)(CC1)c1ccc(Cl)cc1)c1ccc(F)cc1",
        "risperidone": "Cc1nc2n(c(=O)c1CCN1CCC(CC1)c1noc3c1ccc(c3)F)CCCC2",
        "paliperidone": "Cc1nc2n(c(=O)c1CCN1CCC(CC1)c1noc3c1ccc(c3)F)CCCC2O",
        "aripiprazole": "Clc1cccc(N2CCN(CCCCOc3ccc4CCC(=O)Nc4c3)CC2)c1Cl",
        "olanzapine": "Cc1cc2c(s1)Nc1ccccc1N=C2N1CCN(C)CC1",
        "clozapine": "CN1CCN(CC1)C1=Nc2cc(Cl)ccc2Nc2ccccc12",
        "quetiapine": "OCCOCCN1CCN(CC1)C1=Nc2ccccc2Sc2ccccc12",
        "ziprasidone": "Clc1cc2NC(=O)Cc2cc1CCN1CCN(CC1)c1nsc2ccccc12",
        "chlorpromazine": "CN(C)CCCN1c2ccccc2Sc2ccc(Cl)cc12",
        "fluphenazine": "OCCN1CCN(CCCN2c3ccccc3Sc3ccc(cc23)C(F)(F)F)CC1",
        "perphenazine": "OCCN1CCN(CCCN2c3ccccc3Sc3ccc(Cl)cc23)CC1",
        "sulpiride": "CCN1CCCC1CNC(=O)c1cc(ccc1OC)S(N)(=O)=O",
        "amisulpride": "CCN1CCCC1CNC(=O)c1cc(c(N)cc1OC)S(=O)(=O)CC",
        "domperidone": "Clc1ccc2N(C3CCN(CCCN4C(=O)Nc5ccccc45)CC3)C(=O)Nc2c1",
        "spiperone": "O=C(CCCN1CCC2(CC1)N(CNC2=O)c1ccccc1)c1ccc(F)cc1",
        "pimozide": "O=C1Nc2ccccc2N1C1CCN(CCCC(c2ccc(F)cc2)c2ccc(F)cc2)CC1",
        "ropinirole": "CCCN(CCC)CCc1cccc2NC(=O)Cc12",
        "pramipexole": "CCCN[C@H]1CCc2nc(N)sc2C1",
        "apomorphine": "CN1CCc2cccc3c2[C@H]1Cc1ccc(O)c(O)c1-3",
        "lurasidone": "O=C1[C@@H]2[C@H]3CC[C@H](C3)[C@@H]2C(=O)N1C[C@@H]1CCCC[C@H]1CN1CCN(CC1)c1nsc2ccccc12",
    },
    "EGFR": {  # quinazoline, quinoline and pyrimidine EGFR inhibitors
        "gefitinib": "COc1cc2ncnc(Nc3ccc(F)c(Cl)c3)c2cc1OCCCN1CCOCC1",
        "erlotinib": "COCCOc1cc2ncnc(Nc3cccc(c3)C#C)c2cc1OCCOC",
        "lapatinib": "CS(=O)(=O)CCNCc1ccc(o1)-c1ccc2ncnc(Nc3ccc(OCc4cccc(F)c4)c(Cl)c3)c2c1",
        "afatinib": "CN(C)C/C=C/C(=O)Nc1cc2c(Nc3ccc(F)c(Cl)c3)ncnc2cc1O[C@H]1CCOC1",
        "osimertinib": "COc1cc(N(C)CCN(C)C)c(NC(=O)C=C)cc1Nc1nccc(n1)-c1cn(C)c2ccccc12",
        "dacomitinib": "COc1cc2ncnc(Nc3ccc(F)c(Cl)c3)c2cc1NC(=O)/C=C/CN1CCCCC1",
        "neratinib": "CCOc1cc2ncc(C#N)c(Nc3ccc(OCc4ccccn4)c(Cl)c3)c2cc1NC(=O)/C=C/CN(C)C",
        "pelitinib": "CCOc1cc2ncc(C#N)c(Nc3ccc(F)c(Cl)c3)c2cc1NC(=O)/C=C/CN(C)C",
        "vandetanib": "COc1cc2c(Nc3ccc(Br)cc3F)ncnc2cc1OCC1CCN(C)CC1",
        "icotinib": "C#Cc1cccc(Nc2ncnc3cc4OCCOCCOCCOc4cc23)c1",
        "canertinib": "Fc1ccc(Nc2ncnc3cc(OCCCN4CCOCC4)c(NC(=O)C=C)cc23)cc1Cl",
        "poziotinib": "COc1cc2ncnc(Nc3ccc(Cl)c(Cl)c3F)c2cc1OC1CCN(CC1)C(=O)C=C",
        "sapitinib": "CNC(=O)CN1CCC(CC1)Oc1cc2c(Nc3cccc(Cl)c3F)ncnc2cc1OC",
        "PD153035": "COc1cc2ncnc(Nc3cccc(Br)c3)c2cc1OC",
        "AG-1478": "COc1cc2ncnc(Nc3cccc(Cl)c3)c2cc1OC",
        "AEE788": "CCN1CCN(Cc2ccc(cc2)-c2cc3c(N[C@H](C)c4ccccc4)ncnc3[nH]2)CC1",
        "rociletinib": "COc1cc(ccc1Nc1ncc(c(Nc2cccc(NC(=O)C=C)c2)n1)C(F)(F)F)N1CCN(CC1)C(C)=O",
        "olmutinib": "CN1CCN(CC1)c1ccc(Nc2nc(Oc3cccc(NC(=O)C=C)c3)c3sccc3n2)cc1",
        "WZ4002": "COc1cc(ccc1Nc1ncc(Cl)c(Oc2cccc(NC(=O)C=C)c2)n1)N1CCN(C)CC1",
        "brigatinib": "COc1cc(ccc1Nc1ncc(Cl)c(Nc2ccccc2P(C)(C)=O)n1)N1CCC(CC1)N1CCN(C)CC1",
    },
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "molmara-dockstring-env")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--limit", type=int, help="only the first N ligands of each target")
    parser.add_argument("--spread-seeds", type=int, default=2, help="extra molmara seeds for Vina's own spread")
    parser.add_argument("--name", default="dockstring_comparison")
    parser.add_argument("--wheels", type=Path, help="install the scratch packages offline from this folder")
    parser.add_argument("--import", dest="import_csv", type=Path, help="first add the rows of another machine's CSV")
    return parser.parse_args(argv)


def install_scratch(folder: Path, wheels: Path | None = None) -> dict[str, str]:
    """DOCKSTRING and Open Babel in a folder of their own (from PyPI, or offline from the wheels in `wheels`);
    the environment that runs them."""
    if not (folder / "dockstring").is_dir():
        command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(folder)]
        if wheels is not None:
            command += ["--no-index", "--find-links", str(wheels)]
        subprocess.run(command + SCRATCH_PACKAGES, check=True)
    babel = folder / "openbabel"
    version = next((babel / "lib" / "openbabel").iterdir()).name
    return {
        **os.environ,
        "PYTHONPATH": str(folder),
        "PATH": f"{babel / 'bin'}:{os.environ.get('PATH', '')}",
        "BABEL_LIBDIR": str(babel / "lib" / "openbabel" / version),
        "BABEL_DATADIR": str(babel / "share" / "openbabel" / version),
        "OMP_NUM_THREADS": "1",
    }


DOCKSTRING_SNIPPET = """
import json, sys
from dockstring import load_target
target, smiles, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    score, _ = load_target(target).dock(smiles, num_cpus=1, seed=seed)
    print(json.dumps({"score": score}))
except Exception as err:
    print(json.dumps({"error": f"{type(err).__name__}: {err}"}))
"""


def dockstring_score(target: str, smiles: str, env: dict[str, str]) -> float:
    run = subprocess.run(
        [sys.executable, "-c", DOCKSTRING_SNIPPET, target, smiles, str(SEED)],
        env=env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    lines = [line for line in run.stdout.splitlines() if line.startswith("{")]
    answer = json.loads(lines[-1]) if lines else {"error": run.stderr[-300:]}
    return float(answer["score"]) if answer.get("score") is not None else math.nan


def cross_score(target: str, ligand_pdbqt: str, scratch: Path) -> float:
    """molmara's ligand docked by DOCKSTRING's Vina binary with DOCKSTRING's config."""
    targets = scratch / "dockstring" / "resources" / "targets"
    vina = scratch / "dockstring" / "resources" / "bin" / "vina_linux"
    vina.chmod(0o755)
    with tempfile.TemporaryDirectory() as work:
        ligand, out = Path(work) / "ligand.pdbqt", Path(work) / "out.pdbqt"
        ligand.write_text(ligand_pdbqt)
        subprocess.run(
            [str(vina), "--receptor", str(targets / f"{target}_target.pdbqt"), "--config",
             str(targets / f"{target}_conf.txt"), "--ligand", str(ligand), "--out", str(out),
             "--seed", str(SEED), "--cpu", "1"],
            capture_output=True, timeout=3600,
        )  # fmt: skip
        found = re.search(r"REMARK VINA RESULT:\s+(-?\d+\.\d+)", out.read_text()) if out.is_file() else None
    return float(found.group(1)) if found else math.nan


def one_ligand(job: tuple[str, str, str, int, str]) -> dict:
    """Every score of one ligand (run in a worker process)."""
    target, name, smiles, spread_seeds, scratch = job
    from rdkit import Chem

    from molmara.oracles import get
    from molmara.oracles.docking import prepare_ligand

    os.environ["OMP_NUM_THREADS"] = "1"
    row = {"target": target, "ligand": name, "smiles": smiles}
    for k in range(spread_seeds + 1):
        # the same hour's allowance as DOCKSTRING's side below: on a busy machine a docking can pass the oracle's
        # default 600 s, and a timed-out seed would read as a NaN score rather than a slow one
        oracle = get("docking", target=target, seed=SEED + k, exhaustiveness=8, n_poses=9, timeout=3600.0)
        row[f"molmara_seed{k}"] = float(oracle([smiles])[0])
        oracle._vina.close()
    env = install_scratch(Path(scratch))
    row["dockstring"] = dockstring_score(target, smiles, env)
    pdbqt, _ = prepare_ligand(Chem.MolFromSmiles(smiles), 7.4, SEED)
    row["cross"] = cross_score(target, pdbqt, Path(scratch))
    return row


def summary(rows: list[dict], spread_seeds: int) -> tuple[dict, str]:
    def finite(a, b):
        x, y = np.array([r[a] for r in rows]), np.array([r[b] for r in rows])
        keep = np.isfinite(x) & np.isfinite(y)
        return x[keep], y[keep]

    stats = {}
    for label, other in (("molmara − DOCKSTRING", "dockstring"), ("cross − DOCKSTRING", "dockstring"),
                         ("molmara − cross", "cross")):  # fmt: skip
        mine = "cross" if label.startswith("cross") else "molmara_seed0"
        x, y = finite(mine, other)
        diff = x - y
        stats[label] = {
            "n": int(len(x)),
            "mean_difference": float(diff.mean()) if len(x) else math.nan,
            "mean_absolute_difference": float(np.abs(diff).mean()) if len(x) else math.nan,
            "pearson_r": float(np.corrcoef(x, y)[0, 1]) if len(x) > 2 else math.nan,
        }
    seeds = np.array([[r[f"molmara_seed{k}"] for k in range(spread_seeds + 1)] for r in rows])
    spread = float(np.nanmean(np.nanstd(seeds, axis=1, ddof=1))) if spread_seeds else math.nan
    stats["vina_spread_sd"] = spread
    lines = [
        "| ligand | target | molmara (seed 0) | molmara other seeds | DOCKSTRING | cross |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        others = ", ".join(f"{r[f'molmara_seed{k}']:.2f}" for k in range(1, spread_seeds + 1))
        lines.append(
            f"| {r['ligand']} | {r['target']} | {r['molmara_seed0']:.2f} | {others} | {r['dockstring']:.2f} | "
            f"{r['cross']:.2f} |"
        )
    head = ["| comparison | ligands | mean Δ (kcal/mol) | mean abs Δ | Pearson r |", "|---|---|---|---|---|"]
    for label, s in stats.items():
        if isinstance(s, dict):
            head.append(f"| {label} | {s['n']} | {s['mean_difference']:+.2f} | {s['mean_absolute_difference']:.2f} | "
                        f"{s['pearson_r']:.3f} |")  # fmt: skip
    text = (
        "\n".join(head)
        + f"\n\nVina's own spread (molmara, {spread_seeds + 1} seeds): mean per-ligand SD {spread:.2f} kcal/mol.\n\n"
        + "\n".join(lines)
        + "\n\n"
        + (__doc__ or "")
    )
    return stats, text


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_scratch(args.scratch, args.wheels)
    raw_path = RESULTS / f"{args.name}_rows.csv"  # one row per ligand as it finishes: a rerun skips those
    if args.import_csv is not None:
        print(f"imported {import_rows(args.import_csv, raw_path, ligand_key)} rows")
    done = {ligand_key(r) for r in read_rows(raw_path).to_dict("records")}
    wanted = {(t, n): smiles for t, ligands in LIGANDS.items() for n, smiles in list(ligands.items())[: args.limit]}
    jobs = [
        (t, n, smiles, args.spread_seeds, str(args.scratch)) for (t, n), smiles in wanted.items() if (t, n) not in done
    ]
    print(f"{len(done)} ligands already scored, {len(jobs)} to dock", flush=True)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        for row in pool.map(one_ligand, jobs):
            row["machine"] = cpu_model()
            append_row(raw_path, row)
            print(f"{row['target']} {row['ligand']}: {row['molmara_seed0']:.2f} vs {row['dockstring']:.2f}", flush=True)
    rows = [r for r in read_rows(raw_path).to_dict("records") if ligand_key(r) in wanted]
    stats, text = summary(rows, args.spread_seeds)
    text += f"\n\nMachine(s): {machines_of(pd.DataFrame(rows))}.\n"
    write_result(args.name, {"stats": stats, "rows": rows}, text)
    print(text)
    return 0


def ligand_key(row: dict) -> tuple[str, str]:
    """Which ligand a raw row is: (target, ligand name)."""
    return str(row["target"]), str(row["ligand"])


if __name__ == "__main__":
    sys.exit(main())

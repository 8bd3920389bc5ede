"""Score molecules with TDC's own PMO oracles and write the reference for molmara's `pmo_` tasks.

    pip download --no-deps PyTDC==0.3.7 && tar xzf PyTDC-0.3.7.tar.gz
    python scripts/compare_tdc.py --tdc PyTDC-0.3.7 [--n 1000]

PMO (`wenhao-gao/mol_opt`, which pins PyTDC 0.3.6) scores the canonical SMILES (`Chem.MolToSmiles`) of each
molecule with TDC's oracles. TDC 0.3.7 fixed the isomer score and kept the one PMO used under `*_prev` names: those
are the reference for molmara's four `pmo_` tasks (`molmara.tasks_pmo`), written to tests/data/tdc_prev_reference.csv
(SMILES, then one column per molmara task), which tests/test_tasks.py compares without TDC. The script also prints
molmara's largest difference from TDC 0.3.7 on the other PMO tasks that need no model file (drd2, gsk3b and jnk3
do; qed is RDKit's): their GuacaMol definitions, which scripts/compare_guacamol.py checks against GuacaMol itself.

Only TDC's oracle module is read (`tdc/chem_utils/oracle/oracle.py`), with its package imports stubbed: the
package itself pulls in much that the oracles do not use. Each reference function is run in a fresh copy of the
module, because TDC caches a task's scorer in module globals that `sitagliptin_mpo` and `sitagliptin_mpo_prev` (and
the two zaleplon functions) share: whichever runs first decides the isomer term of both.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from rdkit import Chem, RDLogger

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from compare_guacamol import EXTRA  # noqa: E402  (the same hand-made molecules and edge cases)

OUTPUT = ROOT / "tests" / "data" / "tdc_prev_reference.csv"

PMO_PREV = {  # molmara task → TDC 0.3.7 function (PMO's published scoring)
    "pmo_isomers_c7h8n2o2": "isomers_c7h8n2o2_prev",
    "pmo_isomers_c9h10n2o2pf2cl": "isomers_c9h10n2o2pf2cl_prev",
    "pmo_sitagliptin_mpo": "sitagliptin_mpo_prev",
    "pmo_zaleplon_mpo": "zaleplon_mpo_prev",
}
OTHERS = [  # molmara task = TDC function of the same name
    "albuterol_similarity", "amlodipine_mpo", "celecoxib_rediscovery", "deco_hop", "fexofenadine_mpo", "median1",
    "median2", "mestranol_similarity", "osimertinib_mpo", "perindopril_mpo", "ranolazine_mpo", "scaffold_hop",
    "thiothixene_rediscovery", "troglitazone_rediscovery", "valsartan_smarts",
]  # fmt: skip


def tdc_module(tdc: Path) -> types.ModuleType:
    """A fresh copy of TDC's oracle module, its package-relative imports and version probes stubbed."""
    source = (tdc / "tdc" / "chem_utils" / "oracle" / "oracle.py").read_text()
    source = re.sub(r"^from \.\.\.utils import .*$", "oracle_load = print_sys = install = None", source, flags=re.M)
    source = re.sub(r"^(\s*)from rdkit\.six import iteritems\s*$", r"\1iteritems = None", source, flags=re.M)
    source = re.sub(r"^import pkg_resources\s*$", "pkg_resources = None", source, flags=re.M)
    source = re.sub(r"^SKLEARN_VERSION = .*$", "SKLEARN_VERSION = None", source, flags=re.M)
    module = types.ModuleType("tdc_oracle")
    exec(compile(source, "tdc_oracle.py", "exec"), module.__dict__)  # noqa: S102  (a reference package's code)
    return module


def molecules(n: int) -> list[str]:
    """RDKit canonical SMILES, as mol_opt scores them: MOSES test molecules, the tasks' references, edge cases."""
    from molmara.tasks import TARGETS

    raw = pd.read_csv(ROOT / "data" / "moses" / "test.csv.gz").iloc[:n, 0].tolist() + list(TARGETS.values()) + EXTRA
    out = []
    for smiles in raw:
        mol = Chem.MolFromSmiles(smiles)
        if mol is not None and (canonical := Chem.MolToSmiles(mol)) not in out:
            out.append(canonical)
    return out


def tdc_scores(tdc: Path, function: str, smiles: list[str]) -> np.ndarray:
    module = tdc_module(tdc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([float(getattr(module, function)(s)) for s in smiles])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdc", type=Path, required=True, help="an unpacked PyTDC 0.3.7 source distribution")
    parser.add_argument("--n", type=int, default=1000, help="MOSES test molecules")
    args = parser.parse_args()
    RDLogger.DisableLog("rdApp.*")
    from molmara import tasks

    smiles = molecules(args.n)
    reference = pd.DataFrame({"SMILES": smiles})
    print(f"{len(smiles)} molecules")
    for task, function in [*PMO_PREV.items(), *((t, t) for t in OTHERS)]:
        expected = tdc_scores(args.tdc, function, smiles)
        ours = tasks.get(task).evaluate(smiles).scores
        print(f"{task:32s} max |molmara - TDC {function}| = {np.nanmax(np.abs(ours - expected)):.2e}")
        if task in PMO_PREV:
            reference[task] = expected
    reference.to_csv(OUTPUT, index=False, float_format="%.10g")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

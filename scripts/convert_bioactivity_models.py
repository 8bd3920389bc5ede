"""Convert the TDC / PMO bioactivity oracles (DRD2, GSK3B, JNK3) from scikit-learn pickles to plain numpy arrays.

The models ship as scikit-learn 0.23.0 pickles in the `molscore==1.9.5` wheel (MIT), files
`molscore/data/models/molopt/{drd2,gsk3b,jnk3}_current.pkl`. This script must run in a scratch
environment that can unpickle them (scikit-learn 1.2.2 with numpy < 2 and RDKit), never in molmara's
own environment:

    python -m venv /tmp/sklearn-venv
    /tmp/sklearn-venv/bin/pip install "scikit-learn==1.2.2" "numpy<2" "rdkit==2023.9.6"
    /tmp/sklearn-venv/bin/python scripts/convert_bioactivity_models.py [--wheel molscore-1.9.5-py3-none-any.whl]

It writes `molmara/data/oracles/{drd2,gsk3b,jnk3}.npz` (numeric arrays only, loadable with
`allow_pickle=False`) and the test fixture `tests/data/bioactivity_reference.csv`: the first 1,000
valid SMILES of `data/moses/test.csv.gz` with scikit-learn's `predict_proba[:, 1]` of each model,
computed on fingerprints made with the legacy RDKit calls that TDC uses (`tdc/chem_utils/oracle/oracle.py`):

- DRD2: `AllChem.GetMorganFingerprint(mol, 3, useCounts=True, useFeatures=True)`, every nonzero
  (id, count) added into position `id % 2048` of an int32 vector;
- GSK3B, JNK3: `AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048)` as a 0/1 vector.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import pickle
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MOLSCORE = "molscore==1.9.5"
MEMBER = "molscore/data/models/molopt/{name}_current.pkl"
NAMES = ("drd2", "gsk3b", "jnk3")
EXPECTED_SHA256 = {
    "drd2": "ef1f00e47d5e4670a45b0a4178db3c41b2e1aa9dad7113ac9d0f58e3f9d67532",
    "gsk3b": "d3a20701b80e5179c88c3ad4dc3483dd7ab35c50dc055c6773a7f5b63e89b6d5",
    "jnk3": "cde8576fb4fa3f60b9f258ff9cf1b9ff346eb50d196d5cbbe25965efc1864889",
}
N_BITS = 2048


def download_wheel(dest: Path) -> Path:
    """`pip download --no-deps molscore==1.9.5` into `dest`; returns the wheel's path."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", MOLSCORE, "-d", str(dest)]
    subprocess.run(cmd, check=True)
    wheels = sorted(dest.glob("molscore-1.9.5-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip download left no molscore wheel in {dest}")
    return wheels[0]


def extract_pickles(wheel: Path, dest: Path) -> dict[str, Path]:
    """Extract the three `_current.pkl` members of the wheel into `dest`."""
    paths = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in NAMES:
            target = dest / f"{name}_current.pkl"
            target.write_bytes(zf.read(MEMBER.format(name=name)))
            paths[name] = target
    return paths


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_pickle(path: Path):
    """Unpickle one model, reporting the scikit-learn version it was saved with."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with open(path, "rb") as handle:
            model = pickle.load(handle)
    messages = [str(w.message) for w in caught]
    saved = {m.split(" from version ")[1].split(" ")[0] for m in messages if " from version " in m}
    print(f"  {path.name}: {type(model).__name__}, pickled with scikit-learn {sorted(saved) or '?'}")
    return model


def convert_svc(clf) -> dict[str, np.ndarray]:
    """RBF SVC with Platt scaling to arrays.

    Stored in scikit-learn's public convention: decision f(x) = sum_i dual_coef[i] * exp(-gamma *
    |sv_i - x|^2) + intercept, positive for classes_[1]. libsvm's own decision value is -f, and
    predict_proba[:, 1] = 1 - clip(1 / (1 + exp(prob_a * (-f) + prob_b)), 1e-7, 1 - 1e-7).
    """
    assert type(clf).__name__ == "SVC" and clf.kernel == "rbf" and clf.probability
    assert list(clf.classes_) == [0, 1], clf.classes_
    assert clf.dual_coef_.shape[0] == 1 and clf._probA.shape == (1,) and clf._probB.shape == (1,)
    sv = np.asarray(clf.support_vectors_, dtype=np.float64)
    assert sv.shape[1] == N_BITS
    assert np.array_equal(sv, np.round(sv)) and sv.min() >= 0, "support vectors are not counts"
    dtype = np.uint8 if sv.max() <= np.iinfo(np.uint8).max else np.uint16
    assert sv.max() <= np.iinfo(dtype).max
    sv_int = sv.astype(dtype)
    assert np.array_equal(sv_int.astype(np.float64), sv), "support vectors do not round-trip"
    # the public attributes are the negated libsvm ones for a binary c_svc: check before relying on it
    assert np.array_equal(clf.dual_coef_, -clf._dual_coef_) and np.array_equal(clf.intercept_, -clf._intercept_)
    return {
        "support_vectors": sv_int,
        "dual_coef": np.asarray(clf.dual_coef_[0], dtype=np.float64),
        "intercept": np.asarray(clf.intercept_, dtype=np.float64).reshape(1),
        "gamma": np.asarray([clf._gamma], dtype=np.float64),
        "prob_a": np.asarray(clf._probA, dtype=np.float64),
        "prob_b": np.asarray(clf._probB, dtype=np.float64),
        "classes": np.asarray(clf.classes_, dtype=np.int64),
    }


def convert_forest(clf) -> dict[str, np.ndarray]:
    """Random forest to concatenated per-tree node arrays.

    Node k of tree t is row `tree_offsets[t] + k`; children are tree-local indices (-1 at leaves),
    `feature` is -2 at leaves, a sample goes left when x[feature] <= threshold, and `value` holds
    each node's class distribution normalised to sum 1 (what DecisionTreeClassifier.predict_proba
    returns for a sample ending in that leaf). The forest averages the trees' leaf values.
    """
    assert type(clf).__name__ == "RandomForestClassifier" and clf.n_outputs_ == 1
    assert list(clf.classes_) == [0.0, 1.0], clf.classes_
    lefts, rights, features, thresholds, values, offsets = [], [], [], [], [], [0]
    for est in clf.estimators_:
        tree = est.tree_
        assert tree.n_features == N_BITS and tree.n_outputs == 1 and tree.value.shape[2] == 2
        value = np.asarray(tree.value[:, 0, :], dtype=np.float64)
        norm = value.sum(axis=1, keepdims=True)
        norm[norm == 0.0] = 1.0
        lefts.append(tree.children_left.astype(np.int32))
        rights.append(tree.children_right.astype(np.int32))
        features.append(tree.feature.astype(np.int16))
        thresholds.append(np.asarray(tree.threshold, dtype=np.float64))
        values.append(value / norm)
        offsets.append(offsets[-1] + tree.node_count)
        leaf = tree.children_left == -1
        assert np.array_equal(leaf, tree.children_right == -1) and np.all(tree.feature[leaf] < 0)
        assert np.array_equal(features[-1].astype(np.int64), tree.feature)
    return {
        "tree_offsets": np.asarray(offsets, dtype=np.int64),
        "children_left": np.concatenate(lefts),
        "children_right": np.concatenate(rights),
        "feature": np.concatenate(features),
        "threshold": np.concatenate(thresholds),
        "value": np.concatenate(values),
        "classes": np.asarray(clf.classes_, dtype=np.int64),
    }


def legacy_features(name: str, mols: list) -> np.ndarray:
    """Fingerprints exactly as TDC computes them, with the legacy RDKit calls."""
    from rdkit.Chem import AllChem, DataStructs

    out = np.zeros((len(mols), N_BITS), dtype=np.float64)
    for i, mol in enumerate(mols):
        if name == "drd2":
            fp = AllChem.GetMorganFingerprint(mol, 3, useCounts=True, useFeatures=True)
            for idx, count in fp.GetNonzeroElements().items():
                out[i, idx % N_BITS] += int(count)
        else:
            arr = np.zeros((1,))
            DataStructs.ConvertToNumpyArray(AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=N_BITS), arr)
            out[i] = arr
    return out


def first_valid_smiles(path: Path, n: int) -> list[str]:
    """The first `n` SMILES of a MOSES csv.gz that RDKit parses."""
    from rdkit import Chem

    out = []
    with gzip.open(path, "rt") as handle:
        for row in csv.DictReader(handle):
            if Chem.MolFromSmiles(row["SMILES"]) is not None:
                out.append(row["SMILES"])
                if len(out) == n:
                    break
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help="a local molscore-1.9.5 wheel (default: pip download it)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "molmara" / "data" / "oracles")
    parser.add_argument("--moses", type=Path, default=ROOT / "data" / "moses" / "test.csv.gz")
    parser.add_argument("--fixture", type=Path, default=ROOT / "tests" / "data" / "bioactivity_reference.csv")
    parser.add_argument("--n-fixture", type=int, default=1000)
    args = parser.parse_args(argv)

    import sklearn
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, rdkit {Chem.rdBase.rdkitVersion}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        wheel = args.wheel if args.wheel is not None else download_wheel(tmp)
        print(f"wheel {wheel} sha256 {sha256(wheel)}")
        pickles = extract_pickles(wheel, tmp)
        models = {}
        for name, path in pickles.items():
            digest = sha256(path)
            print(f"{MEMBER.format(name=name)} sha256 {digest}")
            if digest != EXPECTED_SHA256[name]:
                raise SystemExit(f"{name}: sha256 {digest} is not the expected {EXPECTED_SHA256[name]}")
            models[name] = load_pickle(path)

    for name, clf in models.items():
        arrays = convert_svc(clf) if name == "drd2" else convert_forest(clf)
        target = args.out_dir / f"{name}.npz"
        np.savez_compressed(target, **arrays)
        with np.load(target, allow_pickle=False) as back:
            assert sorted(back.files) == sorted(arrays) and all(np.array_equal(back[k], arrays[k]) for k in arrays)
        print(f"wrote {target} ({target.stat().st_size / 1e6:.2f} MB)")

    smiles = first_valid_smiles(args.moses, args.n_fixture)
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    preds = {}
    for name, clf in models.items():
        if hasattr(clf, "n_jobs"):
            clf.n_jobs = 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            preds[name] = clf.predict_proba(legacy_features(name, mols))[:, 1]
        print(f"{name}: mean {preds[name].mean():.4f}, max {preds[name].max():.4f} over {len(mols)} molecules")
    args.fixture.parent.mkdir(parents=True, exist_ok=True)
    with open(args.fixture, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SMILES", *NAMES])
        for i, smi in enumerate(smiles):
            writer.writerow([smi, *(repr(float(preds[name][i])) for name in NAMES)])
    print(f"wrote {args.fixture} ({len(smiles)} molecules)")


if __name__ == "__main__":
    main()

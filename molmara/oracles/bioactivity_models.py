"""The TDC / PMO bioactivity classifiers DRD2, GSK3B and JNK3 as numpy-only predictors.

The models are the scikit-learn pickles that TDC's oracles use (`*_current.pkl`, from the
`molscore==1.9.5` wheel), converted once to plain arrays in `molmara/data/oracles/*.npz` by
`scripts/convert_bioactivity_models.py`; see `molmara/data/oracles/NOTICE.md`. Nothing here needs
scikit-learn or pickle: predictions reproduce `predict_proba(X)[:, 1]` to rounding (forests exactly,
the SVC within ~1e-13).

- DRD2: RBF support-vector classifier with Platt probabilities on 2048-dim folded FCFP6 counts.
- GSK3B, JNK3: 100-tree random forests on 2048-bit ECFP4 bit vectors.

>>> from rdkit import Chem
>>> predict("drd2", [Chem.MolFromSmiles("OC1(CCN(CCCC(=O)c2ccc(F)cc2)CC1)c1ccc(Cl)cc1"), None]).round(3)
array([ 1., nan])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from rdkit import Chem

from molmara.chem.fingerprints import morgan_bits, morgan_counts
from molmara.resources import ORACLE_MODELS

DATA_DIR = ORACLE_MODELS
MODEL_NAMES: tuple[str, ...] = ("drd2", "gsk3b", "jnk3")
N_BITS = 2048

FEATURISATION: dict[str, str] = {
    "drd2": (
        "FCFP6 counts: feature-Morgan (RDKit feature invariants) radius 3, count of every environment "
        "added into position id % 2048 (TDC: GetMorganFingerprint(mol, 3, useCounts=True, useFeatures=True) "
        "folded mod 2048; identical to rdFingerprintGenerator's 2048-long count fingerprint)"
    ),
    "gsk3b": "ECFP4 bits: Morgan radius 2, 2048-bit vector (TDC: GetMorganFingerprintAsBitVect(mol, 2, nBits=2048))",
    "jnk3": "ECFP4 bits: Morgan radius 2, 2048-bit vector (TDC: GetMorganFingerprintAsBitVect(mol, 2, nBits=2048))",
}

# libsvm clips its pairwise Platt probabilities to [MIN_PROB, 1 - MIN_PROB] (svm_predict_probability)
_LIBSVM_MIN_PROB = 1e-7
# float32 products of nonnegative integers are exact while every partial sum stays below 2**24
_FLOAT32_EXACT = float(2**24)


def _check_name(name: str) -> str:
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown bioactivity model {name!r}; valid names: {', '.join(MODEL_NAMES)}")
    return name


@dataclass(frozen=True, eq=False)
class RBFSVCModel:
    """Binary RBF SVC with Platt scaling, in scikit-learn's public sign convention.

    Decision f(x) = sum_i dual_coef[i] exp(-gamma |sv_i - x|^2) + intercept (positive for the active
    class). libsvm's own decision value is -f; its Platt estimate of P(inactive) is
    r = clip(1 / (1 + exp(-prob_a f + prob_b)), 1e-7, 1 - 1e-7), and P(active) comes out of libsvm's
    pairwise coupling of r (see `_pairwise_coupling_2`), which is within ~2.5e-3 of 1 - r.
    """

    support_vectors: np.ndarray  # (n_sv, n_features) nonnegative integer counts
    dual_coef: np.ndarray  # (n_sv,) float64
    intercept: float
    gamma: float
    prob_a: float
    prob_b: float
    chunk: int = 512

    def __post_init__(self) -> None:
        sv = np.asarray(self.support_vectors, dtype=np.int64)
        object.__setattr__(self, "_sv_sq", (sv * sv).sum(axis=1).astype(np.float64))
        object.__setattr__(self, "_sv32", sv.astype(np.float32))
        object.__setattr__(self, "_sv64", sv.astype(np.float64))

    def decision_function(self, x: np.ndarray) -> np.ndarray:
        """f(x) for rows of nonnegative integer counts x, shape (n, n_features) -> (n,)."""
        x = np.asarray(x)
        out = np.empty(x.shape[0], dtype=np.float64)
        sv_sq_max = float(self._sv_sq.max(initial=0.0))
        for start in range(0, x.shape[0], self.chunk):
            xc = x[start : start + self.chunk].astype(np.int64)
            x_sq = (xc * xc).sum(axis=1).astype(np.float64)
            # squared distances |x|^2 + |sv|^2 - 2 x.sv are exact integers as long as the dot products are
            if float(x_sq.max(initial=0.0)) * sv_sq_max < _FLOAT32_EXACT**2:
                dot = (xc.astype(np.float32) @ self._sv32.T).astype(np.float64)
            else:
                dot = xc.astype(np.float64) @ self._sv64.T
            d2 = x_sq[:, None] + self._sv_sq[None, :] - 2.0 * dot
            out[start : start + self.chunk] = np.exp(-self.gamma * d2) @ self.dual_coef + self.intercept
        return out

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(active) for each row, as scikit-learn's `predict_proba(x)[:, 1]`."""
        t = -self.decision_function(x) * self.prob_a + self.prob_b  # libsvm: dec * A + B with dec = -f
        e = np.exp(-np.abs(t))
        r = np.where(t >= 0, e / (1.0 + e), 1.0 / (1.0 + e))  # libsvm's overflow-safe 1 / (1 + exp(t))
        r = np.clip(r, _LIBSVM_MIN_PROB, 1.0 - _LIBSVM_MIN_PROB)  # pairwise P(inactive)
        return _pairwise_coupling_2(r)[1]


def _pairwise_coupling_2(r: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Class probabilities (p0, p1) from the pairwise estimate r = P(class 0 | class 0 or 1), elementwise.

    scikit-learn's bundled libsvm runs its iterative pairwise coupling (Wu, Lin & Weng 2004, method 2,
    libsvm `multiclass_probability`) even for two classes, instead of returning (r, 1 - r). The iteration
    starts at (1/2, 1/2) and stops once every |(Qp)_t - p'Qp| < 0.005 / k, so its result differs from r
    by up to a few 1e-3; this reproduces it step for step with k = 2, vectorised over the batch.
    """
    r = np.asarray(r, dtype=np.float64)
    s = 1.0 - r
    # Q[0][0] = r10^2, Q[1][1] = r01^2, Q[0][1] = Q[1][0] = -r10 r01 with r01 = r, r10 = 1 - r
    q = (s * s, -s * r, -s * r, r * r)  # q00, q01, q10, q11
    p0 = np.full(r.shape, 0.5)
    p1 = np.full(r.shape, 0.5)
    eps = 0.005 / 2
    active = np.ones(r.shape, dtype=bool)
    for _ in range(max_iter):
        qp0 = 0.0 + q[0] * p0 + q[1] * p1
        qp1 = 0.0 + q[2] * p0 + q[3] * p1
        pqp = 0.0 + p0 * qp0 + p1 * qp1
        active &= np.maximum(np.abs(qp0 - pqp), np.abs(qp1 - pqp)) >= eps
        if not active.any():
            break
        a_p0, a_p1, a_qp0, a_qp1, a_pqp = p0[active], p1[active], qp0[active], qp1[active], pqp[active]
        qa = [c[active] for c in q]
        for t in (0, 1):
            qtt = qa[3] if t else qa[0]
            qt0, qt1 = (qa[2], qa[3]) if t else (qa[0], qa[1])
            qpt = a_qp1 if t else a_qp0
            diff = (-qpt + a_pqp) / qtt
            if t:
                a_p1 = a_p1 + diff
            else:
                a_p0 = a_p0 + diff
            a_pqp = (a_pqp + diff * (diff * qtt + 2.0 * qpt)) / (1.0 + diff) / (1.0 + diff)
            a_qp0 = (a_qp0 + diff * qt0) / (1.0 + diff)
            a_p0 = a_p0 / (1.0 + diff)
            a_qp1 = (a_qp1 + diff * qt1) / (1.0 + diff)
            a_p1 = a_p1 / (1.0 + diff)
        p0[active], p1[active] = a_p0, a_p1
    return p0, p1


@dataclass(frozen=True, eq=False)
class RandomForestModel:
    """Random forest of axis-aligned binary trees stored as concatenated node arrays.

    Node k of tree t is row `tree_offsets[t] + k`; children are tree-local (-1 at leaves); a sample
    goes left when x[feature] <= threshold; `value` is each node's class distribution (rows sum to 1).
    """

    tree_offsets: np.ndarray
    children_left: np.ndarray
    children_right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    value: np.ndarray
    chunk: int = 2048

    def __post_init__(self) -> None:
        offsets = np.asarray(self.tree_offsets, dtype=np.int64)
        n_nodes = int(offsets[-1])
        tree_of = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
        left = np.asarray(self.children_left, dtype=np.int64)
        right = np.asarray(self.children_right, dtype=np.int64)
        leaf = left < 0
        own = np.arange(n_nodes, dtype=np.int64)
        # global child indices; a leaf points at itself so that finished paths stay put
        object.__setattr__(self, "_left", np.where(leaf, own, left + offsets[tree_of]))
        object.__setattr__(self, "_right", np.where(right < 0, own, right + offsets[tree_of]))
        object.__setattr__(self, "_leaf", leaf)
        object.__setattr__(self, "_feature", np.where(leaf, 0, self.feature).astype(np.int64))
        object.__setattr__(self, "_roots", offsets[:-1])
        object.__setattr__(self, "_p_active", np.ascontiguousarray(self.value[:, 1], dtype=np.float64))

    @property
    def n_trees(self) -> int:
        return len(self.tree_offsets) - 1

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Global leaf index reached in every tree, shape (n, n_trees).

        All (molecule, tree) paths descend together one level per step; paths that reach a leaf drop
        out of the active set, so the loop runs (max depth reached) times over shrinking arrays.
        """
        x = np.ascontiguousarray(x)
        n, n_features = x.shape
        flat_x = x.reshape(-1)
        nodes = np.tile(self._roots, n)
        rows = np.repeat(np.arange(n, dtype=np.int64) * n_features, self.n_trees)
        active = np.flatnonzero(~self._leaf[nodes])
        while active.size:
            node = nodes[active]
            go_left = flat_x[rows[active] + self._feature[node]] <= self.threshold[node]
            nxt = np.where(go_left, self._left[node], self._right[node])
            nodes[active] = nxt
            active = active[~self._leaf[nxt]]
        return nodes.reshape(n, self.n_trees)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(active) for each row, as scikit-learn's `predict_proba(x)[:, 1]` (trees summed in order)."""
        out = np.empty(x.shape[0], dtype=np.float64)
        for start in range(0, x.shape[0], self.chunk):
            leaf_p = self._p_active[self.apply(x[start : start + self.chunk])]
            acc = np.zeros(leaf_p.shape[0], dtype=np.float64)
            for t in range(self.n_trees):
                acc += leaf_p[:, t]
            out[start : start + self.chunk] = acc / self.n_trees
        return out


BioactivityModel = RBFSVCModel | RandomForestModel


@cache
def load_model(name: str) -> BioactivityModel:
    """The converted model `name` (one of "drd2", "gsk3b", "jnk3"), loaded once and cached."""
    path = DATA_DIR / f"{_check_name(name)}.npz"
    if not path.is_file():
        raise FileNotFoundError(
            f"bioactivity model file {path} is missing; recreate it with scripts/convert_bioactivity_models.py "
            "(see molmara/data/oracles/NOTICE.md)"
        )
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    if name == "drd2":
        if arrays["support_vectors"].shape[1] != N_BITS:
            raise ValueError(f"{path}: expected {N_BITS} features, got {arrays['support_vectors'].shape[1]}")
        return RBFSVCModel(
            support_vectors=arrays["support_vectors"],
            dual_coef=arrays["dual_coef"].astype(np.float64),
            intercept=float(arrays["intercept"][0]),
            gamma=float(arrays["gamma"][0]),
            prob_a=float(arrays["prob_a"][0]),
            prob_b=float(arrays["prob_b"][0]),
        )
    if int(arrays["feature"].max()) >= N_BITS:
        raise ValueError(f"{path}: a split uses feature {int(arrays['feature'].max())} >= {N_BITS}")
    return RandomForestModel(
        tree_offsets=arrays["tree_offsets"],
        children_left=arrays["children_left"],
        children_right=arrays["children_right"],
        feature=arrays["feature"],
        threshold=arrays["threshold"],
        value=arrays["value"],
    )


def featurize(name: str, mols: Sequence[Chem.Mol | None]) -> np.ndarray:
    """The model's input features, shape (n, 2048): uint32 counts for drd2, 0/1 uint8 bits otherwise.

    None entries give all-zero rows (`predict` masks them out).
    """
    if _check_name(name) == "drd2":
        return morgan_counts(mols, radius=3, n_bits=N_BITS, features=True)
    return np.unpackbits(morgan_bits(mols, radius=2, n_bits=N_BITS, features=False), axis=1, count=N_BITS)


def predict(name: str, mols: Sequence[Chem.Mol | None]) -> np.ndarray:
    """P(active) from model `name` for each molecule, float64 in [0, 1]; NaN where the molecule is None."""
    model = load_model(name)
    mols = list(mols)
    valid = np.fromiter((mol is not None for mol in mols), dtype=bool, count=len(mols))
    out = np.full(len(mols), np.nan, dtype=np.float64)
    if valid.any():
        out[valid] = model.predict_proba(featurize(name, [mol for mol, ok in zip(mols, valid, strict=True) if ok]))
    return out

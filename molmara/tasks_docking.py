"""Docking tasks (the `docking` oracle; `pip install "molmara[docking]"`), registered into `molmara.tasks`.

- `dock_drd2_qed_hbd_sa`: the kind of reward of the paper's molecule experiment (GX-Chen et al., ICLR 2026:
  docking × QED × a hydrogen-bond-donor limit × synthesizability), with the SA score in place of the paper's
  retrosynthesis check: geometric mean of the DRD2 Vina score as a reverse sigmoid (low −16, high 0, k 0.15:
  1 for strong binders, 0.5 at −8 kcal/mol), QED, HBD ≤ 3 (a step) and SA as a reverse sigmoid (2 → 4.5).
- DOCKSTRING's own benchmark objectives (García-Ortegón et al., J. Chem. Inf. Model. 2022;
  `dockstring/benchmarks/original.py`), each the lower-is-better DOCKSTRING value f turned into an exact
  decreasing affine map in [0, 1] while the Vina scores stay in [−20, 0] kcal/mol: the components' linear
  ramps and weights make molmara's weighted arithmetic mean an exact decreasing affine map of f:
  `dockstring_f2`: f = F2 + 10 (1 − QED), score = (2·(−F2/20) + QED) / 3 = 1/3 − f/30;
  `dockstring_selective_jak2`: f = JAK2 − min(LCK + 8.1, 0) + 10 (1 − QED) (−8.1: LCK's median score), score =
  (2·(−JAK2/20) + 2·ramp(LCK, −28.1 → −8.1) + QED) / 5 = 3/5 − f/50.
  DOCKSTRING's third objective, `promiscuous_PPAR` (the worst of three dockings), needs a maximum over
  components inside a sum, which a molmara objective cannot express.
"""

from __future__ import annotations

from molmara.tasks import _oracle, _task

VINA_RANGE = {"type": "linear_ramp", "low": 0.0, "high": -20.0}
"""−score / 20: 0 at 0 kcal/mol, 1 at −20 kcal/mol (a ramp that falls as the score rises)."""


def _dock(target: str, transform: dict, weight: float = 1.0, label: str | None = None) -> dict:
    component = _oracle("docking", transform, label=label or f"dock_{target.lower()}", target=target)
    component["weight"] = weight
    return component


@_task(
    "dock_drd2_qed_hbd_sa",
    "Docks well in DRD2, drug-like, at most 3 H-bond donors, easy to make: geometric mean of the Vina score "
    "(reverse sigmoid −16 → 0), QED, HBD ≤ 3 and SA (reverse sigmoid 2 → 4.5), the paper's kind of reward",
)
def _dock_drd2_qed_hbd_sa() -> tuple[str, list[dict]]:
    return "geometric", [
        _dock("DRD2", {"type": "reverse_sigmoid", "low": -16.0, "high": 0.0, "k": 0.15}),
        _oracle("qed"),
        _oracle("hbd", {"type": "left_step", "low": 3.0}),
        _oracle("sa", {"type": "reverse_sigmoid", "low": 2.0, "high": 4.5}),
    ]


@_task(
    "dockstring_f2",
    "DOCKSTRING's F2 objective (F2 Vina score + 10 (1 − QED), lower is better) as 1/3 − f/30",
)
def _dockstring_f2() -> tuple[str, list[dict]]:
    return "arithmetic", [_dock("F2", VINA_RANGE, weight=2.0), _oracle("qed")]


@_task(
    "dockstring_selective_jak2",
    "DOCKSTRING's selective JAK2 objective (JAK2 − min(LCK + 8.1, 0) + 10 (1 − QED), lower is better), affinely",
)
def _dockstring_selective_jak2() -> tuple[str, list[dict]]:
    lck = {"type": "linear_ramp", "low": -28.1, "high": -8.1}  # 1 from LCK's median up: no penalty
    return "arithmetic", [_dock("JAK2", VINA_RANGE, weight=2.0), _dock("LCK", lck, weight=2.0), _oracle("qed")]

"""The scoring service: an objective behind a cache, an oracle budget and an executor.

- Cache by canonical SMILES: a molecule is sent to the oracles once, however it is written; a failure
  (NaN score of a valid molecule) is not cached, so the molecule is asked again when it comes back.
- Budget: oracle calls are counted as unique canonical SMILES sent to the oracles (the PMO
  convention); once the budget is spent, new molecules are not scored (NaN, `over_budget`).
- Executors (`molmara.executors`): worker processes holding the objective, with a time limit on each
  molecule (`time_limit`, default 60 s; a molecule over it scores NaN, "timed out"), `n_jobs` of them;
  or this process, when there is no limit and one job.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from molmara.chem.smiles import mol_to_smiles
from molmara.defaults import DEFAULT_TIME_LIMIT
from molmara.executors import Executor, make_executor
from molmara.objective import Objective, ScoreResult
from molmara.oracles.base import MolBatch

__all__ = ["ScoringService", "ServiceResult", "score_file"]


@dataclass
class ServiceResult(ScoreResult):
    """A `ScoreResult` that also says which molecules came from the cache or were over budget."""

    canonical: list[str | None] | None = None
    cached: np.ndarray | None = None
    over_budget: np.ndarray | None = None
    mols: list | None = field(default=None, repr=False)
    """The parsed molecules (RDKit, None where invalid), so that callers need not parse again."""

    def to_frame(self):
        frame = super().to_frame()
        frame.insert(1, "canonical_smiles", self.canonical)
        frame["cached"] = self.cached
        frame["over_budget"] = self.over_budget
        return frame


class ScoringService:
    """Scores batches through a canonical-SMILES cache, counting oracle calls against a budget."""

    def __init__(
        self,
        objective: Objective,
        n_jobs: int = 1,
        budget: int | None = None,
        executor: Executor | None = None,
        time_limit: float | None = DEFAULT_TIME_LIMIT,
    ) -> None:
        """`time_limit`: seconds an oracle may take on one molecule (None: no limit); ignored with `executor`."""
        if budget is not None and budget < 0:
            raise ValueError(f"budget must be >= 0, got {budget}")
        self.objective = objective
        self.executor = executor or make_executor(n_jobs, time_limit)
        self.budget = budget
        self.oracle_calls = 0
        self._cache: dict[str, tuple[float, dict[str, float], dict[str, float]]] = {}

    @property
    def remaining(self) -> float:
        return float("inf") if self.budget is None else self.budget - self.oracle_calls

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def score(self, smiles: Sequence[object]) -> ServiceResult:
        """Scores for a batch; invalid SMILES are NaN and never count against the budget."""
        batch = MolBatch(smiles, self.objective.config.fragments)
        canonical = [mol_to_smiles(m) for m in batch.mols]
        labels = self.objective.labels
        new: list[str] = []
        first_index: dict[str, int] = {}
        for i, c in enumerate(canonical):
            if c is not None and c not in self._cache and c not in first_index:
                first_index[c] = i
                new.append(c)
        affordable = new if self.budget is None else new[: max(0, int(self.remaining))]
        cached = np.array([c is not None and c in self._cache for c in canonical], dtype=bool)
        fresh: dict[str, tuple[float, dict[str, float], dict[str, float]]] = {}
        reasons = list(batch.reasons)
        failed: dict[str, str] = {}
        if affordable:
            sub = batch.subset([first_index[c] for c in affordable])
            result = self.executor.evaluate(self.objective, sub)
            self.oracle_calls += len(affordable)
            for j, c in enumerate(affordable):
                fresh[c] = (
                    float(result.scores[j]),
                    {k: float(result.raw[k][j]) for k in labels},
                    {k: float(result.transformed[k][j]) for k in labels},
                )
                if np.isfinite(fresh[c][0]):  # a failure is not the molecule's score: asked again next time
                    self._cache[c] = fresh[c]
                elif result.reasons and result.reasons[j]:
                    failed[c] = result.reasons[j]  # e.g. "timed out"
        n = len(batch)
        scores = np.full(n, np.nan)
        raw = {k: np.full(n, np.nan) for k in labels}
        transformed = {k: np.full(n, np.nan) for k in labels}
        over_budget = np.zeros(n, dtype=bool)
        for i, c in enumerate(canonical):
            if c is None:
                continue
            entry = fresh.get(c) or self._cache.get(c)
            if entry is None:
                over_budget[i] = True
                continue
            scores[i] = entry[0]
            reasons[i] = failed.get(c, reasons[i])
            for k in labels:
                raw[k][i] = entry[1][k]
                transformed[k][i] = entry[2][k]
        return ServiceResult(
            smiles=batch.smiles,
            scores=scores,
            valid=batch.valid.copy(),
            raw=raw,
            transformed=transformed,
            reasons=reasons,
            canonical=canonical,
            cached=cached,
            over_budget=over_budget,
            mols=batch.mols,
        )

    def state(self) -> dict:
        """The oracle-call count and the cache as plain data, in scoring order (a run checkpoint keeps them)."""
        return {
            "oracle_calls": self.oracle_calls,
            "cache_keys": list(self._cache),
            "cache_values": [[v[0], list(v[1].values()), list(v[2].values())] for v in self._cache.values()],
        }

    def load_state(self, state: dict) -> None:
        """Put back what `state` returned."""
        labels = self.objective.labels
        self._cache = {
            k: (v[0], dict(zip(labels, v[1], strict=True)), dict(zip(labels, v[2], strict=True)))
            for k, v in zip(state["cache_keys"], state["cache_values"], strict=True)
        }
        self.oracle_calls = state["oracle_calls"]

    def mark(self) -> tuple[int, int]:
        """Where the service stands (oracle calls, cached molecules), for `rewind`."""
        return self.oracle_calls, len(self._cache)

    def rewind(self, mark: tuple[int, int]) -> None:
        """Forget what was scored since `mark` (a step that did not commit)."""
        self.oracle_calls = mark[0]
        for key in list(self._cache)[mark[1] :]:  # entries are appended in the order they were scored
            del self._cache[key]

    def top_scores(self, k: int) -> np.ndarray:
        """The `k` best scores of the molecules scored so far, highest first (fewer when fewer were scored)."""
        scores = np.fromiter((entry[0] for entry in self._cache.values()), dtype=np.float64, count=len(self._cache))
        return np.sort(scores)[::-1][:k]

    def scores_by_smiles(self) -> dict[str, float]:
        """Every molecule scored so far (canonical SMILES → score), in the order of the oracle calls."""
        return {smiles: entry[0] for smiles, entry in self._cache.items()}

    def close(self) -> None:
        self.executor.close()

    def __enter__(self) -> ScoringService:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def score_file(
    objective: Objective | str | Path,
    input_path: str | Path,
    output_path: str | Path,
    n_jobs: int = 1,
    batch_size: int = 1000,
    progress: bool = True,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
) -> pd.DataFrame:
    """Score every SMILES of a `.smi`/`.csv` file into a CSV of raw and transformed values.

    Lines that are not valid SMILES stay in the output, flagged `valid = False` with NaN scores; a molecule
    an oracle spends more than `time_limit` seconds on scores NaN with the reason in `invalid_reason`.
    The output appears under its name only when complete. Returns the table.
    """
    from molmara.model.corpus import read_smiles_file

    if not isinstance(objective, Objective):
        objective = Objective.from_toml_file(objective)
    smiles = read_smiles_file(input_path)
    if not smiles:
        raise ValueError(f"no SMILES in {input_path}")
    frames = []
    with (
        ScoringService(objective, n_jobs=n_jobs, time_limit=time_limit) as service,
        tqdm(
            total=len(smiles), unit="mol", disable=not progress, mininterval=0.5 if sys.stderr.isatty() else 30
        ) as bar,
    ):
        for start in range(0, len(smiles), batch_size):
            frames.append(service.score(smiles[start : start + batch_size]).to_frame())
            bar.update(len(frames[-1]))
    table = pd.concat(frames, ignore_index=True)
    output_path = Path(output_path)
    output_path.parent.mkdir(parents=True, exist_ok=True)
    partial = output_path.with_name(output_path.name + ".partial")
    table.to_csv(partial, index=False)
    partial.replace(output_path)
    return table

"""Batch generation: sample millions of SMILES into a CSV file in chunks, resumable, optionally scored.

Memory stays bounded: each chunk is sampled, (optionally) scored, written and flushed before the
next. With `unique=True` the set of canonical SMILES written so far is kept (about 100 bytes per
molecule). The file is written as `<output>.partial`; after every chunk a small state file next to
it records the rows and bytes written and the sampling generator's state. Run the same command
after an interruption and it truncates the partial file to the last complete chunk and continues
with the same random stream, so no row is written twice and the result is the one an uninterrupted
run would have written. When all rows are in, the file is renamed to `<output>`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from molmara.chem.smiles import mol_to_smiles, to_mols
from molmara.defaults import DEFAULT_TIME_LIMIT
from molmara.executors import make_executor
from molmara.model.prior import DEFAULT_PRIOR, Prior, load_prior
from molmara.objective import Objective
from molmara.oracles.base import MolBatch

__all__ = ["SampleJob", "sample_to_csv"]

MAX_SAMPLE_BATCH = 65_536
"""Molecules sampled at once, at most: the chunk and its scores are held in memory before they are written."""


@dataclass(frozen=True)
class SampleJob:
    """What a sampling job writes; a resumed job must match the interrupted one exactly."""

    output: str
    n: int
    prior: str
    temperature: float = 1.0
    seed: int | None = None
    unique: bool = False
    objective: str | None = None  # the objective as TOML, when molecules are scored
    min_score: float | None = None
    batch_size: int = 1024
    precision: str = "float32"

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def _paths(output: Path) -> tuple[Path, Path]:
    return output.with_name(output.name + ".partial"), output.with_name(output.name + ".partial.state")


def sample_to_csv(
    output: str | Path,
    n: int,
    prior_path: str | Path | None = None,
    prior: Prior | None = None,
    temperature: float = 1.0,
    batch_size: int = 1024,
    seed: int | None = None,
    device: str = "auto",
    progress: bool = True,
    unique: bool = False,
    objective: Objective | None = None,
    min_score: float | None = None,
    max_sampled: int | None = None,
    time_limit: float | None = DEFAULT_TIME_LIMIT,
    precision: str = "float32",
) -> Path:
    """Write `n` rows of sampled SMILES (SMILES, NLL and, with an objective, Score and components).

    `unique` keeps only the first occurrence of each valid molecule; `min_score` (needs an objective)
    keeps only molecules scoring at least that. Invalid SMILES are written unless `unique` or an
    objective is given. Sampling stops after `max_sampled` molecules (default 100·n) if filters keep
    too few. `precision`: the network's, as `Prior.sample` takes it. Scoring runs in a worker with
    `time_limit` seconds an oracle a molecule (None: no limit); a molecule over it scores NaN. See the module
    docstring for resuming.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 1 <= batch_size <= MAX_SAMPLE_BATCH:
        raise ValueError(
            f"batch size must be between 1 and {MAX_SAMPLE_BATCH:,} (molecules sampled at once), got {batch_size:,}"
        )
    if min_score is not None and objective is None:
        raise ValueError("min_score filters on the objective's score: give an objective too")
    output = Path(output)
    if output.is_dir():
        raise ValueError(f"output {output} is a folder; give a file name")
    prior = prior or load_prior(prior_path, device)
    partial, state_path = _paths(output)

    def job_with(job_seed: int) -> SampleJob:
        return SampleJob(
            output=str(output),
            n=n,
            prior=str(prior_path or DEFAULT_PRIOR),
            temperature=temperature,
            seed=job_seed,
            unique=unique,
            objective=objective.to_toml() if objective is not None else None,
            min_score=min_score,
            batch_size=batch_size,
            precision=precision,
        )

    if seed is None:  # the seed drawn by an interrupted run of this same job, so that it resumes; else a new one
        previous = _read_state(state_path).get("seed") if partial.is_file() else None
        if isinstance(previous, int) and _read_state(state_path).get("job") == job_with(previous).fingerprint():
            seed = previous
        else:
            seed = int(np.random.default_rng().integers(2**31))
    job = job_with(seed)
    max_sampled = max_sampled or 100 * n
    output.parent.mkdir(parents=True, exist_ok=True)
    generator = torch.Generator(device=prior.device).manual_seed(seed)
    written, sampled, offset = 0, 0, 0
    seen: set[str] = set()
    resumed = False
    if partial.is_file() and state_path.is_file():
        state = _read_state(state_path)
        if state.get("job") == job.fingerprint():
            written, sampled, offset = state["written"], state["sampled"], state["bytes"]
            generator.set_state(torch.tensor(state["generator"], dtype=torch.uint8))
            resumed = True
    columns = ["SMILES", "NLL"]
    if objective is not None:
        columns += ["Score", *(c for label in objective.labels for c in (label, f"{label} (raw)"))]
    mode = "r+" if resumed else "w"
    scorer = make_executor(1, time_limit) if objective is not None else None  # the per-molecule time limit
    try:
        with (
            open(partial, mode, newline="") as handle,
            tqdm(
                total=n,
                initial=written,
                unit="mol",
                disable=not progress,
                mininterval=0.5 if sys.stderr.isatty() else 30,
            ) as bar,
        ):
            if resumed:
                handle.truncate(offset)  # drop a chunk that was being written when the job stopped
                handle.seek(offset)
                if unique:
                    seen = _canonical_in_file(partial, offset)
                print(f"resuming {output}: {written:,} of {n:,} rows already written", file=sys.stderr, flush=True)
            else:
                csv.writer(handle).writerow(columns)
            while written < n and sampled < max_sampled:
                result = prior.sample(batch_size, temperature, batch_size, generator=generator, precision=precision)
                sampled += len(result.smiles)
                rows = _chunk_rows(result, objective, scorer, unique, min_score, seen, n - written)
                text = io.StringIO()
                csv.writer(text).writerows(rows)
                handle.write(text.getvalue())
                handle.flush()
                written += len(rows)
                state = {
                    "job": job.fingerprint(),
                    "seed": seed,
                    "written": written,
                    "sampled": sampled,
                    "bytes": handle.tell(),
                    "generator": generator.get_state().tolist(),
                }
                tmp = state_path.with_name(state_path.name + ".tmp")
                tmp.write_text(json.dumps(state))
                tmp.replace(state_path)
                bar.update(len(rows))
    finally:
        if scorer is not None:
            scorer.close()

    if written < n:
        raise RuntimeError(
            f"sampled {sampled:,} molecules but only {written:,} passed the filters (wanted {n:,}); "
            f"the partial result is in {partial}"
        )
    partial.replace(output)
    state_path.unlink(missing_ok=True)
    return output


def _read_state(path: Path) -> dict:
    """The state file of a partial output, or {} when there is none or it cannot be read."""
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _chunk_rows(result, objective, scorer, unique, min_score, seen: set[str], room: int) -> list[list[str]]:
    """The rows of one sampled chunk that pass the filters, at most `room` of them; `seen` is updated."""
    smiles = result.smiles
    candidates = list(range(len(smiles)))
    canonical: dict[int, str] = {}
    if unique or objective is not None:  # invalid SMILES cannot be scored or compared
        mols = to_mols(smiles)
        candidates = [i for i in candidates if mols[i] is not None]
    if unique:
        fresh, in_chunk = [], set()
        for i in candidates:
            canonical[i] = mol_to_smiles(mols[i])
            if canonical[i] not in seen and canonical[i] not in in_chunk:
                in_chunk.add(canonical[i])
                fresh.append(i)
        candidates = fresh
    scored, where = None, {}
    if objective is not None and candidates:
        scored = scorer.evaluate(objective, MolBatch([smiles[i] for i in candidates], objective.config.fragments))
        where = {i: j for j, i in enumerate(candidates)}
        if min_score is not None:
            scores = np.nan_to_num(scored.scores, nan=-np.inf)
            candidates = [i for i in candidates if scores[where[i]] >= min_score]
    kept = candidates[:room]
    if unique:
        seen.update(canonical[i] for i in kept)
    rows = []
    for i in kept:
        row = [smiles[i], f"{-result.log_likelihood[i]:.4f}"]
        if scored is not None:
            j = where[i]
            row.append(f"{scored.scores[j]:.6g}")
            for label in objective.labels:
                row += [f"{scored.transformed[label][j]:.6g}", f"{scored.raw[label][j]:.6g}"]
        rows.append(row)
    return rows


def _canonical_in_file(path: Path, limit: int) -> set[str]:
    """Canonical SMILES of the rows in the first `limit` bytes of a partial output (for --unique resumes)."""
    with open(path, newline="") as handle:
        text = handle.read(limit)
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    return {c for c in (mol_to_smiles(m) for m in to_mols(row[0] for row in reader if row)) if c is not None}

"""The RL trainer: sample → score → rewards (`molmara.rl.rewards`) → replay → prior likelihood → MARA → loss → step.

One step: the agent samples a batch; the scoring service scores it (canonical-SMILES cache, budget of
unique oracle calls); `batch_rewards` applies REINVENT 4's rules (invalid → 0, repeats → the `duplicates`
policy, failures and over-budget molecules out of the loss, the diversity filter); the batch's scored first
copies join the replay memory and a replay sample is drawn; `mara_rewards` rescales the rewards at or above
τ; the chosen loss takes an Adam step (no gradient clipping unless `clip_grad_norm` is set, as in REINVENT 4),
its forward and backward passes run in chunks of rows (`molmara.rl.step_passes`) with the whole batch's gradient.
Every step is recorded (see `Recorder`; in memory unless given another, e.g. the store and CSV files that
`molmara.lifecycle.open_run` wires) with the reward each molecule was trained on; checkpoints are
written every N steps and at the end, and a resumed run continues the same seeded trajectory: the sampling
generator, the optimiser, the cache, the replay memory and the filter are all in the checkpoint.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import numpy as np
import torch

from molmara.chem.scaffolds import generic_scaffold_mol, murcko_scaffold_mol
from molmara.interrupts import StopRequests, deferred_interrupts
from molmara.model.prior import CheckpointError, load_prior
from molmara.objective import Objective
from molmara.rl.checkpoint import RunState, TrainerState
from molmara.rl.config import RunConfig
from molmara.rl.filters import CollapseDetector, ScaffoldDiversityFilter
from molmara.rl.phases import PhaseClock
from molmara.rl.recording import MemoryRecorder, Recorder
from molmara.rl.replay import ReplayMemory
from molmara.rl.rewards import BatchRewards, batch_rewards, mara_rewards
from molmara.rl.step_passes import StepPasses
from molmara.scoring import ScoringService

log = logging.getLogger("molmara.rl")


class TrainingError(RuntimeError):
    """The run cannot go on (NaN loss, an objective that fails on every molecule); a checkpoint was written."""


def build_objective(config: RunConfig) -> Objective:
    """The run's objective: a task by name, a TOML file, or an inline table."""
    from molmara import tasks

    if config.task is not None:
        return tasks.get(config.task)
    if isinstance(config.objective, dict):
        return Objective.from_dict(config.objective)
    return Objective.from_toml_file(config.objective)


class Trainer(TrainerState, StepPasses):
    """Fine-tunes an agent (a copy of the prior) against an objective; see the module docstring."""

    def __init__(
        self,
        config: RunConfig,
        recorder: Recorder | None = None,
        callbacks: list[Callable[[Trainer, dict], None]] | None = None,
        objective: Objective | None = None,
    ) -> None:
        self.config = config
        self.prior = load_prior(config.prior, config.device)
        self.agent = load_prior(config.agent, config.device) if config.agent else self.prior.copy()
        if self.agent.vocabulary != self.prior.vocabulary:
            raise CheckpointError("the agent and the prior have different vocabularies: they cannot be compared")
        for p in self.prior.model.parameters():
            p.requires_grad_(False)
        self.objective = objective or build_objective(config)
        self.objective.attach_run_folder(config.run_dir)  # oracles that keep files (docking poses) keep them here
        executor = None
        if config.scoring == "ray":
            from molmara.distributed import RayExecutor

            executor = RayExecutor(address=config.ray_address, time_limit=config.molecule_time_limit or None)
        self.service = ScoringService(
            self.objective,
            n_jobs=config.n_jobs,
            budget=config.max_oracle_calls,
            time_limit=config.molecule_time_limit or None,
            executor=executor,
        )
        self.optimizer = torch.optim.Adam(self.agent.model.parameters(), lr=config.learning_rate)
        self.generator = torch.Generator(device=self.agent.device).manual_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)
        self.replay = ReplayMemory(config.replay.memory_size)
        df = config.diversity_filter
        self.diversity_filter = ScaffoldDiversityFilter(df.bucket_size, df.min_score) if df.enabled else None
        c = config.collapse
        self.collapse = CollapseDetector(c.min_batch_uniqueness, c.min_new_scaffolds, c.patience)
        self.recorder = recorder if recorder is not None else MemoryRecorder()
        self.callbacks = list(callbacks or [])
        self.state = RunState()
        self.checkpoint_path = config.run_dir / "checkpoint.pt"
        self.run_id: int | None = None  # set when the run is registered in a run store (`molmara.lifecycle.open_run`)
        self.store = None
        self.clock = PhaseClock()  # seconds per phase of the steps so far (`molmara.rl.phases`)
        self._generic_scaffolds: dict[str, str | None] = {}  # Murcko scaffold → its generic scaffold

    # ------------------------------------------------------------------ one step
    def step(self) -> dict:
        """Run one RL step and return its record.

        Until the step commits, an interrupt (Ctrl-C, SIGTERM) or an error puts back what the step had changed —
        the generators, the score cache and budget, the filter and the replay memory — so that a checkpoint
        written then is the state after the last whole step, and a resumed run follows the same trajectory.
        """
        snapshot = self._snapshot()
        try:
            return self._step()
        except BaseException as err:
            if self.state.step == snapshot["step"]:  # not committed yet
                self._put_back(snapshot)
            if isinstance(err, TrainingError):
                self.save_checkpoint()  # the state after the last whole step, to inspect or resume from
            raise

    def _step(self) -> dict:
        config, started, clock = self.config, time.time(), self.clock
        self.agent.model.train()
        with clock.phase("sample"):
            sample = self.agent.sample(
                config.batch_size, config.temperature, generator=self.generator, precision=config.precision
            )
        with clock.phase("score"):
            top_before = self._plateau_scores()
            scored = self.service.score(sample.smiles)
        scorable = scored.valid & ~scored.over_budget
        if scorable.any() and not np.isfinite(scored.scores[scorable]).any():
            raise TrainingError("the objective returned NaN for every valid molecule of the batch; stopped")
        with clock.phase("rewards"):
            scaffolds = [murcko_scaffold_mol(m) for m in scored.mols]
            batch = batch_rewards(
                scored.canonical, scored.scores, scored.over_budget, scaffolds, config.duplicates, self.diversity_filter
            )
            replay_rewards, sequences = self._with_replay(sample, scored, batch)
        in_loss = np.concatenate([batch.in_loss, np.ones(len(replay_rewards), dtype=bool)])

        with clock.phase("likelihoods"):
            chunks = self._chunks(sequences)
            prior_logp = self._prior_likelihoods(sequences, chunks)
        with clock.phase("loss"):
            if config.mara:
                mara = mara_rewards(batch, replay_rewards, prior_logp.cpu().numpy(), config.tau, config.kl_beta)
                reward_used = mara.rewards
            else:
                mara, reward_used = None, np.concatenate([batch.rewards, replay_rewards])
            if not in_loss.any():
                raise TrainingError(f"no molecule of step {self.state.step + 1} is in the loss; checkpoint written")
            rewards = torch.from_numpy(np.nan_to_num(reward_used, nan=0.0)).to(prior_logp.device, prior_logp.dtype)
            terms = self._terms(torch.from_numpy(in_loss).to(prior_logp.device), prior_logp, rewards)
        self.optimizer.zero_grad(set_to_none=True)
        agent_logp, loss = self._agent_backward(sequences, chunks, terms, int(in_loss.sum()))
        if config.loss == "forward_kl":
            loss = loss + self._prior_sample_backward()
        if not torch.isfinite(loss):
            raise TrainingError(f"the loss became {loss.item()} at step {self.state.step + 1}; checkpoint written")
        if config.clip_grad_norm is not None:
            with clock.phase("backward"):
                torch.nn.utils.clip_grad_norm_(self.agent.model.parameters(), config.clip_grad_norm)
        n = len(sample.smiles)
        with deferred_interrupts():  # the update and its records land together, or neither does
            with clock.phase("optimizer"):
                self.optimizer.step()
            self.state.step += 1
            self.state.elapsed += time.time() - started
            self._count_plateau(top_before)
            with clock.phase("record"):
                record = self._record(scored, scaffolds, agent_logp[:n], prior_logp[:n], loss, mara, batch)
                self._record_molecules(scored, scaffolds, agent_logp[:n], prior_logp[:n], reward_used[:n])
                self.recorder.record_step(record)
            clock.steps += 1
        for callback in self.callbacks:
            callback(self, record)
        return record

    def _with_replay(self, sample, scored, batch: BatchRewards) -> tuple[np.ndarray, torch.Tensor]:
        """The replay memory's step in its mode's order (`molmara.rl.replay`), given the batch's scored first copies
        with their filtered rewards: the rewards of the molecules it hands back, and the batch's sequences with
        theirs appended (padded to one width)."""
        config = self.config
        kept = np.flatnonzero(batch.eligible)
        replay_smiles, replay_rewards = self.replay.step(
            config.replay.mode,
            config.replay.sample_size,
            self.rng,
            [scored.canonical[i] for i in kept],
            batch.rewards[kept],
            [sample.smiles[i] for i in kept],
        )
        sequences = sample.sequences
        if replay_smiles:
            replay_ids, encodable = self.agent.encode_batch(replay_smiles)
            replay_rewards = replay_rewards[encodable]
            if len(replay_rewards):
                width = max(sequences.shape[1], replay_ids.shape[1])
                sequences = torch.cat([_pad(sequences, width), _pad(replay_ids, width)])
        return replay_rewards, sequences

    # ------------------------------------------------------------------ PMO's early stop
    def _plateau_scores(self) -> np.ndarray | None:
        """The best `plateau.top` scores so far (None when the rule is off or fewer molecules were scored)."""
        rule = self.config.plateau
        if not rule.patience or self.service.oracle_calls <= rule.top:
            return None
        return self.service.top_scores(rule.top)

    def _count_plateau(self, before: np.ndarray | None) -> None:
        """After a step past `plateau.min_calls`: one more plateau step if the best scores did not change, else 0."""
        rule = self.config.plateau
        if not rule.patience or self.service.oracle_calls <= rule.min_calls:
            return
        after = self.service.top_scores(rule.top)
        unchanged = before is not None and np.array_equal(before, after)
        self.state.plateau = self.state.plateau + 1 if unchanged else 0

    def _record(self, scored, scaffolds, agent_logp, prior_logp, loss, mara, batch: BatchRewards) -> dict:
        n = len(scored.smiles)
        valid = scored.valid & ~scored.over_budget
        scores = scored.scores[valid]
        canonical = [c for c, ok in zip(scored.canonical, valid, strict=True) if ok]
        hit_score = self.config.hit_score
        new_scaffolds = 0
        for c, s, scaffold in zip(scored.canonical, scored.scores, scaffolds, strict=True):
            if c is not None and np.isfinite(s) and s >= hit_score:
                self.state.hits.add(c)
                if scaffold is not None and scaffold not in self.state.hit_scaffolds:
                    self.state.hit_scaffolds.add(scaffold)
                    new_scaffolds += 1
        scored_rows = int((~scored.over_budget).sum())  # a last batch cut at the budget is not a collapse
        uniqueness = len(set(canonical)) / scored_rows if scored_rows else 0.0
        warning = self.collapse.update(uniqueness, new_scaffolds)
        if warning:
            log.warning("step %d: %s", self.state.step, warning)
            if self.config.collapse.stop:
                self.state.status = "collapsed"
        agent_nll = -agent_logp.detach().cpu().numpy()
        prior_nll = -prior_logp.detach().cpu().numpy()
        anchor = mara.anchor if mara is not None else None  # always an on-policy row
        return {
            "step": self.state.step,
            "oracle_calls": self.service.oracle_calls,
            "elapsed_s": round(self.state.elapsed, 3),
            "score_mean": float(np.mean(scores)) if scores.size else math.nan,
            "score_max": float(np.max(scores)) if scores.size else math.nan,
            "score_p90": float(np.percentile(scores, 90)) if scores.size else math.nan,
            "valid_fraction": float(scored.valid.mean()) if n else 0.0,
            "unique_fraction": uniqueness,
            "duplicate_fraction": float(batch.duplicate.mean()) if n else 0.0,
            "filtered_fraction": float(batch.filtered.mean()) if n else 0.0,
            "above_tau_fraction": float(mara.above[:n].mean()) if mara is not None else math.nan,
            "tau": mara.threshold if mara is not None else math.nan,
            "hits": len(self.state.hits),
            "unique_hit_scaffolds": len(self.state.hit_scaffolds),
            "new_hit_scaffolds": new_scaffolds,
            "agent_nll": float(agent_nll.mean()),
            "prior_nll": float(prior_nll.mean()),
            "kl_estimate": float(np.mean(prior_nll - agent_nll)),
            "anchor_smiles": scored.smiles[anchor] if anchor is not None else "",
            "anchor_prior_nll": float(prior_nll[anchor]) if anchor is not None else math.nan,
            "loss": float(loss.item()),
            "collapse_warning": warning or "",
        }

    def _record_molecules(self, scored, scaffolds, agent_logp, prior_logp, rewards) -> None:
        sigma = 1.0 / self.config.kl_beta
        agent_nll = (-agent_logp).detach().cpu().numpy()
        prior_nll = (-prior_logp).detach().cpu().numpy()
        rows = []
        for i, smiles in enumerate(scored.smiles):
            row = {
                "SMILES": smiles,
                "Score": scored.scores[i],
                "Agent": agent_nll[i],
                "Prior": prior_nll[i],
                "Target": prior_nll[i] - sigma * rewards[i],  # REINVENT's augmented NLL
                "Scaffold": scaffolds[i] if scaffolds[i] is not None else "",
            }
            generic = self._generic_scaffold(scaffolds[i], scored.mols[i])
            for label in self.objective.labels:
                row[label] = scored.transformed[label][i]
                row[f"{label} (raw)"] = scored.raw[label][i]
            row.update(
                step=self.state.step,
                canonical_smiles=scored.canonical[i] or "",
                generic_scaffold=generic or "",
                valid=bool(scored.valid[i]),
                reward=rewards[i],
                hit=bool(np.isfinite(scored.scores[i]) and scored.scores[i] >= self.config.hit_score),
                over_budget=bool(scored.over_budget[i]),
            )
            rows.append(row)
        self.recorder.record_molecules(rows)

    def _generic_scaffold(self, scaffold: str | None, mol) -> str | None:
        """The generic scaffold of a molecule whose Murcko scaffold is `scaffold`, computed once per scaffold (it
        depends on the scaffold alone) rather than once per molecule."""
        if scaffold is None:
            return None
        if scaffold not in self._generic_scaffolds:
            self._generic_scaffolds[scaffold] = generic_scaffold_mol(mol)
        return self._generic_scaffolds[scaffold]

    # ------------------------------------------------------------------ the loop
    def budget_left(self) -> bool:
        c = self.config
        if self.service.exhausted:
            return False
        if c.max_steps is not None and self.state.step >= c.max_steps:
            return False
        if c.plateau.patience and self.state.plateau >= c.plateau.patience:
            return False
        return c.max_seconds is None or self.state.elapsed < c.max_seconds

    def stop_reason(self) -> str:
        """Why the run stopped (or would stop now): the budget that ended it, or "" while it can go on."""
        c = self.config
        if self.service.exhausted:
            return "oracle budget"
        if c.plateau.patience and self.state.plateau >= c.plateau.patience:
            return "plateau"
        if c.max_steps is not None and self.state.step >= c.max_steps:
            return "step cap"
        if c.max_seconds is not None and self.state.elapsed >= c.max_seconds:
            return "time"
        return ""

    def run(self, resume: bool = False) -> RunState:
        """Train until a budget is spent (or a collapse stops the run); returns the final state."""
        resumed_step = self.load_checkpoint() if resume else None
        if not resume:
            self.save_checkpoint()  # step 0, before the run shows "running": a run killed at any point can resume
        self.recorder.start(self.config.model_dump(), resumed_step)
        try:
            with StopRequests() as stop:
                while self.budget_left() and self.state.status == "running":
                    stop.check()  # a Ctrl-C swallowed inside a finaliser still stops the run here
                    self.step()
                    if self.state.step % self.config.checkpoint_every == 0:
                        self.save_checkpoint()
                stop.check()
        except KeyboardInterrupt:
            self.state.status = "cancelled"
            self.save_checkpoint()
            self.recorder.finish("cancelled", self.summary())
            raise
        except Exception as err:
            self.state.status = "failed"
            try:
                self.recorder.finish("failed", {**self.summary(), "error": str(err) or type(err).__name__})
            except Exception:  # the original error matters more than a failed record of it
                log.exception("could not record the failure of run %s", self.config.name)
            raise
        finally:
            self.service.close()
        if self.state.status == "running":
            self.state.status = "finished"
        self.save_checkpoint()
        self.agent.metadata = {**self.agent.metadata, "rl_run": self.config.name, "rl_steps": self.state.step}
        self.agent.save(self.config.run_dir / "agent.prior")
        self.recorder.finish(self.state.status, self.summary())
        return self.state

    def summary(self) -> dict:
        return {
            "steps": self.state.step,
            "oracle_calls": self.service.oracle_calls,
            "hits": len(self.state.hits),
            "unique_hit_scaffolds": len(self.state.hit_scaffolds),
            "elapsed_s": round(self.state.elapsed, 1),
            "stop_reason": self.stop_reason(),
        }


def _pad(ids: torch.Tensor, width: int) -> torch.Tensor:
    return torch.nn.functional.pad(ids, (0, width - ids.shape[1]))

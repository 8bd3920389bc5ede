"""A trainer's state in and out: the run state, the checkpoint (written atomically, verified on load), and the
snapshot that puts back what an unfinished step changed. `Trainer` inherits these; they read and write its
agent, optimiser, generators, scoring service, replay memory and diversity filter."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import torch

from molmara.model.integrity import IntegrityError, check_digest, read_torch_file, state_digest, tensor_digest
from molmara.model.prior import CheckpointError


@dataclass
class RunState:
    """What the trainer knows about the run so far (also what a checkpoint restores)."""

    step: int = 0
    elapsed: float = 0.0
    hits: set[str] = field(default_factory=set)
    hit_scaffolds: set[str] = field(default_factory=set)
    status: str = "running"
    plateau: int = 0
    """Steps in a row whose best scores did not change (`RunConfig.plateau`)."""


class TrainerState:
    """Checkpoints and step snapshots of a `Trainer` (see the module docstring)."""

    def _snapshot(self) -> dict:
        """What a step changes before it commits (cheap: the cache is only counted)."""
        df = self.diversity_filter
        return {
            "step": self.state.step,
            "generator": self.generator.get_state().clone(),
            "rng": self.rng.bit_generator.state,
            "service": self.service.mark(),
            "filter": (Counter(df.buckets), set(df.smiles_memory)) if df is not None else None,
            "replay": dict(self.replay.items),
        }

    def _put_back(self, snapshot: dict) -> None:
        self.generator.set_state(snapshot["generator"])
        self.rng.bit_generator.state = snapshot["rng"]
        self.service.rewind(snapshot["service"])
        if self.diversity_filter is not None:
            self.diversity_filter.buckets, self.diversity_filter.smiles_memory = snapshot["filter"]
        self.replay.items = snapshot["replay"]

    def save_checkpoint(self) -> None:
        """Write the run's whole state to `checkpoint.pt` atomically (a temporary file renamed over it)."""
        state = {
            "step": self.state.step,
            "elapsed": self.state.elapsed,
            "hits": sorted(self.state.hits),
            "hit_scaffolds": sorted(self.state.hit_scaffolds),
            "plateau": self.state.plateau,
            "agent": self.agent.model.state_dict(),
            "agent_digest": tensor_digest(self.agent.model.state_dict()),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "rng": self.rng.bit_generator.state,
            **self.service.state(),  # oracle_calls, cache_keys, cache_values
            "replay": self.replay.state(),
            "diversity_filter": self.diversity_filter.state() if self.diversity_filter else {},
        }
        state["state_digest"] = state_digest(state)
        self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.checkpoint_path.with_name("checkpoint.pt.tmp")
        torch.save(state, tmp)
        tmp.replace(self.checkpoint_path)

    def load_checkpoint(self) -> int:
        """Restore the state of `checkpoint.pt`; returns its step. A damaged or foreign file is a `CheckpointError`."""
        if not self.checkpoint_path.is_file():
            raise CheckpointError(f"no checkpoint to resume from in {self.checkpoint_path.parent}")
        where = f"run checkpoint {self.checkpoint_path}"
        try:
            state = read_torch_file(self.checkpoint_path, "run checkpoint")
            check_digest(state["agent"], state.get("agent_digest"), where)
            recorded = state.pop("state_digest", None)  # checkpoints written before it have none
            if recorded is not None and state_digest(state) != recorded:
                raise IntegrityError(f"{where} is damaged: its state does not match the digest recorded when written")
            self._restore(state)
        except IntegrityError as err:
            raise CheckpointError(str(err)) from None
        except (KeyError, TypeError, ValueError, RuntimeError, AttributeError) as err:
            kind = type(err).__name__
            raise CheckpointError(f"{where} is damaged or not a molmara run checkpoint ({kind})") from None
        return self.state.step

    def _restore(self, state: dict) -> None:
        """Put a checkpoint's state back into the agent, the optimiser, the generators, the cache and the memories."""
        self.agent.model.load_state_dict(state["agent"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.generator.set_state(state["generator"])
        self.rng.bit_generator.state = state["rng"]
        self.service.load_state(state)
        self.replay.load_state(state["replay"])
        if self.diversity_filter is not None and state["diversity_filter"]:
            self.diversity_filter.load_state(state["diversity_filter"])
        self.state = RunState(
            state["step"], state["elapsed"], set(state["hits"]), set(state["hit_scaffolds"]),
            plateau=int(state.get("plateau", 0)),  # checkpoints written before the plateau rule have none
        )  # fmt: skip

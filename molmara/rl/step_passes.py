"""The trainer's loss passes: the prior's likelihoods, the configured loss's per-row terms and the agent's
forward and backward passes in chunks of rows (`molmara.rl.passes`), as a part of `molmara.rl.trainer.Trainer`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import torch

from molmara.rl.losses import (
    forward_kl_advantage,
    likelihood_penalty_terms,
    policy_gradient_terms,
    reinvent_terms,
    reverse_kl_advantage,
)
from molmara.rl.passes import chunked_backward, chunked_log_likelihoods, length_chunks, rows_per_pass


class StepPasses:
    """The loss half of a step, on the trainer's `config`, `agent`, `prior`, `generator` and `clock`."""

    def _products(self) -> torch.autocast:
        """The context of the teacher-forced passes: bfloat16 products when the run's precision says so."""
        low = self.config.precision == "bfloat16"
        return torch.autocast(self.agent.device.type, dtype=torch.bfloat16, enabled=low)

    def _chunks(self, ids: torch.Tensor) -> list[torch.Tensor]:
        """The rows of `ids` in the chunks their passes run in (`molmara.rl.passes`); reverse KL's leave-one-out
        baseline needs every row's agent likelihood before any gradient, so it runs as one chunk."""
        rows = None if self.config.loss == "reverse_kl" else rows_per_pass(self.agent.device)
        return length_chunks(ids, self.agent.vocabulary.pad_id, rows)

    def _prior_likelihoods(self, ids: torch.Tensor, chunks: list[torch.Tensor]) -> torch.Tensor:
        with self._products():
            return chunked_log_likelihoods(self.prior.log_likelihood_tensor, ids, chunks, self.prior.vocabulary.pad_id)

    def _agent_backward(
        self, ids: torch.Tensor, chunks: list[torch.Tensor], terms: Callable, n_terms: int
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The agent's pass over `ids` with the gradient of sum(terms) / n_terms accumulated (`chunked_backward`)."""
        clock = self.clock
        return chunked_backward(
            self.agent.log_likelihood_tensor,
            ids,
            chunks,
            self.agent.vocabulary.pad_id,
            terms,
            n_terms,
            forward=lambda: _both(clock.phase("likelihoods"), self._products()),
            backward=lambda: clock.phase("backward"),
        )

    def _terms(self, in_loss: torch.Tensor, prior_logp: torch.Tensor, rewards: torch.Tensor) -> Callable:
        """The configured loss's per-row terms (`molmara.rl.losses`) as a function of rows and their agent
        log-likelihoods, for `chunked_backward`: the rows in the loss (batch first, then replay) only, with the
        likelihood penalty added where it is on."""
        config, beta = self.config, self.config.kl_beta
        advantage = torch.zeros_like(rewards)
        if config.loss == "forward_kl":
            advantage[in_loss] = forward_kl_advantage(rewards[in_loss])

        def terms(rows: torch.Tensor, agent_logp: torch.Tensor) -> torch.Tensor:
            rows = rows.to(in_loss.device)
            keep = in_loss[rows]
            a, p, r = agent_logp[keep], prior_logp[rows][keep], rewards[rows][keep]
            if config.loss == "reinvent":
                out = reinvent_terms(a, p, r, sigma=1.0 / beta)
            elif config.loss == "reverse_kl":  # one chunk holds every row (`_chunks`)
                out = policy_gradient_terms(a, reverse_kl_advantage(a, p, r, beta))
            else:
                out = policy_gradient_terms(a, advantage[rows][keep])
            if config.likelihood_penalty:
                out = out + config.likelihood_penalty * likelihood_penalty_terms(a)
            return out

        return terms

    def _prior_sample_backward(self) -> torch.Tensor:
        """Forward KL's second term, −β·mean log π_agent over a batch sampled from the prior: its gradient
        accumulated, its value returned."""
        config = self.config
        with self.clock.phase("loss"), torch.no_grad():
            ids = self.prior.sample(config.batch_size, generator=self.generator, precision=config.precision).sequences
        chunks = length_chunks(ids, self.agent.vocabulary.pad_id, rows_per_pass(self.agent.device))
        _, value = self._agent_backward(ids, chunks, lambda rows, logp: -config.kl_beta * logp, len(ids))
        return value


@contextmanager
def _both(first: AbstractContextManager, second: AbstractContextManager) -> Iterator[None]:
    with first, second:
        yield

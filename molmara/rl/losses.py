"""RL losses over a sampled batch, as small pure functions of tensors.

Inputs are per-sequence log-likelihoods (agent with gradient; prior without) and rewards — already
MARA-augmented when MARA is on (MARA and the loss are independent choices). Invalid molecules carry
reward 0 (the trainer maps NaN to 0 before calling).

- `reinvent_loss`: REINVENT's augmented likelihood, mean (log π_prior + σ·R − log π_agent)²; its fixed
  point is π_prior·exp(σR), the reverse-KL target with β = 1/σ.
- `reverse_kl_loss`: policy gradient on R − β·(log π_θ − log π_ref) with a leave-one-out baseline (the
  paper's estimator of the reverse-KL regularised objective).
- `forward_kl_loss`: policy gradient on R (leave-one-out baseline) plus β·E_{y∼π_ref}[∇ log π_θ(y)],
  the gradient of −β·KL(π_ref‖π_θ), estimated on a batch sampled from the prior.

Each loss is a mean over rows of per-row terms (`*_terms`) given batch-level advantages, so the trainer can
back-propagate it a chunk of rows at a time (`molmara.rl.passes`) with the same gradient.
"""

from __future__ import annotations

import torch


def leave_one_out(values: torch.Tensor) -> torch.Tensor:
    """For each element, the mean of the others (0 for a batch of one)."""
    n = values.numel()
    if n < 2:
        return torch.zeros_like(values)
    return (values.sum() - values) / (n - 1)


def reinvent_terms(
    agent_logp: torch.Tensor, prior_logp: torch.Tensor, rewards: torch.Tensor, sigma: float
) -> torch.Tensor:
    """Per row: the squared gap between the augmented likelihood log π_prior + σR and log π_agent."""
    target = prior_logp.detach() + sigma * rewards
    return (target - agent_logp) ** 2


def reinvent_loss(
    agent_logp: torch.Tensor, prior_logp: torch.Tensor, rewards: torch.Tensor, sigma: float
) -> torch.Tensor:
    """Mean squared gap between the augmented likelihood log π_prior + σR and log π_agent."""
    return reinvent_terms(agent_logp, prior_logp, rewards, sigma).mean()


def reverse_kl_advantage(
    agent_logp: torch.Tensor, prior_logp: torch.Tensor, rewards: torch.Tensor, beta: float
) -> torch.Tensor:
    """The KL-regularised return R − β·(log π_θ − log π_ref) less its leave-one-out baseline (no gradient)."""
    returns = rewards - beta * (agent_logp.detach() - prior_logp.detach())
    return returns - leave_one_out(returns)


def forward_kl_advantage(rewards: torch.Tensor) -> torch.Tensor:
    """R less its leave-one-out baseline."""
    return rewards - leave_one_out(rewards)


def policy_gradient_terms(agent_logp: torch.Tensor, advantage: torch.Tensor) -> torch.Tensor:
    """Per row: REINFORCE's −A·log π_agent."""
    return -advantage.detach() * agent_logp


def reverse_kl_loss(
    agent_logp: torch.Tensor, prior_logp: torch.Tensor, rewards: torch.Tensor, beta: float
) -> torch.Tensor:
    """REINFORCE on the KL-regularised return with a leave-one-out baseline."""
    advantage = reverse_kl_advantage(agent_logp, prior_logp, rewards, beta)
    return policy_gradient_terms(agent_logp, advantage).mean()


def forward_kl_loss(
    agent_logp: torch.Tensor, rewards: torch.Tensor, agent_logp_on_prior_samples: torch.Tensor, beta: float
) -> torch.Tensor:
    """REINFORCE on R (leave-one-out baseline) and maximum likelihood of prior samples weighted by β."""
    pg = policy_gradient_terms(agent_logp, forward_kl_advantage(rewards)).mean()
    return pg - beta * torch.mean(agent_logp_on_prior_samples)


def likelihood_penalty_terms(agent_logp: torch.Tensor) -> torch.Tensor:
    """Per row: −1/log π_agent (see `likelihood_penalty`)."""
    return -1.0 / agent_logp


def likelihood_penalty(agent_logp: torch.Tensor) -> torch.Tensor:
    """mean(−1/log π_agent): PMO's REINVENT regulariser (mol_opt `main/reinvent/run.py`, weight 5000 there).

    log π < 0, so each term is 1/|log π|: it grows as a sequence becomes more likely, and its gradient pushes
    the likelihood of every sequence in the loss down, most for the likeliest ones.
    """
    return likelihood_penalty_terms(agent_logp).mean()

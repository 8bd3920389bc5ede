"""The RL step's passes in length-sorted chunks (`molmara.rl.passes`): the same gradient as one pass."""

from contextlib import nullcontext

import pytest
import torch

from molmara import load_prior
from molmara.rl.losses import (
    forward_kl_advantage,
    forward_kl_loss,
    likelihood_penalty,
    likelihood_penalty_terms,
    policy_gradient_terms,
    reinvent_loss,
    reinvent_terms,
)
from molmara.rl.passes import chunked_backward, chunked_log_likelihoods, length_chunks, trimmed
from molmara.rl.recording import MemoryRecorder
from molmara.rl.trainer import Trainer
from tests.test_rl_trainer import config


def test_length_chunks_cover_every_row_once_shortest_first():
    pad = 0
    ids = torch.tensor([[1, 5, 5, 5, 2], [1, 2, 0, 0, 0], [1, 5, 2, 0, 0], [1, 5, 5, 2, 0], [1, 2, 0, 0, 0]])
    chunks = length_chunks(ids, pad, 2)
    assert [c.tolist() for c in chunks] == [[1, 4], [2, 3], [0]]
    assert [c.tolist() for c in length_chunks(ids, pad, None)] == [[1, 4, 2, 3, 0]]
    assert trimmed(ids[chunks[0]], pad).tolist() == [[1, 2], [1, 2]]
    assert trimmed(ids[chunks[1]], pad).shape == (2, 4)


@pytest.fixture
def batch(tiny_prior_path):
    prior = load_prior(str(tiny_prior_path), "cpu")
    ids = prior.sample(23, generator=torch.Generator().manual_seed(3)).sequences
    rewards = torch.rand(len(ids), generator=torch.Generator().manual_seed(4))
    in_loss = torch.ones(len(ids), dtype=torch.bool)
    in_loss[[2, 7, 8]] = False  # e.g. failures and over-budget molecules
    with torch.no_grad():
        prior_logp = prior.log_likelihood_tensor(ids)
    return prior, ids, rewards, in_loss, prior_logp


def gradient(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.grad.flatten() for p in model.parameters()])


def close(gradient: torch.Tensor, expected: torch.Tensor) -> bool:
    """Equal up to float rounding: the difference is a hundred-thousandth of the gradient's norm."""
    return bool(torch.linalg.norm(gradient - expected) <= 1e-5 * torch.linalg.norm(expected))


@pytest.mark.parametrize("loss", ["reinvent", "policy_gradient"])
def test_chunked_backward_gives_the_one_pass_gradient_and_loss(batch, loss):
    agent, ids, rewards, in_loss, prior_logp = batch
    pad, n = agent.vocabulary.pad_id, int(in_loss.sum())
    sigma, penalty = 60.0, 5.0

    agent.model.zero_grad()
    a = agent.log_likelihood_tensor(ids)[in_loss]
    if loss == "reinvent":
        whole = reinvent_loss(a, prior_logp[in_loss], rewards[in_loss], sigma)
    else:
        whole = forward_kl_loss(a, rewards[in_loss], torch.zeros(1), 0.0)  # the prior-sample term: 0
    whole = whole + penalty * likelihood_penalty(a)
    whole.backward()
    expected = gradient(agent.model)

    advantage = torch.zeros_like(rewards)
    advantage[in_loss] = forward_kl_advantage(rewards[in_loss])

    def terms(rows, logp):
        keep = in_loss[rows]
        if loss == "reinvent":
            out = reinvent_terms(logp[keep], prior_logp[rows][keep], rewards[rows][keep], sigma)
        else:
            out = policy_gradient_terms(logp[keep], advantage[rows][keep])
        return out + penalty * likelihood_penalty_terms(logp[keep])

    agent.model.zero_grad()
    chunks = length_chunks(ids, pad, 5)
    assert len(chunks) == 5
    logp, value = chunked_backward(agent.log_likelihood_tensor, ids, chunks, pad, terms, n, nullcontext, nullcontext)
    assert close(gradient(agent.model), expected)
    assert value.item() == pytest.approx(whole.item(), rel=1e-5)
    with torch.no_grad():
        assert torch.allclose(logp, agent.log_likelihood_tensor(ids), atol=1e-4)
        assert torch.allclose(chunked_log_likelihoods(agent.log_likelihood_tensor, ids, chunks, pad), logp)


@pytest.mark.parametrize("loss", ["reinvent", "forward_kl", "reverse_kl"])
def test_a_trainer_step_has_the_same_gradient_in_chunks_of_five_rows(tiny_prior_path, tmp_path, monkeypatch, loss):
    """Replay rows, rows out of the loss (repeats dropped) and the likelihood penalty included."""
    extra = dict(max_steps=1, batch_size=24, duplicates="drop", likelihood_penalty=5.0, loss=loss,
                 replay={"memory_size": 10, "sample_size": 4})  # fmt: skip
    one = Trainer(config(tiny_prior_path, tmp_path / "one", **extra), MemoryRecorder())
    one.run()
    monkeypatch.setattr("molmara.rl.passes.CPU_ROWS_PER_PASS", 5)
    recorder = MemoryRecorder()
    chunked = Trainer(config(tiny_prior_path, tmp_path / "chunked", **extra), recorder)
    assert len(chunked._chunks(torch.zeros(24, 3, dtype=torch.long))) == (1 if loss == "reverse_kl" else 5)
    chunked.run()
    assert close(gradient(chunked.agent.model), gradient(one.agent.model))
    assert recorder.steps[0]["loss"] == pytest.approx(one.recorder.steps[0]["loss"], rel=1e-5)

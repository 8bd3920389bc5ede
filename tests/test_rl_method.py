"""The method, checked: MARA on hand-computed batches, the closed-form targets, and a tabular softmax
policy trained with each loss converging to its closed-form target (with and without MARA)."""

import math

import numpy as np
import pytest
import torch

from molmara.rl.losses import forward_kl_loss, leave_one_out, reinvent_loss, reverse_kl_loss
from molmara.rl.mara import MaraError, augment
from molmara.rl.targets import forward_kl_normaliser, forward_kl_target, gibbs_target, mara_target

# ----------------------------------------------------------------------------- MARA by hand


def test_mara_on_a_hand_computed_batch():
    rewards = np.array([0.9, 0.5, 0.95, 0.8, np.nan])
    ref_logp = np.array([-20.0, -10.0, -25.0, -15.0, -5.0])
    out = augment(rewards, ref_logp, tau=0.8, beta=0.1)
    # anchor: among R >= 0.8 (0, 2, 3) the highest log π_ref is index 3 (−15)
    assert out.anchor == 3 and out.threshold == 0.8
    expected = [0.8 + 0.1 * (-15 + 20), 0.5, 0.8 + 0.1 * (-15 + 25), 0.8]
    np.testing.assert_allclose(out.rewards[:4], expected)
    assert math.isnan(out.rewards[4])  # invalid molecule: never above τ, stays NaN
    assert list(out.above) == [True, False, True, True, False]
    # the reverse-KL target log π_ref + R̄/β is the same for every sample at or above τ
    target = ref_logp + out.rewards / 0.1
    assert np.ptp(target[[0, 2, 3]]) == pytest.approx(0.0, abs=1e-9)


def test_mara_nothing_above_everything_above_and_ties():
    rewards, logp = np.array([0.1, 0.2, 0.3]), np.array([-3.0, -2.0, -1.0])
    none = augment(rewards, logp, tau=0.5, beta=1.0)
    assert none.anchor is None and np.array_equal(none.rewards, rewards)
    everything = augment(rewards, logp, tau=0.0, beta=1.0)
    assert everything.anchor == 2
    np.testing.assert_allclose(everything.rewards, [0.3 + 2.0, 0.3 + 1.0, 0.3])
    # equal log π_ref: the higher reward anchors, then the lower index
    tied = augment(np.array([0.8, 0.9, 0.9]), np.array([-5.0, -5.0, -5.0]), tau=0.8, beta=0.5)
    assert tied.anchor == 1
    np.testing.assert_allclose(tied.rewards, [0.9, 0.9, 0.9])


def test_mara_percentile_tau_and_tensors():
    rewards = torch.tensor([0.1, 0.4, 0.7, 1.0, float("nan")])
    out = augment(rewards, torch.tensor([-1.0, -2.0, -3.0, -4.0, -5.0]), tau="p50", beta=1.0)
    assert out.threshold == pytest.approx(0.55)  # median of the valid rewards
    assert out.anchor == 2 and list(out.above) == [False, False, True, True, False]
    with pytest.raises(MaraError, match="percentile"):
        augment(rewards, rewards, tau="top10", beta=1.0)
    with pytest.raises(MaraError, match="beta must be a positive"):
        augment(rewards, rewards, tau=0.5, beta=0.0)


# ----------------------------------------------------------------------------- closed-form targets

REWARDS = np.array([1.0, 1.0, 0.95, 0.3, 0.2, 0.9])
PRIOR = np.array([0.05, 0.30, 0.10, 0.35, 0.15, 0.05])


def test_targets_collapse_and_mara_spreads():
    logp = np.log(PRIOR)
    gibbs = gibbs_target(REWARDS, logp, beta=0.05)
    assert gibbs.sum() == pytest.approx(1.0) and gibbs.argmax() == 1 and gibbs[1] > 0.75  # one mode dominates
    # equal rewards keep the prior's ratio whatever β is
    for beta in (0.01, 1.0, 100.0):
        g = gibbs_target(REWARDS, logp, beta)
        assert g[1] / g[0] == pytest.approx(PRIOR[1] / PRIOR[0])
    mara = mara_target(REWARDS, logp, beta=0.05, tau=0.85)
    np.testing.assert_allclose(mara[[0, 1, 2, 5]], mara[1])  # uniform over R >= τ
    assert mara[[0, 1, 2, 5]].sum() > 0.999


def test_forward_kl_target_normaliser():
    logp = np.log(PRIOR)
    target = forward_kl_target(REWARDS, logp, beta=0.1)
    lam = forward_kl_normaliser(REWARDS, logp, beta=0.1)
    assert lam > REWARDS.max()
    assert abs(target.sum() - 1.0) <= 1e-12
    np.testing.assert_allclose(target, 0.1 * PRIOR / (lam - REWARDS))


# ----------------------------------------------------------------------------- tabular policy


def train_tabular(loss_name: str, mara: bool, beta: float, steps: int = 3000, batch: int = 512, seed: int = 0):
    """Softmax policy over the outcomes, started at the prior, trained on sampled batches."""
    generator = torch.Generator().manual_seed(seed)
    prior_logp = torch.log(torch.tensor(PRIOR))
    rewards_all = torch.tensor(REWARDS)
    theta = prior_logp.clone().requires_grad_(True)
    optimiser = torch.optim.Adam([theta], lr=0.02)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, steps, eta_min=1e-4)
    for _ in range(steps):
        log_pi = torch.log_softmax(theta, 0)
        samples = torch.multinomial(log_pi.exp().detach(), batch, replacement=True, generator=generator)
        rewards = rewards_all[samples]
        if mara:
            rewards = torch.from_numpy(augment(rewards, prior_logp[samples], tau=0.85, beta=beta).rewards)
        agent_logp = log_pi[samples]
        if loss_name == "reinvent":
            loss = reinvent_loss(agent_logp, prior_logp[samples], rewards, sigma=1 / beta)
        elif loss_name == "reverse_kl":
            loss = reverse_kl_loss(agent_logp, prior_logp[samples], rewards, beta)
        else:
            prior_samples = torch.multinomial(prior_logp.exp(), batch, replacement=True, generator=generator)
            loss = forward_kl_loss(agent_logp, rewards, log_pi[prior_samples], beta)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
    return torch.softmax(theta, 0).detach().numpy()


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    return 0.5 * float(np.abs(p - q).sum())


@pytest.mark.parametrize(
    "loss_name, mara, beta, target",
    [
        ("reverse_kl", False, 0.2, lambda b: gibbs_target(REWARDS, np.log(PRIOR), b)),
        ("reverse_kl", True, 0.2, lambda b: mara_target(REWARDS, np.log(PRIOR), b, 0.85)),
        ("forward_kl", False, 0.2, lambda b: forward_kl_target(REWARDS, np.log(PRIOR), b)),
        ("forward_kl", True, 0.2, lambda b: mara_target(REWARDS, np.log(PRIOR), b, 0.85, divergence="forward")),
        ("reinvent", False, 0.2, lambda b: gibbs_target(REWARDS, np.log(PRIOR), b)),
        ("reinvent", True, 0.2, lambda b: mara_target(REWARDS, np.log(PRIOR), b, 0.85)),
    ],
)
def test_tabular_policy_converges_to_its_closed_form_target(loss_name, mara, beta, target):
    learned = train_tabular(loss_name, mara, beta)
    assert total_variation(learned, target(beta)) < 0.03, (learned.round(3), target(beta).round(3))


def test_leave_one_out_baseline():
    values = torch.tensor([1.0, 2.0, 6.0])
    torch.testing.assert_close(leave_one_out(values), torch.tensor([4.0, 3.5, 1.5]))
    assert leave_one_out(torch.tensor([5.0])).item() == 0.0

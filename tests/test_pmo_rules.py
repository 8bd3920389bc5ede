"""PMO's REINVENT rules (mol_opt `main/reinvent/`), each on its own: replay drawn in proportion to reward
before the batch is added, the likelihood penalty, and the early stop on an unchanged top list."""

import numpy as np
import pytest
import torch

import molmara
from molmara.rl.config import load_run_config
from molmara.rl.losses import likelihood_penalty
from molmara.rl.recording import MemoryRecorder
from molmara.rl.replay import ReplayMemory
from molmara.rl.trainer import Trainer


def test_pmo_replay_draws_from_the_memory_before_the_batch_joins_it():
    memory = ReplayMemory(size=100)
    rng = np.random.default_rng(0)
    drawn, _ = memory.step("pmo", 2, rng, ["A", "B"], np.array([0.9, 0.8]), ["a", "b"])
    assert drawn == [] and set(memory.items) == {"A", "B"}  # nothing to draw from yet; then the batch went in
    drawn, _ = memory.step("pmo", 2, rng, ["C"], np.array([1.0]), ["c"])
    assert drawn == [] and len(memory) == 3  # two entries are not *more* than the two asked for
    drawn, rewards = memory.step("pmo", 2, rng, ["D"], np.array([1.0]), ["d"])
    assert len(drawn) == 2 and len(set(drawn)) == 2 and "d" not in drawn  # D was added after the draw
    assert set(drawn) <= {"a", "b", "c"} and len(memory) == 4


def test_reinvent4_replay_adds_the_batch_before_the_draw():
    memory = ReplayMemory(size=100)
    drawn, rewards = memory.step("reinvent4", 5, np.random.default_rng(0), ["A"], np.array([0.7]), ["a"])
    assert drawn == ["a"] and rewards.tolist() == [0.7]


def test_pmo_replay_draw_is_proportional_to_reward():
    memory = ReplayMemory(size=10)
    memory.add(["A", "B"], np.array([0.75, 0.25]), ["a", "b"])
    rng = np.random.default_rng(1)
    draws = [memory.sample(1, rng, weighted=True)[0][0] for _ in range(4000)]
    assert abs(draws.count("a") / 4000 - 0.75) < 0.03
    memory.add(["C", "D"], np.array([0.0, 0.0]), ["c", "d"])  # zero reward: drawn only with weight 1e-10
    memory.add(["E"], np.array([1.0]), ["e"])
    assert {memory.sample(3, rng, weighted=True)[0][0] for _ in range(200)} <= {"a", "b", "e"}
    uniform = [memory.sample(1, rng)[0][0] for _ in range(2000)]
    assert uniform.count("c") > 300  # the REINVENT 4 draw is uniform: a zero-reward entry comes up a fifth of the time


def test_likelihood_penalty_is_mean_inverse_nll_and_pushes_likelihood_down():
    logp = torch.tensor([-2.0, -4.0], requires_grad=True)
    penalty = likelihood_penalty(logp)
    assert penalty.item() == pytest.approx((1 / 2 + 1 / 4) / 2)
    penalty.backward()
    # d/dL of -1/L is 1/L² > 0: a gradient step lowers every log-likelihood, the likeliest sequence most
    torch.testing.assert_close(logp.grad, torch.tensor([1 / 4, 1 / 16]) / 2)


def run_config(tiny_prior_path, tmp_path, **overrides):
    values = dict(
        prior=str(tiny_prior_path),
        objective={"component": [{"oracle": "qed", "weight": 1.0}]},
        batch_size=32,
        max_oracle_calls=None,
        max_steps=6,
        tau=0.6,
        device="cpu",
        output=str(tmp_path),
        learning_rate=1e-3,
        molecule_time_limit=0,
    )
    values.update(overrides)
    return load_run_config(values)


def test_the_penalty_adds_its_weight_times_mean_inverse_nll_to_the_first_step_loss(tiny_prior_path, tmp_path):
    plain = Trainer(run_config(tiny_prior_path, tmp_path / "a", max_steps=1), MemoryRecorder())
    plain.run()
    penalised = Trainer(
        run_config(tiny_prior_path, tmp_path / "b", max_steps=1, likelihood_penalty=5000.0), MemoryRecorder()
    )
    penalised.run()
    agent_nll = np.array([m["Agent"] for m in penalised.recorder.molecules])  # the same first batch in both
    np.testing.assert_allclose(agent_nll, [m["Agent"] for m in plain.recorder.molecules], rtol=1e-6)
    gap = penalised.recorder.steps[0]["loss"] - plain.recorder.steps[0]["loss"]
    assert gap == pytest.approx(5000.0 * np.mean(1.0 / agent_nll), rel=1e-4)


@molmara.oracle(name="flat_half", description="0.5 for every molecule: the best scores never change")
def flat_half(mol):
    return 0.5


FLAT = {"component": [{"oracle": "flat_half", "weight": 1.0}]}


def test_a_run_whose_top_scores_stop_changing_ends_after_patience_steps(tiny_prior_path, tmp_path):
    cfg = run_config(tiny_prior_path, tmp_path, objective=FLAT, plateau={"patience": 2, "top": 1, "min_calls": 0})
    trainer = Trainer(cfg, MemoryRecorder())
    state = trainer.run()
    # step 1: nothing scored before it, nothing to compare; steps 2 and 3: the best score stays 0.5
    # (top 1: the tiny test prior writes only a few valid SMILES a batch)
    assert state.status == "finished" and state.step == 3 and state.plateau == 2
    assert trainer.summary()["stop_reason"] == "plateau"


def test_the_plateau_is_not_counted_before_min_calls_and_is_off_by_default(tiny_prior_path, tmp_path):
    late = run_config(tiny_prior_path, tmp_path / "a", objective=FLAT, plateau={"patience": 2, "min_calls": 10**6})
    trainer = Trainer(late, MemoryRecorder())
    assert trainer.run().step == 6 and trainer.summary()["stop_reason"] == "step cap"
    off = Trainer(run_config(tiny_prior_path, tmp_path / "b", objective=FLAT), MemoryRecorder())
    assert off.run().step == 6 and off.state.plateau == 0


def test_the_plateau_count_survives_a_resume(tiny_prior_path, tmp_path):
    cfg = run_config(tiny_prior_path, tmp_path, objective=FLAT, max_steps=2, plateau={"patience": 3, "top": 1})
    first = Trainer(cfg.model_copy(update={"plateau": cfg.plateau.model_copy(update={"min_calls": 0})}))
    first.run()
    assert first.state.plateau == 1
    resumed = Trainer(first.config.model_copy(update={"max_steps": 10}), MemoryRecorder())
    resumed.run(resume=True)
    assert resumed.state.step == 4 and resumed.summary()["stop_reason"] == "plateau"  # 1 + 2 more, not 3 more

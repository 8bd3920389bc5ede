import math
import signal
import time

import numpy as np
import pytest
import torch

import molmara
from molmara.rl.config import RunConfigError, load_run_config
from molmara.rl.phases import PHASES
from molmara.rl.recording import MemoryRecorder
from molmara.rl.trainer import Trainer, TrainingError
from molmara.store.recorders import CsvRecorder

QED = {"component": [{"oracle": "qed", "weight": 1.0}]}


def config(tiny_prior_path, tmp_path, **overrides):
    values = dict(
        prior=str(tiny_prior_path),
        objective=QED,
        batch_size=32,
        max_oracle_calls=None,
        max_steps=4,
        tau=0.6,
        device="cpu",
        output=str(tmp_path),
        checkpoint_every=2,
        learning_rate=1e-3,
    )
    values.update(overrides)
    return load_run_config(values)


@pytest.mark.parametrize("loss", ["reinvent", "reverse_kl", "forward_kl"])
@pytest.mark.parametrize("mara", [True, False])
def test_each_loss_runs_and_records(tiny_prior_path, tmp_path, loss, mara):
    recorder = MemoryRecorder()
    seen = []
    trainer = Trainer(config(tiny_prior_path, tmp_path, loss=loss, mara=mara), recorder, [lambda t, r: seen.append(r)])
    started = time.perf_counter()
    state = trainer.run()
    wall = time.perf_counter() - started
    assert state.status == "finished" and state.step == 4 and len(seen) == 4
    assert len(recorder.molecules) == 4 * 32
    record = recorder.steps[-1]
    for key in ("oracle_calls", "score_mean", "valid_fraction", "unique_fraction", "hits", "kl_estimate", "loss"):
        assert key in record
    assert math.isfinite(record["loss"])
    assert (record["anchor_smiles"] != "") == (mara and record["above_tau_fraction"] > 0)
    molecule = recorder.molecules[0]
    assert {"SMILES", "Score", "Agent", "Prior", "Target", "Scaffold", "qed", "qed (raw)", "step"} <= set(molecule)
    assert (tmp_path / "run" / "agent.prior").is_file()
    split = trainer.clock.per_step()  # every phase of every step timed, and together no more than the steps took
    assert trainer.clock.steps == 4 and list(split) == list(PHASES)
    assert all(seconds >= 0 for seconds in split.values())
    assert sum(split.values()) * 4 <= wall


@pytest.mark.parametrize("loss", ["reinvent", "forward_kl"])
def test_a_bfloat16_run_trains_float32_weights_on_likelihoods_close_to_float32s(tiny_prior_path, tmp_path, loss):
    low = Trainer(config(tiny_prior_path, tmp_path / "bf16", precision="bfloat16", loss=loss), MemoryRecorder())
    state = low.run()
    assert state.status == "finished" and state.step == 4
    assert all(p.dtype == torch.float32 for p in low.agent.model.parameters())  # autocast: the products only
    sequences = low.agent.sample(64, generator=torch.Generator().manual_seed(1)).sequences
    with torch.no_grad():
        prior = low._prior_likelihoods(sequences, low._chunks(sequences))  # the run's bfloat16 products
        exact = low.prior.log_likelihood_tensor(sequences)
    assert prior.dtype == torch.float32
    error = (prior - exact).abs()
    assert 0 < error.max() < 0.5  # bfloat16 products did run, and change a tiny model's log-likelihoods little
    full = Trainer(config(tiny_prior_path, tmp_path / "f32", loss=loss), MemoryRecorder())
    full.run()
    assert not torch.equal(full.agent.model.head.weight, low.agent.model.head.weight)


def test_budget_of_unique_oracle_calls_stops_the_run(tiny_prior_path, tmp_path):
    trainer = Trainer(config(tiny_prior_path, tmp_path, max_steps=None, max_oracle_calls=50), MemoryRecorder())
    trainer.run()
    assert trainer.service.oracle_calls == 50
    assert trainer.state.step >= 2


def test_resumed_run_follows_the_same_trajectory(tiny_prior_path, tmp_path):
    straight = Trainer(config(tiny_prior_path, tmp_path / "a", max_steps=6, checkpoint_every=3), MemoryRecorder())
    straight.run()
    first = Trainer(config(tiny_prior_path, tmp_path / "b", max_steps=3, checkpoint_every=3), MemoryRecorder())
    first.run()
    recorder = MemoryRecorder()
    resumed = Trainer(config(tiny_prior_path, tmp_path / "b", max_steps=6, checkpoint_every=3), recorder)
    resumed.run(resume=True)
    assert [r["step"] for r in recorder.steps] == [4, 5, 6]
    for key, value in straight.agent.model.state_dict().items():
        torch.testing.assert_close(resumed.agent.model.state_dict()[key], value)
    assert resumed.service.oracle_calls == straight.service.oracle_calls


def test_csv_recorder_writes_reinvent_columns(tiny_prior_path, tmp_path):
    import pandas as pd

    cfg = config(tiny_prior_path, tmp_path, max_steps=2)
    Trainer(cfg, CsvRecorder(cfg.run_dir)).run()
    molecules = pd.read_csv(cfg.run_dir / "molecules.csv")
    assert list(molecules.columns[:6]) == ["SMILES", "Score", "Agent", "Prior", "Target", "Scaffold"]
    assert len(molecules) == 64 and set(molecules["step"]) == {1, 2}
    assert len(pd.read_csv(cfg.run_dir / "steps.csv")) == 2


def test_diversity_filter_and_replay_run(tiny_prior_path, tmp_path):
    cfg = config(
        tiny_prior_path,
        tmp_path,
        diversity_filter={"enabled": True, "bucket_size": 1, "min_score": 0.0},
        replay={"memory_size": 20, "sample_size": 5},
    )
    trainer = Trainer(cfg, MemoryRecorder())
    trainer.run()
    valid_unique = {m["canonical_smiles"] for m in trainer.recorder.molecules if m["valid"]}
    assert len(trainer.replay) == min(20, len(valid_unique)) > 0
    # min_score 0: every scored first copy is remembered, and a bucket of 1 keeps one molecule a scaffold
    df = trainer.diversity_filter
    assert df.buckets and df.smiles_memory
    kept = [m for m in trainer.recorder.molecules if m["valid"] and m["reward"] > 0]
    by_scaffold = {}
    for m in kept:
        by_scaffold.setdefault(m["Scaffold"], set()).add(m["canonical_smiles"])
    assert max(len(v) for v in by_scaffold.values()) == 1


def test_an_objective_that_fails_on_every_molecule_stops_with_a_checkpoint(tiny_prior_path, tmp_path):
    @molmara.oracle(name="always_fails", description="raises on every molecule")
    def always_fails(mol):
        raise RuntimeError("broken oracle")

    cfg = config(tiny_prior_path, tmp_path, objective={"component": [{"oracle": "always_fails", "weight": 1.0}]})
    with pytest.raises(TrainingError, match="NaN for every valid molecule"):
        Trainer(cfg, MemoryRecorder()).run()
    assert (cfg.run_dir / "checkpoint.pt").is_file()


@pytest.mark.parametrize(
    "override, message",
    [
        ({"batch_size": 0}, "batch_size"),
        ({"beta": 0}, "beta"),
        ({"tau": 1.5}, "tau must lie in"),
        ({"tau": "top10"}, "percentile"),
        ({"colour": "red"}, "config: unknown key 'colour'"),
        ({"objective": None}, "exactly one of"),
        ({"max_steps": None, "max_oracle_calls": None}, "give a budget"),
    ],
)
def test_bad_run_configs_name_the_key(tiny_prior_path, tmp_path, override, message):
    with pytest.raises(RunConfigError, match=message):
        config(tiny_prior_path, tmp_path, **override)


def test_agent_with_another_vocabulary_is_refused(tiny_prior_path, tmp_path):
    from molmara.model import ModelConfig, Prior, SmilesRNN, Vocabulary
    from molmara.model.prior import CheckpointError

    vocabulary = Vocabulary.from_smiles(["CCO", "c1ccccc1"])
    other = Prior(
        SmilesRNN(ModelConfig(vocab_size=len(vocabulary), hidden_size=8, num_layers=1)), vocabulary, device="cpu"
    )
    other.save(tmp_path / "other.prior")
    with pytest.raises(CheckpointError, match="different vocabularies"):
        Trainer(config(tiny_prior_path, tmp_path, agent=str(tmp_path / "other.prior")), MemoryRecorder())


def test_mara_run_scores_more_above_tau_than_it_started(tiny_prior_path, tmp_path):
    recorder = MemoryRecorder()
    Trainer(config(tiny_prior_path, tmp_path, max_steps=25, batch_size=64, learning_rate=5e-3), recorder).run()
    first, last = recorder.steps[0]["score_mean"], np.mean([r["score_mean"] for r in recorder.steps[-5:]])
    assert last > first


def test_molmara_run_command(tiny_prior_path, tmp_path, capsys):
    from molmara.cli import main

    objective = tmp_path / "objective.toml"
    objective.write_text('[[component]]\noracle = "qed"\nweight = 1.0\n')
    run_config = tmp_path / "run.toml"
    run_config.write_text(
        f'name = "cli"\nprior = "{tiny_prior_path}"\nobjective = "objective.toml"\nbatch_size = 16\n'
        f'max_steps = 3\nmax_oracle_calls = 1000\ndevice = "cpu"\noutput = "{tmp_path / "runs"}"\n'
    )
    assert main(["run", str(run_config)]) == 0
    out = capsys.readouterr().out
    assert "step    3" in out and "finished: run 1 'cli', 3 steps" in out
    assert (tmp_path / "runs" / "cli" / "molecules.csv").is_file()
    bad = tmp_path / "bad.toml"
    bad.write_text('objective = "objective.toml"\nbatch_size = 0\n')
    assert main(["run", str(bad)]) == 1
    assert "batch_size" in capsys.readouterr().err


@pytest.mark.parametrize("mara", [False, True])
def test_every_repeat_in_a_real_run_is_trained_on_reward_zero(tiny_prior_path, tmp_path, mara):
    """A small run into the SQLite store: each second and later copy of a molecule in a step has reward 0."""
    import pandas as pd

    from molmara.lifecycle import run
    from molmara.store import RunStore

    cfg = config(tiny_prior_path, tmp_path, max_steps=12, batch_size=64, learning_rate=5e-3, temperature=0.7, mara=mara)
    run_id = run(cfg).run_id
    molecules = RunStore(cfg.store_path).molecules(run_id)
    scored = molecules[molecules["valid"] & ~molecules["over_budget"]]
    repeat = scored.duplicated(["step", "canonical_smiles"])
    assert repeat.sum() > 10  # a low temperature on a tiny prior: repeats are common
    assert (scored.loc[repeat, "reward"] == 0.0).all()
    first = scored[~repeat]
    plain = first if not mara else first[first["score"] < cfg.tau]  # MARA rescales the first copies at or above τ
    assert len(plain) and (plain["reward"] == plain["score"]).all()
    assert (first["score"] > 0).any()
    invalid = molecules[~molecules["valid"]]
    assert (invalid["reward"] == 0.0).all()
    steps = RunStore(cfg.store_path).steps(run_id)
    assert isinstance(steps, pd.DataFrame) and (steps["duplicate_fraction"] > 0).any()
    from molmara.store.export import export_run

    with RunStore(cfg.store_path) as store:  # the export shows the reward each molecule was trained on
        export_run(store, run_id, tmp_path / "export.csv")
    exported = pd.read_csv(tmp_path / "export.csv")
    valid = exported[exported["valid"] & ~exported["over_budget"]]
    assert (valid.loc[valid.duplicated(["step", "canonical_smiles"]), "reward"] == 0.0).all()


def test_an_interrupt_inside_a_step_resumes_on_the_uninterrupted_trajectory(tiny_prior_path, tmp_path):
    """Ctrl-C in step 3 after it sampled, scored, filtered and replayed: the checkpoint is the state after step 2
    (generators, cache, budget, filter and replay put back), so the resumed run ends where an uninterrupted one does."""
    extra = dict(max_steps=5, checkpoint_every=1, batch_size=16,
                 diversity_filter={"enabled": True, "bucket_size": 2, "min_score": 0.3},
                 replay={"memory_size": 10, "sample_size": 4})  # fmt: skip
    straight = Trainer(config(tiny_prior_path, tmp_path / "a", **extra), MemoryRecorder())
    straight.run()

    cfg = config(tiny_prior_path, tmp_path / "b", **extra)
    armed = {"now": False}
    interrupted = Trainer(cfg, MemoryRecorder(), callbacks=[lambda t, r: armed.update(now=r["step"] == 2)])
    likelihoods = interrupted._prior_likelihoods

    def interrupt_once(sequences, chunks):  # a Ctrl-C arriving while step 3 computes its likelihoods
        if armed["now"]:
            armed["now"] = False
            raise KeyboardInterrupt
        return likelihoods(sequences, chunks)

    interrupted._prior_likelihoods = interrupt_once
    with pytest.raises(KeyboardInterrupt):
        interrupted.run()
    assert interrupted.state.status == "cancelled" and interrupted.state.step == 2
    recorder = MemoryRecorder()
    resumed = Trainer(cfg, recorder)
    resumed.run(resume=True)
    assert [r["step"] for r in recorder.steps] == [3, 4, 5]
    for key, value in straight.agent.model.state_dict().items():
        torch.testing.assert_close(resumed.agent.model.state_dict()[key], value)
    assert resumed.service.oracle_calls == straight.service.oracle_calls
    assert resumed.diversity_filter.smiles_memory == straight.diversity_filter.smiles_memory
    assert resumed.replay.items == straight.replay.items


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the swallowed interrupt, by design
def test_a_ctrl_c_swallowed_inside_a_finaliser_still_cancels_the_run(tiny_prior_path, tmp_path):
    class RaisesWhenCollected:
        def __del__(self):  # a KeyboardInterrupt raised in here is dropped by Python ("Exception ignored in …")
            signal.raise_signal(signal.SIGINT)

    def at_step_two(trainer, record):
        if record["step"] == 2:
            RaisesWhenCollected()  # collected at once, Ctrl-C "pressed" inside its finaliser

    trainer = Trainer(config(tiny_prior_path, tmp_path, max_steps=6), MemoryRecorder(), [at_step_two])
    with pytest.raises(KeyboardInterrupt):
        trainer.run()
    assert trainer.state.status == "cancelled" and trainer.state.step == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is restored

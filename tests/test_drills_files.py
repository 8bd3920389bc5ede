"""Drill: broken run configs and damaged priors and checkpoints, as a hostile user or a crashing disk makes them.
Each is refused with a message that names the key or the file, never loaded silently, never torch's advice."""

from __future__ import annotations

import pytest
import torch

from molmara import load_prior
from molmara.model.prior import CheckpointError, resolve_device
from molmara.rl.config import RunConfigError, load_run_config
from molmara.rl.recording import MemoryRecorder
from molmara.rl.trainer import Trainer
from tests.conftest import qed_run_config


@pytest.mark.parametrize(
    "override, message",
    [
        ({"batch_size": "64"}, "batch_size: Input should be a valid integer (got '64')"),
        ({"batch_size": True}, "batch_size: Input should be a valid integer (got True)"),
        ({"mara": "yes"}, "mara: Input should be a valid boolean (got 'yes')"),
        ({"hit_threshold": 5}, "hit_threshold: Input should be less than or equal to 1"),
        ({"hit_threshold": -1}, "hit_threshold: Input should be greater than or equal to 0"),
        ({"sigma": float("inf")}, "sigma: Input should be a finite number"),
        ({"learning_rate": float("nan")}, "learning_rate: Input should be a finite number"),
        ({"seed": -1}, "seed: Input should be greater than or equal to 0"),
        ({"seed": 2**70}, "seed: Input should be less than or equal to"),
        ({"duplicates": "twice"}, "duplicates: Input should be 'zero', 'drop' or 'keep'"),
        ({"diversity_filter": {"bucket_size": "25"}}, "diversity_filter → bucket_size: Input should be a valid int"),
    ],
)
def test_configs_that_would_be_coerced_are_refused_by_name(override, message):
    with pytest.raises(RunConfigError) as err:
        load_run_config({"task": "drd2", **override})
    assert message in str(err.value)


def test_a_config_that_is_not_utf8_text_says_so(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('task = "drd2"\n', encoding="utf-16")
    with pytest.raises(RunConfigError, match="is not UTF-8 text"):
        load_run_config(path)
    path.write_bytes(bytes(range(256)))
    with pytest.raises(RunConfigError, match="is not UTF-8 text"):
        load_run_config(path)


def test_cuda_without_a_gpu_is_a_clear_message():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="torch sees no CUDA GPU on this machine"):
        resolve_device("cuda")


def test_a_prior_with_flipped_bytes_or_changed_weights_is_refused(tiny_prior, tmp_path):
    path = tiny_prior.save(tmp_path / "good.prior")
    load_prior(path, device="cpu")  # a good file loads
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4096] = bytes(b ^ 0xFF for b in data[middle : middle + 4096])
    flipped = tmp_path / "flipped.prior"
    flipped.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="damaged"):
        load_prior(flipped, device="cpu")
    checkpoint = torch.load(path, weights_only=True)
    name = next(iter(checkpoint["state_dict"]))
    checkpoint["state_dict"][name] = checkpoint["state_dict"][name] + 1e-3  # the digest is the old one
    changed = tmp_path / "changed.prior"
    torch.save(checkpoint, changed)
    with pytest.raises(CheckpointError, match="do not match the digest"):
        load_prior(changed, device="cpu")
    text = tmp_path / "notes.prior"
    text.write_text("not a checkpoint")
    with pytest.raises(CheckpointError, match="is not a molmara prior checkpoint") as err:
        load_prior(text, device="cpu")
    assert "weights_only" not in str(err.value)


def test_a_damaged_run_checkpoint_is_refused_on_resume(tiny_prior_path, tmp_path):
    qed = {"component": [{"oracle": "qed", "weight": 1.0}]}
    config = load_run_config(  # the tiny prior writes ~4% valid SMILES: 2 x 64 samples leave some in the cache
        {"prior": str(tiny_prior_path), "objective": qed, "batch_size": 64, "max_steps": 2, "max_oracle_calls": None,
         "device": "cpu", "output": str(tmp_path), "checkpoint_every": 1}
    )  # fmt: skip
    Trainer(config, MemoryRecorder()).run()
    checkpoint = config.run_dir / "checkpoint.pt"
    intact = checkpoint.read_bytes()
    assert torch.load(checkpoint, weights_only=True)["cache_values"], "the run scored no molecule: nothing to spoil"
    # beyond the weights: optimiser moments, the score cache, the generator — each is part of what resumes
    for spoil in (
        lambda s: s["optimizer"]["state"][0]["exp_avg"].add_(1e-3),
        lambda s: s["cache_values"][0].__setitem__(0, 0.123456),
        lambda s: s["generator"].__setitem__(0, s["generator"][0] ^ 1),
    ):
        state = torch.load(checkpoint, weights_only=True)
        spoil(state)
        torch.save(state, checkpoint)
        with pytest.raises(CheckpointError, match="state does not match the digest"):
            Trainer(config, MemoryRecorder()).run(resume=True)
        checkpoint.write_bytes(intact)
    state = torch.load(checkpoint, weights_only=True)
    state["agent"] = {k: v * 2 for k, v in state["agent"].items()}
    torch.save(state, checkpoint)
    with pytest.raises(CheckpointError, match="do not match the digest"):
        Trainer(config, MemoryRecorder()).run(resume=True)
    torch.save({"something": torch.zeros(1)}, checkpoint)
    with pytest.raises(CheckpointError, match="damaged or not a molmara run checkpoint"):
        Trainer(config, MemoryRecorder()).run(resume=True)
    checkpoint.write_bytes(checkpoint.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="damaged"):
        Trainer(config, MemoryRecorder()).run(resume=True)


@pytest.mark.parametrize("damage", ["flipped", "truncated"])
def test_a_damaged_store_takes_no_new_run(tiny_prior_path, tmp_path, capsys, damage):
    from molmara.cli import main

    config = qed_run_config(tmp_path, tiny_prior_path, batch_size=64, max_steps=4)
    assert main(["run", str(config), "--name", "first", "--quiet"]) == 0
    store = tmp_path / "runs" / "molmara.db"
    data = bytearray(store.read_bytes())
    assert len(data) > 32 * 1024
    if damage == "flipped":
        middle = len(data) // 2
        data[middle : middle + 8192] = bytes(b ^ 0xFF for b in data[middle : middle + 8192])
    else:
        data = data[: len(data) // 2]
    store.write_bytes(bytes(data))
    before = store.read_bytes()
    capsys.readouterr()
    assert main(["run", str(config), "--name", "second", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "is damaged" in err and "molmara runs export" in err and "finished" not in err
    assert store.read_bytes() == before  # nothing written


def test_batch_sizes_and_budgets_beyond_a_machine_are_refused(tmp_path, tiny_prior):
    from molmara.sampling import sample_to_csv

    with pytest.raises(RunConfigError, match="batch_size: Input should be less than or equal to 16384"):
        load_run_config({"task": "drd2", "batch_size": 100_000_000})
    with pytest.raises(RunConfigError, match="max_oracle_calls: Input should be less than or equal to 10000000"):
        load_run_config({"task": "drd2", "max_oracle_calls": 10**12})
    with pytest.raises(ValueError, match="batch size must be between 1 and 65,536"):
        sample_to_csv(tmp_path / "s.csv", n=10, prior=tiny_prior, batch_size=100_000_000, progress=False)


def test_an_unknown_task_is_refused_when_the_config_is_read():
    with pytest.raises(RunConfigError, match="task: unknown task 'nope'"):
        load_run_config({"task": "nope"})

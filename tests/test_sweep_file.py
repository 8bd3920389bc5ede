"""Sweep files are validated like run configs: every wrong key or value named, in one message."""

import pytest

from molmara.distributed.sweep import SweepError, load_sweep


def test_a_sweep_file_expands_to_named_run_configs(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\nseeds = [0, 1]\n[base]\ntask = "qed"\nmax_oracle_calls = 10\n[grid]\nmara = [true, false]\n'
    )
    name, configs, store = load_sweep(path)
    assert name == "s" and [c.name for c in configs] == [
        "s-mara=True-seed0", "s-mara=True-seed1", "s-mara=False-seed0", "s-mara=False-seed1",
    ]  # fmt: skip
    assert store.name == "molmara.db"


def test_a_bad_sweep_file_names_every_problem(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('seeds = ["a"]\ncolour = 1\n[base]\ntask = "qed"\n[grid]\nmara = []\n')
    with pytest.raises(SweepError) as err:
        load_sweep(path)
    message = str(err.value)
    assert "seeds 1: Input should be a valid integer (got 'a')" in message
    assert "grid.mara must be a non-empty list" in message and "unknown key 'colour'" in message
    path.write_text('[base]\ntask = "qed"\nsigma = -1\n')
    with pytest.raises(SweepError, match="sigma: Input should be greater than 0"):
        load_sweep(path)

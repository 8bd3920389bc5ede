import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.optim.optimizer import register_optimizer_step_post_hook

from molmara import load_prior
from molmara.model.corpus import CorpusError, clean_corpus, load_corpus, read_smiles_file
from molmara.model.pretrain import PretrainConfig, learning_rate_at, pretrain
from molmara.model.tokenizer import UnknownTokenError

from .conftest import MOSES_SUBSET


def small_config(tmp_path: Path, **overrides) -> PretrainConfig:
    values = dict(
        corpus=str(MOSES_SUBSET),
        output=str(tmp_path / "p.prior"),
        hidden_size=32,
        embedding_dim=16,
        num_layers=1,
        epochs=1,
        batch_size=64,
        warmup_steps=2,
        validate_every=10,
        checkpoint_every=10,
        device="cpu",
        progress=False,
    )
    values.update(overrides)
    return PretrainConfig(**values)


def test_junk_lines_are_skipped_and_counted(tmp_path):
    corpus = tmp_path / "junk.smi"
    corpus.write_text("SMILES\nCCO ethanol\n\n   \nnot_a_smiles\nC1CC\nc1ccccc1\nCCO\n" + "C" * 150 + "\n")
    smiles, stats = load_corpus(corpus, max_tokens=100)
    assert smiles == ["CCO", "c1ccccc1"]
    assert (stats.lines, stats.kept, stats.empty, stats.invalid, stats.duplicates, stats.too_long) == (8, 2, 2, 2, 1, 1)
    assert "not_a_smiles" in stats.examples["invalid"]
    assert "2 of 8 lines kept" in stats.summary()


def test_csv_corpus_uses_the_smiles_column(tmp_path):
    corpus = tmp_path / "c.csv"
    corpus.write_text("id,smiles\n1,CCO\n2,CCN\n")
    assert read_smiles_file(corpus) == ["CCO", "CCN"]


def test_empty_or_missing_corpus_is_a_clear_error(tmp_path):
    empty = tmp_path / "empty.smi"
    empty.write_text("")
    with pytest.raises(CorpusError, match="no usable SMILES"):
        load_corpus(empty)
    junk = tmp_path / "junk.smi"
    junk.write_text("xx\nyy\n")
    with pytest.raises(CorpusError, match=r"no usable SMILES.*invalid 2"):
        load_corpus(junk)
    with pytest.raises(CorpusError, match="not found"):
        load_corpus(tmp_path / "missing.smi")


def test_standardize_option_cleans_salts(tmp_path):
    kept, _ = clean_corpus(["CC(=O)[O-].[Na+]", "CCO"], standardize=True)
    assert kept == ["CC(=O)O", "CCO"]


def test_learning_rate_warms_up_then_decays():
    config = PretrainConfig(corpus="x", output="y", learning_rate=1e-3, min_learning_rate=1e-4, warmup_steps=10)
    rates = [learning_rate_at(s, 100, config) for s in range(100)]
    assert rates[0] == pytest.approx(1e-4) and rates[9] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(rates[10:], rates[11:], strict=False))
    assert learning_rate_at(100, 100, config) == pytest.approx(1e-4)


def test_bad_config_names_the_option():
    with pytest.raises(ValueError, match="batch_size"):
        PretrainConfig(corpus="x", output="y", batch_size=0)
    with pytest.raises(ValueError, match="epochs"):
        PretrainConfig(corpus="x", output="y", epochs=0)


def test_pretraining_lowers_validation_nll_and_is_seeded(tmp_path):
    prior = pretrain(small_config(tmp_path, epochs=2))
    history = prior.metadata["history"]
    assert history[-1]["valid_nll"] < history[0]["valid_nll"] - 5
    assert prior.metadata["finished"] and prior.metadata["n_valid"] == 20
    again = pretrain(small_config(tmp_path / "again", epochs=2))
    assert again.metadata["valid_nll"] == pytest.approx(prior.metadata["valid_nll"], rel=1e-6)
    assert not Path(small_config(tmp_path).state_path).exists()  # removed once finished


def test_bfloat16_pretraining_learns_keeps_float32_weights_and_differs_from_float32(tmp_path):
    full = pretrain(small_config(tmp_path / "f32", cell="lstm", epochs=2))
    low = pretrain(small_config(tmp_path / "bf16", cell="lstm", epochs=2, precision="bfloat16"))
    history = low.metadata["history"]
    assert history[-1]["valid_nll"] < history[0]["valid_nll"] - 5  # it learns as float32 does
    assert abs(history[-1]["valid_nll"] - full.metadata["valid_nll"]) < 2.0
    assert all(p.dtype == torch.float32 for p in low.model.parameters())  # autocast: products only
    assert low.metadata["config"]["precision"] == "bfloat16"
    # the products really ran in bfloat16: the same seed and data give different weights
    assert not torch.equal(low.model.head.weight, full.model.head.weight)


def test_randomized_smiles_augmentation_trains(tmp_path):
    prior = pretrain(small_config(tmp_path, randomize=True, max_sequences=640))
    assert prior.metadata["steps"] == 10 and np.isfinite(prior.metadata["valid_nll"])


def test_transfer_learning_starts_from_the_prior(tmp_path, tiny_prior_path):
    own_set = tmp_path / "own.smi"
    own_set.write_text("\n".join(["CC(=O)Nc1ccc(O)cc1", "CC(=O)Nc1ccc(OC)cc1", "CC(=O)Nc1ccc(Cl)cc1"] * 10))
    base = load_prior(tiny_prior_path, device="cpu")
    before = base.log_likelihood(["CC(=O)Nc1ccc(O)cc1"])[0]
    tuned = pretrain(
        small_config(
            tmp_path, corpus=str(own_set), init=str(tiny_prior_path), epochs=20, batch_size=2, valid_fraction=0.3
        )
    )
    assert tuned.vocabulary == base.vocabulary and tuned.config == base.config
    assert tuned.metadata["kind"] == "transfer-learning"
    assert tuned.log_likelihood(["CC(=O)Nc1ccc(O)cc1"])[0] > before + 1.0


def test_transfer_learning_names_an_unknown_token(tmp_path, tiny_prior_path):
    own_set = tmp_path / "own.smi"
    own_set.write_text("C[Si](C)(C)OC\nCCO\nCCN\nCCC\n")
    with pytest.raises(UnknownTokenError, match=r"\[Si\]"):
        pretrain(small_config(tmp_path, corpus=str(own_set), init=str(tiny_prior_path), valid_fraction=0.25))
    tuned = pretrain(
        small_config(
            tmp_path, corpus=str(own_set), init=str(tiny_prior_path), valid_fraction=0.25, skip_unknown_tokens=True
        )
    )
    assert tuned.metadata["n_train"] == 2


def test_a_ctrl_c_inside_adams_update_saves_a_state_that_resumes_exactly(tmp_path):
    """A real SIGINT raised from inside `optimizer.step()` (a global post-step hook, the last moment of the update):
    the interrupt checkpoint must not hold weights one step ahead of its step count."""
    updates = []

    def interrupt_the_fifth_update(optimizer, args, kwargs):
        updates.append(1)
        if len(updates) == 5:
            signal.raise_signal(signal.SIGINT)

    hook = register_optimizer_step_post_hook(interrupt_the_fifth_update)
    try:
        with pytest.raises(KeyboardInterrupt):
            pretrain(small_config(tmp_path / "interrupted", epochs=2, checkpoint_every=100))
    finally:
        hook.remove()
    assert torch.load(small_config(tmp_path / "interrupted").state_path, weights_only=True)["step"] == 5
    resumed = pretrain(small_config(tmp_path / "interrupted", epochs=2, checkpoint_every=100))
    straight = pretrain(small_config(tmp_path / "straight", epochs=2, checkpoint_every=100))
    for key, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[key], value)


def test_interrupted_pretraining_resumes_to_the_same_weights(tmp_path):
    """SIGINT a real training process after its first checkpoint; rerunning finishes the same model."""
    script = (
        "import sys\n"
        "from molmara.model.pretrain import PretrainConfig, pretrain\n"
        "from tests.test_pretrain import small_config\n"
        "from pathlib import Path\n"
        "pretrain(small_config(Path(sys.argv[1]), epochs=15, checkpoint_every=20))\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    interrupted_dir = tmp_path / "interrupted"
    interrupted_dir.mkdir()
    process = subprocess.Popen([sys.executable, "-c", script, str(interrupted_dir)], cwd=root, env=env)
    state = small_config(interrupted_dir).state_path
    deadline = time.time() + 120
    while not state.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    assert state.exists(), "no checkpoint was written"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) != 0
    saved = torch.load(state, weights_only=True)
    assert 0 < saved["step"] < 15 * 31  # stopped part-way

    resumed = pretrain(small_config(interrupted_dir, epochs=15, checkpoint_every=20))
    straight = pretrain(small_config(tmp_path / "straight", epochs=15, checkpoint_every=20))
    assert resumed.metadata["steps"] == straight.metadata["steps"]
    for key, value in straight.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[key], value)

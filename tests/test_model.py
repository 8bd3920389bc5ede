import numpy as np
import pytest
import torch

from molmara import load_prior
from molmara.model import CheckpointError, ModelConfig, Prior, SmilesRNN, Vocabulary


def test_sample_returns_smiles_and_matching_log_likelihoods(tiny_prior):
    generator = torch.Generator().manual_seed(0)
    result = tiny_prior.sample(64, generator=generator)
    smiles, logp = result  # unpacks like a tuple
    assert len(smiles) == 64 and logp.shape == (64,)
    assert np.all(logp < 0)
    # the likelihood of the sampled strings, recomputed by teacher forcing, equals the sampler's
    recomputed = tiny_prior.log_likelihood(smiles)
    encodable = ~np.isnan(recomputed)
    assert encodable.sum() >= 60
    np.testing.assert_allclose(recomputed[encodable], logp[encodable], rtol=1e-4, atol=1e-3)


def test_sampling_is_seeded_and_stops_when_all_sequences_end(tiny_prior):
    a = tiny_prior.sample(32, generator=torch.Generator().manual_seed(1))
    b = tiny_prior.sample(32, generator=torch.Generator().manual_seed(1))
    assert a.smiles == b.smiles
    longest = max(len(tiny_prior.vocabulary.encode(s)) for s in a.smiles if tiny_prior.vocabulary.try_encode(s))
    assert a.sequences.shape[1] <= longest + 1  # no steps beyond the last end token (+ padding column)
    assert a.sequences.shape[1] < 140


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_finished_sequences_leave_the_batch_and_keep_their_tokens(tiny_prior, cell):
    """Rows that drew their end token are not stepped again; every row keeps start … end, then padding, and the
    sampler's log-likelihood equals the teacher-forced one (so the shrinking batch kept each row's own state)."""
    voc = tiny_prior.vocabulary
    torch.manual_seed(0)
    model = SmilesRNN(ModelConfig(vocab_size=len(voc), cell=cell, embedding_dim=16, hidden_size=32, num_layers=2))
    with torch.no_grad():
        model.head.bias[voc.pad_id] = -30.0  # as in a trained model, which never draws padding
    prior = tiny_prior if cell == "gru" else Prior(model, voc, {}, torch.device("cpu"))
    batch_sizes: list[int] = []
    hook = prior.model.register_forward_pre_hook(lambda module, args: batch_sizes.append(args[0].shape[0]))
    try:
        result = prior.sample(200, batch_size=200, max_length=60, generator=torch.Generator().manual_seed(4))
    finally:
        hook.remove()
    assert batch_sizes[0] == 200 and batch_sizes[-1] < 200
    assert batch_sizes == sorted(batch_sizes, reverse=True)
    ids = result.sequences
    draws = 0
    for row in ids:
        ends = (row == voc.end_id).nonzero().flatten()
        if len(ends):  # everything after the first end token is padding
            assert (row[ends[0] + 1 :] == voc.pad_id).all()
        draws += int(ends[0]) if len(ends) else ids.shape[1] - 1
    assert sum(batch_sizes) == draws  # one network step per token drawn, none for finished rows
    recomputed = prior.model.sequence_log_likelihood(ids, voc.pad_id).detach().numpy()
    np.testing.assert_allclose(recomputed, result.log_likelihood, rtol=1e-4, atol=1e-3)


def test_temperature_changes_the_spread(tiny_prior):
    cold = tiny_prior.sample(200, temperature=0.5, generator=torch.Generator().manual_seed(2))
    hot = tiny_prior.sample(200, temperature=1.5, generator=torch.Generator().manual_seed(2))
    assert cold.log_likelihood.mean() > hot.log_likelihood.mean()
    with pytest.raises(ValueError, match="temperature"):
        tiny_prior.sample(2, temperature=0)


def test_log_likelihood_flags_unencodable_input_as_nan(tiny_prior):
    values = tiny_prior.log_likelihood(["CCO", "", "   ", "C[Si](C)(C)C", "CC&", None, "C" * 5000])
    assert np.isfinite(values[0])
    assert np.isnan(values[1:]).all()


def test_checkpoint_round_trip_with_weights_only(tiny_prior, tmp_path):
    path = tiny_prior.save(tmp_path / "copy.prior")
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == "molmara-prior" and raw["vocabulary"] == list(tiny_prior.vocabulary.tokens)
    again = load_prior(path, device="cpu")
    smiles = ["CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1"]
    np.testing.assert_allclose(again.log_likelihood(smiles), tiny_prior.log_likelihood(smiles))


def test_corrupt_missing_and_foreign_checkpoints_give_clear_errors(tmp_path, tiny_prior):
    with pytest.raises(CheckpointError, match="not found"):
        load_prior(tmp_path / "nope.prior")
    junk = tmp_path / "junk.prior"
    junk.write_bytes(b"this is not a checkpoint")
    with pytest.raises(CheckpointError, match="is not a molmara prior checkpoint"):
        load_prior(junk)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match="not a molmara prior"):
        load_prior(foreign)
    # a checkpoint whose weights come from another vocabulary
    checkpoint = tiny_prior.to_checkpoint()
    checkpoint["vocabulary"] = checkpoint["vocabulary"] + ["[Si]"]
    checkpoint["model_config"] = dict(checkpoint["model_config"], vocab_size=len(checkpoint["vocabulary"]))
    mismatched = tmp_path / "mismatch.prior"
    torch.save(checkpoint, mismatched)
    with pytest.raises(CheckpointError, match="does not match"):
        load_prior(mismatched)


def test_model_and_vocabulary_sizes_must_agree():
    vocabulary = Vocabulary.from_smiles(["CCO"])
    with pytest.raises(CheckpointError, match="different vocabularies"):
        Prior(SmilesRNN(ModelConfig(vocab_size=len(vocabulary) + 1, hidden_size=8, num_layers=1)), vocabulary)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_both_cells_sample(cell):
    vocabulary = Vocabulary.from_smiles(["CCO", "c1ccccc1"])
    config = ModelConfig(vocab_size=len(vocabulary), cell=cell, hidden_size=16, num_layers=2, embedding_dim=8)
    prior = Prior(SmilesRNN(config), vocabulary, device="cpu")
    result = prior.sample(10, max_length=20, generator=torch.Generator().manual_seed(0))
    assert len(result.smiles) == 10


def test_bad_model_config_names_the_field():
    with pytest.raises(ValueError, match="cell"):
        ModelConfig(vocab_size=10, cell="transformer")
    with pytest.raises(ValueError, match="hidden_size"):
        ModelConfig(vocab_size=10, hidden_size=0)


def test_bfloat16_sampling_is_seeded_and_its_likelihoods_near_float32s(tiny_prior):
    a = tiny_prior.sample(64, generator=torch.Generator().manual_seed(2), precision="bfloat16")
    b = tiny_prior.sample(64, generator=torch.Generator().manual_seed(2), precision="bfloat16")
    assert a.smiles == b.smiles and a.log_likelihood.dtype == np.float64
    exact = tiny_prior.log_likelihood(a.smiles)
    encodable = ~np.isnan(exact)
    assert encodable.sum() >= 60
    error = np.abs(a.log_likelihood[encodable] - exact[encodable])
    assert 0 < error.max() < 0.05 * np.abs(exact[encodable]).max()  # bfloat16's own, within a few percent
    assert next(tiny_prior.model.parameters()).dtype == torch.float32  # the prior itself is untouched
    with pytest.raises(ValueError, match="precision must be one of float32, bfloat16"):
        tiny_prior.sample(4, precision="float16")

"""REINVENT 4 model files: import without running pickled code, exact likelihoods, export, round trip.

The REINVENT-format files are built here the way REINVENT 4 saves them: `torch.save` of its dict, with a
tokenizer, a vocabulary and metadata pickled as objects of classes registered under REINVENT's module names
(stand-ins defined below, removed again before loading, so the loader can never import them). The reference
likelihood is REINVENT's forward pass written out here with plain torch layers, not molmara's code.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import types
from collections import OrderedDict

import numpy as np
import pytest
import torch
from torch import nn

from molmara import load_prior
from molmara.cli import main
from molmara.model.prior import CheckpointError, Prior
from molmara.model.reinvent_format import ReinventFormatError, export_reinvent, import_reinvent

SMILES = ["CCO", "c1ccccc1Cl", "CC(=O)Nc1ccc(O)cc1", "C[C@H](Br)c1ccc%10cc1", "O=C1CCCN1[nH+]"]
REINVENT_TOKENS = re.compile(r"(\[[^\]]*\])|(%\d{2})|(Br|Cl)")


def reinvent_tokenize(smiles: str) -> list[str]:
    """REINVENT 4's SMILESTokenizer: brackets, then two-digit ring numbers, then Br/Cl, then single characters."""
    tokens = []
    for piece in REINVENT_TOKENS.split(smiles):
        if not piece:
            continue
        tokens.extend([piece] if REINVENT_TOKENS.fullmatch(piece) else list(piece))
    return ["^", *tokens, "$"]


def reinvent_vocabulary(smiles: list[str]) -> dict[str, int]:
    """REINVENT 4's create_vocabulary: '$' 0, '^' 1, then the sorted tokens."""
    found = sorted({t for s in smiles for t in reinvent_tokenize(s)[1:-1]})
    return {t: i for i, t in enumerate(["$", "^", *found])}


@pytest.fixture
def reinvent_classes():
    """Stand-ins for REINVENT's pickled classes, importable under REINVENT's module names only while saving."""
    names = ["reinvent", "reinvent.models", "reinvent.models.meta_data", "reinvent.models.reinvent",
             "reinvent.models.reinvent.models", "reinvent.models.reinvent.models.vocabulary"]  # fmt: skip
    modules = {name: types.ModuleType(name) for name in names}

    @dataclasses.dataclass
    class ModelMetaData:
        hash_id: str | None
        hash_id_format: str
        model_id: object
        origina_data_source: str
        creation_date: float

    class SMILESTokenizer:
        def __init__(self) -> None:
            self.restrictions = ["brackets", "2_ring_nums", "brcl"]

    class Vocabulary:
        def __init__(self, tokens: dict[str, int]) -> None:
            self._tokens = {**tokens, **{i: t for t, i in tokens.items()}}
            self._current_id = len(tokens)

    for cls, module in ((ModelMetaData, names[2]), (SMILESTokenizer, names[5]), (Vocabulary, names[5])):
        cls.__module__, cls.__qualname__ = module, cls.__name__
        setattr(modules[module], cls.__name__, cls)
    sys.modules.update(modules)
    yield types.SimpleNamespace(ModelMetaData=ModelMetaData, SMILESTokenizer=SMILESTokenizer, Vocabulary=Vocabulary)
    for name in names:
        sys.modules.pop(name, None)


class ReinventRNN(nn.Module):
    """REINVENT 4's network as its rnn.py describes it: embedding → LSTM/GRU (batch first) → linear."""

    def __init__(self, voc: int, cell: str, layers: int = 2, hidden: int = 24, embedding: int = 12) -> None:
        super().__init__()
        self._embedding = nn.Embedding(voc, embedding)
        self._rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(embedding, hidden, layers, batch_first=True)
        self._linear = nn.Linear(hidden, voc)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out, _ = self._rnn(self._embedding(ids))
        return self._linear(out)


def reinvent_log_likelihood(network: ReinventRNN, vocabulary: dict[str, int], smiles: str) -> float:
    """Sum of log-softmax token probabilities after '^', up to and including '$', for one SMILES on its own."""
    ids = torch.tensor([[vocabulary[t] for t in reinvent_tokenize(smiles)]])
    with torch.no_grad():
        logp = torch.log_softmax(network(ids[:, :-1]), dim=-1)
    return float(logp.gather(2, ids[:, 1:].unsqueeze(-1)).sum())


def save_reinvent(path, classes, cell="lstm", legacy=False, **overrides) -> tuple[ReinventRNN, dict[str, int]]:
    torch.manual_seed(3)
    vocabulary = reinvent_vocabulary(SMILES)
    network = ReinventRNN(len(vocabulary), cell)
    data = {
        "model_type": "Reinvent",
        "version": 1,
        "metadata": classes.ModelMetaData(None, "xxhash", __import__("uuid").uuid4(), "test", 1.0),
        "vocabulary": classes.Vocabulary(vocabulary) if legacy else {
            "tokens": vocabulary, "pad_token": 0, "bos_token": 1, "eos_token": 2, "unk_token": None  # eos as 4.8
        },
        "tokenizer": classes.SMILESTokenizer(),
        "max_sequence_length": 256,
        "network": OrderedDict(network.state_dict()),
        "network_params": {"dropout": 0.0, "layer_size": 24, "num_layers": 2, "cell_type": cell,
                           "embedding_layer_size": 12, "layer_normalization": False},
    }  # fmt: skip
    data.update(overrides)
    torch.save(data, path)
    return network, vocabulary


@pytest.mark.parametrize("cell,legacy", [("lstm", False), ("gru", True)])
def test_imported_likelihoods_equal_reinvents(tmp_path, reinvent_classes, cell, legacy):
    path = tmp_path / "agent.model"
    network, vocabulary = save_reinvent(path, reinvent_classes, cell=cell, legacy=legacy)
    for name in list(sys.modules):
        if name.startswith("reinvent"):
            del sys.modules[name]  # the loader must not find REINVENT's classes, or any code of theirs
    with pytest.raises(Exception, match="Unsupported global|weights_only"):
        torch.load(path, weights_only=True)  # a real REINVENT-like pickle: torch's safe loader refuses it
    prior = import_reinvent(path, device="cpu")
    expected = np.array([reinvent_log_likelihood(network, vocabulary, s) for s in SMILES])
    np.testing.assert_allclose(prior.log_likelihood(SMILES), expected, atol=1e-4)
    meta = prior.metadata["imported_from"]
    assert meta["model_type"] == "Reinvent" and meta["max_sequence_length"] == 256
    assert meta["metadata"]["class"] == "reinvent.models.meta_data.ModelMetaData"
    sample = prior.sample(200, generator=torch.Generator().manual_seed(0))
    assert len(sample.smiles) == 200 and (sample.sequences != 0).any()
    # molmara's padding token has no probability: it is never sampled inside a sequence
    first_end = (sample.sequences == prior.vocabulary.end_id).int().argmax(dim=1)
    for row, end in zip(sample.sequences, first_end, strict=True):
        assert (row[1 : int(end)] != prior.vocabulary.pad_id).all()


def test_export_loads_without_molmara_and_round_trips(tmp_path, reinvent_classes):
    network, vocabulary = save_reinvent(tmp_path / "prior.model", reinvent_classes)
    prior = import_reinvent(tmp_path / "prior.model", device="cpu")
    exported = export_reinvent(prior, tmp_path / "agent.model")
    data = torch.load(exported, weights_only=True)  # plain dicts and tensors: no molmara (or REINVENT) class
    assert data["model_type"] == "Reinvent" and data["vocabulary"]["tokens"]["$"] == 0
    again = ReinventRNN(len(data["vocabulary"]["tokens"]), "lstm")
    again.load_state_dict(data["network"])
    expected = [reinvent_log_likelihood(network, vocabulary, s) for s in SMILES]
    np.testing.assert_allclose([reinvent_log_likelihood(again, data["vocabulary"]["tokens"], s) for s in SMILES],
                               expected, atol=1e-5)  # fmt: skip
    back = import_reinvent(exported, device="cpu")
    assert back.vocabulary == prior.vocabulary
    for key, tensor in prior.model.state_dict().items():
        assert torch.equal(tensor, back.model.state_dict()[key]), key
    np.testing.assert_array_equal(back.log_likelihood(SMILES), prior.log_likelihood(SMILES))


def test_load_prior_imports_on_the_fly_and_the_cli_imports_and_exports(tmp_path, reinvent_classes, capsys):
    save_reinvent(tmp_path / "r.model", reinvent_classes)
    on_the_fly = load_prior(tmp_path / "r.model", device="cpu")
    assert main(["import-prior", str(tmp_path / "r.model"), "-o", str(tmp_path / "r.prior")]) == 0
    imported = Prior.load(tmp_path / "r.prior", device="cpu")
    np.testing.assert_array_equal(imported.log_likelihood(SMILES), on_the_fly.log_likelihood(SMILES))
    assert (
        main(["export-prior", str(tmp_path / "r.prior"), "--format", "reinvent", "-o", str(tmp_path / "a.model")]) == 0
    )
    out = capsys.readouterr().out
    assert "wrote" in out and "differ by at most 0" in out
    np.testing.assert_array_equal(load_prior(tmp_path / "a.model", "cpu").log_likelihood(SMILES),
                                  imported.log_likelihood(SMILES))  # fmt: skip


def test_an_imported_prior_runs(tmp_path, reinvent_classes):
    from tests.conftest import qed_run_config

    save_reinvent(tmp_path / "r.model", reinvent_classes)
    assert main(["import-prior", str(tmp_path / "r.model"), "-o", str(tmp_path / "r.prior")]) == 0
    config = qed_run_config(tmp_path, tmp_path / "r.prior", batch_size=8, max_steps=2)
    assert main(["run", str(config), "--quiet"]) == 0


class Payload:
    """What an attacker puts in a model file: unpickling it would run a shell command."""

    def __init__(self, marker) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_file_naming_other_code_is_refused_and_nothing_runs(tmp_path, reinvent_classes, capsys):
    marker = tmp_path / "ran"
    save_reinvent(tmp_path / "evil.model", reinvent_classes, metadata=Payload(marker))
    with pytest.raises(ReinventFormatError, match=r"names posix\.system|names os\.system"):
        import_reinvent(tmp_path / "evil.model")
    with pytest.raises(CheckpointError, match="refused"):
        load_prior(tmp_path / "evil.model")
    assert main(["import-prior", str(tmp_path / "evil.model"), "-o", str(tmp_path / "x.prior")]) == 1
    assert "nothing in the file was run" in capsys.readouterr().err
    assert not marker.exists() and not (tmp_path / "x.prior").exists()


@pytest.mark.parametrize(
    "case,message",
    [
        ("not torch", "not a torch file"),
        ("truncated", "damaged or truncated"),
        ("libinvent", "LibInvent"),
        ("layer norm", "layer_normalization"),
        ("molmara", "molmara prior already"),
        ("no network", "not a REINVENT model"),
    ],
)
def test_bad_files_get_one_line_and_nothing_is_written(tmp_path, reinvent_classes, capsys, case, message):
    path = tmp_path / "bad.model"
    if case == "not torch":
        path.write_bytes(b"REINVENT\x00" * 100)
    elif case == "truncated":
        save_reinvent(path, reinvent_classes)
        path.write_bytes(path.read_bytes()[:3000])
    elif case == "libinvent":
        save_reinvent(path, reinvent_classes, model_type="Libinvent")
    elif case == "layer norm":
        save_reinvent(path, reinvent_classes, network_params={"cell_type": "lstm", "layer_normalization": True})
    elif case == "molmara":
        load_prior(None, "cpu").save(path)
    else:
        torch.save({"weights": torch.zeros(2)}, path)
    assert main(["import-prior", str(path), "-o", str(tmp_path / "out.prior")]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.prior").exists()

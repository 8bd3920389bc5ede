"""REINVENT 4 "Reinvent" model files (priors and agents): read without running pickled code, import, export.

Facts (REINVENT 4.8, `reinvent/models/reinvent/models/model.py`, `rnn.py`, `vocabulary.py`): a model file is
`torch.save` of a dict — `model_type` "Reinvent", `version`, `metadata` (a `ModelMetaData` object or a dict),
`vocabulary` (a dict with `tokens` token → index, or in older files a pickled `Vocabulary` object whose
`_tokens` maps both ways), `tokenizer` (a pickled `SMILESTokenizer`), `max_sequence_length`, `network` (the
state_dict of `_embedding` → `_rnn` (LSTM/GRU, batch first) → `_linear`) and `network_params`. `$` (index
0) is both the end and the padding token, `^` (index 1) the start; the `eos_token` field can be wrong —
the tokens are trusted, not that field. REINVENT's likelihood of one SMILES is the sum of log-softmax
probabilities of its tokens after `^`, up to and including `$`.

Reading: `torch.load` with an unpickler that returns, for a name in REINVENT's packages, an inert stand-in
that only holds the pickled state, and otherwise only tensors, plain containers and `uuid.UUID`; any other
name is refused with the name in the message, before anything it names could run.

Import: molmara's vocabulary is (padding, start, end) + REINVENT's other tokens in REINVENT's order; start
and end take REINVENT's `^` and `$` rows of the embedding and output layers, and molmara's padding token,
which REINVENT does not have, gets an output bias of −1e30: probability exactly 0, so every likelihood and
sampling distribution is REINVENT's. Export drops that row again and writes a file of plain dicts and
tensors (no `tokenizer` key: REINVENT then uses its default tokenizer), which REINVENT 4 loads as a prior
or an agent, and `torch.load(weights_only=True)` reads.
"""

from __future__ import annotations

import collections
import copyreg
import hashlib
import pickle
import time
import types
import uuid
from collections import OrderedDict
from pathlib import Path

import torch

from molmara.model.prior import Prior
from molmara.model.rnn import ModelConfig, SmilesRNN
from molmara.model.tokenizer import END, PAD, SPECIAL_TOKENS, START, TokenizeError, Vocabulary, tokenize

REINVENT_START, REINVENT_END = "^", "$"
PAD_LOGIT = -1e30
"""Output bias of molmara's padding token in an imported model: exp(−1e30 − x) is exactly 0 in float32."""
REINVENT_PACKAGES = ("reinvent", "reinvent_models")
"""Names under these packages (REINVENT 4, REINVENT 3) unpickle as inert stand-ins."""
OTHER_MODEL_TYPES = {
    "Libinvent": "LibInvent (scaffold decoration)",
    "Linkinvent": "LinkInvent (linker design)",
    "Mol2Mol": "Mol2Mol (transformer)",
    "LibinventTransformer": "LibInvent transformer",
    "LinkinventTransformer": "LinkInvent transformer",
    "Pepinvent": "PepInvent (transformer)",
}


class ReinventFormatError(ValueError):
    """A file is not a REINVENT 'Reinvent' model molmara can read, or names code it will not run."""


class ReinventObject:
    """An inert stand-in for a REINVENT class named in a model file: it keeps the pickled state, runs nothing."""

    reinvent_class = ""

    def __init__(self, *args, **kwargs) -> None:
        self.args, self.kwargs, self.state = args, kwargs, None

    def __setstate__(self, state) -> None:
        self.state = state


_STAND_INS: dict[str, type] = {}


def _stand_in(module: str, name: str) -> type:
    qualified = f"{module}.{name}"
    if qualified not in _STAND_INS:
        _STAND_INS[qualified] = type(name, (ReinventObject,), {"reinvent_class": qualified})
    return _STAND_INS[qualified]


_ALLOWED = {
    ("collections", "OrderedDict"): OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "object"): object,
    ("copyreg", "_reconstructor"): copyreg._reconstructor,
    ("uuid", "UUID"): uuid.UUID,
    ("uuid", "SafeUUID"): uuid.SafeUUID,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch", "Size"): torch.Size,
}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module.split(".")[0] in REINVENT_PACKAGES:
            return _stand_in(module, name)
        raise pickle.UnpicklingError(f"the file's pickle names {module}.{name}")


_PICKLE = types.ModuleType("molmara_restricted_pickle")
_PICKLE.Unpickler = _RestrictedUnpickler
_PICKLE.load = lambda handle, **kwargs: _RestrictedUnpickler(handle, **kwargs).load()
_PICKLE.UnpicklingError = pickle.UnpicklingError


def read_reinvent_file(path: str | Path) -> dict:
    """The saved dict of a REINVENT model file (REINVENT's objects as `ReinventObject`s); nothing pickled runs."""
    path = Path(path)
    if not path.is_file():
        raise ReinventFormatError(f"no file at {path}")
    try:
        data = torch.load(path, map_location="cpu", pickle_module=_PICKLE, weights_only=False)
    except pickle.UnpicklingError as err:
        if "the file's pickle names" in str(err):
            raise ReinventFormatError(
                f"{path} refused: {err}, which is neither a REINVENT model class, a tensor nor a plain container; "
                "nothing in the file was run"
            ) from None
        raise ReinventFormatError(f"{path} is not a torch file, or it is damaged ({err})") from None
    except Exception as err:  # torch raises many kinds for files it cannot read
        raise ReinventFormatError(
            f"{path} is not a torch file, or it is damaged or truncated ({type(err).__name__})"
        ) from None
    return check_reinvent_dict(data, str(path))


def is_reinvent_dict(data: object) -> bool:
    """Whether `data` looks like a REINVENT model dict (REINVENT itself assumes "Reinvent" for a dict with a
    `network` and no `model_type`)."""
    return isinstance(data, dict) and "network" in data and ("vocabulary" in data or "model_type" in data)


def check_reinvent_dict(data: object, source: str) -> dict:
    """`data` if it is a REINVENT 'Reinvent' model dict; else a one-line error saying what it is."""
    if isinstance(data, dict) and data.get("format") == "molmara-prior":
        raise ReinventFormatError(f"{source} is a molmara prior already; load it with load_prior")
    if not is_reinvent_dict(data):
        raise ReinventFormatError(f"{source} is a torch file but not a REINVENT model (no 'network' and 'vocabulary')")
    kind = data.get("model_type", "Reinvent")
    if kind != "Reinvent":
        what = OTHER_MODEL_TYPES.get(kind, repr(kind))
        raise ReinventFormatError(
            f"{source} is a REINVENT {what} model; molmara imports only 'Reinvent' models (SMILES RNN priors and "
            "agents)"
        )
    for key in ("vocabulary", "network"):
        if key not in data:
            raise ReinventFormatError(f"{source}: the REINVENT model has no {key!r}")
    return data


def reinvent_tokens(vocabulary: object, source: str) -> list[str]:
    """REINVENT's tokens in index order, from a vocabulary dict or a pickled `Vocabulary`'s state."""
    if isinstance(vocabulary, ReinventObject):
        state = vocabulary.state if isinstance(vocabulary.state, dict) else {}
        mapping = {k: v for k, v in state.get("_tokens", {}).items() if isinstance(k, str)}
    elif isinstance(vocabulary, dict):
        mapping = vocabulary.get("tokens", {})
    else:
        mapping = {}
    if not mapping or not all(isinstance(i, int) for i in mapping.values()):
        raise ReinventFormatError(f"{source}: cannot read the vocabulary's tokens")
    tokens = sorted(mapping, key=mapping.get)
    if sorted(mapping.values()) != list(range(len(tokens))):
        raise ReinventFormatError(f"{source}: the vocabulary's indices are not 0 … {len(tokens) - 1}")
    for needed in (REINVENT_END, REINVENT_START):
        if needed not in mapping:
            raise ReinventFormatError(f"{source}: the vocabulary has no {needed!r} token")
    return tokens


def _network_config(data: dict, vocab_size: int, source: str) -> ModelConfig:
    params = dict(data.get("network_params") or {})
    if params.get("layer_normalization"):
        raise ReinventFormatError(
            f"{source}: layer_normalization = true (REINVENT normalises over the whole sequence, so sampling and "
            "likelihoods differ); molmara cannot reproduce that network exactly and does not convert it"
        )
    network = data["network"]
    cell = str(params.get("cell_type", "gru")).lower()
    if cell not in ("lstm", "gru"):
        raise ReinventFormatError(f"{source}: cell_type {cell!r} is not lstm or gru")
    try:
        embedding = network["_embedding.weight"]
        hidden = network["_rnn.weight_hh_l0"].shape[1]
        layers = sum(1 for k in network if k.startswith("_rnn.weight_ih_l"))
    except (KeyError, AttributeError, IndexError) as err:
        raise ReinventFormatError(f"{source}: the network does not have REINVENT's layers ({err})") from None
    gates = network["_rnn.weight_hh_l0"].shape[0] // hidden
    if gates != {"lstm": 4, "gru": 3}[cell]:
        raise ReinventFormatError(f"{source}: network_params say {cell} but the weights have {gates} gates")
    if embedding.shape[0] != vocab_size:
        raise ReinventFormatError(f"{source}: {embedding.shape[0]} embedding rows for {vocab_size} tokens")
    return ModelConfig(
        vocab_size=vocab_size + 1,  # molmara's padding token
        cell=cell,
        embedding_dim=int(embedding.shape[1]),
        hidden_size=int(hidden),
        num_layers=layers,
        dropout=float(params.get("dropout", 0.0) or 0.0),
    )


def plain(value: object) -> object:
    """JSON-ready data for metadata: stand-ins become their class and state, UUIDs strings, tensors shapes."""
    if isinstance(value, ReinventObject):
        return {"class": value.reinvent_class, **({"state": plain(value.state)} if value.state is not None else {})}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, torch.Tensor):
        return f"tensor{tuple(value.shape)}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def model_from_reinvent(data: dict, source: str = "") -> tuple[SmilesRNN, Vocabulary, dict]:
    """molmara's network, vocabulary and metadata holding the same distribution as a REINVENT model dict."""
    source = source or "the REINVENT model"
    data = check_reinvent_dict(data, source)
    tokens = reinvent_tokens(data["vocabulary"], source)
    clash = [t for t in tokens if t in SPECIAL_TOKENS]
    if clash:
        raise ReinventFormatError(f"{source}: its vocabulary has molmara's special token {clash[0]!r}")
    config = _network_config(data, len(tokens), source)
    index = {t: i for i, t in enumerate(tokens)}
    others = [t for t in tokens if t not in (REINVENT_START, REINVENT_END)]
    rows = torch.tensor([index[REINVENT_START], index[REINVENT_END]] + [index[t] for t in others])
    network = data["network"]
    model = SmilesRNN(config)
    with torch.no_grad():
        embedding = torch.zeros(config.vocab_size, config.embedding_dim)
        embedding[1:] = network["_embedding.weight"].float()[rows]
        weight = torch.zeros(config.vocab_size, config.hidden_size)
        weight[1:] = network["_linear.weight"].float()[rows]
        bias = torch.full((config.vocab_size,), PAD_LOGIT)
        bias[1:] = network["_linear.bias"].float()[rows]
        state = {"embedding.weight": embedding, "head.weight": weight, "head.bias": bias}
        for key, tensor in network.items():
            if key.startswith("_rnn."):
                state["rnn." + key[len("_rnn.") :]] = tensor.float()
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise ReinventFormatError(f"{source}: the network does not have REINVENT's layers ({err})") from None
    unknown = [t for t in others if _not_molmara_token(t)]
    metadata = {
        "name": f"REINVENT model {Path(source).name}" if source else "REINVENT model",
        "imported_from": {
            "format": "REINVENT 4 'Reinvent' model",
            "source": source,
            "model_type": data.get("model_type", "Reinvent"),
            "version": plain(data.get("version")),
            "max_sequence_length": plain(data.get("max_sequence_length")),
            "network_params": plain(data.get("network_params")),
            "metadata": plain(data.get("metadata")),
            "tokens_molmara_never_writes": unknown,
        },
    }
    return model, Vocabulary((PAD, START, END, *others)), metadata


def _not_molmara_token(token: str) -> bool:
    try:
        return tokenize(token) != [token]
    except TokenizeError:
        return True


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def reinvent_save_dict(model: SmilesRNN, vocabulary: Vocabulary, name: str, max_sequence_length: int = 256) -> dict:
    """The dict REINVENT 4 saves for a 'Reinvent' model, made of plain data and tensors only."""
    tokens = list(vocabulary.tokens)
    if tuple(tokens[:3]) != SPECIAL_TOKENS:
        raise ReinventFormatError("the vocabulary does not start with molmara's special tokens")
    clash = [t for t in tokens[3:] if t in (REINVENT_START, REINVENT_END)]
    if clash:
        raise ReinventFormatError(f"the vocabulary has the token {clash[0]!r}, which REINVENT reserves")
    rows = torch.tensor([tokens.index(END), tokens.index(START), *range(3, len(tokens))])
    state = model.state_dict()
    network = OrderedDict()
    network["_embedding.weight"] = state["embedding.weight"].detach().cpu()[rows].clone()
    for key, tensor in state.items():
        if key.startswith("rnn."):
            network["_rnn." + key[len("rnn.") :]] = tensor.detach().cpu().clone()
    network["_linear.weight"] = state["head.weight"].detach().cpu()[rows].clone()
    network["_linear.bias"] = state["head.bias"].detach().cpu()[rows].clone()
    reinvent_order = [REINVENT_END, REINVENT_START, *tokens[3:]]
    config = model.config
    return {
        "model_type": "Reinvent",
        "version": 1,
        "metadata": {
            "hash_id": None,
            "hash_id_format": "",
            "model_id": uuid.uuid4().hex,
            "origina_data_source": f"molmara export of {name}",  # REINVENT's field name, spelt as REINVENT does
            "creation_date": time.time(),
            "date_format": "UNIX epoch",
            "model_id_format": "uuid.uuid4 hex",
            "updates": [],
            "comments": [f"exported by molmara from {name}"],
        },
        "vocabulary": {
            "tokens": {t: i for i, t in enumerate(reinvent_order)},
            "pad_token": 0,
            "bos_token": 1,
            "eos_token": 0,
            "unk_token": None,
        },
        "max_sequence_length": int(max_sequence_length),
        "network": network,
        "network_params": {
            "dropout": float(config.dropout),
            "layer_size": int(config.hidden_size),
            "num_layers": int(config.num_layers),
            "cell_type": config.cell,
            "embedding_layer_size": int(config.embedding_dim),
            "layer_normalization": False,
        },
    }


def import_reinvent(path: str | Path, device: str | torch.device = "auto") -> Prior:
    """A molmara `Prior` with exactly the distribution of a REINVENT 4 'Reinvent' model file."""
    model, vocabulary, metadata = model_from_reinvent(read_reinvent_file(path), str(path))
    metadata["imported_from"]["sha256"] = file_sha256(path)
    return Prior(model, vocabulary, metadata, device)


def export_reinvent(prior: Prior, path: str | Path, max_sequence_length: int = 256) -> Path:
    """Write `prior` as a REINVENT 4 model file (prior or agent); atomic, like every file molmara writes."""
    data = reinvent_save_dict(
        prior.model, prior.vocabulary, str(prior.metadata.get("name", "a molmara prior")), max_sequence_length
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(data, tmp)
    tmp.replace(path)
    return path

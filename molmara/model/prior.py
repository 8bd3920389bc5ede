"""A trained language model with its vocabulary: sampling, likelihoods and checkpoints.

A checkpoint is a plain dictionary — the state_dict, the vocabulary tokens, the model config and
free-form metadata — so that `torch.load(path, weights_only=True)` reads it without unpickling code.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from molmara.chem.smiles import MAX_SMILES_LENGTH
from molmara.model.integrity import IntegrityError, check_digest, read_torch_file, tensor_digest
from molmara.model.rnn import ModelConfig, SmilesRNN
from molmara.model.tokenizer import Vocabulary
from molmara.resources import DEFAULT_PRIOR, PRIORS, shipped_prior

log = logging.getLogger("molmara.model")

CHECKPOINT_FORMAT = "molmara-prior"
CHECKPOINT_VERSION = 1
PRECISIONS = ("float32", "bfloat16")
"""What `Prior.sample` can compute its token-by-token network in."""


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or does not match the model it is loaded into."""


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """`"auto"` picks CUDA when it is there and the CPU otherwise; anything else is passed to torch."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda[:N]', got {device!r}") from err
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: torch sees no CUDA GPU on this machine; use 'auto' or 'cpu'")
    return resolved


@dataclass
class SampleResult:
    """SMILES sampled from a model with their log-likelihoods under it (temperature 1)."""

    smiles: list[str]
    log_likelihood: np.ndarray
    sequences: torch.Tensor
    """Token ids (n, length): start token, tokens, end token, padding."""

    def __iter__(self):  # lets callers write `smiles, logp = prior.sample(n)`
        return iter((self.smiles, self.log_likelihood))

    def __len__(self) -> int:
        return len(self.smiles)


class Prior:
    """A `SmilesRNN` and its `Vocabulary` on a device; the object chemists sample from."""

    def __init__(
        self,
        model: SmilesRNN,
        vocabulary: Vocabulary,
        metadata: dict | None = None,
        device: str | torch.device = "auto",
    ) -> None:
        if model.config.vocab_size != len(vocabulary):
            raise CheckpointError(
                f"model has {model.config.vocab_size} output tokens but the vocabulary has "
                f"{len(vocabulary)}: they come from different vocabularies"
            )
        self.device = resolve_device(device)
        self.model = model.to(self.device)
        self.vocabulary = vocabulary
        self.metadata = dict(metadata or {})

    @property
    def config(self) -> ModelConfig:
        return self.model.config

    def copy(self) -> Prior:
        """An independent copy (same weights), e.g. the agent that RL fine-tunes."""
        return Prior(copy.deepcopy(self.model), self.vocabulary, self.metadata, self.device)

    # ----------------------------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(
        self,
        n: int,
        temperature: float = 1.0,
        batch_size: int = 1024,
        max_length: int = 140,
        generator: torch.Generator | None = None,
        precision: str = "float32",
    ) -> SampleResult:
        """Sample `n` SMILES; log-likelihoods are the model's own (temperature 1) sums over tokens.

        A sequence that reaches `max_length` tokens without an end token is returned truncated
        (it will normally be invalid SMILES). `precision="bfloat16"` runs the token-by-token network on a
        bfloat16 copy of the weights (about twice as fast on a CPU with AMX; softmax and sampling stay float32):
        the molecules come from the network as bfloat16 computes it, and their log-likelihoods are bfloat16's
        too, off by a few hundredths of a nat (`benchmarks/results/bf16_sampling.md`; `log_likelihood` gives
        float32's). RL losses never use these: they recompute likelihoods in float32.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0, got {temperature}")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        low = precision == "bfloat16"
        # a bfloat16 copy of the weights as they are now (an RL agent's change every step; copying costs milliseconds)
        network = copy.deepcopy(self.model).to(torch.bfloat16) if low else self.model
        was_training = self.model.training
        self.model.eval()
        smiles: list[str] = []
        logps: list[np.ndarray] = []
        sequences: list[torch.Tensor] = []
        try:
            for start in range(0, n, batch_size):
                ids, logp = self._sample_batch(network, min(batch_size, n - start), temperature, max_length, generator)
                sequences.append(ids.cpu())
                logps.append(logp.cpu().numpy())
                smiles.extend(self.vocabulary.decode(row) for row in ids[:, 1:].cpu().numpy())
        finally:
            self.model.train(was_training)
        width = max((s.shape[1] for s in sequences), default=1)
        padded = torch.zeros((n, width), dtype=torch.long)
        row = 0
        for s in sequences:
            padded[row : row + s.shape[0], : s.shape[1]] = s
            row += s.shape[0]
        logp_all = np.concatenate(logps) if logps else np.zeros(0)
        return SampleResult(smiles, logp_all.astype(np.float64), padded)

    def _sample_batch(
        self, network: SmilesRNN, n: int, temperature: float, max_length: int, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Ids (n, steps + 1: start, tokens, end, then padding) and log-likelihoods of `n` sampled sequences.

        Rows that have drawn their end token leave the batch: the network steps only the sequences still being
        written, so a batch costs its total token count rather than its size × its longest sequence. Each draw
        comes from the row's own distribution whichever rows remain, so the sampled distribution is unchanged.
        """
        voc = self.vocabulary
        ids = torch.full((n, max_length + 1), voc.pad_id, dtype=torch.long, device=self.device)
        ids[:, 0] = voc.start_id
        logp_sum = torch.zeros(n, device=self.device)
        rows = torch.arange(n, device=self.device)  # the rows still being written, in batch order
        tokens, state, steps = ids[:, :1], None, 0
        for steps in range(1, max_length + 1):
            logits, state = network(tokens, state)
            logits = logits[:, -1, :].float()  # the softmax and the sampling in float32 whatever the network's dtype
            log_probs = torch.log_softmax(logits, dim=-1)
            probs = log_probs.exp() if temperature == 1.0 else torch.softmax(logits / temperature, dim=-1)
            if generator is not None and generator.device.type != probs.device.type:
                nxt = torch.multinomial(probs.cpu(), 1, generator=generator).to(self.device)
            else:
                nxt = torch.multinomial(probs, 1, generator=generator)
            logp_sum.index_add_(0, rows, log_probs.gather(1, nxt).squeeze(1))
            nxt = nxt.squeeze(1)
            ids[rows, steps] = nxt
            going = nxt != voc.end_id
            still = int(going.sum())
            if still == 0:
                break
            if still < rows.numel():
                rows, nxt, state = rows[going], nxt[going], _select_rows(state, going)
            tokens = nxt.unsqueeze(1)
        return ids[:, : steps + 1], logp_sum

    # ----------------------------------------------------------------------------- likelihood
    def encode_batch(self, smiles: Sequence[str]) -> tuple[torch.Tensor, np.ndarray]:
        """Padded ids of the encodable SMILES and a mask of which were encodable.

        Not encodable: non-strings, blank strings, strings over `MAX_SMILES_LENGTH`, unknown tokens.
        """
        encoded = [
            self.vocabulary.try_encode(s) if isinstance(s, str) and s.strip() and len(s) <= MAX_SMILES_LENGTH else None
            for s in smiles
        ]
        ok = np.array([e is not None for e in encoded], dtype=bool)
        rows = [e for e in encoded if e is not None]
        width = max((len(r) for r in rows), default=2)
        ids = torch.full((len(rows), width), self.vocabulary.pad_id, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        return ids, ok

    def log_likelihood_tensor(self, ids: torch.Tensor) -> torch.Tensor:
        """Differentiable sequence log-likelihoods for framed, padded ids (used by RL losses)."""
        return self.model.sequence_log_likelihood(ids.to(self.device), self.vocabulary.pad_id)

    @torch.no_grad()
    def log_likelihood(self, smiles: Sequence[str], batch_size: int = 1024) -> np.ndarray:
        """Log-likelihood of each SMILES under the model; NaN where it cannot be encoded."""
        ids, ok = self.encode_batch(list(smiles))
        out = np.full(len(ok), math.nan)
        was_training = self.model.training
        self.model.eval()
        try:
            values = [
                self.log_likelihood_tensor(ids[i : i + batch_size]).cpu().numpy()
                for i in range(0, ids.shape[0], batch_size)
            ]
        finally:
            self.model.train(was_training)
        if values:
            out[ok] = np.concatenate(values)
        return out

    # ----------------------------------------------------------------------------- checkpoints
    def to_checkpoint(self) -> dict:
        state_dict = {k: v.detach().cpu() for k, v in self.model.state_dict().items()}
        return {
            "format": CHECKPOINT_FORMAT,
            "format_version": CHECKPOINT_VERSION,
            "state_dict": state_dict,
            "digest": tensor_digest(state_dict),
            "vocabulary": list(self.vocabulary.tokens),
            "model_config": self.config.to_dict(),
            "metadata": json.loads(json.dumps(self.metadata, default=str)),  # plain types only
        }

    def save(self, path: str | Path) -> Path:
        """Write the checkpoint atomically (a temporary file renamed over the target)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        torch.save(self.to_checkpoint(), tmp)
        tmp.replace(path)
        return path

    @classmethod
    def from_checkpoint(cls, checkpoint: dict, device: str | torch.device = "auto", source: str = "") -> Prior:
        where = f" in {source}" if source else ""
        if not isinstance(checkpoint, dict) or checkpoint.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError(f"not a molmara prior checkpoint{where}")
        version = checkpoint.get("format_version")
        if version != CHECKPOINT_VERSION:
            raise CheckpointError(
                f"checkpoint format version {version!r}{where} is not supported (expected {CHECKPOINT_VERSION})"
            )
        try:
            check_digest(checkpoint["state_dict"], checkpoint.get("digest"), f"prior checkpoint{where}")
        except IntegrityError as err:
            raise CheckpointError(str(err)) from None
        except (KeyError, TypeError, AttributeError) as err:
            raise CheckpointError(f"checkpoint{where} does not match its model: {err}") from err
        try:
            vocabulary = Vocabulary(tuple(checkpoint["vocabulary"]))
            config = ModelConfig(**checkpoint["model_config"])
            model = SmilesRNN(config)
            model.load_state_dict(checkpoint["state_dict"])
        except (KeyError, TypeError, ValueError, RuntimeError) as err:
            raise CheckpointError(f"checkpoint{where} does not match its model: {err}") from err
        return cls(model, vocabulary, checkpoint.get("metadata", {}), device)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "auto") -> Prior:
        """Load a checkpoint written by `save`; a wrong or corrupt file raises `CheckpointError`."""
        path = Path(path)
        if not path.is_file():
            names = ", ".join(sorted(p.stem for p in PRIORS.glob("*.prior")))
            raise CheckpointError(f"prior checkpoint not found: {path} (shipped priors, by name: {names})")
        try:
            checkpoint = read_torch_file(path, "prior checkpoint")
        except IntegrityError as err:
            reinvent = _reinvent_or_none(path, device)  # REINVENT 4 files pickle its tokenizer: not weights-only
            if reinvent is None:
                raise CheckpointError(str(err)) from None
            return reinvent
        if not (isinstance(checkpoint, dict) and checkpoint.get("format") == CHECKPOINT_FORMAT):
            reinvent = _reinvent_or_none(path, device)  # e.g. a REINVENT file molmara exported: plain data
            if reinvent is not None:
                return reinvent
        return cls.from_checkpoint(checkpoint, device, source=str(path))


def _reinvent_or_none(path: Path, device: str | torch.device) -> Prior | None:
    """The REINVENT 4 model at `path` imported on the fly; None when it is not one; an error when it is one that
    cannot be imported (another model type, a pickle naming other code, layer normalisation)."""
    from molmara.model.reinvent_format import ReinventFormatError, import_reinvent, is_reinvent_dict, read_reinvent_file

    try:
        data = read_reinvent_file(path)
    except ReinventFormatError as err:
        if "refused" in str(err):
            raise CheckpointError(str(err)) from None
        return None
    if not is_reinvent_dict(data):
        return None
    try:
        prior = import_reinvent(path, device)
    except ReinventFormatError as err:
        raise CheckpointError(str(err)) from None
    log.info("%s is a REINVENT 4 model: imported on the fly (molmara import-prior saves it as a molmara prior)", path)
    return prior


def load_prior(path: str | Path | None = None, device: str | torch.device = "auto") -> Prior:
    """Load a prior checkpoint (a REINVENT 4 'Reinvent' model file is imported on the fly); with no path, the
    prior shipped with molmara; a shipped prior's name ('moses_lstm') where no file of that name exists."""
    if path is None:
        return Prior.load(DEFAULT_PRIOR, device)
    shipped = None if Path(path).exists() else shipped_prior(str(path))
    return Prior.load(shipped or path, device)


def _select_rows(state: torch.Tensor | tuple[torch.Tensor, ...], keep: torch.Tensor) -> torch.Tensor | tuple:
    """The recurrent state (layers, batch, hidden) — or an LSTM's (h, c) pair — of the rows where `keep` is True."""
    if isinstance(state, tuple):
        return tuple(part[:, keep] for part in state)
    return state[:, keep]

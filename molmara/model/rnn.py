"""The recurrent SMILES language model: embedding → stacked LSTM/GRU → linear over the vocabulary."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

CELLS = ("lstm", "gru")


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a `SmilesRNN`; plain data so that it fits in a checkpoint."""

    vocab_size: int
    cell: str = "gru"
    embedding_dim: int = 128
    hidden_size: int = 512
    num_layers: int = 3
    dropout: float = 0.0

    def __post_init__(self) -> None:
        if self.cell not in CELLS:
            raise ValueError(f"cell must be one of {CELLS}, got {self.cell!r}")
        for name in ("vocab_size", "embedding_dim", "hidden_size", "num_layers"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")

    def to_dict(self) -> dict:
        return asdict(self)


class SmilesRNN(nn.Module):
    """Autoregressive model of token sequences; `forward` returns next-token logits."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim)
        rnn_cls = nn.LSTM if config.cell == "lstm" else nn.GRU
        self.rnn = rnn_cls(
            config.embedding_dim,
            config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
            batch_first=True,
        )
        self.head = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(
        self, tokens: torch.Tensor, state: torch.Tensor | tuple | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | tuple]:
        """Logits of shape (batch, length, vocab) for input ids (batch, length), and the new state."""
        hidden, state = self.rnn(self.embedding(tokens), state)
        return self.head(hidden), state

    def sequence_log_likelihood(self, ids: torch.Tensor, pad_id: int = 0) -> torch.Tensor:
        """Sum of token log-probabilities of each framed sequence (start … end, padded)."""
        logits, _ = self(ids[:, :-1])
        targets = ids[:, 1:]
        logp = torch.log_softmax(logits.float(), dim=-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        return (logp * (targets != pad_id)).sum(dim=1)


class LstmTokenStep:
    """One token through a `SmilesRNN` LSTM as one matrix product per layer: [x, h] @ [W_ih | W_hh]ᵀ + b.

    The arithmetic of `nn.LSTM` (gates i, f, g, o; eval mode, so no dropout) with half the products: sampling
    calls the network once per token, and at RL batch sizes nn.LSTM's two products per layer and its per-call
    set-up cost more than the arithmetic (`benchmarks/results/speed.md`). The weights are those of the model
    when the step is made, in its dtype; an RL agent's change every step, so make one per sampling call.
    """

    def __init__(self, model: SmilesRNN) -> None:
        if model.config.cell != "lstm":
            raise ValueError(f"LstmTokenStep needs an LSTM model, got cell {model.config.cell!r}")
        rnn = model.rnn
        self.embedding = model.embedding
        self.head = model.head
        self.hidden_size = model.config.hidden_size
        self.weights = [
            torch.cat([getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}")], dim=1).t().contiguous()
            for k in range(rnn.num_layers)
        ]
        self.biases = [getattr(rnn, f"bias_ih_l{k}") + getattr(rnn, f"bias_hh_l{k}") for k in range(rnn.num_layers)]

    @torch.no_grad()
    def __call__(
        self, tokens: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        """Logits (batch, 1, vocab) for token ids (batch, 1) and the new (h, c), each (layers, batch, hidden)."""
        x = self.embedding(tokens[:, 0])
        if state is None:
            zeros = x.new_zeros((len(self.weights), x.shape[0], self.hidden_size))
            state = (zeros, zeros)
        h_in, c_in = state
        h_out, c_out = [], []
        for k, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            gates = torch.addmm(bias, torch.cat([x, h_in[k]], dim=1), weight)
            i, f, g, o = gates.chunk(4, dim=1)
            c = torch.sigmoid(f) * c_in[k] + torch.sigmoid(i) * torch.tanh(g)
            x = torch.sigmoid(o) * torch.tanh(c)
            h_out.append(x)
            c_out.append(c)
        return self.head(x).unsqueeze(1), (torch.stack(h_out), torch.stack(c_out))


def token_step(model: SmilesRNN):
    """The fastest way to advance `model` one token: `LstmTokenStep` for an LSTM, the model itself otherwise."""
    return LstmTokenStep(model) if model.config.cell == "lstm" else model

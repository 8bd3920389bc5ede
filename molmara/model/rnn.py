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

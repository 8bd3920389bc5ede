"""SMILES tokenizer and vocabulary.

SMILES are split with a regular expression into chemically meaningful tokens: bracket atoms
(``[nH]``, ``[C@@H]``, ``[N+]``) stay whole, two-letter halogens (``Cl``, ``Br``) are one token and
two-digit ring closures (``%10``) are one token. A vocabulary maps tokens to integer ids and adds
three special tokens: padding, start of sequence and end of sequence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

PAD = "<pad>"
START = "<s>"
END = "</s>"
SPECIAL_TOKENS = (PAD, START, END)

_TOKEN_PATTERN = re.compile(r"(\[[^\[\]]+\]|Br|Cl|%\d{2}|[BCNOPSFIbcnops]|[()=#\-+\\/:~@?>*.$]|\d)")


class UnknownTokenError(ValueError):
    """A SMILES contains a token that is not in the vocabulary."""

    def __init__(self, token: str, smiles: str) -> None:
        super().__init__(f"unknown token {token!r} in SMILES {smiles!r}")
        self.token = token
        self.smiles = smiles


class TokenizeError(ValueError):
    """A SMILES contains characters that the tokenizer does not recognise."""


def tokenize(smiles: str) -> list[str]:
    """Split a SMILES string into tokens; raise `TokenizeError` on characters left over."""
    tokens = _TOKEN_PATTERN.findall(smiles)
    if sum(len(t) for t in tokens) != len(smiles):
        leftover = _TOKEN_PATTERN.sub("", smiles)
        raise TokenizeError(f"unrecognised characters {leftover!r} in SMILES {smiles!r}")
    return tokens


@dataclass(frozen=True)
class Vocabulary:
    """An ordered list of tokens; index 0 is padding, 1 start, 2 end."""

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        if tuple(self.tokens[:3]) != SPECIAL_TOKENS:
            raise ValueError(f"a vocabulary must begin with {SPECIAL_TOKENS}, got {self.tokens[:3]}")
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError("a vocabulary must not repeat tokens")
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.tokens)})

    @classmethod
    def from_smiles(cls, smiles: Iterable[str]) -> Vocabulary:
        """Build the vocabulary of every token found in `smiles`, sorted for reproducibility."""
        found: set[str] = set()
        for s in smiles:
            found.update(tokenize(s))
        return cls(SPECIAL_TOKENS + tuple(sorted(found)))

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._index  # type: ignore[attr-defined]

    @property
    def pad_id(self) -> int:
        return 0

    @property
    def start_id(self) -> int:
        return 1

    @property
    def end_id(self) -> int:
        return 2

    def encode(self, smiles: str) -> list[int]:
        """Token ids of `smiles` framed by start and end; `UnknownTokenError` names a missing token."""
        index: dict[str, int] = self._index  # type: ignore[attr-defined]
        ids = [self.start_id]
        for token in tokenize(smiles):
            try:
                ids.append(index[token])
            except KeyError:
                raise UnknownTokenError(token, smiles) from None
        ids.append(self.end_id)
        return ids

    def try_encode(self, smiles: str) -> list[int] | None:
        """Like `encode`, but None for a SMILES that cannot be encoded."""
        try:
            return self.encode(smiles)
        except (UnknownTokenError, TokenizeError):
            return None

    def decode(self, ids: Sequence[int] | np.ndarray) -> str:
        """SMILES for a sequence of ids; stops at the end token, skips start and padding."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.end_id:
                break
            if i in (self.pad_id, self.start_id):
                continue
            out.append(self.tokens[i])
        return "".join(out)

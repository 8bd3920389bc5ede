"""Integrity of the files molmara writes with torch: a digest of their tensors, and reading them with errors a
chemist can act on ("damaged", "not a molmara checkpoint") instead of torch's own text.

The digest is SHA-256 over every tensor's name, dtype, shape and bytes, in name order: a flipped byte in the
weights changes it, so a damaged prior is refused instead of loaded and sampled from. A run checkpoint carries
`state_digest` over its whole state — weights, optimiser moments, generators, score cache, memories — since a
flipped byte in any of them would resume a different run.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch

ZIP_MAGIC = b"PK\x03\x04"
"""How a file written by `torch.save` starts."""


class IntegrityError(ValueError):
    """A file is damaged or not the kind of file expected."""


def tensor_digest(tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 (hex) of the tensors' names, dtypes, shapes and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def read_torch_file(path: str | Path, what: str) -> object:
    """`torch.load` with only plain types allowed; a file that is not one of ours or is damaged says so."""
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head != ZIP_MAGIC:
        raise IntegrityError(f"{path} is not a molmara {what} (it does not start like a file torch wrote)")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds for damaged files; its advice to turn safety off is not ours
        raise IntegrityError(f"{what} {path} is damaged ({type(err).__name__}); it cannot be read") from None


def check_digest(tensors: dict[str, torch.Tensor], expected: str | None, where: str) -> None:
    """Refuse tensors whose digest is not the recorded one (files written before digests have none)."""
    if expected is not None and tensor_digest(tensors) != expected:
        raise IntegrityError(f"{where} is damaged: its weights do not match the digest recorded when it was written")


def state_digest(state: object) -> str:
    """SHA-256 (hex) over a nested structure of tensors, numbers, strings, lists and dicts — a run checkpoint's
    whole state (weights, optimiser moments, generators, score cache, memories), not only its weights."""
    digest = hashlib.sha256()
    _feed(digest, state)
    return digest.hexdigest()


def _feed(digest, value: object) -> None:
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous()
        digest.update(f"T{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    elif isinstance(value, dict):
        digest.update(f"D{len(value)}|".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif isinstance(value, (list, tuple)):
        digest.update(f"L{len(value)}|".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, (set, frozenset)):  # string hashing differs between processes: sort
        _feed(digest, sorted(value, key=repr))
    else:  # numbers, strings, None, booleans: repr is exact for floats
        digest.update(f"V{type(value).__name__}:{value!r}|".encode())

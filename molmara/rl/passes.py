"""An RL step's teacher-forced passes, a chunk of rows at a time.

Every loss of `molmara.rl.losses` is a mean over the rows in the loss of per-row terms (given batch-level
advantages), so its gradient is the sum of its chunks' gradients. The trainer therefore runs the agent's forward
pass and its backward pass one chunk at a time: only one chunk's activations — the largest part of a step's peak
memory on a CPU — are alive at once, and the gradient is the whole batch's up to float rounding. Rows are sorted by
length and each chunk is cut to its own longest row, so fewer padding tokens go through the network.

On a CPU chunks are `CPU_ROWS_PER_PASS` rows. On the 3×512 LSTM at batch 128 (2 Xeon cores, idle;
benchmarks/results/speed_ab_chunked_passes.md) that took the RL step from 1.21 to 1.10 s in float32 and from 0.57 to
0.60 s in bfloat16, and the run's peak memory from 0.98 to 0.84 GiB and from 0.94 to 0.85; at batch 64 (one chunk)
the time did not change. On a GPU, where memory is ample and bigger products are faster, the batch is one chunk.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

CPU_ROWS_PER_PASS = 64
"""Rows per forward/backward pass on a CPU (see the module docstring)."""


def rows_per_pass(device: torch.device) -> int | None:
    """Rows per chunk on `device`: `CPU_ROWS_PER_PASS` on a CPU, None (the whole batch) elsewhere."""
    return CPU_ROWS_PER_PASS if device.type == "cpu" else None


def length_chunks(ids: torch.Tensor, pad_id: int, rows: int | None) -> list[torch.Tensor]:
    """Row indices of `ids` in chunks of at most `rows` (None: one chunk), shortest sequences first."""
    order = torch.argsort((ids != pad_id).sum(dim=1), stable=True)
    if rows is None or rows >= len(order):
        return [order]
    return list(order.split(rows))


def trimmed(ids: torch.Tensor, pad_id: int) -> torch.Tensor:
    """`ids` without the columns that are padding in every row."""
    width = int((ids != pad_id).sum(dim=1).max()) if len(ids) else ids.shape[1]
    return ids[:, :width]


def chunked_backward(
    log_likelihood: Callable[[torch.Tensor], torch.Tensor],
    ids: torch.Tensor,
    chunks: list[torch.Tensor],
    pad_id: int,
    terms: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    n_terms: int,
    forward: Callable[[], object],
    backward: Callable[[], object],
) -> tuple[torch.Tensor, torch.Tensor]:
    """Back-propagate sum(terms) / `n_terms` one chunk at a time; return every row's log-likelihood (detached) and
    the loss's value.

    `terms(rows, logp)` gives the per-row loss terms of the rows (indices into `ids`) whose log-likelihoods with
    gradient are `logp` — an empty tensor where none of them is in the loss. `forward()` and `backward()` are the
    contexts (e.g. a phase clock's) that each chunk's forward and backward pass run in.
    """
    logp_all: torch.Tensor | None = None  # on the model's device, which `ids` (built on the CPU) need not be on
    total = torch.zeros(())
    for rows in chunks:
        with forward():
            logp = log_likelihood(trimmed(ids[rows], pad_id))
        if logp_all is None:
            logp_all, total = logp.new_empty(len(ids)), logp.new_zeros(())
        logp_all[rows.to(logp.device)] = logp.detach()
        part = terms(rows, logp)
        if part.numel():
            part = part.sum() / n_terms
            with backward():
                part.backward()
            total = total + part.detach()
    return logp_all, total


@torch.no_grad()
def chunked_log_likelihoods(
    log_likelihood: Callable[[torch.Tensor], torch.Tensor], ids: torch.Tensor, chunks: list[torch.Tensor], pad_id: int
) -> torch.Tensor:
    """Every row's log-likelihood, computed a chunk at a time without gradient."""
    out: torch.Tensor | None = None
    for rows in chunks:
        values = log_likelihood(trimmed(ids[rows], pad_id)).float()
        if out is None:
            out = values.new_empty(len(ids))
        out[rows.to(values.device)] = values
    return out

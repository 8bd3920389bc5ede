"""Beats from inside the oracles, so that a scoring worker's parent can tell a slow molecule from a stuck one.

A scoring worker (`molmara.scoring_workers`) installs a small array shared with its parent:
[deadline, position, count]. Before an oracle works on one molecule it calls `molecule(position)`;
before it works on several at once (a vectorised model, a whole-batch program) it calls
`molecules(positions)`. Each beat moves the deadline to now + limit × count, so every molecule gets
`limit` seconds in each oracle. The parent kills a worker whose deadline has passed and knows which
molecule it was stuck on. Outside a scoring worker nothing is installed and a beat costs one check.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

DEADLINE, POSITION, COUNT = 0, 1, 2
"""Slots of the shared array."""

_slots = None
_limit = 0.0
_offset = 0


def install(slots, limit: float) -> None:
    """Send this process's beats to `slots` (a shared array of 3 doubles), `limit` seconds a molecule."""
    global _slots, _limit
    _slots, _limit = slots, float(limit)


def set_offset(offset: int) -> None:
    """Positions that follow are counted from `offset` (a worker scoring one molecule at a time)."""
    global _offset
    _offset = int(offset)


def molecules(positions: Sequence[int]) -> None:
    """The oracle starts on these molecules together: `limit` seconds for each of them."""
    if _slots is None:
        return
    count = max(1, len(positions))
    _slots[POSITION] = _offset + (int(positions[0]) if len(positions) else 0)
    _slots[COUNT] = count
    _slots[DEADLINE] = time.monotonic() + _limit * count  # written last: the parent reads it first


def molecule(position: int, needs: float = 0.0) -> None:
    """The oracle starts on the molecule at `position` of the batch: `limit` seconds for it, or `needs` seconds
    when the oracle says it needs more and stops itself in time (docking, with its own time limit)."""
    if _slots is None:
        return
    _slots[POSITION] = _offset + int(position)
    _slots[COUNT] = 1
    _slots[DEADLINE] = time.monotonic() + max(_limit, needs)

"""Where an RL step's time goes: seconds per phase (sampling, scoring, likelihoods, backward, …), summed over steps.

The trainer times each phase of every step with a `PhaseClock`; `benchmarks/speed.py` reads the split, and a run's
log can say what bounds it. Phases are timed with `time.perf_counter` around the code that runs them; on a GPU
the asynchronous kernels of one phase can be charged to the next one that waits for them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

PHASES = ("sample", "score", "rewards", "likelihoods", "loss", "backward", "optimizer", "record")
"""The phases of a step, in the order they run (the loss's own prior sample, for forward KL, is in "loss")."""


class PhaseClock:
    """Cumulative seconds per phase over the steps timed so far."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.steps = 0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Charge the time spent inside the block to `name`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - started

    def per_step(self) -> dict[str, float]:
        """Mean seconds per step of each phase, in `PHASES` order (phases never timed are left out)."""
        steps = max(self.steps, 1)
        return {name: self.seconds[name] / steps for name in PHASES if name in self.seconds}

    def reset(self) -> None:
        """Forget the steps timed so far (e.g. after a warm-up step)."""
        self.seconds.clear()
        self.steps = 0

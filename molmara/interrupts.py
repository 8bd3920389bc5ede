"""Ctrl-C and SIGTERM during training: held back while a step commits, and never lost.

Between the optimiser's step and the step's records reaching the store, an interrupt would leave a checkpoint
one step ahead of the records: the resumed run would then never record that step. Inside Adam's update it
would leave some moments or weights updated and others not: pretraining's interrupt checkpoint would then hold
a torn state, and the resumed model would differ from an uninterrupted one. Inside `deferred_interrupts`
the signals are noted and delivered to the handlers they had as soon as the block ends.

A KeyboardInterrupt that Python raises while it runs a finaliser (an object's `__del__`, a weakref callback,
which garbage collection runs at any moment) is printed as "Exception ignored" and dropped: the run would go on
as if Ctrl-C had never been pressed. `StopRequests` notes each signal before it is raised, and the trainer
checks the note at every step.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Defer SIGINT and SIGTERM until the block ends (only in the main thread; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {sig: signal.signal(sig, lambda number, frame: received.append(number)) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for number in dict.fromkeys(received):
            signal.raise_signal(number)


class StopRequests:
    """While active (a `with` block, main thread only), SIGINT and SIGTERM are noted, then handled as before;
    `check()` raises KeyboardInterrupt when one was noted, even if the one raised by the handler was swallowed."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self._previous: dict[int, object] = {}

    def _note(self, number: int, frame) -> None:
        self.received.append(number)
        handler = self._previous.get(number)
        if callable(handler):
            handler(number, frame)
        elif handler == signal.SIG_DFL and number == signal.SIGINT:
            raise KeyboardInterrupt
        elif handler == signal.SIG_DFL:  # SIGTERM's default: end the process, as it would have
            signal.signal(number, signal.SIG_DFL)
            signal.raise_signal(number)

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._note) for sig in SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def check(self) -> None:
        if self.received:
            raise KeyboardInterrupt(f"signal {self.received[0]} received")

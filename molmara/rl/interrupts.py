"""Hold Ctrl-C and SIGTERM back while a step commits, so that a step is either all recorded or not at all.

Between the optimiser's step and the step's records reaching the store, an interrupt would leave a checkpoint
one step ahead of the records: the resumed run would then never record that step. Inside `deferred_interrupts`
the signals are noted and delivered to the handlers they had as soon as the block ends.
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

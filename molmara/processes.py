"""Which process a stored pid names. A pid alone is ambiguous: the OS hands it to another process once the first
one ends. The run store keeps each run's pid with the process's start time, and a pid counts as the run's only
while a process with that pid and that start time is alive."""

from __future__ import annotations

import os

START_TIME_TOLERANCE_S = 0.05
"""How far two readings of one process's start time may differ (the kernel counts in clock ticks, 0.01 s)."""


def process_start_time(pid: int | None = None) -> float | None:
    """When process `pid` (this process by default) started, in seconds since the epoch; None if there is none."""
    import psutil

    try:
        return psutil.Process(os.getpid() if pid is None else pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def same_start(a: float, b: float) -> bool:
    """Whether two start times are readings of the same process's start."""
    return abs(a - b) <= START_TIME_TOLERANCE_S

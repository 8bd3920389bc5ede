"""AutoDock Vina in a child process of its own, so that a docking that runs past its time limit can be stopped.

Vina's `dock` is one C++ call that Python cannot interrupt. The docking oracle therefore keeps one child
process per receptor (`python -m molmara.oracles.vina_process`): it reads the receptor and computes the
affinity maps once, then docks one ligand per request. Requests and answers are JSON lines on the child's
stdin and stdout (Vina's own messages go to its stderr). A request that takes longer than its time limit
kills the child; the next request starts a fresh one. The child is a plain subprocess, so it also works
inside a scoring worker (a daemon process, which may not fork multiprocessing children) and on Ray.

The child dies with its parent: on Linux it asks the kernel for SIGKILL when the thread that started it goes
(prctl PR_SET_PDEATHSIG), so a scoring worker or Ray worker that is killed does not leave a docking running
(Vina's C++ `dock` would otherwise go on for minutes, and stdin closing is only seen between dockings).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

PARENT_VARIABLE = "MOLMARA_VINA_PARENT"
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


class VinaTimeout(RuntimeError):
    """The docking did not finish within its time limit (the child was killed)."""


class VinaFailure(RuntimeError):
    """Vina refused or failed on the ligand (the message says why); the child goes on."""


@dataclass(frozen=True)
class Receptor:
    """A receptor PDBQT file and its search box (centre and size in Å)."""

    pdbqt: str
    center: tuple[float, float, float]
    size: tuple[float, float, float]


class VinaProcess:
    """A Vina child process for one receptor and box; `dock` one ligand PDBQT at a time."""

    def __init__(self, receptor: Receptor, cpus: int = 1, seed: int = 0) -> None:
        self.receptor, self.cpus, self.seed = receptor, cpus, seed
        self._child: subprocess.Popen | None = None

    def _start(self) -> subprocess.Popen:
        env = {**os.environ, "OMP_NUM_THREADS": str(self.cpus), PARENT_VARIABLE: str(os.getpid())}
        child = subprocess.Popen(
            [sys.executable, "-m", "molmara.oracles.vina_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        setup = {"receptor": self.receptor.pdbqt, "center": self.receptor.center, "size": self.receptor.size,
                 "cpus": self.cpus, "seed": self.seed}  # fmt: skip
        child.stdin.write(json.dumps(setup) + "\n")
        child.stdin.flush()
        return child

    def dock(self, ligand_pdbqt: str, exhaustiveness: int, n_poses: int, timeout: float) -> tuple[float, str]:
        """The best score (kcal/mol) and the poses (PDBQT) of one ligand; `VinaTimeout` past `timeout` seconds
        (counted from the request, so the first request also pays for the maps), `VinaFailure` if Vina fails."""
        if self._child is None or self._child.poll() is not None:
            self._child = self._start()
        child = self._child
        request = {"ligand": ligand_pdbqt, "exhaustiveness": exhaustiveness, "n_poses": n_poses}
        try:
            child.stdin.write(json.dumps(request) + "\n")
            child.stdin.flush()
        except OSError:
            self.close()
            raise VinaFailure("the Vina process stopped (could it read the receptor?)") from None
        line = _read_line(child, timeout)
        if line is None:
            self.close()
            raise VinaTimeout(f"docking took more than {timeout:g} s")
        if not line:
            self.close()
            raise VinaFailure("the Vina process stopped (could it read the receptor?)")
        answer = json.loads(line)
        if "error" in answer:
            raise VinaFailure(answer["error"])
        return float(answer["energy"]), answer["poses"]

    def close(self) -> None:
        """Stop the child (a later `dock` starts a new one)."""
        child, self._child = self._child, None
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        if child is not None:
            for stream in (child.stdin, child.stdout):
                with contextlib.suppress(OSError):
                    stream.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __getstate__(self) -> dict:  # a child process does not travel (to Ray, to a spawned worker)
        return {"receptor": self.receptor, "cpus": self.cpus, "seed": self.seed, "_child": None}


def _read_line(child: subprocess.Popen, timeout: float) -> str | None:
    """One line of the child's output; None when none came within `timeout` seconds, "" when it exited."""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if selector.select(timeout=left):
                return child.stdout.readline()


def _die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent goes (Linux); exit now if it has already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            print(f"vina_process: prctl failed (errno {ctypes.get_errno()})", file=sys.stderr)
    parent = os.environ.get(PARENT_VARIABLE)
    if parent is not None and os.getppid() != int(parent):  # the parent died before prctl took effect
        os._exit(1)


def _serve() -> None:
    """The child's loop: set up Vina from the first line, then one docking per line."""
    _die_with_parent()
    from vina import Vina

    setup = json.loads(sys.stdin.readline())
    answers = os.fdopen(os.dup(1), "w")  # Vina prints warnings to fd 1: the answers get a copy of it, and
    os.dup2(2, 1)  # fd 1 itself now goes where stderr goes
    sys.stdout = sys.stderr
    vina = Vina(sf_name="vina", cpu=int(setup["cpus"]), seed=int(setup["seed"]), verbosity=0)
    vina.set_receptor(setup["receptor"])
    vina.compute_vina_maps(center=list(setup["center"]), box_size=list(setup["size"]))
    for line in sys.stdin:
        request = json.loads(line)
        try:
            vina.set_ligand_from_string(request["ligand"])
            vina.dock(exhaustiveness=int(request["exhaustiveness"]), n_poses=int(request["n_poses"]))
            energy = float(vina.energies(n_poses=1)[0][0])
            answer = {"energy": energy, "poses": vina.poses(n_poses=1)}
        except Exception as err:  # Vina raises on ligands it cannot place; the process goes on
            answer = {"error": f"{type(err).__name__}: {err}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


if __name__ == "__main__":
    _serve()

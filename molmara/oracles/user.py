"""Oracles written by users: Python functions by decorator, and any external program.

    @molmara.oracle(description="Number of nitrogen atoms")
    def n_nitrogen(mol):
        return sum(atom.GetSymbol() == "N" for atom in mol.GetAtoms())

registers `n_nitrogen` so that objectives and `molmara.oracles.get("n_nitrogen")` can use it.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import math
import os
import shlex
import signal
import subprocess
from collections.abc import Callable, Sequence

import numpy as np

from molmara.oracles.base import COSTS, MolBatch, Oracle, OracleError, Param
from molmara.oracles.registry import register

log = logging.getLogger("molmara.oracles")


def _params_from_signature(func: Callable) -> tuple[Param, ...]:
    """Keyword parameters with defaults become oracle parameters of the default's type."""
    out = []
    for index, p in enumerate(inspect.signature(func).parameters.values()):
        if index == 0 or p.default is inspect.Parameter.empty:
            continue
        kind = type(p.default) if isinstance(p.default, (int, float, str, bool, list)) else str
        out.append(Param(p.name, kind, p.default))
    return tuple(out)


def oracle(
    name: str | None = None,
    *,
    description: str | None = None,
    input: str = "mol",
    batch: bool = False,
    value_range: tuple[float, float] = (0.0, 1.0),
    cost: str = "cheap",
    params: Sequence[Param] | None = None,
) -> Callable[[Callable], Callable]:
    """Register a function as an oracle.

    The function takes an RDKit molecule (`input="mol"`) or a SMILES string (`input="smiles"`) and
    returns a number; with `batch=True` it takes a list and returns one number per item. Keyword
    arguments with defaults become the oracle's parameters unless `params` declares them. The
    function is returned unchanged, with the oracle class as its `oracle_class` attribute.
    """
    if input not in ("mol", "smiles"):
        raise OracleError(f"oracle input must be 'mol' or 'smiles', got {input!r}")
    if cost not in COSTS:
        raise OracleError(f"oracle cost must be one of {COSTS}, got {cost!r}")

    def wrap(func: Callable) -> Callable:
        oracle_name = name or func.__name__
        doc = (func.__doc__ or "").strip().splitlines()
        text = description or (doc[0] if doc else "")

        class FunctionOracle(Oracle):
            def score_valid(self, molecules: MolBatch) -> np.ndarray:
                if input == "mol":
                    items = [m for m in molecules.mols if m is not None]
                else:
                    items = [s for s, ok in zip(molecules.smiles, molecules.valid, strict=True) if ok]
                if batch:
                    values = np.asarray(func(items, **self.config), dtype=float).reshape(-1)
                    if values.size != len(items):
                        raise OracleError(
                            f"oracle {oracle_name!r} returned {values.size} values for {len(items)} molecules"
                        )
                    return values
                return np.array([float(func(item, **self.config)) for item in molecules.watched(items)], dtype=float)

        FunctionOracle.name = oracle_name
        FunctionOracle.description = text
        FunctionOracle.params = tuple(params) if params is not None else _params_from_signature(func)
        FunctionOracle.value_range = tuple(value_range)
        FunctionOracle.cost = cost
        FunctionOracle.__name__ = FunctionOracle.__qualname__ = f"{oracle_name}_oracle"
        func.oracle_class = register(FunctionOracle)
        return func

    return wrap


ALLOW_EXTERNAL = "MOLMARA_ALLOW_EXTERNAL_ORACLES"
"""Environment variable: "0" turns the `external` oracle off in this process and the runs it starts. The web app
sets it to "0" unless `molmara app --allow-external-oracles` set it to "1"; the CLI and the Python API leave it."""


def external_oracles_allowed() -> bool:
    """Whether an objective may run a program it names (see `ALLOW_EXTERNAL`)."""
    return os.environ.get(ALLOW_EXTERNAL, "1").strip() != "0"


@register
class ExternalProcessOracle(Oracle):
    """Runs a program you name. Off in the web app unless it was started with --allow-external-oracles."""

    name = "external"
    description = "Any program that reads SMILES lines on stdin and writes one score a line on stdout"
    cost = "expensive"
    value_range = (-math.inf, math.inf)
    params = (
        Param("command", list, [], "the program and its arguments (a list, or one string split like a shell)"),
        Param(
            "timeout",
            float,
            120.0,
            "seconds the program may take for one batch (then it and its children are killed and the batch scores NaN)",
            min=0.01,
        ),
    )

    def setup(self) -> None:
        if not external_oracles_allowed():
            raise OracleError(
                "oracle 'external' runs a program named in the objective, and that is off here: the web app allows "
                "it only when started with `molmara app --allow-external-oracles` (do that only where everyone who "
                "can open the page may run programs on this machine); the CLI and the Python API allow it"
            )
        command = self.config["command"]
        if len(command) == 1 and " " in command[0]:
            command = shlex.split(command[0])
        if not command:
            raise OracleError("oracle 'external' parameter 'command': needs the program to run")
        self._command = command

    def score_valid(self, batch: MolBatch) -> np.ndarray:
        smiles = [s for s, ok in zip(batch.smiles, batch.valid, strict=True) if ok]
        try:
            done = _run_in_own_group(self._command, "\n".join(smiles) + "\n", self.config["timeout"])
        except subprocess.TimeoutExpired:
            log.warning(
                "oracle 'external' %s timed out after %s s on %d molecules (it and its children were killed): "
                "scored NaN",
                self._command[0],
                self.config["timeout"],
                len(smiles),
            )
            return np.full(len(smiles), np.nan)
        except OSError as err:
            raise OracleError(f"oracle 'external': cannot run {self._command[0]!r}: {err}") from err
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
            log.warning(
                "oracle 'external' %s exited with %d (%s): scored NaN", self._command[0], done.returncode, tail[0]
            )
            return np.full(len(smiles), np.nan)
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        if len(lines) != len(smiles):
            raise OracleError(
                f"oracle 'external' ({self._command[0]}) wrote {len(lines)} scores for {len(smiles)} SMILES"
            )
        values = np.array([_to_float(line) for line in lines])
        bad = [line for line, value in zip(lines, values, strict=True) if np.isnan(value)]
        if bad:
            log.warning(
                "oracle 'external' %s wrote %d lines that are not numbers (first: %r): scored NaN",
                self._command[0],
                len(bad),
                bad[0][:80],
            )
        return values


def _run_in_own_group(command: list[str], text: str, timeout: float) -> subprocess.CompletedProcess:
    """Run `command` in a new process group; on timeout kill the whole group (its children too), then re-raise."""
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=os.name == "posix",
    )
    try:
        stdout, stderr = process.communicate(text, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        raise
    except BaseException:  # an interrupt: leave nothing behind
        _kill_group(process)
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill_group(process: subprocess.Popen) -> None:
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    else:  # pragma: no cover - no process groups to kill
        process.kill()


def _to_float(text: str) -> float:
    try:
        return float(text.split()[0])
    except ValueError:
        return math.nan

"""One way to say what is wrong with a configuration: pydantic's validation errors as one readable line.

Used by run configs, objectives, pretraining configs and sweeps, so that every message names the place
(`component 2 → transform → low`), the problem and the value given.
"""

from __future__ import annotations

from pydantic import ValidationError


def readable(err: ValidationError, root: str = "config") -> str:
    """`err` as "place: problem (got value); …", components counted from 1, unknown and missing keys by name."""
    lines = []
    for problem in err.errors():
        where: list[str] = []
        for part in problem["loc"]:
            if isinstance(part, int):
                where[-1:] = [f"{where[-1]} {part + 1}"] if where else [f"item {part + 1}"]
            else:
                where.append(str(part))
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message, where = f"unknown key {where[-1]!r}", where[:-1]
        elif problem["type"] == "missing":
            message, where = f"missing key {where[-1]!r}", where[:-1]
        elif "input" in problem and problem["type"] != "value_error":
            message += f" (got {problem['input']!r})"
        lines.append(f"{' → '.join(where) or root}: {message}")
    return "; ".join(lines)

"""Run names and run folders: what a name may be, where its folder lies, and what a run writes there.

A run's folder is `<output>/<name>`. A name is one path component of a safe character set, so that no
name can reach outside the output folder (`../victim`, `a/b`, `.`) or look like a run id (all digits);
the folder is also resolved and checked to lie inside the output folder. Deleting a run's files removes
only the files molmara writes into a run folder, and the folder itself only when nothing else is left.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

RUN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=+-]{0,199}")
"""A letter or digit, then letters, digits and . _ = + - (at most 200 characters): no separators, no spaces."""

RUN_FILES = (
    "checkpoint.pt", "checkpoint.pt.tmp", "agent.prior", "agent.prior.tmp", "steps.csv", "molecules.csv",
    "config.json", "summary.json", "config.toml", "job.log", "report.md", "report.html",
)  # fmt: skip
"""What molmara writes into a run folder (the trainer, its CSV recorder, the job manager, `molmara report`)."""
RUN_FILE_PATTERNS = ("report_*.png",)


class RunNameError(ValueError):
    """A run name that is not allowed; the message says what is."""


def check_run_name(name: object) -> str:
    """`name` if it is an allowed run name, else `RunNameError` naming it and the rule."""
    if not isinstance(name, str) or not RUN_NAME.fullmatch(name) or name.isdigit():
        raise RunNameError(
            f"run name {name!r} is not allowed: use 1-200 letters, digits and . _ = + - , starting with a letter or "
            "digit, not all digits (no spaces, no / or \\, not '.' or '..')"
        )
    return name


def name_part(value: object) -> str:
    """`value` as a piece of a run name (a sweep's key=value labels): kept when it is allowed as it is; otherwise
    a path becomes its file stem, other characters become "_", and a short digest of the value keeps it unique."""
    text = str(value)
    if re.fullmatch(r"[A-Za-z0-9._=+-]+", text):
        return text
    stem = Path(text).stem if ("/" in text or "\\" in text) else text
    cleaned = re.sub(r"[^A-Za-z0-9._=+-]+", "_", stem).strip("_.") or "value"
    return f"{cleaned[:60]}-{hashlib.sha1(text.encode()).hexdigest()[:6]}"


def run_folder(output: str | Path, name: str) -> Path:
    """`<output>/<name>` for an allowed name, checked to lie inside the output folder once resolved."""
    check_run_name(name)
    base = Path(output).resolve()
    folder = (base / name).resolve()
    if folder.parent != base:  # e.g. the name is a symbolic link that leads elsewhere
        raise RunNameError(f"the folder of run {name!r} resolves to {folder}, outside the output folder {base}")
    return Path(output) / name


def remove_run_files(folder: str | Path, name: str) -> tuple[list[Path], list[Path]]:
    """Delete what molmara wrote into the run folder of `name`; (removed, left behind).

    Nothing is removed when the folder's name is not the run's name (a store that points elsewhere).
    The folder itself goes only when it is empty afterwards.
    """
    folder = Path(folder)
    if folder.name != name or folder.is_symlink() or not folder.is_dir():
        raise RunNameError(f"{folder} is not the folder of run {name!r}; nothing deleted")
    ours = [folder / f for f in RUN_FILES] + [p for pattern in RUN_FILE_PATTERNS for p in folder.glob(pattern)]
    removed = []
    for path in ours:
        if path.is_file() and not path.is_symlink():
            path.unlink()
            removed.append(path)
    left = sorted(folder.iterdir())
    if not left:
        folder.rmdir()
    return removed, left

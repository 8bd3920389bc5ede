"""Helpers shared by the benchmark scripts: the machine description and writing results."""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """What the numbers were measured on."""
    info = {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": str(torch.__version__),
        "platform": platform.platform(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    try:
        import rdkit

        info["rdkit"] = rdkit.__version__
    except ImportError:
        pass
    return info


def command() -> str:
    """The command that reproduces this run, from the repository root (benchmarks run as modules)."""
    module = "benchmarks." + Path(sys.argv[0]).stem
    return "python -m " + " ".join(shlex.quote(a) for a in [module] + sys.argv[1:])


def write_result(
    name: str, payload: dict, markdown: str, folder: Path | None = None, reproduce: str | None = None
) -> tuple[Path, Path]:
    """Write `results/<name>.json` (numbers, machine, command, date) and `results/<name>.md`
    (or into `folder` instead of `results/`; `reproduce`: the command to show when it is not this one)."""
    results = Path(folder) if folder is not None else RESULTS
    results.mkdir(parents=True, exist_ok=True)
    date = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    record = {"benchmark": name, "date": date, "command": reproduce or command()}
    record["machine"] = machine()
    record.update(payload)
    json_path = results / f"{name}.json"
    json_path.write_text(json.dumps(record, indent=2) + "\n")
    m = record["machine"]
    header = (
        f"# {name}\n\nMeasured {record['date']} on {m['cpu']} ({m['cores']} cores, torch {m['torch']}, "
        f"{m['torch_threads']} threads{', GPU ' + m['gpu'] if m['gpu'] else ', no GPU'}).\n\n"
        f"Reproduce: `{record['command']}`\n\n"
    )
    md_path = results / f"{name}.md"
    md_path.write_text(header + markdown.rstrip() + "\n")
    return json_path, md_path

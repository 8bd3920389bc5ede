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


def listed(text: str | None, default: tuple, known=None, cast=str) -> tuple:
    """A comma-separated command-line list (`default` when empty); an unknown value stops with the choices."""
    if not text:
        return default
    values = tuple(cast(v.strip()) for v in text.split(",") if v.strip())
    unknown = [v for v in values if known is not None and v not in known]
    if unknown:
        raise SystemExit(f"unknown {unknown[0]!r}; choose from {', '.join(known)}")
    return values


def finished_run(config: dict, runs_dir: Path):
    """Run a benchmark run to its end — resumed from its checkpoint, or started clean (store entry and folder
    of an unfinished attempt removed) — or just read it back when it finished before; its `RunData`."""
    import shutil

    from molmara.lifecycle import run
    from molmara.metrics import load_run
    from molmara.store import RunStore

    run_dir = runs_dir / config["name"]
    summary_path = run_dir / "summary.json"
    status = json.loads(summary_path.read_text()).get("status") if summary_path.is_file() else None
    if status != "finished":
        if (run_dir / "checkpoint.pt").is_file():
            run(config, resume=True)
        else:
            runs_dir.mkdir(parents=True, exist_ok=True)
            with RunStore(runs_dir / "molmara.db") as store:
                if store.has_run(config["name"]):
                    store.delete_run(config["name"])
            shutil.rmtree(run_dir, ignore_errors=True)
            run(config)
    data = load_run(run_dir)
    if data.summary.get("status") != "finished":  # cancelled (SIGTERM) or failed: no row, resumed next time
        raise RuntimeError(f"run {config['name']} ended {data.summary.get('status')!r}, not finished")
    return data

"""Peak memory (RSS) and time of `molmara sample` for a large batch job (default: one million molecules).

Runs the command as a child process and reads its peak resident set size from the kernel
(`getrusage(RUSAGE_CHILDREN)`), so the number is what the job itself used.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import write_result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--threads", type=int, default=None, help="OMP_NUM_THREADS for the job (default: torch's)")
    parser.add_argument("--extra", default="", help="more `molmara sample` options, e.g. '--unique'")
    parser.add_argument("--note", default="", help="a line about the conditions (e.g. other jobs running)")
    parser.add_argument("--name", default="sample_memory")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.threads:
        env["OMP_NUM_THREADS"] = str(args.threads)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "samples.csv"
        command = [sys.executable, "-m", "molmara.cli", "sample", "-n", str(args.n), "-o", str(output)]
        command += ["--batch-size", str(args.batch_size), "--seed", "0", "--quiet", *args.extra.split()]
        started = time.perf_counter()
        subprocess.run(command, check=True, env=env)
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux reports KiB
        size_mib = output.stat().st_size / 2**20
        with open(output) as handle:
            rows = sum(1 for _ in handle) - 1
    payload = {
        "n": args.n,
        "rows": rows,
        "batch_size": args.batch_size,
        "threads": args.threads,
        "extra": args.extra,
        "seconds": seconds,
        "molecules_per_s": rows / seconds,
        "peak_rss_mib": peak_mib,
        "file_mib": size_mib,
        "note": args.note,
    }
    table = (
        "| molecules | options | peak RSS (MiB) | wall time (s) | molecules/s | file (MiB) |\n"
        "|---|---|---|---|---|---|\n"
        f"| {rows:,} | `{args.extra or '-'}` batch {args.batch_size} | {peak_mib:,.0f} | {seconds:,.0f} | "
        f"{rows / seconds:,.0f} | {size_mib:,.0f} |\n"
    )
    text = table + "\n" + __doc__ + ("\n" + args.note + "\n" if args.note else "")
    json_path, md_path = write_result(args.name, payload, text)
    print(table)
    print(f"wrote {json_path} and {md_path}")


if __name__ == "__main__":
    main()

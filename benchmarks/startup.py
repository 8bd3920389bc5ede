"""Start-up: seconds until `molmara --help` answers, until the light layers are imported and until the app's Home
page has run once, each in a fresh process (median of 5), on this machine as it is (the load average is recorded
beside the numbers). The Home page is what a Streamlit server runs on its first visit: its imports and the script;
the browser's painting is not counted.

    python -m benchmarks.startup
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

from benchmarks.common import write_result

COMMANDS = {
    "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
    "python -m molmara.cli --help": [sys.executable, "-m", "molmara.cli", "--help"],
    "molmara --help (the installed command)": [shutil.which("molmara") or "molmara", "--help"],
    "import molmara.chem": [sys.executable, "-c", "import molmara.chem"],
    "import molmara.metrics; internal_diversity of 3 SMILES": [
        sys.executable, "-c", "import molmara.metrics as m; m.internal_diversity(['CCO', 'CCN', 'c1ccccc1'])",
    ],
    "import molmara; molmara.load_prior()": [sys.executable, "-c", "import molmara; molmara.load_prior()"],
    "the app's Home page, first run in a fresh process (Streamlit's AppTest, its import included)": [
        sys.executable, "-c", "import molmara, pathlib; from streamlit.testing.v1 import AppTest; "
        "app = AppTest.from_file(str(pathlib.Path(molmara.__file__).parent / 'app' / 'Home.py'), default_timeout=60); "
        "app.run(); assert not app.exception, app.exception",  # a broken page must not time as a fast one
    ],
}  # fmt: skip


def seconds(command: list[str], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    load = os.getloadavg()[0]
    rows = {label: seconds(command) for label, command in COMMANDS.items()}
    table = "\n".join(f"| {label} | {value:.2f} |" for label, value in rows.items())
    markdown = (
        f"Load average when it started: {load:.1f} (2 = both cores busy with other work).\n\n"
        "| what | seconds (median of 5 fresh processes) |\n|---|---|\n" + table
    )
    write_result("startup", {"load_average": load, "seconds": rows}, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

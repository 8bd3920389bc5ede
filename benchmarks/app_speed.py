"""How long the app's interactions take on real 10,000-call runs: each page's script run, timed with Streamlit's
AppTest (the server's work; the browser's painting is not in it), first when nothing is cached and again.

The store is made from finished run stores given with `--stores` (e.g. two runs of the PMO benchmark), merged into
one fresh store so that Compare and the pooled views have two runs. Scaffold diversity opens at threshold 0, so
every scored molecule of the first run is a hit (about 10,000), then moves the threshold, switches the grouping
and picks another scaffold — the interactions the issue asks to keep under a second.

    python -m benchmarks.app_speed --stores A/molmara.db B/molmara.db
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import time
from pathlib import Path

from benchmarks.common import write_result
from molmara.resources import APP

TIMEOUT = 600


def merge_stores(sources: list[Path], target: Path) -> list[str]:
    """Copy every run (with its steps and molecules) of `sources` into a new store at `target`; run names."""
    from molmara.store import RunStore

    target.unlink(missing_ok=True)
    RunStore(target).close()  # the current schema
    names = []
    with sqlite3.connect(target) as conn:
        for source in sources:
            conn.execute("ATTACH DATABASE ? AS source", (str(source),))
            tables = {}
            for table in ("runs", "steps", "molecules"):
                tables[table] = [row[1] for row in conn.execute(f"PRAGMA source.table_info({table})")]
            for old_id, name in conn.execute("SELECT id, name FROM source.runs WHERE kind = 'rl'").fetchall():
                run_columns = [c for c in tables["runs"] if c != "id"]
                cursor = conn.execute(
                    f"INSERT INTO runs ({', '.join(run_columns)}) SELECT {', '.join(run_columns)} "
                    "FROM source.runs WHERE id = ?",
                    (old_id,),
                )
                new_id = cursor.lastrowid
                for table in ("steps", "molecules"):
                    columns = [c for c in tables[table] if c not in ("id", "run_id")]
                    conn.execute(
                        f"INSERT INTO {table} (run_id, {', '.join(columns)}) SELECT ?, {', '.join(columns)} "
                        f"FROM source.{table} WHERE run_id = ?",
                        (new_id, old_id),
                    )
                names.append(name)
            conn.commit()
            conn.execute("DETACH DATABASE source")
    return names


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def checked(at) -> None:
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].value}")


def scaffold_picker(at):
    return next(box for box in at.selectbox if box.label.startswith("scaffold (or click"))


def measure(store: Path, names: list[str]) -> list[dict]:
    """One row per interaction: seconds the first time (cold caches) and the median of two repeats (warm)."""
    from streamlit.testing.v1 import AppTest

    os.environ["MOLMARA_STORE"] = str(store)
    rows: list[dict] = []

    def page(script: str, **query) -> AppTest:
        at = AppTest.from_file(str(APP / script), default_timeout=TIMEOUT)
        for key, value in query.items():
            at.query_params[key] = value
        return at

    def record(label: str, make_and_act) -> None:
        times = [make_and_act() for _ in range(3)]
        rows.append({"interaction": label, "first_s": times[0], "again_s": statistics.median(times[1:])})
        print(f"{label}: {times[0]:.2f} s, again {statistics.median(times[1:]):.2f} s", flush=True)

    first = names[0]

    def open_scaffolds() -> float:
        at = page("pages/4_Scaffold_diversity.py", run=first, threshold="0")
        seconds = timed(at.run)
        checked(at)
        return seconds

    def scaffold_action(act) -> float:
        at = page("pages/4_Scaffold_diversity.py", run=first, threshold="0")
        at.run()
        checked(at)
        seconds = timed(lambda: act(at))
        checked(at)
        return seconds

    record("Scaffold diversity: open at threshold 0 (every molecule a hit)", open_scaffolds)
    record(
        "Scaffold diversity: threshold 0 → 0.5",
        lambda: scaffold_action(lambda at: at.slider(key="scaffold_threshold").set_value(0.5).run()),
    )
    record(
        "Scaffold diversity: Murcko → generic",
        lambda: scaffold_action(lambda at: at.radio(key="scaffold_kind").set_value("generic").run()),
    )
    record(
        "Scaffold diversity: pick the second scaffold",
        lambda: scaffold_action(
            lambda at: scaffold_picker(at).set_value(scaffold_picker(at).options[1].split(" — ")[0]).run()
        ),
    )

    def open_page(script: str, **query) -> float:
        at = page(script, **query)
        seconds = timed(at.run)
        checked(at)
        return seconds

    record("Monitor: open a finished run", lambda: open_page("pages/3_Monitor.py", run=first))
    if len(names) > 1:
        from molmara.store import RunStore

        with RunStore(store, create=False) as opened:
            ids = [int(opened.get_run(n)["id"]) for n in names[:2]]

        def compare() -> float:
            at = page("pages/5_Compare_runs.py")
            at.run()
            seconds = timed(lambda: at.multiselect(key="compare_runs").set_value(ids).run())
            checked(at)
            return seconds

        record("Compare: two runs", compare)
    record("Why do runs collapse?: open", lambda: open_page("pages/6_Why_do_runs_collapse.py", run=first))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=Path, nargs="+", required=True, help="finished run stores to merge")
    parser.add_argument("--store", type=Path, default=Path("molmara-runs") / "app-speed.db", help="the merged store")
    args = parser.parse_args(argv)
    from molmara.store import RunStore

    args.store.parent.mkdir(parents=True, exist_ok=True)
    names = merge_stores(args.stores, args.store)
    with RunStore(args.store, create=False) as store:
        sizes = {name: len(store.molecules(name)) for name in names}
    load = os.getloadavg()
    rows = measure(args.store, names)
    table = "\n".join(f"| {r['interaction']} | {r['first_s']:.2f} | {r['again_s']:.2f} |" for r in rows)
    runs = ", ".join(f"`{name}` ({count:,} molecules)" for name, count in sizes.items())
    markdown = (
        f"Runs: {runs}. Load average when it started: {load[0]:.1f} (2 = both cores busy with other work).\n\n"
        "Seconds of the page's script run in Streamlit's AppTest (server side; painting in the browser is not\n"
        "counted). First: nothing cached; again: the median of two repeats with Streamlit's caches warm.\n\n"
        "| interaction | first (s) | again (s) |\n|---|---|---|\n" + table
    )
    write_result("app_speed", {"runs": sizes, "load_average": load[0], "rows": rows}, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

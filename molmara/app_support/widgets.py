"""Streamlit pieces shared by the app's pages: page setup, the run store, run pickers, molecule
drawings and tables with CSV/SDF export. Each reads the store through molmara's public API."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pandas as pd
import streamlit as st

from molmara.app_support.data import (
    HIT_COLUMNS,
    csv_bytes,
    describe_store,
    hit_threshold,
    hits_frame,
    run_config,
    scored,
    sdf_text,
    store_path_from_argv,
)
from molmara.chem.draw import grid_svg
from molmara.chem.rdkit_log import quiet_rdkit
from molmara.jobs import JobManager
from molmara.oracles.user import ALLOW_EXTERNAL
from molmara.store.db import RunNotFoundError, RunStore, StoreError


def page(title: str, caption: str = "") -> Path:
    """Set up a page (wide layout, its heading, the store in the sidebar); returns the run store's path.

    Also turns the `external` oracle off in this process and the runs it launches, unless the server was started
    with `molmara app --allow-external-oracles`: the app runs objectives that anyone who can open the page uploads.
    """
    os.environ.setdefault(ALLOW_EXTERNAL, "0")
    quiet_rdkit()
    st.set_page_config(page_title=f"{title} · molmara", layout="wide")
    st.title(title)
    if caption:
        st.caption(caption)
    path = store_path_from_argv()
    st.sidebar.caption(describe_store(path))
    return path


@st.cache_resource(show_spinner=False)
def _job_manager(store_path: str) -> JobManager:
    return JobManager(store_path)


def job_manager(store_path: str | Path) -> JobManager:
    """One job manager per store for the app's lifetime, so that it can reap the runs it started."""
    return _job_manager(str(Path(store_path).resolve()))


@st.cache_resource(show_spinner="loading the prior")
def cached_prior(path: str | None = None):
    """A prior loaded once (the shipped one when `path` is empty)."""
    import molmara

    return molmara.load_prior(path or None)


def open_store(path: Path, quiet: bool = False) -> RunStore | None:
    """The run store, or None with a message a chemist can act on (no store yet, not a store file)."""
    if not path.is_file():
        if not quiet:
            st.info(f"No run store at `{path}` yet: launch a run on the **Launch** page and it will appear here.")
        return None
    try:
        return RunStore(path, create=False)
    except StoreError as err:
        st.error(str(err))
        return None


def list_runs(store: RunStore, refresh: bool = True) -> pd.DataFrame:
    """The store's runs, newest first; runs whose process died are marked failed first."""
    if refresh:
        try:
            job_manager(store.path).refresh()
        except StoreError as err:  # a read-only or busy store: show what is there
            st.caption(f"could not refresh run statuses: {err}")
    return store.list_runs()


def run_label(row: dict | pd.Series) -> str:
    """How a run is named in pickers: id and name. Not its status: a select box keeps showing the label it was
    first drawn with (a finished run stayed "(running)" in the picker); the runs table and the status card say it."""
    return f"{row['id']} · {row['name']}"


def _requested_run(runs: pd.DataFrame) -> int | None:
    """The run named by the page's `?run=` query parameter (id or name), with a warning when it is gone."""
    wanted = st.query_params.get("run")
    if not wanted:
        return None
    match = runs[(runs["id"].astype(str) == wanted) | (runs["name"] == wanted)]
    if match.empty:
        st.warning(f"Run `{wanted}` is not in the store (it may have been deleted); showing another run.")
        return None
    return int(match["id"].iloc[0])


ENOUGH_HITS = 20
"""A run with fewer hits says little about how its probability spreads over scaffolds."""


def _with_hits_first(runs: pd.DataFrame) -> list[int]:
    """Run ids, newest first: those with enough hits, then those with some, then the rest."""
    hits = pd.to_numeric(runs["hits"], errors="coerce").fillna(0)
    order = [hits >= ENOUGH_HITS, (hits > 0) & (hits < ENOUGH_HITS), hits <= 0]
    return [int(i) for mask in order for i in runs["id"][mask]]


def pick_run(runs: pd.DataFrame, key: str, label: str = "run", prefer_hits: bool = False) -> int | None:
    """A select box over the runs, newest first (the `?run=` query parameter, else with `prefer_hits` the
    newest run with hits, is chosen at first); returns the run id."""
    if runs.empty:
        st.info("The store has no runs yet: launch one on the **Launch** page.")
        return None
    ids = runs["id"].astype(int).tolist()
    labels = {int(r["id"]): run_label(r) for r in runs.to_dict("records")}
    requested = _requested_run(runs)
    if requested is None and prefer_hits:
        requested = _with_hits_first(runs)[0]
    index = ids.index(requested) if requested in ids else 0
    return st.selectbox(label, ids, index=index, format_func=labels.get, key=key)


def pick_runs(runs: pd.DataFrame, key: str, default: int = 1, label: str = "runs") -> list[int]:
    """A multi-select over the runs (at first the `?run=` one, else the newest `default` runs with hits)."""
    if runs.empty:
        st.info("The store has no runs yet: launch one on the **Launch** page.")
        return []
    ids = runs["id"].astype(int).tolist()
    labels = {int(r["id"]): run_label(r) for r in runs.to_dict("records")}
    requested = _requested_run(runs)
    chosen = [requested] if requested is not None else _with_hits_first(runs)[:default]
    return st.multiselect(label, ids, default=chosen, format_func=labels.get, key=key)


@st.cache_data(show_spinner=False, max_entries=64)
def load_run(store_path: str, run_id: int, stamp: float) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A run's row, molecules and steps; `stamp` (the run's updated_at) makes a running run reload."""
    with RunStore(store_path, create=False) as store:
        return store.get_run(run_id), store.molecules(run_id), store.steps(run_id)


def run_tables(store: RunStore, run_id: int) -> tuple[dict, pd.DataFrame, pd.DataFrame] | None:
    """`load_run` for a run that may have been deleted meanwhile: None with a warning then."""
    try:
        info = store.get_run(run_id)
        return load_run(str(store.path), int(run_id), float(info["updated_at"]))
    except RunNotFoundError:
        st.warning(f"Run {run_id} is no longer in the store (deleted?). Pick another run.")
        return None


def show_run_problem(info: dict) -> None:
    """The message of a failed, cancelled or collapsed run, where the chemist sees it."""
    if info["status"] == "failed":
        st.error(f"Run {info['name']!r} failed. {info.get('message') or ''}".strip())
    elif info["status"] in ("cancelled", "collapsed") and info.get("message"):
        st.warning(f"Run {info['name']!r} {info['status']}: {info['message']}")


def molecule_grid(
    smiles: Sequence[str],
    legends: Sequence[str] | None = None,
    limit: int = 24,
    per_row: int = 6,
    core: str | None = None,
):
    """Draw molecules locally (RDKit SVG); at most `limit`, with a note when more were left out; `core`: aligned
    to that scaffold with it highlighted."""
    from molmara.chem.smiles import to_mol

    smiles = list(smiles)
    legends = list(legends) if legends is not None else smiles
    shown, invalid = [], 0  # parsed in order until `limit` are drawable: a scaffold may have thousands of members
    for text, legend in zip(smiles, legends, strict=True):
        if len(shown) == limit:
            break
        mol = to_mol(text)
        if mol is None:
            invalid += 1
        else:
            shown.append((mol, legend))
    if not shown:
        st.caption("no molecules to draw" if not smiles else f"none of the {len(smiles):,} molecules is valid")
        return
    st.image(grid_svg([m for m, _ in shown], [g for _, g in shown], per_row=per_row, size=200, core=core))
    if len(shown) < len(smiles):
        note = f"{len(shown)} of {len(smiles):,} molecules drawn"
        st.caption(note + (f" ({invalid:,} invalid, not drawn)" if invalid else ""))


VALUE_FORMAT = ",~r"
"""Axis labels as a chemist writes numbers: 0.8, 50, 1,200 (not 5e+1 or 1.2e+2)."""


def count_axis(title: str | None = None):
    """An axis for steps and oracle calls: whole numbers only, thousands separated."""
    import altair as alt

    return alt.Axis(title=title, format=",d", tickMinStep=1)


def fitted_height(rows: int, most: int) -> int:
    """A table's height in pixels: its rows and header, at most `most` (no empty rows under a short table)."""
    return min(most, 3 + 35 * (rows + 1))  # rows and header are 35 px, the border 3


def plural(count: int, noun: str) -> str:
    """'1 hit', '2 hits', '1,024 hits'."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def table_with_export(
    table: pd.DataFrame, key: str, filename: str, smiles_column: str = "smiles", height: int | None = None
) -> pd.DataFrame:
    """A table whose rows can be selected, with CSV and SDF downloads of the selected rows (all when none
    are selected). Returns the selected rows."""
    event = st.dataframe(
        table,
        key=key,
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        height=fitted_height(len(table), height) if height else "auto",
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    selected = table.iloc[rows] if rows else table
    what = f"{len(selected):,} selected" if rows else f"all {len(table):,}"
    left, right, note = st.columns([1, 1, 3])
    # the files are made when a button is clicked, not on every rerun
    left.download_button(
        "CSV", partial(csv_bytes, selected), f"{filename}.csv", "text/csv", key=f"{key}-csv", on_click="ignore"
    )
    if smiles_column in table:
        sdf = partial(sdf_text, selected, smiles_column)
        right.download_button(
            "SDF", sdf, f"{filename}.sdf", "chemical/x-mdl-sdfile", key=f"{key}-sdf", on_click="ignore"
        )
    note.caption(f"downloads hold {what} rows; select rows in the table to export only those")
    return table.iloc[rows]


def pose_downloads(info: dict, selected_smiles: list[str], key: str) -> None:
    """Download buttons for a docking run's poses (SDF, best score first): the selected hits', and all."""
    from molmara.oracles.docking import POSES, collect_poses

    folder = Path(info["run_dir"] or "")
    if not info["run_dir"] or not any((folder / POSES).glob("*.sdf")):
        return
    left, right, note = st.columns([1, 1, 3])
    name = info["name"]
    if selected_smiles:
        chosen = partial(collect_poses, folder, selected_smiles)
        left.download_button("Poses of the selected", chosen, f"{name}-poses-selected.sdf", "chemical/x-mdl-sdfile",
                             key=f"{key}-selected", on_click="ignore")  # fmt: skip
    right.download_button("All poses", partial(collect_poses, folder), f"{name}-poses.sdf", "chemical/x-mdl-sdfile",
                          key=f"{key}-all", on_click="ignore")  # fmt: skip
    note.caption("docked poses in 3D (Vina score as a property), for PyMOL, Maestro or any SDF viewer")


@st.cache_data(show_spinner=False, max_entries=64)
def _run_hits(store_path: str, run_id: int, stamp: float, threshold: float) -> tuple[pd.DataFrame, int]:
    info, molecules, _ = load_run(store_path, run_id, stamp)
    return hits_frame(molecules, threshold, info["name"]), len(scored(molecules))


def runs_hits(store: RunStore, run_ids: Sequence[int], threshold: float | None = None) -> tuple[pd.DataFrame, dict]:
    """The distinct hits of several runs (column `run` names each) at `threshold` (default: each run's own),
    and per run its row, hits, oracle calls and threshold. Runs deleted meanwhile are left out with a warning."""
    frames, per_run = [], {}
    for run_id in run_ids:
        tables = run_tables(store, run_id)
        if tables is None:
            continue
        info = tables[0]
        cut = hit_threshold(run_config(info)) if threshold is None else float(threshold)
        hits, calls = _run_hits(str(store.path), int(run_id), float(info["updated_at"]), cut)
        frames.append(hits)
        per_run[info["name"]] = {"info": info, "hits": hits, "oracle_calls": calls, "threshold": cut}
    hits = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=HIT_COLUMNS)
    return hits, per_run

"""Monitor: the runs with their status; live curves of the chosen run, its newest hits, cancel and resume."""

from __future__ import annotations

import contextlib

import altair as alt
import streamlit as st

from molmara.app_support.data import step_curves
from molmara.app_support.molecule_table import molecule_table
from molmara.app_support.widgets import (
    VALUE_FORMAT,
    count_axis,
    fitted_height,
    job_manager,
    list_runs,
    molecule_grid,
    open_store,
    page,
    pick_run,
    pose_downloads,
    run_tables,
    show_run_problem,
)
from molmara.jobs import ACTIVE, log_tail
from molmara.store.db import RunNotFoundError, RunStore, StoreError

CURVES = {
    "score_mean": "mean score",
    "score_max": "best score in the batch",
    "hits": "hits (distinct, score ≥ hit threshold)",
    "unique_hit_scaffolds": "unique hit scaffolds",
    "unique_fraction": "batch uniqueness",
    "kl_estimate": "KL estimate (prior NLL − agent NLL)",
}
REFRESH_SECONDS = 3.0

store_path = page("Monitor runs", "Statuses refresh on every visit; a running run's curves refresh by themselves.")
store = open_store(store_path)
if store is None:
    st.stop()

runs = list_runs(store)
st.dataframe(runs, hide_index=True, height=fitted_height(len(runs), 300))
run_id = pick_run(runs, key="monitor_run")
if run_id is None:
    st.stop()
running = runs.loc[runs["id"] == run_id, "status"].isin(ACTIVE).any()


def actions(info: dict) -> None:
    """Cancel a running run; resume a cancelled or failed one; delete one that has ended. The outcome is
    kept in the session and shown after the page redraws."""
    jobs = job_manager(store_path)
    left, _, right = st.columns(3)
    note = None
    if info["status"] in ACTIVE and left.button("Cancel", key="monitor_cancel"):
        with st.spinner("asking the run to stop (it writes a checkpoint first)"):
            try:
                note = ("success", f"run {info['name']!r} is now {jobs.cancel(info['id'], wait=30)}")
            except StoreError as err:
                note = ("error", str(err))
    elif info["status"] not in (*ACTIVE, "finished") and left.button("Resume", key="monitor_resume"):
        try:
            jobs.resume(info["id"])
            note = ("success", f"run {info['name']!r} resumed from its last checkpoint")
        except (StoreError, ValueError) as err:
            note = ("error", str(err))
    deletable = info["status"] not in ACTIVE and right.toggle("delete this run", key="monitor_delete_toggle")
    if deletable and right.button(f"Delete run {info['name']!r} from the store", key="monitor_delete"):
        with contextlib.suppress(RunNotFoundError), RunStore(store_path, create=False) as writable:
            writable.delete_run(info["id"])
        note = ("success", f"run {info['name']!r} deleted from the store (its folder stays: {info['run_dir']})")
    if note:
        st.session_state["monitor_note"] = note
        st.rerun()


@st.fragment(run_every=REFRESH_SECONDS if running else None)
def live(run_id: int) -> None:
    """The run's status, curves and newest hits; reruns by itself every few seconds while the run is going."""
    note = st.session_state.pop("monitor_note", None)
    if note:
        (st.success if note[0] == "success" else st.error)(note[1])
    if running:
        job_manager(store_path).refresh()  # a run whose process died shows as failed
    with RunStore(store_path, create=False) as own:  # the timer reruns this in another thread: its own connection
        tables = run_tables(own, run_id)
    if tables is None:
        return
    info, molecules, steps = tables
    if running != (info["status"] in ACTIVE):
        st.rerun()  # the run has ended or started again: redraw the page, with or without the timer
    show_run_problem(info)
    summary = info["summary"]
    columns = st.columns(5)
    columns[0].metric("status", info["status"])
    columns[1].metric("steps", f"{int(steps['step'].max()) if len(steps) else 0:,}")
    columns[2].metric("oracle calls", f"{int(steps['oracle_calls'].max()) if len(steps) else 0:,}")
    columns[3].metric("hits", f"{int(steps['hits'].iloc[-1]) if len(steps) else 0:,}")
    columns[4].metric("hit scaffolds", f"{int(steps['unique_hit_scaffolds'].iloc[-1]) if len(steps) else 0:,}")
    if info["status"] in ACTIVE and not len(steps):
        st.info("The run is starting (loading the prior and the objective); its first step appears here soon.")
        tail = log_tail(info.get("log_path"), 5)
        if tail:
            st.code(tail)
    if len(steps):
        curves = step_curves({info["name"]: steps}, list(CURVES))
        curves["metric"] = curves["metric"].map(CURVES)
        chart = (
            alt.Chart(curves)
            .mark_line(point=len(steps) < 30)
            .encode(
                x=alt.X("step:Q", axis=count_axis("step")),
                y=alt.Y("value:Q", title=None, axis=alt.Axis(format=VALUE_FORMAT)),
                tooltip=["step", "oracle_calls", "value"],
            )
            .properties(height=150, width=250)
            .facet(facet=alt.Facet("metric:N", title=None, sort=list(CURVES.values())), columns=3)
            .resolve_scale(y="independent")
        )
        st.altair_chart(chart)
    hits = molecules[molecules["hit"]] if len(molecules) else molecules
    st.subheader(f"Newest hits ({len(hits):,} hit rows)" if len(hits) else "No hits yet")
    if len(hits):
        newest = hits.drop_duplicates("canonical_smiles", keep="first").iloc[::-1].head(12)
        molecule_grid(
            newest["smiles"].tolist(),
            [f"{s:.3f} · step {t}" for s, t in zip(newest["score"], newest["step"], strict=True)],
        )
    if summary:
        with st.expander("summary and config"):
            st.json(summary)
            st.code(info["config"], language="toml")
    actions(info)
    if len(hits):
        st.subheader("Hits")
        shown = hits.drop_duplicates("canonical_smiles").drop(columns=["id", "run_id", "valid", "hit", "over_budget"])
        selected = molecule_table(shown, key=f"monitor_hits_{run_id}", filename=f"{info['name']}-hits")
        pose_downloads(info, selected["canonical_smiles"].tolist(), key=f"monitor_poses_{run_id}")


live(run_id)

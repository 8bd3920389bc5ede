"""Compare runs: their curves overlaid and the metrics side by side — MARA against plain at a glance."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from molmara.app_support.data import comparison_reading, comparison_warnings, run_data, step_curves
from molmara.app_support.widgets import (
    VALUE_FORMAT,
    count_axis,
    list_runs,
    open_store,
    page,
    pick_runs,
    table_with_export,
)
from molmara.metrics import METRIC_DESCRIPTIONS, format_table, metrics_table
from molmara.store.db import RunNotFoundError

CURVES = {
    "hits": "hits (distinct, score ≥ hit threshold)",
    "unique_hit_scaffolds": "unique hit scaffolds",
    "score_mean": "mean score",
    "score_max": "best score in the batch",
    "unique_fraction": "batch uniqueness",
    "kl_estimate": "KL estimate",
}
X_AXES = {"oracle_calls": "oracle calls", "step": "step"}


@st.cache_data(show_spinner=False, max_entries=16)
def metrics_of(key: tuple, _runs: list) -> pd.DataFrame:
    """`metrics_table` of the runs, computed again only when `key` (names, sizes, statuses) changes."""
    return metrics_table(_runs)


store_path = page(
    "Compare runs",
    "Runs side by side (e.g. the same objective and seed with and without MARA): curves and metrics; a warning says "
    "when they differ in objective, hit threshold, prior, seed, budget or batch size.",
)
store = open_store(store_path)
if store is None:
    st.stop()
runs = list_runs(store)
run_ids = pick_runs(runs, key="compare_runs", default=2)
if not run_ids:
    st.stop()

loaded = []
for run_id in run_ids:
    try:
        loaded.append(run_data(store, int(run_id)))
    except RunNotFoundError:
        st.warning(f"Run {run_id} is no longer in the store (deleted?).")
if not loaded:
    st.stop()
differences = comparison_warnings({run.name: run.config for run in loaded})
if differences:
    st.warning("Not a like-for-like comparison: " + "; ".join(differences) + ".")

st.subheader("Curves")
left, right = st.columns([1, 3])
x_axis = left.radio("against", list(X_AXES), format_func=X_AXES.get, key="compare_x")
chosen = right.multiselect(
    "curves", list(CURVES), default=list(CURVES)[:4], format_func=CURVES.get, key="compare_curves"
)
curves = step_curves({run.name: run.steps for run in loaded}, chosen)
if curves.empty:
    st.info("These runs have no recorded steps yet.")
else:
    curves["metric"] = curves["metric"].map(CURVES)
    chart = (
        alt.Chart(curves)
        .mark_line()
        .encode(
            x=alt.X(f"{x_axis}:Q", axis=count_axis(X_AXES[x_axis])),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format=VALUE_FORMAT)),
            color=alt.Color(
                "run:N", scale=alt.Scale(scheme="category10"), legend=alt.Legend(orient="bottom", labelLimit=0)
            ),
            tooltip=["run", "step", "oracle_calls", alt.Tooltip("value:Q", format=".3f")],
        )
        .properties(height=200, width=380)
        .facet(facet=alt.Facet("metric:N", title=None, sort=[CURVES[c] for c in chosen]), columns=2)
        .resolve_scale(y="independent")
    )
    st.altair_chart(chart)

st.subheader("Metrics")
with st.spinner("computing the metrics (yield, OB100, top-k AUC, #Circles, scaffolds …)"):
    table = metrics_of(
        tuple((run.name, len(run.molecules), len(run.steps), run.summary.get("status")) for run in loaded), loaded
    )
for sentence in comparison_reading(table):
    st.markdown(f"**{sentence}.**")
shown = format_table(table).reset_index()
shown.insert(1, "meaning", shown["metric"].map(METRIC_DESCRIPTIONS).fillna(""))
table_with_export(shown, key="compare_metrics", filename="metrics", smiles_column="")
st.caption(
    "Every count is in oracle calls (distinct valid molecules scored within the budget); "
    "each run uses its own hit threshold."
)

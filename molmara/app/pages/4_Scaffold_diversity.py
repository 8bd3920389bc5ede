"""Scaffold diversity explorer: the hits of one run or several by scaffold, a metrics card, and a 2-D map
of chemical space (fingerprint PCA) where a selection shows the molecules."""

from __future__ import annotations

import hashlib

import altair as alt
import pandas as pd
import streamlit as st

from molmara.app_support.data import (
    AUTO_DIVERSITY,
    chemical_space,
    hit_metrics,
    hit_threshold,
    run_config,
    scaffold_keys,
    scaffold_table,
)
from molmara.app_support.molecule_table import molecule_table
from molmara.app_support.widgets import (
    fitted_height,
    list_runs,
    molecule_grid,
    open_store,
    page,
    pick_runs,
    plural,
    run_tables,
    runs_hits,
)
from molmara.hits import DEFAULT_TAU

MAP_POINTS = 2000
KINDS = {"murcko": "Murcko scaffold", "generic": "generic scaffold (all carbon, single bonds)"}
state = st.session_state

store_path = page(
    "Scaffold diversity", "How many distinct ideas did a run find? Its hits by scaffold, and where they lie."
)
store = open_store(store_path)
if store is None:
    st.stop()
runs = list_runs(store)
run_ids = pick_runs(runs, key="scaffold_runs")
if not run_ids:
    st.stop()

first = run_tables(store, run_ids[0])
default = hit_threshold(run_config(first[0])) if first else DEFAULT_TAU
try:  # a link may carry the threshold: ?run=NAME&threshold=0.5
    default = min(max(float(st.query_params.get("threshold", default)), 0.0), 1.0)
except ValueError:
    st.warning(f"threshold={st.query_params.get('threshold')!r} in the address is not a number: using {default:.2f}")
left, right = st.columns([2, 1])
threshold = left.slider("hit threshold (score)", 0.0, 1.0, value=float(default), step=0.01, key="scaffold_threshold")
kind = right.radio("group by", list(KINDS), format_func=KINDS.get, key="scaffold_kind", horizontal=True)
with st.spinner("collecting the hits"):
    hits, per_run = runs_hits(store, run_ids, threshold)
if not per_run:
    st.stop()


@st.cache_data(show_spinner=False, max_entries=32)
def metrics_of(
    smiles: tuple[str, ...], murcko: tuple[str, ...], generic: tuple[str, ...], calls: int, diversity: bool
) -> dict:
    frame = pd.DataFrame({"canonical_smiles": smiles, "murcko_scaffold": murcko, "generic_scaffold": generic})
    return hit_metrics(frame, calls, diversity)


def card_columns(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    return [tuple(frame[c].fillna("").astype(str)) for c in ("canonical_smiles", "murcko_scaffold", "generic_scaffold")]


st.subheader("Metrics")
distinct = hits["canonical_smiles"].nunique() if len(hits) else 0
diversity = distinct <= AUTO_DIVERSITY or st.toggle(
    f"#Circles and IntDiv of the {distinct:,} hits (seconds at this many; recomputed at each threshold)",
    key="scaffold_diversity_on",
)
rows = {}
with st.spinner("#Circles and IntDiv of the hits" if diversity else "counting the hits"):
    for name, entry in per_run.items():
        rows[name] = {"status": entry["info"]["status"], "oracle calls": entry["oracle_calls"]}
        rows[name].update(metrics_of(*card_columns(entry["hits"]), entry["oracle_calls"], diversity))
not_computed = "switch on the #Circles and IntDiv toggle above to compute it"
if len(rows) == 1:
    values = next(iter(rows.values()))
    cards = st.columns(6)
    cards[0].metric("yield (hits)", f"{values['yield']:,}", help=f"distinct molecules with score ≥ {threshold:.2f}")
    cards[1].metric("hit rate", f"{values['hit_rate']:.3f}" if values["oracle calls"] else "n/a")
    cards[2].metric("Murcko scaffolds", f"{values['murcko_scaffolds']:,}")
    cards[3].metric("generic scaffolds", f"{values['generic_scaffolds']:,}")
    circles_help = "greedy #Circles of the hits, t = 0.75, Morgan r2 1024"
    if diversity:
        cards[4].metric("#Circles", f"{values['circles']:,}", help=circles_help)
        cards[5].metric("IntDiv1", f"{values['intdiv1']:.3f}" if values["yield"] > 1 else "n/a")
    else:
        cards[4].metric("#Circles", "—", help=f"{circles_help}: {not_computed}")
        cards[5].metric("IntDiv1", "—", help=not_computed)
else:
    pooled = hits.drop_duplicates("canonical_smiles")
    calls = sum(entry["oracle_calls"] for entry in per_run.values())
    rows["all runs (distinct molecules)"] = {
        "status": "", "oracle calls": calls, **metrics_of(*card_columns(pooled), calls, diversity)
    }  # fmt: skip
    labels = {"yield": "yield (hits)", "hit_rate": "hit rate", "murcko_scaffolds": "Murcko scaffolds",
              "generic_scaffolds": "generic scaffolds", "circles": "#Circles", "intdiv1": "IntDiv1"}  # fmt: skip
    st.dataframe(
        pd.DataFrame(rows).T.rename_axis("run").rename(columns=labels),
        column_config={
            "hit rate": st.column_config.NumberColumn(format="%.3f"),
            "IntDiv1": st.column_config.NumberColumn(format="%.3f"),
        },
    )
if hits.empty:
    st.info(f"No hits at score ≥ {threshold:.2f}: lower the threshold to explore what the runs found.")
    st.stop()

st.subheader(f"Scaffolds of the {plural(hits['canonical_smiles'].nunique(), 'hit')}")
table = scaffold_table(hits, kind)
options = table["scaffold"].tolist()
# The table and the picker are keyed by what they list: when the grouping, the runs or the threshold change it,
# both start afresh (a kept row selection or picker value would point at a row of another table), and the
# scaffold picked before stays picked when it is still there.
version = hashlib.sha1("\n".join([kind, *options]).encode()).hexdigest()[:12]
table_key, pick_key = f"scaffold_table_{version}", f"scaffold_pick_{version}"
for stale in [k for k in state if str(k).startswith(("scaffold_table_", "scaffold_pick_")) and version not in k]:
    del state[stale]
if pick_key not in state and state.get("scaffold_last_pick") in options:
    state[pick_key] = state["scaffold_last_pick"]


def picked_from_table() -> None:
    rows = state[table_key].selection.rows
    if rows and rows[0] < len(options):
        state[pick_key] = options[rows[0]]


st.dataframe(
    table,
    key=table_key,
    on_select=picked_from_table,
    selection_mode="single-row",
    hide_index=True,
    height=fitted_height(len(table), 300),
    column_config={
        "best_score": st.column_config.NumberColumn(format="%.3f"),
        "mean_score": st.column_config.NumberColumn(format="%.3f"),
    },
)
counts = dict(zip(table["scaffold"], table["hits"], strict=True))
pick = st.selectbox(
    "scaffold (or click a row above)", options, key=pick_key,
    format_func=lambda s: f"{s} — {plural(counts[s], 'hit')}",
)  # fmt: skip
state["scaffold_last_pick"] = pick
members = hits[scaffold_keys(hits, kind) == pick].sort_values("score", ascending=False)
members = members.drop_duplicates("canonical_smiles")  # as counted in the table: distinct molecules
if pick != "(acyclic)":
    molecule_grid([pick], [f"{KINDS[kind]}, {plural(len(members), 'hit')}"], per_row=1)
molecule_grid(
    members["smiles"].tolist(),
    [
        f"{s:.3f} · {r} · step {t}" if len(per_run) > 1 else f"{s:.3f} · step {t}"
        for s, r, t in zip(members["score"], members["run"], members["step"], strict=True)
    ],
    core=pick if pick != "(acyclic)" and kind == "murcko" else None,  # a generic scaffold matches no real atoms
)
molecule_table(members, key="scaffold_members", filename="scaffold-hits")

st.subheader("Chemical space of the hits")
# best first, ties by SMILES: the same molecules in the same order at every threshold that keeps them all, so the
# map's coordinates come from the cache when the threshold moves
ranked = hits.sort_values(["score", "canonical_smiles"], ascending=[False, True], kind="mergesort")
shown = ranked.head(MAP_POINTS).reset_index(drop=True)
st.caption(
    "First two principal components of Morgan fingerprints (radius 2, 1024 bits)"
    + (f", the {MAP_POINTS:,} best hits" if len(hits) > MAP_POINTS else "")
    + ". Drag a box to see the molecules inside it."
)
coords = st.cache_data(chemical_space, show_spinner="computing the map", max_entries=16)(
    tuple(shown["canonical_smiles"])
)
shown = shown.assign(pc1=coords[:, 0], pc2=coords[:, 1], scaffold=scaffold_keys(shown, kind))
colour_by = st.radio(
    "colour by", ["run", "score"] if len(per_run) > 1 else ["score", "run"], key="map_colour", horizontal=True
)
brush = alt.selection_interval(name="brush", encodings=["x", "y"])
colour = (
    alt.Color("run:N", scale=alt.Scale(scheme="category10"), legend=alt.Legend(orient="bottom", labelLimit=0))
    if colour_by == "run"
    else alt.Color("score:Q", scale=alt.Scale(scheme="viridis"))
)
chart = (
    alt.Chart(shown[["pc1", "pc2", "score", "run", "smiles", "scaffold", "step"]])
    .mark_circle(size=45, opacity=0.75)
    .encode(
        x=alt.X("pc1:Q", title="PC 1", axis=alt.Axis(format="~g")),
        y=alt.Y("pc2:Q", title="PC 2", axis=alt.Axis(format="~g")),
        color=colour,
        tooltip=["smiles", alt.Tooltip("score:Q", format=".3f"), "run", "step", "scaffold"],
    )  # fmt: skip
    .add_params(brush)
    .properties(height=460)
)
event = st.altair_chart(chart, on_select="rerun", key="scaffold_map")
box = dict(getattr(event, "selection", {}) or {}).get("brush") or {}
if box.get("pc1") and box.get("pc2"):
    (x0, x1), (y0, y1) = sorted(box["pc1"]), sorted(box["pc2"])
    inside = shown[shown["pc1"].between(x0, x1) & shown["pc2"].between(y0, y1)]
    st.markdown(f"**{plural(len(inside), 'hit')} in the box** (best first)")
    molecule_grid(
        inside["smiles"].tolist(), [f"{s:.3f} · {r}" for s, r in zip(inside["score"], inside["run"], strict=True)]
    )
    molecule_table(inside.drop(columns=["pc1", "pc2"]), key="map_selection", filename="map-selection")
else:
    st.caption("no box drawn yet")

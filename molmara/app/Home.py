"""molmara — Streamlit app, home page: what the app does, the run store at a glance, and the prior's proposals.

Start it with `molmara app` (or `streamlit run molmara/app/Home.py -- --store molmara-runs/molmara.db`); the
pages are in `molmara/app/pages/`. Every action is one call of molmara's public Python API.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from molmara.app_support.widgets import cached_prior, list_runs, molecule_grid, open_store, page
from molmara.metrics import sample_quality

PAGES = [
    ("pages/1_Objective_builder.py", "Objective builder", "oracles, transforms, weights and filters; test; TOML"),
    ("pages/2_Launch.py", "Launch", "MARA or plain, REINVENT / reverse-KL / forward-KL loss; Compare in one click"),
    ("pages/3_Monitor.py", "Monitor", "statuses, live curves, newest hits; cancel and resume"),
    ("pages/4_Scaffold_diversity.py", "Scaffold diversity", "hits by scaffold, metrics card, chemical-space map"),
    ("pages/5_Compare_runs.py", "Compare runs", "curves overlaid, metrics side by side"),
    ("pages/6_Why_do_runs_collapse.py", "Why do runs collapse?", "the KL-regularised target with and without MARA"),
]

store_path = page("molmara", "A SMILES language model fine-tuned by KL-regularised RL with MARA reward rescaling.")
for path, label, what in PAGES:
    left, right = st.columns([1, 3])
    left.page_link(path, label=label)
    right.caption(what)

st.header("Runs in the store")
store = open_store(store_path)
if store is not None:
    runs = list_runs(store)
    if runs.empty:
        st.info("The store has no runs yet: launch one on the **Launch** page.")
    else:
        counts = runs["status"].value_counts()
        columns = st.columns(len(counts) + 1)
        columns[0].metric("runs", f"{len(runs):,}")
        for column, (status, count) in zip(columns[1:], counts.items(), strict=True):
            column.metric(status, f"{count:,}")
        st.dataframe(runs.head(10), hide_index=True)

st.header("What does the prior propose?")
left, right = st.columns(2)
n = left.number_input("molecules", min_value=10, max_value=20_000, value=500, step=100)
seed = right.number_input("seed", min_value=0, value=0, step=1)

if st.button("Sample", type="primary"):
    import torch  # only here: the page draws its first content without waiting for torch (seconds to import)

    with st.spinner(f"sampling {n} molecules"):
        result = cached_prior().sample(int(n), generator=torch.Generator().manual_seed(int(seed)))
        quality = sample_quality(result.smiles)
    columns = st.columns(5)
    for column, key in zip(columns, ["validity", "uniqueness", "intdiv1", "intdiv2", "unique_scaffolds"], strict=True):
        value = quality[key]
        column.metric(key, f"{value:,.0f}" if key == "unique_scaffolds" else f"{value:.3f}")
    table = pd.DataFrame({"SMILES": result.smiles, "NLL": -result.log_likelihood})
    st.dataframe(table, height=240)
    st.download_button("Download CSV", table.to_csv(index=False), "samples.csv", "text/csv")
    molecule_grid(result.smiles, [f"NLL {x:.1f}" for x in -result.log_likelihood], limit=12)
